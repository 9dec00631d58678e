/**
 * Secret hygiene, proven from the outside: the running agent's memory is
 * scanned (every readable mapping, through /proc/PID/mem) for the typed
 * password, as UTF-8 bytes and as a JavaScript string would hold it. While
 * the person types, the scan finds it (so the scan works); once the reply is
 * sent — or the cache entry expired — no copy is left anywhere. Also: the
 * secret pages are locked, and the process is not dumpable, so another
 * process of askpw's own user cannot read its memory.
 */
import assert from "node:assert/strict";
import { startAskpw } from "../helpers/agents.ts";
import { scanProcessMemory } from "../helpers/memory_scan.ts";
import { Plymouthd } from "../helpers/plymouthd.ts";
import { PrivateNamespace } from "../helpers/private_namespace.ts";
import { processStats } from "../helpers/process_stats.ts";
import { PtyConsole } from "../helpers/pty_console.ts";
import { RecordingAsker, showBytes } from "../helpers/recording_asker.ts";
import { UserDirectory } from "../helpers/user_directory.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const encoder = new TextEncoder();

function expectReply(actual: Uint8Array | null, expected: string): void {
  assert.equal(showBytes(actual), showBytes(encoder.encode(expected)));
}

/** A password no other process has reason to hold: the scan can only find our copy. */
function uniqueSecret(): string {
  return `memscan-${crypto.randomUUID()}`;
}

/** Scans until `expected(hits)` or the deadline; returns the last scan's hit count. */
async function scanUntil(
  pid: number,
  secret: string,
  expected: (hits: number) => boolean,
  timeoutMs = 5000,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { hits } = scanProcessMemory(pid, secret);
    if (expected(hits.length) || performance.now() > deadline) return hits.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function describeHits(pid: number, secret: string): string {
  return scanProcessMemory(pid, secret).hits
    .map((hit) => `${hit.encoding} at 0x${hit.address.toString(16)} in ${hit.mapping}`)
    .join("\n");
}

Deno.test({
  ...options,
  name: "console, --no-cache: the password is in memory while typed, nowhere once answered",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  await using agent = startAskpw(namespace, ["watch", `--console=${pty.path}`, "--no-cache"]);
  const pid = agent.process.pid;
  using asker = RecordingAsker.create(namespace, { message: "Scanned disk:", acceptCached: true });
  await pty.waitFor("Scanned disk: ");
  const secret = uniqueSecret();
  pty.type(secret);
  const whileTyping = await scanUntil(pid, secret, (hits) => hits > 0);
  assert.ok(whileTyping > 0, "the scan finds the password while it is being typed");
  assert.ok(processStats(pid).lockedKiB > 0, "secret pages are locked (VmLck)");
  pty.type("\r");
  expectReply(await asker.reply(), `+${secret}\0`);
  const after = await scanUntil(pid, secret, (hits) => hits === 0);
  assert.equal(after, 0, `copies left after the reply:\n${describeHits(pid, secret)}`);
});

Deno.test({
  ...options,
  name: "console, cache: the cached copy is the only one, and it is wiped when it expires",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  await using agent = startAskpw(namespace, [
    "watch",
    `--console=${pty.path}`,
    "--cache-time=15",
  ]);
  const pid = agent.process.pid;
  using asker = RecordingAsker.create(namespace, { message: "Cached disk:", acceptCached: true });
  await pty.waitFor("Cached disk: ");
  const secret = uniqueSecret();
  pty.type(`${secret}\r`);
  expectReply(await asker.reply(), `+${secret}\0`);
  asker.withdraw();
  const cached = scanProcessMemory(pid, secret).hits.length;
  assert.equal(cached, 1, `exactly one copy (the cache entry):\n${describeHits(pid, secret)}`);
  // The entry expires 15 s after it was typed (long enough for a scan on a
  // loaded machine); nothing reads the cache meanwhile.
  const expired = await scanUntil(pid, secret, (hits) => hits === 0, 25_000);
  assert.equal(expired, 0, `copies left after expiry:\n${describeHits(pid, secret)}`);
});

Deno.test({
  ...options,
  name: "plymouth: what plymouthd sends leaves no copy behind once the cache entry expires",
}, async () => {
  await using namespace = await PrivateNamespace.create({ network: true });
  using splash = new PtyConsole();
  await using plymouthd = await Plymouthd.start(namespace, splash);
  await using agent = startAskpw(namespace, [
    "watch",
    `--consoles=${splash.path}`,
    "--cache-time=15",
  ]);
  await agent.waitForLog("plymouthd (PID");
  const pid = agent.process.pid;
  using asker = RecordingAsker.create(namespace, { message: "Splash disk:" });
  await splash.waitFor("Splash disk:");
  const secret = uniqueSecret();
  splash.type(`${secret}\r`);
  expectReply(await asker.reply(), `+${secret}\0`);
  asker.withdraw();
  assert.ok(scanProcessMemory(pid, secret).hits.length > 0, "held by the cache for 15 s");
  const expired = await scanUntil(pid, secret, (hits) => hits === 0, 25_000);
  assert.equal(expired, 0, `copies left:\n${describeHits(pid, secret)}`);
  assert.ok(plymouthd.pid > 0);
});

Deno.test({
  ...options,
  name: "unprivileged (uid 65534): not dumpable, pages locked, no copy once answered",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  using user = new UserDirectory(65534);
  Deno.chownSync(pty.path, 65534, 65534);
  await using agent = startAskpw(
    namespace,
    ["watch", `--console=${pty.path}`, "--no-cache"],
    { XDG_RUNTIME_DIR: user.runtime },
    65534,
  );
  user.ask("userdisk");
  await pty.waitFor("userdisk: ", 30_000);
  const pid = agent.process.pid;
  assert.match(Deno.readTextFileSync(`/proc/${pid}/status`), /^Uid:\s+65534\s/m);
  // Not dumpable: /proc/PID files belong to root, and the user's own processes are shut out.
  assert.equal(Deno.statSync(`/proc/${pid}/mem`).uid, 0, "/proc/PID/mem is root's");
  const peek = await new Deno.Command("setpriv", {
    args: [
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      "--",
      "head",
      "-c1",
      `/proc/${pid}/environ`,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.notEqual(peek.code, 0, "another process of the same user cannot read it");
  assert.match(new TextDecoder().decode(peek.stderr), /Permission denied/);
  const secret = uniqueSecret();
  pty.type(secret);
  assert.ok(await scanUntil(pid, secret, (hits) => hits > 0) > 0, "found while typed");
  assert.ok(processStats(pid).lockedKiB > 0, "locked within RLIMIT_MEMLOCK");
  pty.type("\r");
  expectReply(await user.reply("userdisk"), `+${secret}\0`);
  const after = await scanUntil(pid, secret, (hits) => hits === 0);
  assert.equal(after, 0, `copies left:\n${describeHits(pid, secret)}`);
});
