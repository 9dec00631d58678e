/**
 * Socket activation as systemd does it for `Accept=no`, with the socket
 * options of a socket unit under test: binds a listening AF_UNIX stream
 * socket (mode 0666), sets SO_PASSPIDFD (systemd 258's `PassPIDFD=`) and
 * SO_PASSRIGHTS (`AcceptFileDescriptors=`) as told, puts it at fd 3 and
 * executes the program with `LISTEN_FDS=1` and `LISTEN_PID` its own PID.
 *
 * Usage: deno run --allow-all socket_activate.ts PATH PASSPIDFD PASSRIGHTS PROGRAM [ARG…]
 * (PASSPIDFD, PASSRIGHTS: 0, 1, or `-` to leave the kernel's default).
 *
 * @module
 */
import { check } from "../../src/ffi/errno.ts";
import { withUmask } from "../../src/ffi/file_path.ts";
import { listenStream } from "../../src/ffi/stream_socket.ts";
import { setIntegerOption } from "../../src/ffi/socket_options.ts";
import { SocketConstants } from "../../src/ffi/socket_constants.ts";

const [path, passPidfd, passRights, program, ...args] = Deno.args;
const exec = Deno.dlopen("libc.so.6", {
  dup2: { parameters: ["i32", "i32"], result: "i32" },
  execve: { parameters: ["buffer", "buffer", "buffer"], result: "i32" },
});

const fd = withUmask(0o111, () => listenStream(path));
for (
  const [option, value] of [[SocketConstants.SO_PASSPIDFD, passPidfd], [
    SocketConstants.SO_PASSRIGHTS,
    passRights,
  ]] as const
) {
  if (value !== "-" && !setIntegerOption(fd, option, Number(value))) {
    throw new Error(`the kernel does not know socket option ${option}`);
  }
}
// dup2 leaves fd 3 without FD_CLOEXEC: it survives execve.
check("dup2", exec.symbols.dup2(fd, 3));

const encoder = new TextEncoder();
const keep: Uint8Array[] = [];
/** A NULL-terminated array of C strings, kept alive in `keep`. */
function cStrings(strings: string[]): BigUint64Array<ArrayBuffer> {
  const pointers = new BigUint64Array(strings.length + 1);
  strings.forEach((text, index) => {
    const bytes = encoder.encode(`${text}\0`);
    keep.push(bytes);
    pointers[index] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes)));
  });
  return pointers;
}
const environment = Object.entries({
  ...Deno.env.toObject(),
  LISTEN_FDS: "1",
  LISTEN_PID: String(Deno.pid),
  LISTEN_FDNAMES: "varlink",
}).map(([name, value]) => `${name}=${value}`);
exec.symbols.execve(
  encoder.encode(`${program}\0`),
  cStrings([program, ...args]),
  cStrings(environment),
);
throw new Error(`execve ${program} failed`);
