/**
 * Hostile local processes and careless timing: a process posing as
 * plymouthd, a plymouthd that breaks the protocol, a user's request trying
 * to collect root's cached passphrase (and the reverse), and keys typed for
 * a prompt that was withdrawn.
 */
import assert from "node:assert/strict";
import { startAskpw } from "../helpers/agents.ts";
import { FakePlymouthd } from "../helpers/fake_plymouthd.ts";
import { PrivateNamespace } from "../helpers/private_namespace.ts";
import { PtyConsole } from "../helpers/pty_console.ts";
import { RecordingAsker, showBytes } from "../helpers/recording_asker.ts";
import { UserDirectory } from "../helpers/user_directory.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const encoder = new TextEncoder();

function expectReply(actual: Uint8Array | null, expected: string): void {
  assert.equal(showBytes(actual), showBytes(encoder.encode(expected)));
}

Deno.test({
  ...options,
  name: "a non-root process posing as plymouthd is refused: it sees nothing, the console asks",
}, async () => {
  await using namespace = await PrivateNamespace.create({ network: true });
  using pty = new PtyConsole();
  await using impostor = await FakePlymouthd.start(namespace, 65534, [
    "--password=stolen-by-impostor",
  ]);
  await using agent = startAskpw(namespace, ["watch", `--consoles=${pty.path}`]);
  using asker = RecordingAsker.create(namespace, {
    message: "Passphrase for the secret disk:",
    acceptCached: true,
  });
  await pty.waitFor("Passphrase for the secret disk: ");
  // Long enough for several of the monitor's once-a-second checks.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  pty.type("typed-by-person\r");
  expectReply(await asker.reply(), "+typed-by-person\0");
  assert.deepEqual(impostor.requests, [], "the impostor received no request, no Message");
  assert.ok(impostor.connections > 0, "askpw did look at the socket");
  const refusals = agent.log.match(/Refusing @\/org\/freedesktop\/plymouthd: .* uid 65534/g);
  assert.equal(refusals?.length, 1, `one log line for the impostor; log: ${agent.log}`);
});

Deno.test({
  ...options,
  name: "a plymouthd that returns 2,000 empty passwords or several answers is not believed",
}, async () => {
  await using namespace = await PrivateNamespace.create({ network: true });
  using pty = new PtyConsole();
  await using broken = await FakePlymouthd.start(namespace, 0, [
    "--cached-empties=2000",
    "--multiple",
    "--password=from-broken-daemon",
  ]);
  await using agent = startAskpw(namespace, ["watch", `--consoles=${pty.path}`]);
  using asker = RecordingAsker.create(namespace, { message: "Broken daemon:", acceptCached: true });
  await agent.waitForLog(/Not using plymouthd \(PID \d+\) any more: it sent several answers/);
  assert.deepEqual(
    broken.requests.map((entry) => entry.request).filter((type) => type !== "P"),
    ["c", "*"],
    "asked for cached answers (2,000 empty ones: unusable), then prompted once",
  );
  await pty.waitFor("Broken daemon: ");
  pty.type("person\r");
  expectReply(await asker.reply(), "+person\0");
  assert.equal(await asker.reply(300), null, "nothing else was sent");
});

Deno.test({
  ...options,
  name: "root's cached passphrase never answers a user's request, nor a user's root's",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  using user = new UserDirectory(1000);
  await using agent = startAskpw(namespace, ["watch", `--console=${pty.path}`], {
    XDG_RUNTIME_DIR: user.runtime,
  });
  // Root types for a system request…
  using system = RecordingAsker.create(namespace, { message: "System disk:", acceptCached: true });
  await pty.waitFor("System disk: ");
  pty.type("root-secret\r");
  expectReply(await system.reply(), "+root-secret\0");
  system.withdraw();
  // …and a request in the user's directory must be asked, not answered from root's cache.
  user.ask("userreq");
  const at = await pty.waitFor("userreq: ");
  assert.equal(await user.reply("userreq", 300), null, "not answered from root's cache");
  pty.type("user-secret\r");
  expectReply(await user.reply("userreq"), "+user-secret\0");
  user.withdraw("userreq");
  // The reverse: a second user request is answered from the user's own cache…
  user.ask("userreq2");
  expectReply(await user.reply("userreq2"), "+user-secret\0");
  user.withdraw("userreq2");
  // …and a system request after it gets root's password, never the user's.
  using second = RecordingAsker.create(namespace, {
    message: "Second system:",
    acceptCached: true,
  });
  expectReply(await second.reply(), "+root-secret\0");
  assert.ok(!pty.textFrom(at).includes("Second system: "), "answered from root's own cache");
  // The log line follows the send: wait for it rather than race the pipe.
  await agent.waitForLog(/Answered \S+ask\.userreq2 from the password cache/);
});

Deno.test({
  ...options,
  name: "keys typed for a withdrawn prompt never answer the next request",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  await using agent = startAskpw(namespace, ["watch", `--console=${pty.path}`]);
  const first = RecordingAsker.create(namespace, { message: "First asker:" });
  await pty.waitFor("First asker: ");
  pty.type("half-typ");
  // The asker goes away mid-typing; the person, not looking, finishes the line.
  first[Symbol.dispose]();
  const withdrawn = await pty.waitFor("(withdrawn)");
  assert.ok(await pty.waitRestored(), "terminal back in normal mode");
  pty.type("ed-for-the-first\r");
  await new Promise((resolve) => setTimeout(resolve, 200));
  using second = RecordingAsker.create(namespace, { message: "Second asker:" });
  await pty.waitFor("Second asker: ", 10_000, withdrawn);
  assert.equal(await second.reply(500), null, "the stale line did not answer it");
  pty.type("meant-for-second\r");
  expectReply(await second.reply(), "+meant-for-second\0");
  await agent.waitForLog(/Answered \S+ from console/);
});
