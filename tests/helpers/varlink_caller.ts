/**
 * A Varlink caller for the SO_PASSPIDFD tests, on askpw's own FFI: it says
 * who it is (PID, pidfs ID, unit), then calls, one `CALLER: key=value` line
 * per finding. Run on the host (tests/integration/varlink_pidfd_test.ts) and,
 * bundled, on askpw's Deno inside the boot test's VM.
 *
 * Usage (deno run --allow-all varlink_caller.ts MODE …):
 *
 * - `call SOCKET METHOD PARAMETERS`: connects and calls; `reply=` the reply.
 * - `borrow PID FD METHOD PARAMETERS`: calls on the connection process PID
 *   holds at FD (pidfd_getfd, as root): SO_PEERCRED names PID, the pidfd
 *   that comes with the message names this process.
 * - `descriptor SOCKET FILE`: sends GetInfo with FILE's descriptor attached
 *   (SCM_RIGHTS): `descriptor-send=refused (EPERM)` when the kernel refuses
 *   it (SO_PASSRIGHTS=0), else `delivered` and the reply; then GetInfo
 *   without one on the same connection, `next-reply=`.
 *
 * Exit status 0 when every call got a reply (an error reply counts), 1 otherwise.
 *
 * @module
 */
import { SystemCallError } from "../../src/ffi/errno.ts";
import { closeFd, openFile, OpenFlags, readFd, writeSome } from "../../src/ffi/file_descriptor.ts";
import { libc } from "../../src/ffi/libc.ts";
import { pidfsInodeId } from "../../src/ffi/pidfs.ts";
import { PollEvents, waitForEvents } from "../../src/ffi/poll.ts";
import { openPidfd } from "../../src/ffi/process.ts";
import { connectStream } from "../../src/ffi/stream_socket.ts";
import { sendWithDescriptorsOn } from "../../src/ffi/ancillary_messages.ts";
import { unitFromCgroup } from "../../src/request/asker_identity.ts";

const SYS_pidfd_getfd = 438n;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const report = (key: string, value: string) => console.log(`CALLER: ${key}=${value}`);

/** One call's bytes: `{"method":…,"parameters":…}` and its NUL. */
function message(method: string, parameters: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(`{"method":${JSON.stringify(method)},"parameters":${parameters}}\0`);
}

/** Writes all of `bytes`, waiting for room. */
async function writeAll(fd: number, bytes: Uint8Array<ArrayBuffer>): Promise<void> {
  for (let at = 0; at < bytes.length;) {
    const written = writeSome(fd, bytes.subarray(at));
    if (written === null) await waitForEvents([{ fd, events: PollEvents.POLLOUT }], 10_000);
    else at += written;
  }
}

/** Reads one reply (up to its NUL), within 60 s; `null` when the connection ended first. */
async function readReply(fd: number): Promise<string | null> {
  const deadline = performance.now() + 60_000;
  const bytes: number[] = [];
  const buffer = new Uint8Array(4096);
  for (;;) {
    const count = readFd(fd, buffer);
    if (count === 0) return null;
    if (count === null) {
      const left = deadline - performance.now();
      if (left <= 0) return null;
      await waitForEvents([{ fd }], left);
      continue;
    }
    bytes.push(...buffer.subarray(0, count));
    const end = bytes.indexOf(0);
    if (end >= 0) return decoder.decode(new Uint8Array(bytes.slice(0, end)));
  }
}

/** Calls on `fd` and reports the reply under `key`; false when none came. */
async function call(fd: number, method: string, parameters: string, key: string) {
  await writeAll(fd, message(method, parameters));
  const reply = await readReply(fd);
  report(key, reply ?? "none (connection closed)");
  return reply !== null;
}

const self = openPidfd(Deno.pid)!;
report("pid", String(Deno.pid));
report("pidfs", pidfsInodeId(self)?.toString() ?? "none");
closeFd(self);
report("unit", unitFromCgroup(Deno.readTextFileSync("/proc/self/cgroup")) ?? "none");

const [mode, ...args] = Deno.args;
let ok = false;
try {
  if (mode === "call") {
    const [socket, method, parameters] = args;
    const fd = connectStream(socket);
    ok = await call(fd, method, parameters, "reply");
    closeFd(fd);
  } else if (mode === "borrow") {
    const [pid, target, method, parameters] = args;
    const pidfd = openPidfd(Number(pid));
    if (pidfd === undefined) throw new Error(`no process ${pid}`);
    const fd = Number(
      libc.symbols.syscall6(SYS_pidfd_getfd, BigInt(pidfd), BigInt(target), 0n, 0n, 0n),
    );
    closeFd(pidfd);
    if (fd < 0) throw new Error(`pidfd_getfd ${pid} ${target} failed`);
    ok = await call(fd, method, parameters, "reply");
    closeFd(fd);
  } else if (mode === "descriptor") {
    const [socket, file] = args;
    const fd = connectStream(socket);
    const passed = openFile(file, OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC);
    const getInfo = message("org.varlink.service.GetInfo", "{}");
    ok = true;
    try {
      const sent = sendWithDescriptorsOn(fd, getInfo, [passed]);
      report("descriptor-send", "delivered");
      await writeAll(fd, getInfo.subarray(sent));
      const reply = await readReply(fd);
      report("descriptor-reply", reply ?? "none (connection closed)");
      ok = reply !== null;
    } catch (error) {
      if (!(error instanceof SystemCallError)) throw error;
      report("descriptor-send", `refused (${error.code})`);
    } finally {
      closeFd(passed);
    }
    ok = await call(fd, "org.varlink.service.GetInfo", "{}", "next-reply") && ok;
    closeFd(fd);
  } else {
    throw new Error(`unknown mode ${JSON.stringify(mode)}`);
  }
} catch (error) {
  report("error", (error as Error).message);
  ok = false;
}
Deno.exit(ok ? 0 : 1);
