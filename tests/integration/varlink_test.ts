/**
 * `askpw varlink`: io.systemd.AskPassword for systems whose systemd has none
 * (Debian 12's 252), exercised by an independent client on the varlink
 * project's reference Go library: introspection, Ask answered through
 * askpw's console prompt and through systemd's agent, the documented
 * errors, and callers that are hostile, slow, flooding or that hang up.
 */
import assert from "node:assert/strict";
import { addUserKey } from "../../src/ffi/keyring.ts";
import { sendDatagram } from "../../src/ffi/datagram_socket.ts";
import {
  type RunningAgent,
  startAskpw,
  startSystemdAgent,
  waitForAskFiles,
} from "../helpers/agents.ts";
import { PrivateNamespace } from "../helpers/private_namespace.ts";
import { PtyConsole } from "../helpers/pty_console.ts";
import {
  ASK_METHOD,
  RawConnection,
  runVarlinkClient,
  varlinkClient,
} from "../helpers/varlink_client.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const encoder = new TextEncoder();
let sockets = 0;

/** `askpw varlink` on a socket of its own, inside the namespace. */
async function startServer(
  namespace: PrivateNamespace,
): Promise<{ server: RunningAgent; socket: string }> {
  await varlinkClient(); // build it before the clock matters
  const socket = `/tmp/askpw-varlink-${Deno.pid}-${++sockets}.sock`;
  const server = startAskpw(namespace, ["varlink", `--socket=${socket}`, "--debug"]);
  await server.waitForLog("Serving io.systemd.AskPassword", 30_000);
  return { server, socket };
}

function askOf(message: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ message, ...extra });
}

Deno.test({
  ...options,
  name: "GetInfo, and GetInterfaceDescription parsed by the reference library",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  const { server, socket } = await startServer(namespace);
  await using _server = server;
  const info = await runVarlinkClient(namespace, [socket, "info"]);
  assert.equal(info.code, 0, info.stderr);
  assert.deepEqual(info.json?.interfaces, [
    "io.systemd",
    "io.systemd.AskPassword",
    "org.varlink.service",
  ]);
  assert.equal(info.json?.product, "askpw");
  const described = await runVarlinkClient(namespace, [
    socket,
    "describe",
    "io.systemd.AskPassword",
  ]);
  assert.equal(described.code, 0, JSON.stringify(described.json));
  assert.deepEqual(described.json?.methods, { Ask: ASK_METHOD });
  assert.deepEqual(described.json?.errors, ["NoPasswordAvailable", "TimeoutReached"]);
  assert.deepEqual(described.json?.types, ["EchoMode"]);
  const missing = await runVarlinkClient(namespace, [socket, "describe", "org.example.Nothing"]);
  assert.equal(missing.json?.error, "org.varlink.service.InterfaceNotFound");
});

Deno.test({
  ...options,
  name: "Ask is answered through askpw's console prompt",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  await using _agent = startAskpw(namespace, ["watch", `--console=${pty.path}`]);
  const { server, socket } = await startServer(namespace);
  await using _server = server;
  const call = runVarlinkClient(namespace, [
    socket,
    "call",
    "io.systemd.AskPassword.Ask",
    askOf("Varlink asks:", { id: "test:varlink", timeoutUSec: 60_000_000 }),
  ]);
  await pty.waitFor("Varlink asks: ", 30_000);
  pty.type('pässword "quoted"\r');
  const result = await call;
  assert.equal(result.code, 0, JSON.stringify(result));
  assert.deepEqual(result.json, { parameters: { passwords: ['pässword "quoted"'] } });
});

Deno.test({
  ...options,
  name: "Ask is answered through systemd's agent",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  await using _agent = startSystemdAgent(namespace, ["--watch", `--console=${pty.path}`]);
  const { server, socket } = await startServer(namespace);
  await using _server = server;
  const call = runVarlinkClient(namespace, [
    socket,
    "call",
    "io.systemd.AskPassword.Ask",
    askOf("Through systemd:"),
  ]);
  await pty.waitFor("Through systemd:", 30_000);
  await new Promise((resolve) => setTimeout(resolve, 300));
  pty.type("sd\r");
  const result = await call;
  assert.deepEqual(result.json, { parameters: { passwords: ["sd"] } });
});

Deno.test({
  ...options,
  name:
    "errors: NoPasswordAvailable, TimeoutReached, InvalidParameter, ECANCELED, PermissionDenied",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  const { server, socket } = await startServer(namespace);
  await using _server = server;
  Deno.chmodSync(socket, 0o666);
  const ask = (parameters: Record<string, unknown>, user?: number) =>
    runVarlinkClient(
      namespace,
      [socket, "call", "io.systemd.AskPassword.Ask", JSON.stringify(parameters)],
      user,
    );
  // Errors without parameters come without the key, as systemd sends them (the client prints null).
  assert.deepEqual((await ask({ timeoutUSec: 0 })).json, {
    error: "io.systemd.AskPassword.NoPasswordAvailable",
    parameters: null,
  });
  // Nobody answers: the question is withdrawn at its deadline (a decimal string is a 64-bit value).
  assert.deepEqual((await ask({ message: "Nobody:", timeoutUSec: "1000000" })).json, {
    error: "io.systemd.AskPassword.TimeoutReached",
    parameters: null,
  });
  for (
    const [parameters, name] of [
      [{ message: 'a "quoted" prompt' }, "message"],
      [{ id: "back\\slash" }, "id"],
      [{ icon: "bell\x07" }, "icon"],
      [{ timeoutUSec: -1 }, "timeoutUSec"],
      [{ echo: "loud" }, "echo"],
      [{ unknown: 1 }, "unknown"],
    ] as const
  ) {
    assert.deepEqual((await ask(parameters)).json, {
      error: "org.varlink.service.InvalidParameter",
      parameters: { parameter: name },
    });
  }
  // An agent's "-" (a person cancelled): ECANCELED, as systemd reports it.
  const cancelled = ask({ message: "Cancel me:" });
  await waitForAskFiles(namespace);
  const dir = namespace.outside(namespace.askDirectory);
  const askFile = [...Deno.readDirSync(dir)].find((entry) => entry.name.startsWith("ask."))!;
  const reply = /^Socket=(.*)$/m.exec(Deno.readTextFileSync(`${dir}/${askFile.name}`))![1];
  sendDatagram(namespace.outside(reply), encoder.encode("-"));
  assert.deepEqual((await cancelled).json, {
    error: "io.systemd.System",
    parameters: { origin: "linux", errno: 125, errnoName: "ECANCELED" },
  });
  // Only root may ask the system instance (there is no polkit in the initrd).
  assert.deepEqual((await ask({ message: "From nobody:" }, 65534)).json, {
    error: "org.varlink.service.PermissionDenied",
    parameters: null,
  });
  const unknown = await runVarlinkClient(namespace, [
    socket,
    "call",
    "io.systemd.AskPassword.Nope",
    "{}",
  ]);
  assert.deepEqual(unknown.json?.error, "org.varlink.service.MethodNotFound");
});

Deno.test({
  ...options,
  name: "keyname with acceptCached: the keyring answers, with no question asked",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  const { server, socket } = await startServer(namespace);
  await using _server = server;
  const keyname = `askpw-varlink-${crypto.randomUUID()}`;
  addUserKey(keyname, encoder.encode("from-keyring"), 60);
  const result = await runVarlinkClient(namespace, [
    socket,
    "call",
    "io.systemd.AskPassword.Ask",
    JSON.stringify({ keyname, acceptCached: true, timeoutUSec: 0 }),
  ]);
  assert.deepEqual(result.json, { parameters: { passwords: ["from-keyring"] } });
});

Deno.test({
  ...options,
  name: "a caller that hangs up takes its question away at once",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  const { server, socket } = await startServer(namespace);
  await using _server = server;
  using connection = new RawConnection(socket);
  connection.write(encoder.encode(
    JSON.stringify({ method: "io.systemd.AskPassword.Ask", parameters: { message: "Hang up:" } }) +
      "\0",
  ));
  await waitForAskFiles(namespace);
  connection[Symbol.dispose]();
  const dir = namespace.outside(namespace.askDirectory);
  for (let i = 0; i < 100 && [...Deno.readDirSync(dir)].length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.deepEqual(
    [...Deno.readDirSync(dir)].map((entry) => entry.name),
    [],
    "ask file and socket gone",
  );
});

Deno.test({
  ...options,
  name: "malformed, oversized, flooding and half-sent messages close only their own connection",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  const { server, socket } = await startServer(namespace);
  await using _server = server;
  using malformed = new RawConnection(socket);
  malformed.write(encoder.encode("{not json\0"));
  assert.notEqual(await malformed.closedByServer(5000), null, "malformed: closed");
  using oversized = new RawConnection(socket);
  oversized.write(new Uint8Array(70 * 1024).fill(0x20));
  assert.notEqual(await oversized.closedByServer(5000), null, "oversized: closed");
  using flood = new RawConnection(socket);
  // 20 calls that each wait (a question nobody answers) queue up: too many.
  const call = JSON.stringify({
    method: "io.systemd.AskPassword.Ask",
    parameters: { message: "Flood:" },
  });
  flood.write(encoder.encode(`${call}\0`.repeat(20)));
  assert.notEqual(await flood.closedByServer(5000), null, "flood: closed");
  using slow = new RawConnection(socket);
  slow.write(encoder.encode('{"method":"org.varlink.service.GetInfo"'));
  assert.equal(await slow.closedByServer(2000), null, "a slow caller gets its time…");
  assert.notEqual(await slow.closedByServer(15_000), null, "…then is closed");
  // And others are served all along.
  const info = await runVarlinkClient(namespace, [socket, "info"]);
  assert.equal(info.code, 0);
  assert.match(server.log, /sent half a message; closed/);
});
