/**
 * Varlink differential tests: `askpw varlink` against systemd 262's own
 * io.systemd.AskPassword server (`systemd-socket-activate --accept
 * --fdname=varlink … systemd-ask-password --system --no-tty`, from the cached
 * Debian sid root, run with chroot inside the test's namespace).
 *
 * Both are driven by sid's `varlinkctl` (what a person sees) and by calls
 * whose exact bytes the test writes on a connection of its own (what goes
 * over the wire); the test also plays the agent: it reads the ask file each
 * server writes and answers it through the reply socket. Replies, ask files
 * and outcomes must be the same, except for the deliberate differences
 * listed in the last tests, where each side is asserted on its own.
 */
import assert from "node:assert/strict";
import { monotonicMicros } from "../../src/ffi/clock.ts";
import { closeFd, readFd, writeAll } from "../../src/ffi/file_descriptor.ts";
import { readUserKey } from "../../src/ffi/keyring.ts";
import { waitForEvents } from "../../src/ffi/poll.ts";
import { connectStream } from "../../src/ffi/stream_socket.ts";
import { sendDatagram } from "../../src/ffi/datagram_socket.ts";
import { type AskFileFields, parseAskFile } from "../../src/protocol/parse_ask_file.ts";
import { RunningAgent, startAskpw } from "../helpers/agents.ts";
import { PrivateNamespace } from "../helpers/private_namespace.ts";
import { PtyConsole } from "../helpers/pty_console.ts";
import { SidRoot, startSystemd262Agent } from "../helpers/sid_root.ts";
import { VERSION } from "../../src/version.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The two servers compared. */
type Server = "systemd" | "askpw";
const SERVERS: readonly Server[] = ["systemd", "askpw"];

/** Where the directory holding both listening sockets appears inside the sid root. */
const SOCKETS_IN_ROOT = "/run/askpw-varlink-diff";

/** What a call on a connection of the test's own brought back. */
const CLOSED = "(connection closed)";
const SILENT = "(no reply)";

/** A connection whose bytes the test writes and reads itself. */
class Connection implements Disposable {
  #fd: number;
  #pending: number[] = [];

  constructor(path: string) {
    this.#fd = connectStream(path);
  }

  /** Sends bytes as they are (a message needs its NUL). */
  send(bytes: string | Uint8Array): void {
    const data = typeof bytes === "string" ? encoder.encode(bytes) : bytes;
    writeAll(this.#fd, data as Uint8Array<ArrayBuffer>);
  }

  /** Sends one call: `{"method":…,"parameters":PARAMETERS}` with the parameters' text as given. */
  call(method: string, parameters?: string, extra = ""): void {
    const body = parameters === undefined ? "" : `,"parameters":${parameters}`;
    this.send(`{"method":${JSON.stringify(method)}${body}${extra}}\0`);
  }

  /**
   * The next message (its text, without the NUL), {@linkcode CLOSED} when the
   * server hung up first, {@linkcode SILENT} when nothing came in time.
   */
  async next(timeoutMs = 10_000): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    const buffer = new Uint8Array(65536);
    for (;;) {
      const end = this.#pending.indexOf(0);
      if (end >= 0) {
        const message = decoder.decode(new Uint8Array(this.#pending.slice(0, end)));
        this.#pending = this.#pending.slice(end + 1);
        return message;
      }
      let count: number | null;
      try {
        count = readFd(this.#fd, buffer);
      } catch {
        return CLOSED; // ECONNRESET
      }
      if (count === 0) return CLOSED;
      if (count !== null) {
        this.#pending.push(...buffer.subarray(0, count));
        continue;
      }
      const left = deadline - performance.now();
      if (left <= 0) return SILENT;
      await waitForEvents([{ fd: this.#fd }], left);
    }
  }

  [Symbol.dispose](): void {
    closeFd(this.#fd);
  }
}

/** An ask file as a server wrote it. */
interface AskFile {
  /** Its name in the ask directory. */
  name: string;
  /** Its keys, in the order written. */
  keys: string[];
  /** What systemd's parser makes of it. */
  fields: AskFileFields;
  /** CLOCK_MONOTONIC (µs) when the test found it. */
  foundAt: bigint;
  /** The command name (/proc/PID/comm) of its PID= when the test found it. */
  asker: string | undefined;
}

/** What varlinkctl did, with the server's address replaced by ADDRESS. */
interface CtlOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** Both servers, listening in one namespace; the test's ask directory is theirs. */
class Servers implements AsyncDisposable {
  readonly namespace: PrivateNamespace;
  readonly sid: SidRoot;
  /** The directory of both sockets, as the test (and askpw) sees it. */
  readonly directory: string;
  readonly processes: Record<Server, RunningAgent>;

  private constructor(
    namespace: PrivateNamespace,
    sid: SidRoot,
    directory: string,
    processes: Record<Server, RunningAgent>,
  ) {
    this.namespace = namespace;
    this.sid = sid;
    this.directory = directory;
    this.processes = processes;
  }

  static async start(): Promise<Servers> {
    const namespace = await PrivateNamespace.create();
    const directory = await Deno.makeTempDir({ prefix: "askpw-vl-" });
    const processes: Partial<Record<Server, RunningAgent>> = {};
    try {
      await Deno.chmod(directory, 0o755); // varlinkctl runs as nobody too
      const sid = await SidRoot.in(namespace);
      await sid.bind(directory, SOCKETS_IN_ROOT);
      processes.systemd = new RunningAgent(
        sid.command(
          "systemd-socket-activate",
          [
            "--accept",
            "--fdname=varlink",
            "-l",
            `${SOCKETS_IN_ROOT}/systemd.sock`,
            "systemd-ask-password",
            "--system",
            "--no-tty",
          ],
          {},
          { stdin: "null", stdout: "piped", stderr: "piped" },
        ).spawn(),
      );
      processes.askpw = startAskpw(namespace, ["varlink", `--socket=${directory}/askpw.sock`]);
      await processes.systemd.waitForLog("Listening on");
      await processes.askpw.waitForLog("Serving io.systemd.AskPassword", 30_000);
      // systemd's unit has SocketMode=0666 (askpw's socket is 0666 already).
      await Deno.chmod(`${directory}/systemd.sock`, 0o666);
      return new Servers(namespace, sid, directory, processes as Record<Server, RunningAgent>);
    } catch (error) {
      for (const process of Object.values(processes)) await process[Symbol.asyncDispose]();
      await namespace[Symbol.asyncDispose]();
      await Deno.remove(directory, { recursive: true });
      throw error;
    }
  }

  /** A connection of the test's own to a server. */
  connect(server: Server): Connection {
    return new Connection(`${this.directory}/${server}.sock`);
  }

  /** The server's address for varlinkctl (inside the root). */
  address(server: Server): string {
    return `unix:${SOCKETS_IN_ROOT}/${server}.sock`;
  }

  /**
   * Runs sid's `varlinkctl OPTIONS… VERB ADDRESS ARGS…` against a server.
   *
   * @param user Run as this uid (and gid) instead of root.
   */
  async varlinkctl(
    server: Server,
    verb: string,
    args: string[] = [],
    flags: string[] = [],
    user?: number,
  ): Promise<CtlOutput> {
    const command = ["varlinkctl", "--timeout=15", ...flags, verb, this.address(server), ...args];
    const [program, ...rest] = user === undefined
      ? command
      : ["setpriv", `--reuid=${user}`, `--regid=${user}`, "--clear-groups", ...command];
    const { code, stdout, stderr } = await this.sid.command(program, rest, {}, {
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const clean = (bytes: Uint8Array) =>
      decoder.decode(bytes).replaceAll(this.address(server), "ADDRESS");
    return { code, stdout: clean(stdout), stderr: clean(stderr) };
  }

  /** Starts a varlinkctl call that waits (for an agent), as a running process. */
  varlinkctlInBackground(server: Server, method: string, parameters: string): RunningAgent {
    return new RunningAgent(
      this.sid.command(
        "varlinkctl",
        ["--timeout=30", "call", this.address(server), method, parameters],
        {},
        { stdin: "null", stdout: "piped", stderr: "piped" },
      ).spawn(),
    );
  }

  #askDirectory(): string {
    return this.namespace.outside(this.namespace.askDirectory);
  }

  /** Names in the ask directory now. */
  entries(): string[] {
    return [...Deno.readDirSync(this.#askDirectory())].map((entry) => entry.name).sort();
  }

  /** Waits for the one ask file of a question and reads it. */
  async askFile(timeoutMs = 10_000): Promise<AskFile> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const name = this.entries().find((entry) => entry.startsWith("ask."));
      if (name) {
        const foundAt = monotonicMicros();
        const bytes = Deno.readFileSync(`${this.#askDirectory()}/${name}`);
        const keys = decoder.decode(bytes).split("\n").filter((line) => line.includes("="))
          .map((line) => line.slice(0, line.indexOf("=")));
        const fields = parseAskFile(bytes);
        let asker: string | undefined;
        try {
          asker = Deno.readTextFileSync(`/proc/${fields.pid}/comm`).trim();
        } catch {
          asker = undefined;
        }
        return { name, keys, fields, foundAt, asker };
      }
      if (performance.now() > deadline) throw new Error("no ask file appeared");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Answers a question as an agent does: one datagram to its socket. */
  answer(ask: AskFile, datagram: Uint8Array): void {
    sendDatagram(this.namespace.outside(ask.fields.socket!), datagram as Uint8Array<ArrayBuffer>);
  }

  /** Waits until the asker has removed its ask file and socket; fails if it does not. */
  async cleanedUp(timeoutMs = 5000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.entries().length > 0) {
      if (performance.now() > deadline) {
        assert.fail(`left in the ask directory: ${this.entries().join(", ")}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const process of Object.values(this.processes)) await process[Symbol.asyncDispose]();
    await this.namespace[Symbol.asyncDispose]();
    await Deno.remove(this.directory, { recursive: true });
  }
}

/** Each server's answer to the same bytes, on a fresh connection. */
async function exchange(
  servers: Servers,
  method: string,
  parameters?: string,
): Promise<Record<Server, string>> {
  const replies = {} as Record<Server, string>;
  for (const server of SERVERS) {
    using connection = servers.connect(server);
    connection.call(method, parameters);
    replies[server] = await connection.next();
  }
  return replies;
}

/** The description without its comments and blank lines: what the interface declares. */
function declarations(description: string): string {
  return description.split("\n").filter((line) => line.trim() !== "" && !/^\s*#/.test(line))
    .join("\n");
}

Deno.test({ ...options, name: "varlink differential: the reference is systemd 262" }, async () => {
  await using servers = await Servers.start();
  const info = await servers.varlinkctl("systemd", "info");
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /Product: systemd \(systemd-ask-password\)\n\s+Version: 262[.\s]/);
});

Deno.test({
  ...options,
  name: "varlink differential: the same interfaces, methods, errors and types",
}, async () => {
  await using servers = await Servers.start();
  const ctl = async (verb: string, args: string[] = []) => {
    const [systemd, askpw] = await Promise.all(
      SERVERS.map((server) => servers.varlinkctl(server, verb, args)),
    );
    assert.equal(systemd.code, 0, systemd.stderr);
    return { systemd, askpw };
  };
  const interfaces = await ctl("list-interfaces");
  assert.deepEqual(interfaces.askpw, interfaces.systemd);
  assert.deepEqual(interfaces.systemd.stdout.trim().split("\n"), [
    "io.systemd",
    "io.systemd.AskPassword",
    "org.varlink.service",
  ]);
  const methods = await ctl("list-methods");
  assert.deepEqual(methods.askpw, methods.systemd);
  assert.match(methods.systemd.stdout, /^io\.systemd\.AskPassword\.Ask$/m);
  // varlinkctl parses each description and prints it in one layout: the same
  // declarations, field by field; the comments are each project's own words.
  for (const name of interfaces.systemd.stdout.trim().split("\n")) {
    const described = await ctl("introspect", [name]);
    assert.equal(described.askpw.code, 0, described.askpw.stderr);
    assert.equal(
      declarations(described.askpw.stdout),
      declarations(described.systemd.stdout),
      name,
    );
    assert.notEqual(described.askpw.stdout, described.systemd.stdout, `${name}: own comments`);
  }
  // GetInfo on the wire: the same interfaces, in the same (sorted) order.
  const info = await exchange(servers, "org.varlink.service.GetInfo");
  const listed = (reply: string) => JSON.parse(reply).parameters.interfaces;
  assert.deepEqual(listed(info.askpw), listed(info.systemd));
});

/** Calls that are refused, or answered without asking anybody: same bytes back. */
const REFUSED_OR_IMMEDIATE: [string, string | undefined][] = [
  // Methods that do not exist, on served interfaces and others.
  ["org.varlink.service.Nope", "{}"],
  ["io.systemd.AskPassword.Nope", "{}"],
  ["io.systemd.Nope", "{}"],
  ["org.example.Nothing.Call", "{}"],
  // org.varlink.service's own parameters.
  ["org.varlink.service.GetInfo", '{"x":1}'],
  ["org.varlink.service.GetInterfaceDescription", '{"interface":"org.example.Nothing"}'],
  ["org.varlink.service.GetInterfaceDescription", '{"interface":"io.systemd.askpassword"}'],
  ["org.varlink.service.GetInterfaceDescription", '{"interface":""}'],
  ["org.varlink.service.GetInterfaceDescription", "{}"],
  ["org.varlink.service.GetInterfaceDescription", '{"interface":5}'],
  ["org.varlink.service.GetInterfaceDescription", '{"interface":null}'],
  ["org.varlink.service.GetInterfaceDescription", '{"x":1}'],
  ["org.varlink.service.GetInterfaceDescription", '{"interface":"io.systemd","x":1}'],
  // Ask: wrong types and unknown parameters.
  ["io.systemd.AskPassword.Ask", '{"bogus":1}'],
  ["io.systemd.AskPassword.Ask", '{"message":5}'],
  ["io.systemd.AskPassword.Ask", '{"message":[]}'],
  ["io.systemd.AskPassword.Ask", '{"keyname":{}}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":1.5}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":true}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":1e30}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":18446744073709551616}'],
  ["io.systemd.AskPassword.Ask", '{"untilUSec":-9223372036854775809}'],
  ["io.systemd.AskPassword.Ask", '{"echo":"loud"}'],
  ["io.systemd.AskPassword.Ask", '{"echo":"yes"}'],
  ["io.systemd.AskPassword.Ask", '{"echo":"OFF"}'],
  ["io.systemd.AskPassword.Ask", '{"echo":""}'],
  ["io.systemd.AskPassword.Ask", '{"echo":true}'],
  ["io.systemd.AskPassword.Ask", '{"acceptCached":"yes"}'],
  ["io.systemd.AskPassword.Ask", '{"pushCache":1}'],
  ["io.systemd.AskPassword.Ask", '{"allowInteractiveAuthentication":"x"}'],
  // Ask: values of the right type that are refused.
  ["io.systemd.AskPassword.Ask", '{"message":"a \\"quoted\\" prompt"}'],
  ["io.systemd.AskPassword.Ask", '{"message":"back\\\\slash"}'],
  ["io.systemd.AskPassword.Ask", '{"message":"it\'s"}'],
  ["io.systemd.AskPassword.Ask", '{"message":"bell\\u0007"}'],
  ["io.systemd.AskPassword.Ask", '{"message":"tab\\tx"}'],
  ["io.systemd.AskPassword.Ask", '{"message":"new\\nline"}'],
  ["io.systemd.AskPassword.Ask", '{"message":"escape\\u001b[31m"}'],
  ["io.systemd.AskPassword.Ask", '{"keyname":"a\\"b"}'],
  ["io.systemd.AskPassword.Ask", '{"icon":"x\'"}'],
  ["io.systemd.AskPassword.Ask", '{"id":"y\\\\"}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":-1}'],
  ["io.systemd.AskPassword.Ask", '{"untilUSec":-1}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":"abc"}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":""}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":"-1"}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":"0 "}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":"5\\n"}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":"1e3"}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":"0x"}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":"08"}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":"18446744073709551616"}'],
  // Ask: which parameter is named when several are wrong (types first, in
  // the interface's order; then unknown ones; then values, in the call's order).
  ["io.systemd.AskPassword.Ask", '{"bogus":1,"message":5}'],
  ["io.systemd.AskPassword.Ask", '{"echo":"x","message":5}'],
  ["io.systemd.AskPassword.Ask", '{"echo":"x","bogus":1}'],
  ["io.systemd.AskPassword.Ask", '{"message":"a\\"","bogus":1}'],
  ["io.systemd.AskPassword.Ask", '{"message":"a\\"","echo":"x"}'],
  ["io.systemd.AskPassword.Ask", '{"message":"a\\"","timeoutUSec":1.5}'],
  ["io.systemd.AskPassword.Ask", '{"message":"a\\"","timeoutUSec":"abc"}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":"abc","message":"a\\""}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":-1,"message":"a\\""}'],
  ["io.systemd.AskPassword.Ask", '{"id":"y\\\\","icon":"x\\""}'],
  ["io.systemd.AskPassword.Ask", '{"icon":"x\\"","id":"y\\\\"}'],
  // Ask: the cache only (a zero time): nothing cached, nobody asked.
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":0}'],
  ["io.systemd.AskPassword.Ask", '{"untilUSec":0}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":0,"untilUSec":0}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":-0}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":0.0}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":0e5}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":"0"}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":"00"}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":"-0"}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":"+0"}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":" \\t0"}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":"0x0"}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":"0o0"}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":"0b0"}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":null,"untilUSec":0}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":0,"untilUSec":null}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":18446744073709551615,"untilUSec":0}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":"18446744073709551615","untilUSec":0}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":9007199254740993,"untilUSec":0}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":1.8e19,"untilUSec":0}'],
  ["io.systemd.AskPassword.Ask", '{"message":"","timeoutUSec":0}'],
  [
    "io.systemd.AskPassword.Ask",
    '{"message":"Ünïcödé \\u202e \\ud83d\\udd10 \\u009b","timeoutUSec":0}',
  ],
  ["io.systemd.AskPassword.Ask", '{"echo":"on","timeoutUSec":0}'],
  ["io.systemd.AskPassword.Ask", '{"echo":"off","timeoutUSec":0}'],
  ["io.systemd.AskPassword.Ask", '{"echo":"masked","timeoutUSec":0}'],
  ["io.systemd.AskPassword.Ask", '{"pushCache":true,"timeoutUSec":0}'],
  ["io.systemd.AskPassword.Ask", '{"allowInteractiveAuthentication":true,"timeoutUSec":0}'],
  [
    "io.systemd.AskPassword.Ask",
    `{"keyname":"askpw-diff-none-${crypto.randomUUID()}","acceptCached":true,"timeoutUSec":0}`,
  ],
  // Ask: a time already past (1 µs after boot; 1 µs from now).
  ["io.systemd.AskPassword.Ask", '{"untilUSec":1}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":1}'],
  ["io.systemd.AskPassword.Ask", '{"timeoutUSec":"\\t1"}'],
];

Deno.test({
  ...options,
  name: "varlink differential: refused calls and cache-only asks get the same bytes back",
}, async () => {
  await using servers = await Servers.start();
  const mismatches: string[] = [];
  for (const [method, parameters] of REFUSED_OR_IMMEDIATE) {
    const replies = await exchange(servers, method, parameters);
    assert.notEqual(replies.systemd, SILENT, `${method} ${parameters}: systemd answers`);
    assert.notEqual(replies.systemd, CLOSED, `${method} ${parameters}: systemd answers`);
    if (replies.askpw !== replies.systemd) {
      mismatches.push(
        `${method} ${parameters}\n  systemd: ${replies.systemd}\n  askpw:   ${replies.askpw}`,
      );
    }
  }
  assert.deepEqual(mismatches, []);
  await servers.cleanedUp();
});

Deno.test({
  ...options,
  name: "varlink differential: varlinkctl prints the same for refused calls",
}, async () => {
  await using servers = await Servers.start();
  for (const [method, parameters] of REFUSED_OR_IMMEDIATE) {
    const [systemd, askpw] = await Promise.all(
      SERVERS.map((server) => servers.varlinkctl(server, "call", [method, parameters ?? "{}"])),
    );
    assert.deepEqual(askpw, systemd, `${method} ${parameters}`);
  }
});

Deno.test({
  ...options,
  name: "varlink differential: several calls on one connection, oneway and more",
}, async () => {
  await using servers = await Servers.start();
  for (const server of SERVERS) {
    using connection = servers.connect(server);
    // A oneway call gets no reply; the next calls are answered in order.
    connection.call("org.example.Nothing.Call", "{}", ',"oneway":true');
    connection.call("io.systemd.AskPassword.Ask", '{"timeoutUSec":0}');
    connection.call("io.systemd.AskPassword.Ask", '{"bogus":true}', ',"more":true');
    connection.call("org.varlink.service.GetInterfaceDescription", '{"interface":"nope.Nope"}');
    const replies = [await connection.next(), await connection.next(), await connection.next()];
    assert.deepEqual(replies, [
      '{"error":"io.systemd.AskPassword.NoPasswordAvailable"}',
      '{"error":"org.varlink.service.InvalidParameter","parameters":{"parameter":"bogus"}}',
      '{"error":"org.varlink.service.InterfaceNotFound","parameters":{"interface":"nope.Nope"}}',
    ], server);
    assert.equal(await connection.next(300), SILENT, server);
  }
});

/** A question to one server, answered by the test as an agent (or left unanswered). */
async function answeredBy(
  servers: Servers,
  server: Server,
  parameters: string,
  datagram: Uint8Array | null,
): Promise<{ ask: AskFile; reply: string }> {
  using connection = servers.connect(server);
  connection.call("io.systemd.AskPassword.Ask", parameters);
  const ask = await servers.askFile();
  if (datagram) servers.answer(ask, datagram);
  const reply = await connection.next(15_000);
  await servers.cleanedUp();
  return { ask, reply };
}

/** The same question to each server in turn, answered alike. */
async function answeredOnBoth(
  servers: Servers,
  parameters: string,
  datagram: Uint8Array | null,
): Promise<Record<Server, { ask: AskFile; reply: string }>> {
  return {
    systemd: await answeredBy(servers, "systemd", parameters, datagram),
    askpw: await answeredBy(servers, "askpw", parameters, datagram),
  };
}

/** The ask file's fields that both must write alike. */
function comparable(ask: AskFile) {
  const { acceptCached, echo, silent, message, icon, id } = ask.fields;
  return { keys: ask.keys, acceptCached, echo, silent, message, icon, id };
}

Deno.test({
  ...options,
  name: "varlink differential: the ask files written for the same Ask",
}, async () => {
  await using servers = await Servers.start();
  const now = monotonicMicros();
  const until = now + 120_000_000n;
  const soon = now + 30_000_000n;
  const keyname = `askpw-diff-${crypto.randomUUID()}`;
  /** The deadline expected: exactly this, or about so many µs after the ask file appeared. */
  type Deadline = { exactly: bigint } | { about: bigint };
  const cases: [string, Deadline][] = [
    // Every text field, echo on, an absolute deadline (as a number), no relative one.
    [
      `{"message":"Disk pässwörd 🔐:","icon":"drive-harddisk","id":"cryptsetup:/dev/vda2",` +
      `"keyname":"${keyname}","pushCache":false,"acceptCached":false,"echo":"on",` +
      `"timeoutUSec":null,"untilUSec":${until}}`,
      { exactly: until },
    ],
    // The deadline as strings systemd reads with its own number rules: octal, hex.
    [
      `{"message":"Octal:","echo":"off","timeoutUSec":null,"untilUSec":"0${until.toString(8)}"}`,
      { exactly: until },
    ],
    [
      `{"message":"Hex:","acceptCached":true,"timeoutUSec":null,"untilUSec":" 0x${
        until.toString(16)
      }"}`,
      { exactly: until },
    ],
    // 2^64-1 (as a string, and as a number beyond 2^53): no relative time.
    [`{"message":"Max:","timeoutUSec":"${2n ** 64n - 1n}","untilUSec":${until}}`, {
      exactly: until,
    }],
    [`{"message":"Max:","timeoutUSec":${2n ** 64n - 1n},"untilUSec":${until}}`, {
      exactly: until,
    }],
    // The earlier of the two wins; unset, the relative time is 90 s.
    [`{"message":"Earlier:","timeoutUSec":60000000,"untilUSec":${until}}`, { about: 60_000_000n }],
    [`{"message":"Earlier:","untilUSec":${soon}}`, { exactly: soon }],
    ['{"message":"Default time:"}', { about: 90_000_000n }],
    ['{"icon":"no-message","echo":"masked"}', { about: 90_000_000n }],
    ['{"message":""}', { about: 90_000_000n }],
  ];
  for (const [parameters, deadline] of cases) {
    const results = await answeredOnBoth(servers, parameters, encoder.encode("+pw\0"));
    for (const server of SERVERS) {
      const { ask, reply } = results[server];
      assert.equal(reply, '{"parameters":{"passwords":["pw"]}}', `${server} ${parameters}`);
      assert.match(ask.name, /^ask\.\d+$/, server);
      if ("exactly" in deadline) {
        assert.equal(ask.fields.notAfter, deadline.exactly, `${server} ${parameters}`);
      } else {
        const left = ask.fields.notAfter - ask.foundAt;
        assert.ok(
          left > deadline.about - 5_000_000n && left <= deadline.about,
          `${server} ${parameters}: ${left} µs left`,
        );
      }
    }
    assert.deepEqual(
      comparable(results.askpw.ask),
      comparable(results.systemd.ask),
      parameters,
    );
    // Each asker names itself (PID=) and a socket in the ask directory;
    // systemd joins the directory and the socket's name with a second slash.
    assert.equal(results.systemd.ask.asker, "systemd-ask-pas"); // comm: 15 characters
    assert.equal(results.askpw.ask.fields.pid, servers.processes.askpw.process.pid);
    assert.match(
      results.systemd.ask.fields.socket!,
      /^\/run\/systemd\/ask-password\/\/sck\.[0-9a-f]{1,16}$/,
    );
    assert.match(
      results.askpw.ask.fields.socket!,
      /^\/run\/systemd\/ask-password\/sck\.[0-9a-f]{1,16}$/,
    );
  }
  assert.equal(readUserKey(keyname, new Uint8Array(64)), undefined, "pushCache false: no key");
});

Deno.test({
  ...options,
  name: "varlink differential: what becomes of each answer an agent sends",
}, async () => {
  await using servers = await Servers.start();
  const datagrams: Uint8Array[] = [
    encoder.encode('+pässwörd "quoted" \\ back\0'),
    encoder.encode("+no trailing NUL"),
    encoder.encode("+first\0second\0third"),
    encoder.encode("+a\0\0b\0"),
    encoder.encode("+"),
    encoder.encode("+\0"),
    encoder.encode(
      '+\x01\x02\x03\x04\x05\x06\x07\b\t\n\x0b\f\r\x0e\x0f\x10\x1b\x1f"\\/\u0080\u2028',
    ),
    encoder.encode("-"),
    encoder.encode("-ignored after the minus"),
    new Uint8Array([0x2b, 0x61, 0xff, 0x62]), // '+', 'a', an invalid UTF-8 byte, 'b'
  ];
  for (const datagram of datagrams) {
    const results = await answeredOnBoth(servers, '{"message":"Answer:"}', datagram);
    assert.equal(
      results.askpw.reply,
      results.systemd.reply,
      JSON.stringify(decoder.decode(datagram)),
    );
  }
});

Deno.test({
  ...options,
  name: "varlink differential: garbage is ignored, time runs out, a caller hangs up",
}, async () => {
  await using servers = await Servers.start();
  // A datagram that is no answer changes nothing: the question times out.
  const ignored = await answeredOnBoth(
    servers,
    '{"message":"Garbage:","timeoutUSec":1500000}',
    encoder.encode("xgarbage"),
  );
  for (const server of SERVERS) {
    assert.equal(
      ignored[server].reply,
      '{"error":"io.systemd.AskPassword.TimeoutReached"}',
      server,
    );
  }
  // A caller that hangs up takes its question (ask file and socket) away.
  for (const server of SERVERS) {
    const connection = servers.connect(server);
    connection.call("io.systemd.AskPassword.Ask", '{"message":"Hang up:"}');
    await servers.askFile();
    connection[Symbol.dispose]();
    await servers.cleanedUp();
  }
});

Deno.test({
  ...options,
  name: "varlink differential: pushCache and acceptCached through the kernel keyring",
}, async () => {
  await using servers = await Servers.start();
  const outcomes = {} as Record<Server, unknown[]>;
  for (const server of SERVERS) {
    // A key of each server's own, pushed to by it alone.
    const keyname = `askpw-diff-${crypto.randomUUID()}`;
    const unpushed = `askpw-diff-${crypto.randomUUID()}`;
    const call = async (parameters: string) => {
      using connection = servers.connect(server);
      connection.call("io.systemd.AskPassword.Ask", parameters);
      const reply = await connection.next();
      return { reply, left: servers.entries() };
    };
    const key = (name: string) => {
      const bytes = readUserKey(name, new Uint8Array(256));
      return bytes ? decoder.decode(bytes) : null;
    };
    const log: unknown[] = outcomes[server] = [];
    const push = `{"message":"Push:","keyname":"${keyname}"}`;
    log.push((await answeredBy(servers, server, push, encoder.encode("+one\0"))).reply);
    log.push(key(keyname));
    // A second answer is added to what the key holds; one it holds already is not.
    log.push((await answeredBy(servers, server, push, encoder.encode("+two\0one"))).reply);
    log.push(key(keyname));
    // acceptCached: the cache answers, with nobody asked (also with time to ask).
    log.push(await call(`{"keyname":"${keyname}","acceptCached":true,"timeoutUSec":0}`));
    log.push(await call(`{"keyname":"${keyname}","acceptCached":true}`));
    // Without acceptCached, or without a key name, the cache is not read.
    log.push(await call(`{"keyname":"${keyname}","timeoutUSec":0}`));
    log.push(await call(`{"acceptCached":true,"timeoutUSec":0}`));
    // Unless pushCache is false, the answer is stored (pushCache defaults to true).
    const keep = `{"message":"Keep:","keyname":"${unpushed}","pushCache":false}`;
    log.push((await answeredBy(servers, server, keep, encoder.encode("+three\0"))).reply);
    log.push(key(unpushed));
  }
  assert.deepEqual(outcomes.askpw, outcomes.systemd);
  assert.equal(outcomes.systemd[1], "one", "the reference pushed the answer");
});

Deno.test({
  ...options,
  name: "varlink differential: answered by askpw's and systemd 262's console agents",
}, async () => {
  await using servers = await Servers.start();
  for (const agentName of ["askpw", "systemd262"] as const) {
    using pty = new PtyConsole();
    await using _agent = agentName === "askpw"
      ? startAskpw(servers.namespace, ["watch", `--console=${pty.path}`])
      : await startSystemd262Agent(servers.namespace, ["--watch", `--console=${pty.path}`]);
    const outputs = {} as Record<Server, unknown>;
    for (const server of SERVERS) {
      const prompt = `Typed for ${server} via ${agentName}:`;
      const from = pty.bytes.length;
      await using call = servers.varlinkctlInBackground(
        server,
        "io.systemd.AskPassword.Ask",
        JSON.stringify({ message: prompt, id: "test:diff", echo: "masked" }),
      );
      await pty.waitFor(prompt, 30_000, from);
      await new Promise((resolve) => setTimeout(resolve, 300)); // the prompt's terminal mode
      pty.type("Pässwörd\r");
      const status = await call.exit();
      outputs[server] = { code: status.code, stdout: call.stdout, stderr: call.log };
      await servers.cleanedUp();
    }
    assert.deepEqual(outputs.askpw, outputs.systemd, agentName);
    assert.deepEqual(outputs.systemd, {
      code: 0,
      stdout: '{"passwords":["Pässwörd"]}\n',
      stderr: "",
    });
  }
});

// Deliberate differences: each side asserted on its own.

Deno.test({
  ...options,
  name: "varlink differential (deliberate): null is 'unset' for every field, as `?type` declares",
}, async () => {
  await using servers = await Servers.start();
  for (
    const name of [
      "message",
      "keyname",
      "icon",
      "id",
      "acceptCached",
      "pushCache",
      "echo",
      "allowInteractiveAuthentication",
    ]
  ) {
    const replies = await exchange(
      servers,
      "io.systemd.AskPassword.Ask",
      `{"${name}":null,"timeoutUSec":0}`,
    );
    // systemd 262 refuses null for all but the two times, although its own
    // description declares every field optional (?string, ?bool, ?EchoMode).
    assert.equal(
      replies.systemd,
      `{"error":"org.varlink.service.InvalidParameter","parameters":{"parameter":"${name}"}}`,
    );
    // askpw takes null as the field unset: here, the cache only, and nothing in it.
    assert.equal(replies.askpw, '{"error":"io.systemd.AskPassword.NoPasswordAvailable"}');
  }
});

Deno.test({
  ...options,
  name: "varlink differential (deliberate): a raw DEL in a string is refused, not the connection",
}, async () => {
  await using servers = await Servers.start();
  for (const field of ["message", "keyname", "bogus"]) {
    const call = encoder.encode(
      `{"method":"io.systemd.AskPassword.Ask","parameters":{"${field}":"a\x7f","timeoutUSec":0}}\0`,
    );
    const replies = {} as Record<Server, string>;
    for (const server of SERVERS) {
      using connection = servers.connect(server);
      connection.send(call);
      replies[server] = await connection.next();
    }
    // JSON (RFC 8259) needs only U+0000-U+001F escaped: systemd's parser also
    // refuses a raw DEL and drops the connection without a reply.
    assert.equal(replies.systemd, CLOSED, field);
    // askpw parses the call and refuses the value (DEL is no safe character).
    assert.equal(
      replies.askpw,
      `{"error":"org.varlink.service.InvalidParameter","parameters":{"parameter":"${field}"}}`,
    );
  }
});

Deno.test({
  ...options,
  name: "varlink differential (deliberate): a DEL in a password is escaped in the reply",
}, async () => {
  await using servers = await Servers.start();
  const datagram = encoder.encode("+a\x7fb\0");
  const results = await answeredOnBoth(servers, '{"message":"DEL:"}', datagram);
  // systemd writes the DEL raw, which its own parser refuses (see above) …
  assert.equal(results.systemd.reply, '{"parameters":{"passwords":["a\x7fb"]}}');
  // … askpw escapes it, which every JSON parser reads back as the same string.
  assert.equal(results.askpw.reply, '{"parameters":{"passwords":["a\\u007fb"]}}');
  // So systemd's own varlinkctl cannot read systemd's reply, and reads askpw's.
  const outputs = {} as Record<Server, CtlOutput>;
  for (const server of SERVERS) {
    await using call = servers.varlinkctlInBackground(
      server,
      "io.systemd.AskPassword.Ask",
      '{"message":"DEL:"}',
    );
    servers.answer(await servers.askFile(), datagram);
    outputs[server] = { code: (await call.exit()).code, stdout: call.stdout, stderr: call.log };
    await servers.cleanedUp();
  }
  assert.notEqual(outputs.systemd.code, 0);
  assert.match(outputs.systemd.stderr, /Invalid argument/);
  assert.deepEqual(outputs.askpw, {
    code: 0,
    stdout: '{"passwords":["a\x7fb"]}\n',
    stderr: "",
  });
});

Deno.test({
  ...options,
  name: "varlink differential (deliberate): GetInfo names askpw, its version and its home",
}, async () => {
  await using servers = await Servers.start();
  const info = await exchange(servers, "org.varlink.service.GetInfo");
  const { interfaces: _s, ...systemd } = JSON.parse(info.systemd).parameters;
  const { interfaces: _a, ...askpw } = JSON.parse(info.askpw).parameters;
  assert.equal(systemd.vendor, "The systemd Project");
  assert.match(systemd.version, /^262\b/);
  assert.deepEqual(askpw, {
    vendor: "askpw",
    product: "askpw",
    version: VERSION,
    url: "https://github.com/askpw/askpw",
  });
});

Deno.test({
  ...options,
  name: "varlink differential (deliberate): a caller other than root is refused without polkit",
}, async () => {
  await using servers = await Servers.start();
  const asNobody = (server: Server, parameters: string) =>
    servers.varlinkctl(server, "call", ["io.systemd.AskPassword.Ask", parameters], [], 65534);
  // Parameters are checked first, on both.
  const [systemdBad, askpwBad] = await Promise.all(
    SERVERS.map((server) => asNobody(server, '{"message":5}')),
  );
  assert.deepEqual(askpwBad, systemdBad);
  assert.match(systemdBad.stdout, /"parameter":"message"/);
  // Then systemd asks polkit over D-Bus: the root has no bus, so ENOENT.
  const systemd = await asNobody("systemd", '{"message":"From nobody:","timeoutUSec":0}');
  assert.equal(systemd.code, 1);
  assert.equal(systemd.stdout, '{"origin":"linux","errno":2,"errnoName":"ENOENT"}\n');
  // askpw has no polkit to ask (the initrd has none): only root may ask.
  const askpw = await asNobody("askpw", '{"message":"From nobody:","timeoutUSec":0}');
  assert.equal(askpw.code, 1);
  assert.equal(askpw.stdout, "{}\n");
  assert.match(askpw.stderr, /failed: Permission denied/);
  await servers.cleanedUp();
});
