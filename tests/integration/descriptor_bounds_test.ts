/**
 * Issue 17: every descriptor askpw reads from another process, flooded, and
 * askpw stays bounded: `askpw ask`'s reply socket, the uevent netlink socket,
 * the inotify queue (overflow: a full rescan), and the per-user agent's
 * directory. (Plymouth's connection: attack_test.ts; Varlink: its own tests.)
 */
import assert from "node:assert/strict";
import { closeFd } from "../../src/ffi/file_descriptor.ts";
import { connectDatagram, sendOnSocket } from "../../src/ffi/datagram_socket.ts";
import { ASKPW_PERMISSIONS, RunningAgent, startAskpw } from "../helpers/agents.ts";
import { asUser } from "../helpers/as_user.ts";
import { PrivateNamespace } from "../helpers/private_namespace.ts";
import { processStats } from "../helpers/process_stats.ts";
import { PtyConsole } from "../helpers/pty_console.ts";
import { RecordingAsker, showBytes } from "../helpers/recording_asker.ts";
import { UserDirectory } from "../helpers/user_directory.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const MOD = new URL("../../src/cli/program.ts", import.meta.url).pathname;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function expectReply(actual: Uint8Array | null, expected: string): void {
  assert.equal(showBytes(actual), showBytes(encoder.encode(expected)));
}

/** Runs a short python3 program (inside `namespace`, as `uid` if given); its stdout. */
async function python(
  namespace: PrivateNamespace,
  program: string,
  args: string[] = [],
  uid?: number,
): Promise<string> {
  const command = ["/usr/bin/python3", "-c", program, ...args];
  const [name, ...rest] = uid === undefined ? command : asUser(uid, command);
  const output = await namespace.command(name, rest, { stdout: "piped", stderr: "piped" })
    .output();
  assert.equal(output.code, 0, decoder.decode(output.stderr));
  return decoder.decode(output.stdout).trim();
}

Deno.test({
  ...options,
  name: "askpw ask's reply socket: 0600, so uid 65534 cannot send; 20,000 junk datagrams do not " +
    "stop the real answer, and log 10 lines and a count",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  const asker = new RunningAgent(
    namespace.command(Deno.execPath(), [
      "run",
      ...ASKPW_PERMISSIONS,
      MOD,
      "ask",
      "--timeout=120",
      "Flooded:",
    ], {
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn(),
  );
  await using _asker = asker;
  const directory = namespace.outside(namespace.askDirectory);
  let socketPath = "";
  for (let i = 0; i < 1500 && !socketPath; i++) {
    const ask = [...Deno.readDirSync(directory)].find((entry) => entry.name.startsWith("ask."));
    if (ask) {
      socketPath = /^Socket=(.*)$/m.exec(Deno.readTextFileSync(`${directory}/${ask.name}`))![1];
    } else await sleep(20);
  }
  assert.ok(socketPath, "askpw ask wrote its ask file");
  assert.equal(Deno.statSync(namespace.outside(socketPath)).mode! & 0o777, 0o600);
  // Another user: the kernel refuses the connect (write permission on the socket file).
  const nobody = await python(
    namespace,
    `import socket,sys
s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)
try:
  s.sendto(b"+from-nobody",sys.argv[1]); print("sent")
except OSError as e: print(e.strerror)`,
    [socketPath],
    65534,
  );
  assert.equal(nobody, "Permission denied");
  // Root (or the asker's own uid) floods it: 20,000 junk datagrams around the real answer.
  const fd = connectDatagram(namespace.outside(socketPath));
  const junk = encoder.encode("x".repeat(100));
  let sent = 0;
  let full = 0;
  try {
    const send = async (bytes: Uint8Array<ArrayBuffer>) => {
      while (!sendOnSocket(fd, bytes)) {
        full++;
        await sleep(1);
      }
    };
    for (let i = 0; i < 10_000; i++, sent++) await send(junk);
    await send(encoder.encode("+the real one\0"));
    for (let i = 0; i < 10_000; i++) {
      try {
        if (!sendOnSocket(fd, junk)) await sleep(1);
        else sent++;
      } catch {
        break; // askpw ask took the answer and closed its socket
      }
    }
  } finally {
    closeFd(fd);
  }
  const status = await asker.exit();
  assert.equal(status.code, 0, asker.log.slice(-2000));
  assert.equal(asker.stdout, "the real one\n");
  const warnings = asker.log.split("\n").filter((line) => line.includes("Ignored a reply"));
  assert.ok(warnings.length <= 10, `${warnings.length} warning lines: ${warnings.slice(-3)}`);
  assert.match(asker.log, /suppressed|more/i, "a count of the lines not logged");
  console.log(`  ${sent} junk datagrams (queue full ${full} times), ${asker.log.length} log bytes`);
});

Deno.test({
  ...options,
  name: "the uevent socket: uid 65534 may not send to it (EPERM); root's flood of 50,000 " +
    "uevents leaves askpw bounded and answering",
}, async () => {
  // A private network namespace: uevents sent from user space stay in it (udevd never sees them).
  await using namespace = await PrivateNamespace.create({ network: true });
  const send = `import socket,sys
s=socket.socket(socket.AF_NETLINK,socket.SOCK_DGRAM,15)
s.bind((0,0))
n=int(sys.argv[1]); sent=0
for i in range(n):
  kind = "tty" if i % 10 == 0 else "block"
  m = ("add@/devices/virtual/%s/x%d\\0ACTION=add\\0DEVPATH=/devices/virtual/%s/x%d\\0SUBSYSTEM=%s\\0DEVNAME=/dev/nonexistent%d\\0" % (kind,i,kind,i,kind,i)).encode() + b"P" * (i % 4000)
  try:
    s.sendto(m,(0,1)); sent+=1
  except OSError as e:
    print(e.strerror); sys.exit(0)
print(sent)`;
  assert.equal(await python(namespace, send, ["1"], 65534), "Operation not permitted");
  using pty = new PtyConsole();
  await using agent = startAskpw(namespace, ["watch", `--console=${pty.path}`]);
  using first = RecordingAsker.create(namespace, { message: "Before:" });
  await pty.waitFor("Before: ", 30_000);
  pty.type("one\r");
  expectReply(await first.reply(), "+one\0");
  const pid = agent.leafPid();
  const before = processStats(pid);
  const flood = python(namespace, send, ["50000"]);
  using during = RecordingAsker.create(namespace, { message: "During:" });
  await pty.waitFor("During: ", 10_000);
  pty.type("two\r");
  expectReply(await during.reply(), "+two\0");
  assert.equal(await flood, "50000");
  using after = RecordingAsker.create(namespace, { message: "After:" });
  await pty.waitFor("After: ", 10_000);
  pty.type("three\r");
  expectReply(await after.reply(), "+three\0");
  const end = processStats(pid);
  console.log(`  askpw: RSS ${before.rssKiB} → ${end.rssKiB} KiB, fds ${before.fds} → ${end.fds}`);
  assert.ok(end.fds <= before.fds + 2, "no descriptor per uevent");
  assert.equal(end.threads, before.threads);
  assert.ok(end.rssKiB - before.rssKiB < 40_000, "RSS grew less than 40 MB");
});

Deno.test({
  ...options,
  name: "the inotify queue overflows (max_queued_events 16, 2,000 events): a full rescan finds " +
    "the request whose event was lost",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  const knob = "/proc/sys/fs/inotify/max_queued_events";
  const saved = Deno.readTextFileSync(knob).trim();
  let agent: RunningAgent;
  try {
    Deno.writeTextFileSync(knob, "16");
    agent = startAskpw(namespace, ["watch", `--console=${pty.path}`]);
    // The queue's size is taken at inotify_init1: wait for askpw to be watching, then restore.
    using probe = RecordingAsker.create(namespace, { message: "Probe:" });
    await pty.waitFor("Probe: ", 30_000);
    pty.type("probe\r");
    expectReply(await probe.reply(), "+probe\0");
  } finally {
    Deno.writeTextFileSync(knob, saved);
  }
  await using _agent = agent;
  // askpw stopped: 2,000 events overflow its 16-event queue, and the request comes after them,
  // so only a rescan can find it.
  const pid = agent.leafPid();
  Deno.kill(pid, "SIGSTOP");
  const directory = namespace.outside(namespace.askDirectory);
  let asker: RecordingAsker;
  try {
    for (let i = 0; i < 1000; i++) {
      Deno.writeTextFileSync(`${directory}/junk.${i}`, "[Ask]\n");
      Deno.removeSync(`${directory}/junk.${i}`);
    }
    asker = RecordingAsker.create(namespace, { message: "After the overflow:" });
  } finally {
    Deno.kill(pid, "SIGCONT");
  }
  using _asker = asker;
  await pty.waitFor("After the overflow: ", 10_000);
  pty.type("found\r");
  expectReply(await asker.reply(), "+found\0");
  // The log says why it read the directory again.
  await agent.waitForLog(/The kernel's inotify queue overflowed; reading \S+ again/);
});

Deno.test({
  ...options,
  name: "the per-user agent: uid 65534 flooding its own directory (3,000 files) delays only its " +
    "own agent; root's agent answers at once, the user's answers afterwards",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using systemPty = new PtyConsole();
  using userPty = new PtyConsole();
  Deno.chownSync(userPty.path, 65534, 65534);
  using user = new UserDirectory(65534);
  await using system = startAskpw(namespace, ["watch", `--console=${systemPty.path}`]);
  await using userAgent = startAskpw(
    namespace,
    ["watch", "--user", `--console=${userPty.path}`],
    { XDG_RUNTIME_DIR: user.runtime },
    65534,
  );
  // The user cannot write to the system directory.
  const denied = await python(
    namespace,
    `import sys
try:
  open(sys.argv[1] + "/ask.nobody", "w"); print("created")
except OSError as e: print(e.strerror)`,
    [namespace.askDirectory],
    65534,
  );
  assert.equal(denied, "Permission denied");
  user.ask("warmup", false);
  await userPty.waitFor("warmup:", 60_000);
  userPty.type("w\r");
  expectReply(await user.reply("warmup"), "+w\0");
  const flood = python(
    namespace,
    `import os,sys
d=sys.argv[1]
for i in range(3000):
  with open(d + "/.t", "w") as f: f.write("[Ask]\\nPID=1\\nSocket=/nonexistent/%d\\nMessage=%s\\n" % (i, "F" * (i % 3000)))
  os.rename(d + "/.t", d + "/ask.flood%d" % i)
print("done")`,
    [user.path],
    65534,
  );
  using rootAsker = RecordingAsker.create(namespace, { message: "Root asks:" });
  const started = performance.now();
  await systemPty.waitFor("Root asks: ", 5_000);
  const prompted = performance.now() - started;
  systemPty.type("root\r");
  expectReply(await rootAsker.reply(), "+root\0");
  assert.equal(await flood, "done");
  user.ask("valid", false);
  await userPty.waitFor("valid:", 60_000);
  userPty.type("mine\r");
  expectReply(await user.reply("valid", 30_000), "+mine\0");
  console.log(`  root's agent prompted ${prompted.toFixed(0)} ms into the user's flood`);
  assert.ok(!system.log.includes(user.path), "root's agent never looked at the user's directory");
  assert.doesNotMatch(userAgent.log, /Internal error/);
});

/** A root "plymouthd" that writes without end to every connection: `mode` is what it writes. */
const FLOODING_PLYMOUTHD = `import socket,select,sys
mode = sys.argv[1]
payload = {"acks": b"\\x06" * 65536, "junk": b"\\x02\\xff\\xff\\xff\\x7f" + b"A" * 65531}.get(mode, b"")
s=socket.socket(socket.AF_UNIX,socket.SOCK_STREAM); s.bind("\\0/org/freedesktop/plymouthd"); s.listen(64)
print("listening", flush=True)
conns=[]; accepted=0; written=0
while True:
  r,w,_=select.select([s]+conns, conns, [], 1)
  for c in r:
    if c is s:
      n,_=s.accept(); n.setblocking(False); conns.append(n); accepted+=1
      print("accepted %d open %d written %d" % (accepted, len(conns), written), flush=True)
    elif c in conns:
      try: d=c.recv(65536)
      except OSError: d=b""
      if not d: conns.remove(c); c.close()
      elif mode == "ack-each": written += c.send(b"\\x06" * d.count(b"\\0"))
      elif mode == "no-answer":
        # ACK a ping, NO_ANSWER to a password, question or cached-passwords request.
        for r in d.split(b"\\0")[:-1]:
          written += c.send(b"\\x05" if r[:1] in (b"*", b"W", b"c") else b"\\x06")
  for c in w:
    if c in conns and payload:
      try: written += c.send(payload)
      except BlockingIOError: pass
      except OSError: conns.remove(c); c.close()`;

const PLYMOUTH_MODES: Record<string, string> = {
  acks: "endless ACKs",
  junk: "the endless bytes of an over-long answer",
  "ack-each": "an ACK to every request (a password never)",
  "no-answer": "NO_ANSWER to every question (it cannot ask)",
};

for (const [mode, what] of Object.entries(PLYMOUTH_MODES)) {
  Deno.test({
    ...options,
    name: `Plymouth's connection: a root plymouthd sending ${what}: askpw reads at most 4 KiB ` +
      "per connection, stops using it, stays bounded, and the console answers",
  }, async () => {
    await using namespace = await PrivateNamespace.create({ network: true });
    const server = new RunningAgent(
      namespace.command("/usr/bin/python3", ["-c", FLOODING_PLYMOUTHD, mode], {
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn(),
    );
    await using _server = server;
    await server.waitForOutput("listening");
    using pty = new PtyConsole();
    await using agent = startAskpw(namespace, ["watch", `--consoles=${pty.path}`]);
    using first = RecordingAsker.create(namespace, { message: "First:" });
    await pty.waitFor("First: ", 30_000);
    pty.type("one\r");
    expectReply(await first.reply(), "+one\0");
    const pid = agent.leafPid();
    const before = processStats(pid);
    await sleep(5_000); // five of the monitor's checks, each on a new flooded connection
    using second = RecordingAsker.create(namespace, { message: "Second:" });
    await pty.waitFor("Second: ", 10_000);
    // A plymouthd that answered the ping is asked too: let askpw read its reply
    // before the console's answer withdraws that question.
    const distrusted = mode === "no-answer"
      ? /Not using plymouthd \(PID \d+\) any more: it cannot ask \(no splash shown\)/
      : /Not using plymouthd \(PID \d+\) any more: it broke the protocol/;
    if (/plymouthd \(PID \d+\) answers/.test(agent.log)) await agent.waitForLog(distrusted, 5_000);
    pty.type("two\r");
    expectReply(await second.reply(), "+two\0");
    const end = processStats(pid);
    const lines = server.stdout.trim().split("\n");
    console.log(
      `  askpw: RSS ${before.rssKiB} → ${end.rssKiB} KiB, fds ${before.fds} → ${end.fds}; ` +
        `server: ${lines.at(-1)}`,
    );
    const plymouthLines = agent.log.split("\n").filter((line) => /plymouth/i.test(line));
    console.log(
      `  askpw's log: ${plymouthLines.length} lines on plymouthd, e.g. ${plymouthLines[0]}`,
    );
    assert.ok(plymouthLines.length <= 10, "a flooding plymouthd does not flood the log");
    if (/plymouthd \(PID \d+\) answers/.test(agent.log)) {
      assert.match(agent.log, distrusted);
    }
    assert.ok(lines.length <= 20, `askpw connected ${lines.length - 1} times: no retry loop`);
    assert.ok(end.fds <= before.fds + 2, "askpw keeps no flooded connection open");
    assert.ok(end.rssKiB - before.rssKiB < 20_000, "RSS grew less than 20 MB");
    assert.doesNotMatch(agent.log, /Internal error/);
  });
}
