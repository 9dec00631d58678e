/**
 * askpw with a real plymouthd, headless on a pty, in private mount and
 * network namespaces: Plymouth and the consoles in one agent, with failover.
 */
import assert from "node:assert/strict";
import { keyboardLayout } from "../../src/prompt/keyboard_layout.ts";
import { PrivateNamespace } from "../helpers/private_namespace.ts";
import { PtyConsole } from "../helpers/pty_console.ts";
import { RecordingAsker, showBytes } from "../helpers/recording_asker.ts";
import { startAskpw, startSystemdAsker } from "../helpers/agents.ts";
import { Plymouthd } from "../helpers/plymouthd.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const encoder = new TextEncoder();

function expectReply(actual: Uint8Array | null, expected: string): void {
  assert.equal(showBytes(actual), showBytes(encoder.encode(expected)));
}

/** plymouthd on `splash`, askpw in automatic mode with `splash` and `text` as its consoles. */
async function setUp(args: string[] = []) {
  const namespace = await PrivateNamespace.create({ network: true });
  const splash = new PtyConsole();
  const text = new PtyConsole();
  const plymouthd = await Plymouthd.start(namespace, splash);
  const agent = startAskpw(namespace, [
    "watch",
    "--debug",
    `--consoles=${splash.path},${text.path}`,
    ...args,
  ]);
  await agent.waitForLog("plymouthd (PID");
  return {
    namespace,
    splash,
    text,
    plymouthd,
    agent,
    async [Symbol.asyncDispose]() {
      agent.process.kill("SIGTERM");
      await agent.exit();
      await plymouthd.kill();
      splash[Symbol.dispose]();
      text[Symbol.dispose]();
      await namespace[Symbol.asyncDispose]();
    },
  };
}

Deno.test({
  ...options,
  name:
    "plymouth: a password typed into plymouthd reaches the real asker; the console prompt is withdrawn",
}, async () => {
  await using fixture = await setUp();
  const { namespace, splash, text, agent } = fixture;
  await using asker = startSystemdAsker(namespace, ["--timeout=30", "Ply disk:"]);
  await splash.waitFor("Ply disk:");
  await text.waitFor("Ply disk: ");
  // Plymouth's prompt names the keyboard layout and the asker too, within plymouthd's 254 bytes.
  await splash.waitFor(
    `Ply disk: (keyboard ${keyboardLayout()} · asked by systemd-ask-password (PID ${asker.process.pid}))`,
  );
  assert.ok(
    !splash.text.includes("press TAB"),
    "askpw draws no text prompt on plymouthd's terminal",
  );
  splash.type("s3cr3t pässwörd\r");
  assert.equal((await asker.exit()).code, 0);
  assert.equal(asker.stdout, "s3cr3t pässwörd\n");
  await text.waitFor("(withdrawn)");
  await agent.waitForLog(/Answered \S+ from plymouth/);
});

Deno.test(
  { ...options, name: "plymouth: Echo=1 is asked as an echoed question (W), not masked" },
  async () => {
    const { namespace, splash, text, plymouthd, agent } = await setUp();
    try {
      await using asker = startSystemdAsker(namespace, ["--timeout=30", "--echo", "Ply user:"]);
      const at = await splash.waitFor("Ply user:");
      splash.type("alice\r");
      assert.equal((await asker.exit()).code, 0);
      assert.equal(asker.stdout, "alice\n");
      assert.ok(splash.textFrom(at).includes("alice"), "plymouthd echoed the answer");
    } finally {
      agent.process.kill("SIGTERM");
      await agent.exit();
      await plymouthd.kill();
      splash[Symbol.dispose]();
      text[Symbol.dispose]();
      await namespace[Symbol.asyncDispose]();
    }
  },
);

Deno.test({
  ...options,
  name: "plymouth: a second AcceptCached=1 request is answered from plymouthd's cache",
}, async () => {
  // --no-cache: askpw's own cache stays out, so plymouthd's `c` answers.
  await using fixture = await setUp(["--no-cache"]);
  const { namespace, splash, agent } = fixture;
  using first = RecordingAsker.create(namespace, { message: "First disk:", acceptCached: true });
  await splash.waitFor("First disk:");
  splash.type("shared\r");
  expectReply(await first.reply(), "+shared\0");
  first.withdraw();
  using second = RecordingAsker.create(namespace, {
    message: "Second disk:",
    acceptCached: true,
  });
  expectReply(await second.reply(), "+shared\0");
  assert.ok(!splash.text.includes("Second disk"), "no prompt for the cached answer");
  await agent.waitForLog(/plymouthd had 1 cached answer/);
});

Deno.test({
  ...options,
  name: "plymouth: Ctrl-C on the splash cancels without a reply; the request is asked again",
}, async () => {
  await using fixture = await setUp();
  const { namespace, splash } = fixture;
  using asker = RecordingAsker.create(namespace, { message: "Cancel me:" });
  let at = await splash.waitFor("Cancel me:");
  splash.type("abc\x03");
  assert.equal(await asker.reply(500), null, "no reply after a cancel");
  at = await splash.waitFor("Cancel me:", 10_000, at);
  splash.type("again\r");
  expectReply(await asker.reply(), "+again\0");
});

Deno.test({
  ...options,
  name: "plymouth: hostile and over-long Messages are neutralised and cut at 254 bytes",
}, async () => {
  await using fixture = await setUp();
  const { namespace, splash, plymouthd } = fixture;
  const long = "Ä".repeat(200); // 400 bytes: must be cut on a character boundary
  using hostile = RecordingAsker.create(namespace, { message: `Evil\x1b[2J\x1b]0;x\x07${long}` });
  await splash.waitFor("Evil\\x1b[2J");
  assert.ok(await plymouthd.alive(), "plymouthd survived the long prompt");
  // plymouthd draws with escape sequences of its own; the ask file's OSC title must not appear.
  assert.ok(!splash.text.includes("\x1b]0;x\x07"), "no escape sequence from the ask file");
  assert.ok(splash.text.includes("Evil\\x1b[2J\\x1b]0;x\\x07"), "shown in a visible form");
  splash.type("ok\r");
  expectReply(await hostile.reply(), "+ok\0");
});

Deno.test({
  ...options,
  name:
    "plymouth: plymouthd killed mid-question: the prompt moves to its console and the answer still arrives",
}, async () => {
  await using fixture = await setUp();
  const { namespace, splash, plymouthd } = fixture;
  await using asker = startSystemdAsker(namespace, ["--timeout=60", "Survivor:"]);
  const shown = await splash.waitFor("Survivor:");
  assert.ok(!splash.textFrom(shown).includes("press TAB"));
  await plymouthd.kill();
  const killed = performance.now();
  await splash.waitFor("Survivor: (press TAB for no echo) ", 3000, shown);
  const moved = performance.now() - killed;
  console.log(`console prompt ${moved.toFixed(0)} ms after plymouthd died`);
  splash.type("still here\r");
  assert.equal((await asker.exit()).code, 0);
  assert.equal(asker.stdout, "still here\n");
});

Deno.test(
  { ...options, name: "plymouth: plymouthd started after askpw gets the next requests" },
  async () => {
    await using namespace = await PrivateNamespace.create({ network: true });
    using splash = new PtyConsole();
    using text = new PtyConsole();
    await using agent = startAskpw(namespace, ["watch", "--debug", `--consoles=${text.path}`]);
    using before = RecordingAsker.create(namespace, { message: "Before plymouth:" });
    await text.waitFor("Before plymouth: ");
    text.type("early\r");
    expectReply(await before.reply(), "+early\0");
    before.withdraw();
    await using plymouthd = await Plymouthd.start(namespace, splash);
    await agent.waitForLog("plymouthd (PID");
    using after = RecordingAsker.create(namespace, { message: "After plymouth:" });
    await splash.waitFor("After plymouth:");
    splash.type("late\r");
    expectReply(await after.reply(), "+late\0");
    agent.process.kill("SIGTERM");
    await agent.exit();
    assert.ok(await plymouthd.alive());
  },
);

Deno.test({
  ...options,
  name: "plymouth: a request withdrawn while plymouthd shows it leaves no stale prompt behind",
}, async () => {
  await using fixture = await setUp();
  const { namespace, splash, agent } = fixture;
  using gone = RecordingAsker.create(namespace, { message: "Withdrawn one:" });
  const at = await splash.waitFor("Withdrawn one:");
  splash.type("par");
  gone.withdraw();
  await agent.waitForLog("Cancelled plymouthd's stale prompt");
  using next = RecordingAsker.create(namespace, { message: "Next one:" });
  await splash.waitFor("Next one:", 10_000, at);
  splash.type("fresh\r");
  expectReply(await next.reply(), "+fresh\0");
  assert.equal(await gone.reply(0), null);
});

Deno.test({
  ...options,
  name: "hot-plug: a console that appears after start gets prompts (kernel tty uevent)",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using early = new PtyConsole();
  using late = new PtyConsole();
  const latePath = `/tmp/askpw-late-console-${Deno.pid}`;
  try {
    await using agent = startAskpw(namespace, [
      "watch",
      "--debug",
      `--consoles=${early.path},${latePath}`,
    ]);
    using asker = RecordingAsker.create(namespace, { message: "Plugged:" });
    await early.waitFor("Plugged: ");
    assert.equal(late.text, "");
    // The console appears: a device node (here a link to a pty), then the kernel's tty uevent.
    Deno.symlinkSync(late.path, latePath);
    await Deno.writeTextFile("/sys/class/tty/tty63/uevent", "change");
    await late.waitFor("Plugged: ");
    await agent.waitForLog(`New surface: console ${latePath}`);
    late.type("hotplugged\r");
    expectReply(await asker.reply(), "+hotplugged\0");
    agent.process.kill("SIGTERM");
    await agent.exit();
  } finally {
    Deno.removeSync(latePath);
  }
});

Deno.test({
  ...options,
  name: "plymouth: a retry of an answered Id shows 'not accepted' as a Plymouth message",
}, async () => {
  await using fixture = await setUp(["--no-cache"]);
  const { namespace, splash } = fixture;
  const id = "cryptsetup:/dev/vdb";
  using first = RecordingAsker.create(namespace, {
    message: "Retry disk:",
    id,
    acceptCached: true,
  });
  const at = await splash.waitFor("Retry disk:");
  splash.type("wrong\r");
  expectReply(await first.reply(), "+wrong\0");
  first.withdraw();
  using second = RecordingAsker.create(namespace, { message: "Retry disk:", id });
  const shown = await splash.waitFor(
    "The previous passphrase was not accepted (attempt 2).",
    10_000,
    at,
  );
  await splash.waitFor("Retry disk:", 10_000, shown);
  splash.type("right\r");
  expectReply(await second.reply(), "+right\0");
});

Deno.test(
  { ...options, name: "query --plymouth without plymouthd ends at once, without a reply" },
  async () => {
    await using namespace = await PrivateNamespace.create({ network: true });
    using asker = RecordingAsker.create(namespace, { message: "Nobody home:" });
    await using agent = startAskpw(namespace, ["query", "--plymouth"]);
    assert.equal((await agent.exit()).code, 0);
    assert.match(agent.log, /plymouth cannot ask now/);
    assert.equal(await asker.reply(0), null);
  },
);

Deno.test({
  ...options,
  name: "plymouth: plymouthd quitting mid-question: the prompt moves to its console",
}, async () => {
  await using fixture = await setUp();
  const { namespace, splash, plymouthd } = fixture;
  using asker = RecordingAsker.create(namespace, { message: "Quitter:" });
  const shown = await splash.waitFor("Quitter:");
  await plymouthd.quit();
  await splash.waitFor("Quitter: (press TAB for no echo) ", 3000, shown);
  splash.type("after quit\r");
  expectReply(await asker.reply(), "+after quit\0");
});

Deno.test({
  ...options,
  name: "plymouth: plymouthd is identified through SO_PEERPIDFD, and its exit seen through it",
}, async () => {
  await using fixture = await setUp();
  const { plymouthd, agent } = fixture;
  const pidfs = agent.log.match(
    /plymouthd \(PID (\d+)\) is \/usr\/sbin\/plymouthd, unit \S+, pidfs ID (\d+|none)/,
  );
  assert.ok(pidfs, `identity line missing; log: ${agent.log}`);
  assert.equal(Number(pidfs[1]), plymouthd.pid);
  await agent.waitForLog("Watching");
  await plymouthd.kill();
  // Noticed through the pidfd, not by a failing ping.
  await agent.waitForLog(`plymouthd (PID ${plymouthd.pid}) exited; the consoles prompt`);
});
