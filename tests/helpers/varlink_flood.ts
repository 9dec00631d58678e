/**
 * A hostile Varlink peer for the flood tests and the bench: it floods one
 * AF_UNIX socket (and nothing else), bounded in count and in time, and says
 * what it did in `FLOOD: key=value` lines. Run as an unprivileged user
 * (tests/helpers/as_user.ts) against askpw's 0666 socket.
 *
 * Usage (deno run --allow-all varlink_flood.ts MODE SOCKET …):
 *
 * - `hold SOCKET COUNT SECONDS`: opens COUNT connections and holds them.
 * - `half SOCKET COUNT SECONDS`: opens COUNT connections, sends half a
 *   message on each and holds them.
 * - `long SOCKET BYTES SECONDS`: sends BYTES without a NUL, on one
 *   connection and, each time the server closes it, on a new one.
 * - `calls SOCKET SECONDS CONNECTIONS RATE`: GetInfo calls on CONNECTIONS
 *   connections, each waiting for its reply, at most RATE per second.
 *
 * Each mode says `flooding=yes` once it floods, and ends after SECONDS (`hold`
 * and `half` also when stdin closes), reporting `opened=`,
 * `closed-by-server=` (connections the server had closed by then),
 * `sent=`, `replies=` and `rate=` (replies per second) as they apply.
 *
 * Imported, it gives what the flood test and bench/varlink_flood.ts share:
 * {@linkcode startFlood} (this program as another user), {@linkcode floodReport}
 * and {@linkcode rootAsk} (root's Ask, answered as an agent would).
 *
 * @module
 */
import { closeFd, readFd, writeSome } from "../../src/ffi/file_descriptor.ts";
import { PollEvents, pollNow, waitForEvents } from "../../src/ffi/poll.ts";
import { connectStream } from "../../src/ffi/stream_socket.ts";
import { sendDatagram } from "../../src/ffi/datagram_socket.ts";
import { RunningAgent } from "./agents.ts";
import { asUser } from "./as_user.ts";
import type { PrivateNamespace } from "./private_namespace.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const FLOOD = new URL(import.meta.url).pathname;
const report = (key: string, value: string | number) => console.log(`FLOOD: ${key}=${value}`);
const GET_INFO = encoder.encode('{"method":"org.varlink.service.GetInfo","parameters":{}}\0');
const HALF = encoder.encode('{"method":"org.varlink.service.GetInfo"');
/** Connections at most, whatever COUNT says. */
const MAX_CONNECTIONS = 10_000;
/** Seconds at most, whatever SECONDS says. */
const MAX_SECONDS = 120;

/** Connects, retrying while the listen backlog is full (for at most 2 s); null if it cannot. */
async function connect(socket: string): Promise<number | null> {
  const deadline = performance.now() + 2000;
  for (;;) {
    try {
      return connectStream(socket);
    } catch (error) {
      if (performance.now() > deadline) {
        report("connect-error", (error as Error).message);
        return null;
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
}

/** Whether the server closed `fd` (EOF or an error), reading and dropping what it sent. */
function closedByServer(fd: number): boolean {
  const buffer = new Uint8Array(4096);
  for (;;) {
    if ((pollNow(fd, PollEvents.POLLIN) & (PollEvents.POLLIN | PollEvents.POLLHUP)) === 0) {
      return false;
    }
    try {
      const count = readFd(fd, buffer);
      if (count === 0) return true;
      if (count === null) return false;
    } catch {
      return true;
    }
  }
}

/** Resolves after `seconds` or when stdin closes, whichever comes first. */
function holdFor(seconds: number): Promise<void> {
  return Promise.race([
    new Promise<void>((resolve) => setTimeout(resolve, Math.min(seconds, MAX_SECONDS) * 1000)),
    (async () => {
      for await (const _ of Deno.stdin.readable) {
        // Anything, or the end, stops the flood; the end is what a test sends.
      }
    })(),
  ]);
}

async function open(socket: string, count: number, first?: Uint8Array): Promise<number[]> {
  const fds: number[] = [];
  for (let i = 0; i < Math.min(count, MAX_CONNECTIONS); i++) {
    const fd = await connect(socket);
    if (fd === null) break;
    if (first) {
      try {
        writeSome(fd, first as Uint8Array<ArrayBuffer>);
      } catch {
        // Closed already: counted at the end.
      }
    }
    fds.push(fd);
  }
  report("opened", fds.length);
  report("flooding", "yes");
  return fds;
}

function finish(fds: number[]): void {
  report("closed-by-server", fds.filter(closedByServer).length);
  for (const fd of fds) closeFd(fd);
}

async function long(socket: string, bytes: number, seconds: number): Promise<void> {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  const deadline = performance.now() + Math.min(seconds, MAX_SECONDS) * 1000;
  let sent = 0;
  let connections = 0;
  let closed = 0;
  let fd: number | null = null;
  report("flooding", "yes");
  while (sent < bytes && performance.now() < deadline) {
    if (fd === null) {
      fd = await connect(socket);
      if (fd === null) break;
      connections++;
    }
    let written: number | null;
    try {
      written = writeSome(fd, chunk.subarray(0, Math.min(chunk.length, bytes - sent)));
    } catch {
      closeFd(fd);
      fd = null;
      closed++;
      continue;
    }
    if (written === null) {
      const [events] = await waitForEvents([{ fd, events: PollEvents.POLLOUT }], 100);
      if ((events & (PollEvents.POLLHUP | PollEvents.POLLERR)) !== 0) {
        closeFd(fd);
        fd = null;
        closed++;
      }
      continue;
    }
    sent += written;
  }
  report("sent", sent);
  report("opened", connections);
  if (fd !== null && closedByServer(fd)) closed++;
  report("closed-by-server", closed);
  if (fd !== null) closeFd(fd);
}

async function calls(socket: string, seconds: number, count: number, rate: number) {
  const fds: (number | null)[] = Array.from({ length: Math.min(count, 64) }, () => null);
  const waiting = fds.map(() => false);
  const buffer = new Uint8Array(65536);
  const started = performance.now();
  const deadline = started + Math.min(seconds, MAX_SECONDS) * 1000;
  let replies = 0;
  let calls = 0;
  let closed = 0;
  report("flooding", "yes");
  while (performance.now() < deadline) {
    for (let i = 0; i < fds.length; i++) {
      if (fds[i] === null) fds[i] = await connect(socket);
      const fd = fds[i];
      if (fd === null || waiting[i]) continue;
      if (calls >= rate * (performance.now() - started) / 1000) break;
      try {
        // The server's socket buffer takes a whole call at once.
        if (writeSome(fd, GET_INFO) === GET_INFO.length) {
          waiting[i] = true;
          calls++;
        }
      } catch {
        closeFd(fd);
        fds[i] = null;
        closed++;
      }
    }
    const open = fds.map((fd, index) => ({ fd, index })).filter((entry) => entry.fd !== null);
    const ready = await waitForEvents(open.map(({ fd }) => ({ fd: fd! })), 1);
    for (let j = 0; j < open.length; j++) {
      if (ready[j] === 0) continue;
      const { fd, index } = open[j];
      let count: number | null;
      try {
        count = readFd(fd!, buffer);
      } catch {
        count = 0;
      }
      if (count === null) continue;
      if (count === 0) {
        closeFd(fd!);
        fds[index] = null;
        waiting[index] = false;
        closed++;
        continue;
      }
      // One call in flight per connection: its reply ends with the one NUL.
      if (buffer.subarray(0, count).includes(0)) {
        waiting[index] = false;
        replies++;
      }
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  report("replies", replies);
  report("rate", Math.round(replies / elapsed));
  report("closed-by-server", closed);
  for (const fd of fds) if (fd !== null) closeFd(fd);
}

/**
 * This program as `uid` (65534 unless told), its stdin open: closing it ends
 * a `hold` or `half` flood.
 *
 * @param args The mode, the socket and the mode's numbers.
 * @param uid Who floods.
 * @returns The running flood.
 */
export function startFlood(args: string[], uid = 65534): RunningAgent {
  const deno = [Deno.execPath(), "run", "--allow-all", "--no-config", FLOOD, ...args];
  const [program, ...rest] = asUser(uid, deno);
  return new RunningAgent(
    new Deno.Command(program, {
      args: rest,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { DENO_DIR: `/tmp/askpw-deno-dir-${uid}` },
    }).spawn(),
  );
}

/**
 * What a flood said: its `FLOOD: key=value` lines.
 *
 * @param flood The flood.
 * @returns Key → value.
 */
export function floodReport(flood: RunningAgent): Record<string, string> {
  return Object.fromEntries(
    [...flood.stdout.matchAll(/^FLOOD: ([\w-]+)=(.*)$/gm)].map((m) => [m[1], m[2]]),
  );
}

/**
 * Root's Ask on `socket`, answered (with `password`) as soon as its ask file
 * appears in the namespace's ask directory, as an agent would.
 *
 * @param namespace Where the server's ask files go.
 * @param socket The server's socket, as the caller reaches it.
 * @param password The answer.
 * @returns How long it took, connect to reply, in ms, and the reply.
 */
export async function rootAsk(
  namespace: PrivateNamespace,
  socket: string,
  password: string,
): Promise<{ ms: number; reply: string }> {
  const started = performance.now();
  let fd: number | undefined;
  while (fd === undefined) {
    try {
      fd = connectStream(socket);
    } catch (error) {
      if (performance.now() - started > 5000) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
  try {
    const message = `Root asks ${password}:`;
    const call = encoder.encode(
      JSON.stringify({
        method: "io.systemd.AskPassword.Ask",
        parameters: { message, timeoutUSec: 60_000_000 },
      }) + "\0",
    );
    if (writeSome(fd, call) !== call.length) throw new Error("root's Ask did not go at once");
    const dir = namespace.outside(namespace.askDirectory);
    let socketPath: string | undefined;
    while (socketPath === undefined) {
      for (const entry of Deno.readDirSync(dir)) {
        if (!entry.name.startsWith("ask.")) continue;
        let text: string;
        try {
          text = Deno.readTextFileSync(`${dir}/${entry.name}`);
        } catch {
          continue;
        }
        if (text.includes(message)) socketPath = /^Socket=(.*)$/m.exec(text)?.[1];
      }
      if (performance.now() - started > 60_000) throw new Error("no ask file for root's Ask");
      if (socketPath === undefined) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    sendDatagram(namespace.outside(socketPath), encoder.encode(`+${password}`));
    const bytes: number[] = [];
    const buffer = new Uint8Array(4096);
    for (;;) {
      const count = readFd(fd, buffer);
      if (count === 0) throw new Error("the server closed root's connection");
      if (count === null) {
        if (performance.now() - started > 60_000) throw new Error("no reply to root's Ask");
        await waitForEvents([{ fd }], 100);
        continue;
      }
      bytes.push(...buffer.subarray(0, count));
      const end = bytes.indexOf(0);
      if (end >= 0) {
        return {
          ms: performance.now() - started,
          reply: decoder.decode(new Uint8Array(bytes.slice(0, end))),
        };
      }
    }
  } finally {
    closeFd(fd);
  }
}

if (import.meta.main) {
  const [mode, socket, ...args] = Deno.args;
  const numbers = args.map(Number);
  if (mode === "hold" || mode === "half") {
    const fds = await open(socket, numbers[0], mode === "half" ? HALF : undefined);
    await holdFor(numbers[1]);
    finish(fds);
  } else if (mode === "long") {
    await long(socket, numbers[0], numbers[1]);
  } else if (mode === "calls") {
    await calls(socket, numbers[0], numbers[1], numbers[2]);
  } else {
    console.error(`unknown mode ${JSON.stringify(mode)}`);
    Deno.exit(2);
  }
  report("done", "yes");
  Deno.exit(0);
}
