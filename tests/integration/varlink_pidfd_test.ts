/**
 * `askpw varlink` on sockets with SO_PASSPIDFD (systemd 258's
 * `PassPIDFD=yes`) and SO_PASSRIGHTS=0 (`AcceptFileDescriptors=no`), on this
 * kernel (6.18 has both): every call is logged with the unit and pidfs ID of
 * the process that sent it, by the pidfd that came with the message (also
 * when that process did not open the connection); a caller that attaches a
 * descriptor gets EPERM from the kernel and the server serves on; where the
 * kernel let a descriptor through (SO_PASSRIGHTS on, as before 6.16), askpw
 * closes it at once and answers the message; without SO_PASSPIDFD the
 * caller is named by SO_PEERCRED as before; uid 65534 is refused.
 *
 * askpw binds its own socket (--socket) or is socket-activated by
 * tests/helpers/socket_activate.ts, which sets the options a socket unit
 * would. The callers are tests/helpers/varlink_caller.ts, each in a cgroup
 * named like a unit.
 */
import assert from "node:assert/strict";
import { closeFd } from "../../src/ffi/file_descriptor.ts";
import { connectStream } from "../../src/ffi/stream_socket.ts";
import { sendDatagram } from "../../src/ffi/datagram_socket.ts";
import { ASKPW_PERMISSIONS, RunningAgent, startAskpw, waitForAskFiles } from "../helpers/agents.ts";
import { asUser } from "../helpers/as_user.ts";
import { PrivateNamespace } from "../helpers/private_namespace.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const MOD = new URL("../../src/cli/program.ts", import.meta.url).pathname;
const CALLER = new URL("../helpers/varlink_caller.ts", import.meta.url).pathname;
const ACTIVATE = new URL("../helpers/socket_activate.ts", import.meta.url).pathname;
const encoder = new TextEncoder();
let sockets = 0;

/** The cgroup v2 hierarchy: /sys/fs/cgroup/unified on hybrid systems, else /sys/fs/cgroup. */
function cgroupRoot(): string {
  try {
    Deno.statSync("/sys/fs/cgroup/unified/cgroup.procs");
    return "/sys/fs/cgroup/unified";
  } catch {
    return "/sys/fs/cgroup";
  }
}

/** A socket path of this run's own; the file goes when the test ends (askpw is killed, not stopped). */
function socketPath(): { path: string } & Disposable {
  const path = `/tmp/askpw-varlink-pidfd-${Deno.pid}-${++sockets}.sock`;
  return {
    path,
    [Symbol.dispose]() {
      try {
        Deno.removeSync(path);
      } catch {
        // Never made.
      }
    },
  };
}

/** `askpw varlink --socket=PATH --debug`: askpw binds the socket and sets the options itself. */
async function bindingServer(namespace: PrivateNamespace, socket: string): Promise<RunningAgent> {
  const server = startAskpw(namespace, ["varlink", `--socket=${socket}`, "--debug"]);
  await server.waitForLog("Serving io.systemd.AskPassword", 30_000);
  return server;
}

/**
 * `askpw varlink --debug` socket-activated on PATH, the socket's SO_PASSPIDFD
 * and SO_PASSRIGHTS set as a socket unit would (`-`: the kernel's default).
 */
async function activatedServer(
  namespace: PrivateNamespace,
  socket: string,
  passPidfd: string,
  passRights: string,
): Promise<RunningAgent> {
  const server = new RunningAgent(
    namespace.command(Deno.execPath(), [
      "run",
      "--allow-all",
      "--no-config",
      ACTIVATE,
      socket,
      passPidfd,
      passRights,
      Deno.execPath(),
      "run",
      ...ASKPW_PERMISSIONS,
      MOD,
      "varlink",
      "--debug",
    ], { stdin: "null", stdout: "piped", stderr: "piped", env: { NO_COLOR: "1" } }).spawn(),
  );
  await server.waitForLog("Serving io.systemd.AskPassword", 30_000);
  return server;
}

/** What varlink_caller.ts said: its `CALLER: key=value` lines, and its exit status. */
interface CallerResult {
  code: number;
  lines: Record<string, string>;
  stderr: string;
}

/** A caller process, in a cgroup named `unit`, as root or as `user`. */
class Caller implements AsyncDisposable {
  readonly cgroup: string;
  readonly process: RunningAgent;

  constructor(namespace: PrivateNamespace, unit: string, args: string[], user?: number) {
    this.cgroup = `${cgroupRoot()}/${unit}`;
    Deno.mkdirSync(this.cgroup);
    const deno = [Deno.execPath(), "run", "--allow-all", "--no-config", CALLER, ...args];
    const command = user === undefined ? deno : asUser(user, deno);
    // Into the cgroup first, then exec: the caller is born inside the unit.
    this.process = new RunningAgent(
      namespace.command("sh", [
        "-c",
        'echo $$ > "$1/cgroup.procs" && shift && exec "$@"',
        "sh",
        this.cgroup,
        ...command,
      ], {
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        env: user === undefined ? {} : { DENO_DIR: `/tmp/askpw-deno-dir-${user}` },
      }).spawn(),
    );
  }

  /** Waits for the caller to finish. */
  async result(): Promise<CallerResult> {
    const { code } = await this.process.exit();
    const lines = Object.fromEntries(
      [...this.process.stdout.matchAll(/^CALLER: ([\w-]+)=(.*)$/gm)].map((m) => [m[1], m[2]]),
    );
    return { code, lines, stderr: this.process.log };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.process[Symbol.asyncDispose]();
    for (let i = 0; i < 100; i++) {
      try {
        Deno.removeSync(this.cgroup);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }
}

/** A unit name of this run's own. */
function unitName(what: string): string {
  return `askpw-test-${what}-${Deno.pid}-${++sockets}.service`;
}

/** Answers the one pending ask file's question with `answer`, as root (what an agent does). */
async function answerPending(namespace: PrivateNamespace, answer: string): Promise<void> {
  await waitForAskFiles(namespace, 1, 30_000);
  const dir = namespace.outside(namespace.askDirectory);
  const askFile = [...Deno.readDirSync(dir)].find((entry) => entry.name.startsWith("ask."))!;
  const reply = /^Socket=(.*)$/m.exec(Deno.readTextFileSync(`${dir}/${askFile.name}`))![1];
  sendDatagram(namespace.outside(reply), encoder.encode(`+${answer}`));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

Deno.test({
  ...options,
  name: "askpw's own socket: SO_PASSPIDFD on, SO_PASSRIGHTS=0; an Ask is logged with the " +
    "unit and pidfs ID of its sender's pidfd",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using socketFile = socketPath();
  const socket = socketFile.path;
  await using server = await bindingServer(namespace, socket);
  assert.match(
    server.log,
    new RegExp(
      `^askpw: Varlink socket: SO_PASSPIDFD on, SO_PASSRIGHTS=0\n` +
        `askpw: Serving io\\.systemd\\.AskPassword on ${escape(socket)}$`,
      "m",
    ),
  );
  const unit = unitName("asker");
  await using caller = new Caller(namespace, unit, [
    "call",
    socket,
    "io.systemd.AskPassword.Ask",
    JSON.stringify({ message: "Pidfd question:", timeoutUSec: 60_000_000 }),
  ]);
  await answerPending(namespace, "by pidfd");
  const result = await caller.result();
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.lines.reply, '{"parameters":{"passwords":["by pidfd"]}}');
  assert.equal(result.lines.unit, unit);
  const { pid, pidfs } = result.lines;
  assert.match(pidfs, /^\d+$/);
  const who = `PID ${pid} \\(unit ${escape(unit)}, pidfs ID ${pidfs}\\), uid 0`;
  assert.match(
    server.log,
    new RegExp(
      `^askpw: Varlink: Ask from ${who}: ${
        escape(Deno.execPath())
      }, known by the pidfd that came with the call$`,
      "m",
    ),
  );
  // (logged once the reply is sent: the caller may have read it first)
  await server.waitForLog(new RegExp(`^askpw: Varlink: Ask from ${who} answered$`, "m"));
});

Deno.test({
  ...options,
  name: "the pidfd names the process that sent the call, not the one that opened the connection",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using socketFile = socketPath();
  const socket = socketFile.path;
  await using server = await bindingServer(namespace, socket);
  // This process connects (SO_PEERCRED: this PID); the caller sends on a copy of the connection.
  const connection = connectStream(socket);
  try {
    const unit = unitName("borrower");
    await using caller = new Caller(namespace, unit, [
      "borrow",
      String(Deno.pid),
      String(connection),
      "io.systemd.AskPassword.Ask",
      JSON.stringify({ message: "Borrowed:", timeoutUSec: 0 }),
    ]);
    const result = await caller.result();
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.lines.reply, '{"error":"io.systemd.AskPassword.NoPasswordAvailable"}');
    assert.notEqual(Number(result.lines.pid), Deno.pid);
    assert.match(
      server.log,
      new RegExp(
        `^askpw: Varlink: Ask from PID ${result.lines.pid} \\(unit ${
          escape(unit)
        }, pidfs ID ${result.lines.pidfs}; connected by PID ${Deno.pid}\\), uid 0: `,
        "m",
      ),
    );
  } finally {
    closeFd(connection);
  }
});

Deno.test({
  ...options,
  name: "a caller attaching a descriptor gets EPERM from the kernel; askpw serves it and others on",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using socketFile = socketPath();
  const socket = socketFile.path;
  await using server = await bindingServer(namespace, socket);
  const marker = await Deno.makeTempFile({ prefix: "askpw-pidfd-marker-" });
  try {
    await using caller = new Caller(namespace, unitName("descriptor"), [
      "descriptor",
      socket,
      marker,
    ]);
    const result = await caller.result();
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.lines["descriptor-send"], "refused (EPERM)");
    assert.match(result.lines["next-reply"], /"product":"askpw"/);
    assert.doesNotMatch(server.log, /file descriptor/);
    // Another caller, another connection.
    await using next = new Caller(namespace, unitName("next"), [
      "call",
      socket,
      "io.systemd.AskPassword.Ask",
      JSON.stringify({ timeoutUSec: 0 }),
    ]);
    const after = await next.result();
    assert.equal(after.lines.reply, '{"error":"io.systemd.AskPassword.NoPasswordAvailable"}');
  } finally {
    await Deno.remove(marker);
  }
});

Deno.test({
  ...options,
  name:
    "socket-activated with PassPIDFD=yes, AcceptFileDescriptors=no: the same, on systemd's socket",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using socketFile = socketPath();
  const socket = socketFile.path;
  await using server = await activatedServer(namespace, socket, "1", "0");
  assert.match(
    server.log,
    /^askpw: Varlink socket: SO_PASSPIDFD on, SO_PASSRIGHTS=0\naskpw: Serving io\.systemd\.AskPassword on the socket systemd passed$/m,
  );
  const marker = await Deno.makeTempFile({ prefix: "askpw-pidfd-marker-" });
  await using refused = new Caller(namespace, unitName("descriptor"), [
    "descriptor",
    socket,
    marker,
  ]);
  assert.equal((await refused.result()).lines["descriptor-send"], "refused (EPERM)");
  await Deno.remove(marker);
  const unit = unitName("asker");
  await using caller = new Caller(namespace, unit, [
    "call",
    socket,
    "io.systemd.AskPassword.Ask",
    JSON.stringify({ timeoutUSec: 0 }),
  ]);
  const result = await caller.result();
  assert.equal(result.lines.reply, '{"error":"io.systemd.AskPassword.NoPasswordAvailable"}');
  assert.match(
    server.log,
    new RegExp(
      `^askpw: Varlink: Ask from PID ${result.lines.pid} \\(unit ${
        escape(unit)
      }, pidfs ID ${result.lines.pidfs}\\), uid 0: `,
      "m",
    ),
  );
});

Deno.test({
  ...options,
  name:
    "a descriptor the kernel lets through (SO_PASSRIGHTS on, as before 6.16) is closed at once; " +
    "the message is answered",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using socketFile = socketPath();
  const socket = socketFile.path;
  await using server = await activatedServer(namespace, socket, "1", "1");
  const marker = await Deno.makeTempFile({ prefix: "askpw-pidfd-marker-" });
  try {
    assert.match(server.log, /^askpw: Varlink socket: SO_PASSPIDFD on, SO_PASSRIGHTS on$/m);
    const unit = unitName("descriptor");
    await using caller = new Caller(namespace, unit, ["descriptor", socket, marker]);
    const result = await caller.result();
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.lines["descriptor-send"], "delivered");
    assert.match(result.lines["descriptor-reply"], /"product":"askpw"/);
    assert.match(result.lines["next-reply"], /"product":"askpw"/);
    assert.match(
      server.log,
      new RegExp(
        `^askpw: Varlink: PID ${result.lines.pid} \\(unit ${
          escape(unit)
        }, pidfs ID ${result.lines.pidfs}\\), uid 0 attached 1 file descriptor to a message; closed unread$`,
        "m",
      ),
    );
    // Nothing of the marker stays open in askpw (the launcher exec'd into it: same PID).
    const askpw = server.process.pid;
    const open = [...Deno.readDirSync(`/proc/${askpw}/fd`)].filter((entry) => {
      try {
        return Deno.readLinkSync(`/proc/${askpw}/fd/${entry.name}`) === marker;
      } catch {
        return false;
      }
    });
    assert.deepEqual(open, [], "askpw holds no descriptor of the marker");
  } finally {
    await Deno.remove(marker);
  }
});

Deno.test({
  ...options,
  name: "without SO_PASSPIDFD (systemd < 258): the caller is named by SO_PEERCRED, as before",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using socketFile = socketPath();
  const socket = socketFile.path;
  await using server = await activatedServer(namespace, socket, "0", "-");
  assert.match(server.log, /^askpw: Varlink socket: SO_PASSPIDFD off, SO_PASSRIGHTS on$/m);
  await using caller = new Caller(namespace, unitName("asker"), [
    "call",
    socket,
    "io.systemd.AskPassword.Ask",
    JSON.stringify({ message: "Peercred:", timeoutUSec: 60_000_000 }),
  ]);
  await answerPending(namespace, "by peercred");
  const result = await caller.result();
  assert.equal(result.lines.reply, '{"parameters":{"passwords":["by peercred"]}}');
  await server.waitForLog(
    new RegExp(`^askpw: Varlink: Ask from PID ${result.lines.pid}, uid 0 answered$`, "m"),
  );
  assert.doesNotMatch(server.log, /known by the pidfd|its messages come with/);
});

Deno.test({
  ...options,
  name: "uid 65534 still gets PermissionDenied, and is named by its pidfd",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using socketFile = socketPath();
  const socket = socketFile.path;
  await using server = await bindingServer(namespace, socket);
  const unit = unitName("nobody");
  await using caller = new Caller(namespace, unit, [
    "call",
    socket,
    "io.systemd.AskPassword.Ask",
    JSON.stringify({ message: "From nobody:" }),
  ], 65534);
  const result = await caller.result();
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.lines.reply, '{"error":"org.varlink.service.PermissionDenied"}');
  assert.match(
    server.log,
    new RegExp(
      `^askpw: Varlink: Ask from PID ${result.lines.pid} \\(unit ${
        escape(unit)
      }, pidfs ID ${result.lines.pidfs}\\), uid 65534 refused: not allowed to ask$`,
      "m",
    ),
  );
  assert.deepEqual([...Deno.readDirSync(namespace.outside(namespace.askDirectory))], []);
});
