/**
 * askpw against hand-written ask files: several requests, hostile and
 * malformed input, the hardening systemd lacks, withdrawal, keys that end a
 * prompt, signals, sd_notify and several consoles.
 */
import assert from "node:assert/strict";
import { PrivateNamespace } from "../helpers/private_namespace.ts";
import { PtyConsole } from "../helpers/pty_console.ts";
import { RecordingAsker, showBytes } from "../helpers/recording_asker.ts";
import { startAskpw } from "../helpers/agents.ts";
import { closeFd } from "../../src/ffi/file_descriptor.ts";
import { bindDatagramSocket, receiveDatagram } from "../../src/ffi/datagram_socket.ts";
import { waitForEvents } from "../../src/ffi/poll.ts";
import { monotonicMicros } from "../../src/ffi/clock.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const encoder = new TextEncoder();

function expectReply(actual: Uint8Array | null, expected: string): void {
  assert.equal(showBytes(actual), showBytes(encoder.encode(expected)));
}

Deno.test(
  { ...options, name: "several pending requests are each answered, none lost" },
  async () => {
    await using namespace = await PrivateNamespace.create();
    using console = new PtyConsole();
    const askers = [1, 2, 3].map((n) => RecordingAsker.create(namespace, { message: `req-${n}:` }));
    await using agent = startAskpw(namespace, ["watch", `--console=${console.path}`]);
    await agent.waitForLog("New request");
    // Two more arrive while the first prompt is on screen.
    await console.waitFor(/req-\d+: /);
    askers.push(...[4, 5].map((n) => RecordingAsker.create(namespace, { message: `req-${n}:` })));
    const seen: number[] = [];
    let offset = 0;
    for (let i = 0; i < askers.length; i++) {
      offset = await console.waitFor(/req-\d+: \(press TAB for no echo\) /, 10_000, offset);
      const shown = console.text.match(/req-(\d+): \(press TAB for no echo\) /g)!.at(-1)!;
      const n = Number(shown.match(/req-(\d+)/)![1]);
      seen.push(n);
      console.type(`pw-${n}\r`);
      expectReply(await askers[n - 1].reply(), `+pw-${n}\0`);
      askers[n - 1].withdraw(); // the asker removes its file after a reply
    }
    assert.deepEqual(seen.slice(0, 3).sort(), [1, 2, 3]);
    assert.deepEqual([...seen].sort(), [1, 2, 3, 4, 5]);
    for (const asker of askers) asker[Symbol.dispose]();
  },
);

Deno.test(
  { ...options, name: "hostile Message: no escape sequence reaches the terminal" },
  async () => {
    await using namespace = await PrivateNamespace.create();
    using console = new PtyConsole();
    using asker = RecordingAsker.create(namespace, {
      message: "Evil\x1b]0;owned\x07\x1b[2J\x1b[31mRED\u009b31m\u202eabc:",
    });
    await using agent = startAskpw(namespace, ["query", `--console=${console.path}`]);
    await console.waitFor("abc: ");
    const screen = console.bytes;
    assert.ok(!screen.includes(0x1b), "no ESC byte on screen");
    assert.ok(!screen.includes(0x07), "no BEL byte on screen");
    assert.ok(!console.text.includes("\u009b"), "no C1 CSI on screen");
    assert.ok(!console.text.includes("\u202e"), "no bidi override on screen");
    assert.ok(console.text.includes("Evil\\x1b]0;owned\\x07\\x1b[2J"), "shown in a visible form");
    console.type("ok\r");
    expectReply(await asker.reply(), "+ok\0");
    await agent.exit();
  },
);

Deno.test({
  ...options,
  name: "malformed ask files are logged and skipped; a valid one is still answered",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using console = new PtyConsole();
  const bad = [
    RecordingAsker.create(namespace, { raw: "[Ask\nSocket=/x\n" }),
    RecordingAsker.create(namespace, {
      raw: new Uint8Array([...encoder.encode("[Ask]\nMessage="), 0xff, 0xfe, 0x0a]),
    }),
    RecordingAsker.create(namespace, { raw: "[Ask]\nMessage=no socket\n" }),
    RecordingAsker.create(namespace, { raw: `[Ask]\nMessage=${"x".repeat(2 * 1024 * 1024)}\n` }),
    RecordingAsker.create(namespace, { raw: new Uint8Array(1000) }),
  ];
  using good = RecordingAsker.create(namespace, { message: "Good one:" });
  await using agent = startAskpw(namespace, ["query", `--console=${console.path}`]);
  await console.waitFor("Good one: ");
  console.type("fine\r");
  expectReply(await good.reply(), "+fine\0");
  assert.equal((await agent.exit()).code, 0);
  for (const asker of bad) {
    assert.match(agent.log, new RegExp(`Ignoring ${asker.askPath}: `));
    asker[Symbol.dispose]();
  }
  assert.match(agent.log, /malformed: Unterminated section header/);
  assert.match(agent.log, /no usable Socket=/);
  assert.ok(!agent.log.includes("x".repeat(100)), "file content is not logged");
});

Deno.test({
  ...options,
  name: "hardening: wrong owners, sockets elsewhere, symlinks and FIFOs are skipped",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using console = new PtyConsole();
  const dir = namespace.askDirectory;
  const outside = (path: string) => namespace.outside(path);
  const foreignFile = RecordingAsker.create(namespace, { message: "foreign file" });
  Deno.chownSync(outside(foreignFile.askPath), 1000, 1000);
  const foreignSocket = RecordingAsker.create(namespace, { message: "foreign socket" });
  Deno.chownSync(outside(foreignSocket.socketPath), 1000, 1000);
  const elsewhereSocket = `/tmp/askpw-elsewhere-${Deno.pid}.sock`;
  const elsewhereFd = bindDatagramSocket(elsewhereSocket);
  const elsewhere = RecordingAsker.create(namespace, {
    message: "elsewhere",
    socket: elsewhereSocket,
  });
  const relative = RecordingAsker.create(namespace, {
    message: "relative",
    socket: "sck.relative",
  });
  const linkedSocket = RecordingAsker.create(namespace, {
    message: "linked socket",
    socket: `${dir}/sck.link`,
  });
  Deno.symlinkSync(linkedSocket.socketPath, outside(`${dir}/sck.link`));
  Deno.writeTextFileSync(outside(`${dir}/target`), `[Ask]\nSocket=${linkedSocket.socketPath}\n`);
  Deno.symlinkSync(`${dir}/target`, outside(`${dir}/ask.symlink`));
  new Deno.Command("mkfifo", { args: [outside(`${dir}/ask.fifo`)] }).outputSync();
  using good = RecordingAsker.create(namespace, { message: "Legit:" });

  await using agent = startAskpw(namespace, ["query", `--console=${console.path}`]);
  await console.waitFor("Legit: ");
  console.type("right\r");
  expectReply(await good.reply(), "+right\0");
  assert.equal((await agent.exit()).code, 0);
  assert.match(
    agent.log,
    new RegExp(`Ignoring ${foreignFile.askPath}: owned by uid 1000, not by uid 0`),
  );
  assert.match(
    agent.log,
    new RegExp(`Ignoring ${foreignSocket.askPath}: Socket= is owned by uid 1000`),
  );
  assert.match(
    agent.log,
    new RegExp(`Ignoring ${elsewhere.askPath}: Socket= is outside the ask directory`),
  );
  assert.match(
    agent.log,
    new RegExp(`Ignoring ${relative.askPath}: Socket= is not an absolute path`),
  );
  assert.match(agent.log, new RegExp(`Ignoring ${linkedSocket.askPath}: Socket= is not a socket`));
  assert.match(agent.log, /Ignoring \/run\/systemd\/ask-password\/ask\.fifo: not a regular file/);
  assert.match(
    agent.log,
    /Ignoring \/run\/systemd\/ask-password\/ask\.symlink: it is a symbolic link/,
  );
  assert.ok(
    !console.text.includes("foreign") && !console.text.includes("elsewhere"),
    "never prompted",
  );
  assert.equal(receiveDatagram(elsewhereFd, 4096), null, "nothing sent outside the directory");
  closeFd(elsewhereFd);
  Deno.removeSync(elsewhereSocket);
  for (const asker of [foreignFile, foreignSocket, elsewhere, relative, linkedSocket]) {
    assert.equal(await asker.reply(0), null);
    asker[Symbol.dispose]();
  }
});

Deno.test({
  ...options,
  name: "NotAfter in the past and dead PIDs: requests are skipped, not prompted",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using console = new PtyConsole();
  using expired = RecordingAsker.create(namespace, {
    message: "expired",
    notAfter: monotonicMicros() - 1n,
  });
  const child = new Deno.Command("true").spawn();
  await child.status;
  using dead = RecordingAsker.create(namespace, { message: "dead asker", pid: child.pid });
  // A zombie: the shell execs into sleep, which never reaps its exited child.
  const parent = new Deno.Command("sh", {
    args: ["-c", "sleep 0.1 & echo $!; exec sleep 60"],
    stdout: "piped",
  }).spawn();
  const reader = parent.stdout.getReader();
  const zombiePid = Number(new TextDecoder().decode((await reader.read()).value).trim());
  reader.releaseLock();
  for (let i = 0; i < 100 && !isZombie(zombiePid); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(isZombie(zombiePid), `PID ${zombiePid} is a zombie`);
  using zombie = RecordingAsker.create(namespace, { message: "zombie asker", pid: zombiePid });
  using live = RecordingAsker.create(namespace, {
    message: "Live:",
    notAfter: monotonicMicros() + 60_000_000n,
  });
  const list = startAskpw(namespace, ["list"]);
  await list.exit();
  // systemd's "'Message' (PID n)", plus who asks (the test process: no unit).
  assert.match(
    list.stdout,
    new RegExp(
      `^'Live:' \\(PID ${Deno.pid}, no unit, ${Deno.execPath()}, pidfs ID (\\d+|none)\\)\n$`,
    ),
  );
  const listJson = startAskpw(namespace, ["list", "--json"]);
  await listJson.exit();
  const listed = JSON.parse(listJson.stdout);
  assert.equal(listed.length, 1);
  assert.equal(listed[0].message, "Live:");
  assert.equal(listed[0].path, live.askPath);
  assert.equal(listed[0].socket, live.socketPath);
  assert.equal(typeof listed[0].notAfter, "string");
  await using agent = startAskpw(namespace, ["query", "--debug", `--console=${console.path}`]);
  await console.waitFor("Live: ");
  console.type("x\r");
  expectReply(await live.reply(), "+x\0");
  await agent.exit();
  assert.match(agent.log, /Skipping .*: its NotAfter= has passed/);
  assert.match(agent.log, new RegExp(`Skipping .*: its asker PID ${child.pid} is gone`));
  assert.match(agent.log, new RegExp(`Skipping .*: its asker PID ${zombiePid} is gone`));
  assert.ok(!console.text.includes("zombie asker") && !console.text.includes("dead asker"));
  assert.equal(await expired.reply(0), null);
  assert.equal(await dead.reply(0), null);
  assert.equal(await zombie.reply(0), null);
  parent.kill("SIGKILL");
  await parent.status;
  await parent.stdout.cancel();
});

Deno.test({
  ...options,
  name: "ask file vanishes while prompting: prompt withdrawn, terminal restored",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using console = new PtyConsole();
  using asker = RecordingAsker.create(namespace, { message: "Vanishing:" });
  await using agent = startAskpw(namespace, ["query", `--console=${console.path}`]);
  await console.waitFor("Vanishing: ");
  console.type("half");
  await console.waitFor("••••");
  asker.withdraw();
  await console.waitFor("(withdrawn)");
  assert.equal((await agent.exit()).code, 0);
  assert.ok(await console.waitRestored());
  assert.equal(await asker.reply(0), null);
  assert.match(agent.log, /its ask file vanished/);
});

Deno.test(
  { ...options, name: "asker exits while prompting: its pidfd withdraws the prompt" },
  async () => {
    await using namespace = await PrivateNamespace.create();
    using console = new PtyConsole();
    const sleeper = new Deno.Command("sleep", { args: ["60"] }).spawn();
    using asker = RecordingAsker.create(namespace, { message: "Mortal:", pid: sleeper.pid });
    await using agent = startAskpw(namespace, ["watch", `--console=${console.path}`]);
    await console.waitFor("Mortal: ");
    sleeper.kill("SIGKILL");
    await sleeper.status;
    await console.waitFor("(withdrawn)");
    await agent.waitForLog(`its asker PID ${sleeper.pid} exited`);
    assert.ok(await console.waitRestored());
    agent.process.kill("SIGTERM");
    await agent.exit();
    assert.equal(await asker.reply(0), null);
  },
);

Deno.test({
  ...options,
  name: "Ctrl-C aborts the query without a reply (exit 130), terminal restored",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using console = new PtyConsole();
  using asker = RecordingAsker.create(namespace, { message: "Abort me:" });
  await using agent = startAskpw(namespace, ["query", `--console=${console.path}`]);
  await console.waitFor("Abort me: ");
  console.type("abc\x03");
  assert.equal((await agent.exit()).code, 130);
  await console.waitFor("(cancelled)");
  assert.ok(await console.waitRestored());
  assert.equal(await asker.reply(200), null);
});

Deno.test({ ...options, name: "Ctrl-D skips the request: no reply, query ends" }, async () => {
  await using namespace = await PrivateNamespace.create();
  using console = new PtyConsole();
  using asker = RecordingAsker.create(namespace, { message: "Skip me:" });
  await using agent = startAskpw(namespace, ["query", `--console=${console.path}`]);
  await console.waitFor("Skip me: ");
  console.type("abc\x04");
  assert.equal((await agent.exit()).code, 0);
  await console.waitFor("(skipped)");
  assert.equal(await asker.reply(200), null);
});

Deno.test(
  { ...options, name: "hang-up mid-prompt: no reply, no crash, the agent carries on" },
  async () => {
    await using namespace = await PrivateNamespace.create();
    const console = new PtyConsole();
    using asker = RecordingAsker.create(namespace, { message: "Hang up:" });
    await using agent = startAskpw(namespace, ["query", `--console=${console.path}`]);
    await console.waitFor("Hang up: ");
    console.type("partial");
    await console.waitFor("•••••••");
    console.hangUp();
    assert.equal((await agent.exit()).code, 0);
    assert.match(agent.log, /hung up|end of input|EIO/);
    assert.equal(await asker.reply(200), null, "the partial input is not submitted");
  },
);

Deno.test({
  ...options,
  name: "SIGTERM while prompting: exits promptly with the terminal restored",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using console = new PtyConsole();
  using asker = RecordingAsker.create(namespace, { message: "Terminate:" });
  await using agent = startAskpw(namespace, ["watch", `--console=${console.path}`]);
  await console.waitFor("Terminate: ");
  console.type("abc");
  await console.waitFor("•••");
  const started = performance.now();
  agent.process.kill("SIGTERM");
  const status = await agent.exit();
  const took = performance.now() - started;
  assert.equal(status.code, 0);
  assert.ok(took < 3000, `exited after ${Math.round(took)} ms`);
  assert.ok(await console.waitRestored());
  assert.equal(await asker.reply(0), null);
});

Deno.test(
  { ...options, name: "watch sends READY=1 once watching and STOPPING=1 on SIGTERM" },
  async () => {
    await using namespace = await PrivateNamespace.create();
    using console = new PtyConsole();
    const notifyPath = `/tmp/askpw-notify-${Deno.pid}.sock`;
    const fd = bindDatagramSocket(notifyPath);
    try {
      await using agent = startAskpw(namespace, ["watch", `--console=${console.path}`], {
        NOTIFY_SOCKET: notifyPath,
      });
      await waitForEvents([{ fd }], 10_000);
      assert.equal(
        new TextDecoder().decode(receiveDatagram(fd, 4096)!),
        "READY=1\nSTATUS=Watching for password requests",
      );
      using asker = RecordingAsker.create(namespace, { message: "After ready:" });
      await console.waitFor("After ready: ");
      console.type("r\r");
      expectReply(await asker.reply(), "+r\0");
      agent.process.kill("SIGTERM");
      await agent.exit();
      // STATUS= lines came meanwhile (see service_manager_test.ts); STOPPING=1 is the last.
      const rest: string[] = [];
      for (
        let datagram = receiveDatagram(fd, 4096);
        datagram;
        datagram = receiveDatagram(fd, 4096)
      ) {
        rest.push(new TextDecoder().decode(datagram));
      }
      assert.equal(rest.at(-1), "STOPPING=1\nSTATUS=Shutting down");
      assert.ok(rest.slice(0, -1).every((message) => message.startsWith("STATUS=")));
    } finally {
      closeFd(fd);
      Deno.removeSync(notifyPath);
    }
  },
);

Deno.test({
  ...options,
  name: "several consoles: the first answer wins, the other prompt is withdrawn",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using first = new PtyConsole();
  using second = new PtyConsole();
  using asker = RecordingAsker.create(namespace, { message: "Both:" });
  await using agent = startAskpw(namespace, ["watch", `--consoles=${first.path},${second.path}`]);
  await first.waitFor("Both: ");
  await second.waitFor("Both: ");
  first.type("slow");
  second.type("fast\r");
  expectReply(await asker.reply(), "+fast\0");
  asker.withdraw();
  await first.waitFor("(withdrawn)");
  assert.ok((await first.waitRestored()) && (await second.waitRestored()));
  agent.process.kill("SIGTERM");
  await agent.exit();
});

Deno.test({
  ...options,
  name: "per-user directory ($XDG_RUNTIME_DIR/systemd/ask-password) is watched too",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using console = new PtyConsole();
  const runtime = await Deno.makeTempDir({ prefix: "askpw-xdg-" });
  try {
    await using agent = startAskpw(namespace, ["watch", `--console=${console.path}`], {
      XDG_RUNTIME_DIR: runtime,
    });
    const userDir = `${runtime}/systemd/ask-password`;
    await agent.waitForLog(/.*/);
    for (let i = 0; i < 100 && !(await exists(userDir)); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const socketPath = `${userDir}/sck.user`;
    const fd = bindDatagramSocket(socketPath);
    Deno.writeTextFileSync(
      `${userDir}/.tmp`,
      `[Ask]\nPID=${Deno.pid}\nSocket=${socketPath}\nMessage=User dir:\n`,
    );
    Deno.renameSync(`${userDir}/.tmp`, `${userDir}/ask.user`);
    await console.waitFor("User dir: ");
    console.type("u\r");
    await waitForEvents([{ fd }], 10_000);
    expectReply(receiveDatagram(fd, 4096), "+u\0");
    closeFd(fd);
    agent.process.kill("SIGTERM");
    await agent.exit();
  } finally {
    await Deno.remove(runtime, { recursive: true });
  }
});

Deno.test({
  ...options,
  name: "AcceptCached=1: a second request is answered from the password typed once",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using console = new PtyConsole();
  using firstDisk = RecordingAsker.create(namespace, { message: "Disk A:", acceptCached: true });
  using secondDisk = RecordingAsker.create(namespace, { message: "Disk B:", acceptCached: true });
  using noCache = RecordingAsker.create(namespace, { message: "Disk C:", acceptCached: false });
  await using agent = startAskpw(namespace, ["watch", `--console=${console.path}`]);
  await console.waitFor(/Disk [AB]: /);
  console.type("shared\r");
  const [a, b] = [await firstDisk.reply(), await secondDisk.reply()];
  expectReply(a, "+shared\0");
  expectReply(b, "+shared\0");
  await agent.waitForLog("from the password cache");
  firstDisk.withdraw();
  secondDisk.withdraw();
  await console.waitFor("Disk C: ");
  console.type("typed\r");
  expectReply(await noCache.reply(), "+typed\0");
  agent.process.kill("SIGTERM");
  await agent.exit();
});

function isZombie(pid: number): boolean {
  try {
    return / Z /.test(Deno.readTextFileSync(`/proc/${pid}/stat`).replace(/^.*\)/, ""));
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test({
  ...options,
  name: "an asker that has gone by reply time is logged; the next request is still answered",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using console = new PtyConsole();
  using gone = RecordingAsker.create(namespace, { message: "Gone asker:" });
  await using agent = startAskpw(namespace, ["watch", `--console=${console.path}`]);
  await console.waitFor("Gone asker: ");
  Deno.removeSync(namespace.outside(gone.socketPath)); // socket gone, ask file still there
  console.type("late\r");
  await agent.waitForLog(
    `Asker of ${gone.askPath} has gone before the answer from console ${console.path} (sendto: ENOENT)`,
  );
  using next = RecordingAsker.create(namespace, { message: "Next asker:" });
  await console.waitFor("Next asker: ");
  console.type("next\r");
  expectReply(await next.reply(), "+next\0");
  agent.process.kill("SIGTERM");
  assert.equal((await agent.exit()).code, 0);
});

Deno.test({ ...options, name: "deno task askpw runs the command line" }, async () => {
  const root = new URL("../../", import.meta.url).pathname;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "askpw", "--version"],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0);
  assert.match(new TextDecoder().decode(output.stdout), /^askpw \d+\.\d+\.\d+\n$/);
});

Deno.test({
  ...options,
  name:
    "a new request with an Id askpw answered before: the prompt says the previous one was not accepted",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using console = new PtyConsole();
  const id = "cryptsetup:/dev/disk/by-uuid/1234";
  using first = RecordingAsker.create(namespace, { message: "Disk pw:", id, acceptCached: true });
  await using agent = startAskpw(namespace, ["watch", `--console=${console.path}`]);
  let offset = await console.waitFor("Disk pw: ");
  assert.ok(!console.text.includes("not accepted"));
  console.type("wrong\r");
  expectReply(await first.reply(), "+wrong\0");
  first.withdraw();
  // cryptsetup asks again, without AcceptCached: the cache must not answer.
  using second = RecordingAsker.create(namespace, { message: "Disk pw:", id });
  offset = await console.waitFor(
    "The previous passphrase was not accepted (attempt 2).",
    10_000,
    offset,
  );
  await console.waitFor("Disk pw: ", 10_000, offset);
  console.type("right\r");
  expectReply(await second.reply(), "+right\0");
  agent.process.kill("SIGTERM");
  await agent.exit();
});

Deno.test({
  ...options,
  name: "--console mode mutes kernel console messages while prompting and restores them after",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using console = new PtyConsole();
  const level = () => Number(Deno.readTextFileSync("/proc/sys/kernel/printk").split(/\s+/)[0]);
  const before = level();
  using asker = RecordingAsker.create(namespace, { message: "Muted:" });
  await using agent = startAskpw(namespace, ["query", `--consoles=${console.path}`]);
  await console.waitFor("Muted: ");
  const during = level();
  console.type("m\r");
  expectReply(await asker.reply(), "+m\0");
  await agent.exit();
  assert.equal(during, 1, "only emergencies reach the console during the prompt");
  assert.equal(level(), before, "the console log level is restored");
});

Deno.test({
  ...options,
  name: "per-user directory: only ask files and sockets of the directory's owner are answered",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using console = new PtyConsole();
  const runtime = await Deno.makeTempDir({ prefix: "askpw-user-" });
  const userDir = `${runtime}/systemd/ask-password`;
  const fds: number[] = [];
  try {
    await Deno.mkdir(userDir, { recursive: true });
    for (const dir of [runtime, `${runtime}/systemd`, userDir]) Deno.chownSync(dir, 1000, 1000);
    const publish = (name: string, owner: number) => {
      const socketPath = `${userDir}/sck.${name}`;
      fds.push(bindDatagramSocket(socketPath));
      Deno.chownSync(socketPath, owner, owner);
      Deno.writeTextFileSync(
        `${userDir}/.tmp`,
        `[Ask]\nPID=${Deno.pid}\nSocket=${socketPath}\nMessage=${name}:\n`,
      );
      Deno.chownSync(`${userDir}/.tmp`, owner, owner);
      Deno.renameSync(`${userDir}/.tmp`, `${userDir}/ask.${name}`);
      return fds.at(-1)!;
    };
    const foreign = publish("rootfile", 0);
    const own = publish("userfile", 1000);
    await using agent = startAskpw(namespace, ["query", `--console=${console.path}`], {
      XDG_RUNTIME_DIR: runtime,
    });
    await console.waitFor("userfile: ");
    console.type("mine\r");
    await waitForEvents([{ fd: own }], 10_000);
    expectReply(receiveDatagram(own, 4096), "+mine\0");
    assert.equal((await agent.exit()).code, 0);
    assert.match(agent.log, /Ignoring \S+\/ask\.rootfile: owned by uid 0, not by uid 1000/);
    assert.equal(receiveDatagram(foreign, 4096), null);
  } finally {
    for (const fd of fds) closeFd(fd);
    await Deno.remove(runtime, { recursive: true });
  }
});
