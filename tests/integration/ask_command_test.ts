/**
 * `askpw ask`, the asker for initrd scripts: answered by askpw's agent and
 * by systemd's, its ask file as systemd writes one, its files removed on
 * every way out, its reply socket hardened (tried on this kernel by
 * tests/helpers/socket_checks.ts, and in the VM by the boot test), and the
 * kernel keyring.
 */
import assert from "node:assert/strict";
import { readUserKey } from "../../src/ffi/keyring.ts";
import { pidfsInodeId } from "../../src/ffi/pidfs.ts";
import { openPidfd } from "../../src/ffi/process.ts";
import { sendDatagram } from "../../src/ffi/datagram_socket.ts";
import {
  ASKPW_PERMISSIONS,
  RunningAgent,
  startAskpw,
  startSystemdAgent,
} from "../helpers/agents.ts";
import { PrivateNamespace } from "../helpers/private_namespace.ts";
import { PtyConsole } from "../helpers/pty_console.ts";
import { UserDirectory } from "../helpers/user_directory.ts";
import { asUser, reachablePath } from "../helpers/as_user.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const MOD = new URL("../../src/cli/program.ts", import.meta.url).pathname;
const encoder = new TextEncoder();

/** `askpw ask ARGS` inside the namespace. */
function startAsk(
  namespace: PrivateNamespace,
  args: string[],
  env: Record<string, string> = {},
  user?: number,
): RunningAgent {
  const deno = [Deno.execPath(), "run", ...ASKPW_PERMISSIONS, MOD, "ask", ...args];
  const [program, ...rest] = user === undefined ? deno : asUser(user, deno);
  return new RunningAgent(
    namespace.command(program, rest, {
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: {
        NO_COLOR: "1",
        ...(user === undefined ? {} : { DENO_DIR: `/tmp/askpw-deno-dir-${user}` }),
        ...env,
      },
    }).spawn(),
  );
}

/** The names in the namespace's ask directory. */
function askDirectoryEntries(namespace: PrivateNamespace): string[] {
  return [...Deno.readDirSync(namespace.outside(namespace.askDirectory))].map((entry) => entry.name)
    .sort();
}

async function waitForAskFile(namespace: PrivateNamespace): Promise<string> {
  for (let i = 0; i < 500; i++) {
    const name = askDirectoryEntries(namespace).find((entry) => entry.startsWith("ask."));
    if (name) return `${namespace.outside(namespace.askDirectory)}/${name}`;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("no ask file appeared");
}

Deno.test({
  ...options,
  name: "askpw ask, answered by askpw's agent: the password and a newline; no file left",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  await using agent = startAskpw(namespace, ["watch", `--console=${pty.path}`]);
  await using asker = startAsk(namespace, ["--timeout=60", "Hook", "question:"]);
  await pty.waitFor("Hook question: ", 30_000);
  assert.match(pty.text, /asked by deno \(PID \d+\)\r?\nHook question: /);
  pty.type("answer 42\r");
  const status = await asker.exit();
  assert.equal(status.code, 0, asker.log);
  assert.equal(asker.stdout, "answer 42\n");
  assert.deepEqual(askDirectoryEntries(namespace), [], "ask file and socket removed");
  await agent.waitForLog(/Answered \S+ from console/);
});

Deno.test({
  ...options,
  name: "askpw ask, answered by systemd's agent",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  await using _agent = startSystemdAgent(namespace, ["--watch", `--console=${pty.path}`]);
  await using asker = startAsk(namespace, ["--timeout=60", "Systemd answers:"]);
  await pty.waitFor("Systemd answers: ", 30_000);
  await new Promise((resolve) => setTimeout(resolve, 300));
  pty.type("from systemd's agent\r");
  assert.equal((await asker.exit()).code, 0, asker.log);
  assert.equal(asker.stdout, "from systemd's agent\n");
  assert.deepEqual(askDirectoryEntries(namespace), []);
});

Deno.test({
  ...options,
  name: "askpw ask writes its ask file as systemd does: ask.<u64>, 0644, the keys in order",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  await using asker = startAsk(namespace, [
    "--timeout=30",
    "--echo",
    "--id=test:hook",
    "--icon=drive-harddisk",
    "--accept-cached",
    "Written:",
  ]);
  const path = await waitForAskFile(namespace);
  assert.match(path, /\/ask\.\d+$/);
  assert.equal(Deno.statSync(path).mode! & 0o777, 0o644);
  const lines = Deno.readTextFileSync(path).split("\n");
  assert.equal(lines[0], "[Ask]");
  assert.equal(lines[1], `PID=${asker.process.pid}`);
  assert.match(lines[2], new RegExp(`^Socket=${namespace.askDirectory}/sck\\.[0-9a-f]{16}$`));
  assert.deepEqual(lines.slice(3, 5), ["AcceptCached=1", "Echo=1"]);
  assert.match(lines[5], /^NotAfter=\d+$/);
  assert.deepEqual(lines.slice(6), [
    "Silent=0",
    "Message=Written:",
    "Icon=drive-harddisk",
    "Id=test:hook",
    "",
  ]);
  const socket = namespace.outside(lines[2].slice("Socket=".length));
  assert.equal(Deno.statSync(socket).mode! & 0o777, 0o600, "the reply socket is 0600");
  asker.process.kill("SIGTERM");
  assert.equal((await asker.exit()).code, 1);
});

Deno.test({
  ...options,
  name: "askpw ask: a timeout and SIGINT/SIGTERM end it with exit 1, one line, no file left",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  {
    await using asker = startAsk(namespace, ["--timeout=1", "Nobody answers:"]);
    const status = await asker.exit();
    assert.equal(status.code, 1);
    assert.equal(asker.log, "askpw ask: no answer before the timeout\n");
    assert.equal(asker.stdout, "");
    assert.deepEqual(askDirectoryEntries(namespace), []);
  }
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    await using asker = startAsk(namespace, ["--timeout=60", "Interrupted:"]);
    await waitForAskFile(namespace);
    asker.process.kill(signal);
    const status = await asker.exit();
    assert.equal(status.code, 1, signal);
    assert.equal(asker.log, "askpw ask: cancelled\n");
    assert.deepEqual(askDirectoryEntries(namespace), [], `${signal}: files removed`);
  }
});

Deno.test({
  ...options,
  name: "askpw ask: an agent's '-' is a cancel (exit 1); garbage is ignored; usage errors exit 2",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  await using asker = startAsk(namespace, ["--timeout=60", "--debug", "Cancelled:"]);
  const path = await waitForAskFile(namespace);
  const socket = /^Socket=(.*)$/m.exec(Deno.readTextFileSync(path))![1];
  sendDatagram(namespace.outside(socket), encoder.encode("xgarbage"));
  sendDatagram(namespace.outside(socket), encoder.encode("-"));
  assert.equal((await asker.exit()).code, 1);
  assert.match(asker.log, /Ignored a reply: it is neither an answer nor a cancel/);
  assert.match(asker.log, /askpw ask: the agent cancelled the question\n$/);
  for (const args of [["--timeout=soon"], ["--bogus"], ["--id=a\x1bb", "x"], ["Evil\nMessage"]]) {
    await using usage = startAsk(namespace, args);
    assert.equal((await usage.exit()).code, 2, args.join(" "));
    assert.match(usage.log, /^askpw ask: .* \(see askpw ask --help\)\n$/);
  }
});

Deno.test({
  ...options,
  name: "askpw ask's socket: another uid's reply is ignored, descriptors refused, root's taken " +
    "(this kernel)",
}, async () => {
  // socket_checks.ts has uid 65534 run send_datagram.ts with the Deno that runs it.
  const helper = (name: string) => new URL(`../helpers/${name}`, import.meta.url).pathname;
  const checks = await new Deno.Command(reachablePath(65534, Deno.execPath()), {
    args: [
      "run",
      "--allow-all",
      helper("socket_checks.ts"),
      "setpriv",
      reachablePath(65534, helper("send_datagram.ts")),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(checks.stdout);
  assert.equal(checks.code, 0, new TextDecoder().decode(checks.stderr));
  const results = Object.fromEntries(
    text.trim().split("\n").map((line) => line.replace(/^SOCKETS: /, "").split(/=(.*)/s)),
  );
  assert.equal(results["socket-mode"], "600");
  assert.equal(results["nobody-sent"], "yes", "the kernel let nobody send (socket made 0666)");
  assert.equal(results["nobody-reply"], "ignored (it came from uid 65534)");
  assert.match(results["root-reply"], /^accepted \["from-root"\]/);
  // This machine's kernel decides which of the two fallbacks is exercised here;
  // the boot test runs the same checks on Debian's 6.1, which has none of them.
  const kernel = Deno.osRelease();
  if (results["SO_PASSRIGHTS"] === "0") {
    assert.equal(results["descriptor-send"], "refused (EPERM)", kernel);
  } else {
    assert.equal(results["descriptor-send"], "delivered", kernel);
    assert.equal(results["descriptor-reply"], "ignored (it carried file descriptors (closed))");
    assert.equal(results["descriptor-left-open"], "no");
  }
  if (results["SO_PASSPIDFD"] === "1") assert.match(results["root-reply"], /sender pidfd$/);
  if (results["pidfs"] !== "none") assert.match(results["pidfs"], /^\d+$/);
});

Deno.test({
  ...options,
  name: "askpw ask --debug names who answered, through the SO_PASSPIDFD pidfd",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  await using agent = startAskpw(namespace, ["watch", `--console=${pty.path}`]);
  await using asker = startAsk(namespace, ["--timeout=60", "--debug", "Who answers:"]);
  await pty.waitFor("Who answers: ", 30_000);
  pty.type("x\r");
  assert.equal((await asker.exit()).code, 0);
  const agentId = pidfsInodeId(openPidfd(agent.process.pid)!);
  const pidfs = agentId === undefined ? "none" : String(agentId);
  assert.match(
    asker.log,
    new RegExp(`Reply from PID ${agent.process.pid}, uid 0 \\(.*deno, pidfs ID ${pidfs}\\)`),
  );
});

Deno.test({
  ...options,
  name:
    "askpw ask --keyname puts the answer in the user keyring; --accept-cached takes it from there",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  const keyname = `askpw-test-${crypto.randomUUID()}`;
  {
    await using _agent = startAskpw(namespace, ["watch", `--console=${pty.path}`]);
    await using asker = startAsk(namespace, ["--timeout=60", `--keyname=${keyname}`, "Keyed:"]);
    await pty.waitFor("Keyed: ", 30_000);
    pty.type("to the keyring\r");
    assert.equal((await asker.exit()).code, 0);
  }
  const key = readUserKey(keyname, new Uint8Array(4096));
  assert.deepEqual(key, encoder.encode("to the keyring"));
  // No agent runs now: only the keyring can answer, and no ask file is written.
  await using cached = startAsk(namespace, [
    "--timeout=5",
    "--accept-cached",
    `--keyname=${keyname}`,
    "Cached:",
  ]);
  assert.equal((await cached.exit()).code, 0, cached.log);
  assert.equal(cached.stdout, "to the keyring\n");
  assert.deepEqual(askDirectoryEntries(namespace), []);
});

Deno.test({
  ...options,
  name: "askpw ask as a user asks in $XDG_RUNTIME_DIR/systemd/ask-password",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  using user = new UserDirectory(65534);
  await using _agent = startAskpw(namespace, ["watch", `--console=${pty.path}`], {
    XDG_RUNTIME_DIR: user.runtime,
  });
  await using asker = startAsk(
    namespace,
    ["--timeout=60", "User asks:"],
    { XDG_RUNTIME_DIR: user.runtime },
    65534,
  );
  await pty.waitFor("User asks: ", 30_000);
  assert.ok(
    [...Deno.readDirSync(user.path)].some((entry) => entry.name.startsWith("ask.")),
    "the request is in the user's directory",
  );
  pty.type("user secret\r");
  assert.equal((await asker.exit()).code, 0, asker.log);
  assert.equal(asker.stdout, "user secret\n");
});
