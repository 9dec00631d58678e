/**
 * `askpw varlink`: serves `io.systemd.AskPassword` on the socket it is
 * handed (`$LISTEN_FDS`, socket activation) or on `--socket=PATH` (default
 * `/run/systemd/io.systemd.AskPassword`, as systemd 258+ serves it).
 *
 * A socket it binds itself gets what systemd 258's `PassPIDFD=yes` and
 * `AcceptFileDescriptors=no` give a socket unit, where the kernel has them:
 * SO_PASSPIDFD (Linux 6.5: every message comes with a pidfd of its sender,
 * which names the caller in the log) and SO_PASSRIGHTS=0 (Linux 6.16: a
 * caller that attaches descriptors gets EPERM). A socket systemd passes is
 * served as its unit set it up; the log says which of the two it has
 * (`Varlink socket: SO_PASSPIDFD on, SO_PASSRIGHTS=0`).
 *
 * @module
 */
import { closeFd, setNonBlocking } from "../ffi/file_descriptor.ts";
import { FileType, linkStatus } from "../ffi/file_status.ts";
import { removeFile, withUmask } from "../ffi/file_path.ts";
import { forbidCoreDumps } from "../ffi/memory.ts";
import { effectiveUserId } from "../ffi/process.ts";
import { integerOption, setIntegerOption } from "../ffi/socket_options.ts";
import { listenStream } from "../ffi/stream_socket.ts";
import { SocketConstants } from "../ffi/socket_constants.ts";
import { createLogger } from "../log/log.ts";
import { SYSTEM_ASK_DIRECTORY } from "../protocol/ask_directory.ts";
import { Reactor } from "../reactor/reactor.ts";
import { VarlinkServer } from "../varlink/varlink_server.ts";
import { reportUsageError, splitOption, UsageError } from "./command_line_options.ts";
import { notify } from "./service_manager.ts";

/** Where systemd 258+ serves the interface. */
export const SYSTEM_VARLINK_SOCKET = "/run/systemd/io.systemd.AskPassword";

/** The text of `askpw varlink --help`. */
export const VARLINK_USAGE =
  `askpw varlink — serves io.systemd.AskPassword (systemd 258's Varlink asking interface)

Usage:
  askpw varlink [--socket=PATH] [--debug]

Serves the socket it is handed by systemd ($LISTEN_FDS), else listens on PATH
(default ${SYSTEM_VARLINK_SOCKET}). Each Ask call becomes an ordinary ask file,
answered by whichever agent runs. As root, only root may ask.
`;

/**
 * Runs `askpw varlink ARGS` until SIGTERM.
 *
 * @example Usage
 * ```ts
 * import { varlinkCommand } from "./varlink_command.ts";
 * const status = await varlinkCommand(["--socket=/run/askpw-example.sock"]);
 * ```
 * @param args The arguments after `varlink`.
 * @returns The exit status: 0, 1 on a failure, 2 on a usage error.
 */
export async function varlinkCommand(args: readonly string[]): Promise<number> {
  let socketPath = SYSTEM_VARLINK_SOCKET;
  let debug = false;
  try {
    for (const arg of args) {
      const [name, value] = splitOption(arg);
      if (arg === "--help" || arg === "-h") {
        console.log(VARLINK_USAGE);
        return 0;
      } else if (arg === "--debug") debug = true;
      else if (name === "--socket" && value) socketPath = value;
      else throw new UsageError(`unknown argument ${JSON.stringify(arg)} for varlink`);
    }
  } catch (error) {
    return reportUsageError("askpw varlink", error);
  }
  const log = createLogger({ debug });
  try {
    forbidCoreDumps();
  } catch {
    // Passwords still live in locked memory only.
  }
  const root = effectiveUserId() === 0;
  const runtime = Deno.env.get("XDG_RUNTIME_DIR");
  const askDirectory = root || !runtime
    ? SYSTEM_ASK_DIRECTORY
    : `${runtime.replace(/\/+$/, "")}/systemd/ask-password`;
  let listenFd: number;
  let bound: string | undefined;
  try {
    const activated = activatedSocket();
    if (activated !== undefined) {
      listenFd = activated;
      setNonBlocking(listenFd);
    } else {
      if (linkStatus(socketPath)?.type === FileType.S_IFSOCK) removeFile(socketPath);
      // 0666 like systemd's socket (Ask itself checks who calls); 0600 for a user's.
      // A backlog as systemd's sockets have (SOMAXCONN): a flood of connects cannot fill it
      // before askpw accepts (and refuses, by uid) them, so root's connect always gets in.
      listenFd = withUmask(root ? 0o111 : 0o177, () => listenStream(socketPath, 4096));
      bound = socketPath;
      // Accepted connections inherit both; without them, callers are known by SO_PEERCRED.
      trySetOption(listenFd, SocketConstants.SO_PASSPIDFD, 1);
      trySetOption(listenFd, SocketConstants.SO_PASSRIGHTS, 0);
    }
    await Deno.mkdir(askDirectory, { recursive: true, mode: 0o755 });
  } catch (error) {
    log.error(`Cannot serve ${socketPath}: ${(error as Error).message}`);
    return 1;
  }
  const stop = new AbortController();
  const signals = ["SIGTERM", "SIGINT", "SIGHUP"] as const;
  const onSignal = () => stop.abort();
  for (const name of signals) Deno.addSignalListener(name, onSignal);
  try {
    await using reactor = new Reactor({
      onError: (error) => log.error(`Internal error: ${(error as Error)?.stack ?? error}`),
    });
    using _server = new VarlinkServer({
      listenFd,
      reactor,
      log,
      askDirectory,
      allowedUids: new Set(root ? [0] : [0, effectiveUserId()]),
    });
    // Before the "Serving" line, which stays as it was (tests and people look for it).
    log.info(`Varlink socket: ${socketOptions(listenFd)}`);
    log.info(`Serving io.systemd.AskPassword on ${bound ?? "the socket systemd passed"}`);
    notify(log, "READY=1\nSTATUS=Serving io.systemd.AskPassword");
    await new Promise<void>((resolve) => stop.signal.addEventListener("abort", () => resolve()));
    notify(log, "STOPPING=1");
    return 0;
  } finally {
    for (const name of signals) Deno.removeSignalListener(name, onSignal);
    closeFd(listenFd);
    if (bound) removeFile(bound);
  }
}

/** Sets a socket option where the kernel has it; the "Varlink socket" line says what it has. */
function trySetOption(fd: number, option: number, value: number): void {
  try {
    setIntegerOption(fd, option, value);
  } catch {
    // Served without it.
  }
}

/**
 * What the listening socket gives each connection: `SO_PASSPIDFD on` (or off,
 * or unsupported), `SO_PASSRIGHTS=0` (or on, or unsupported).
 */
function socketOptions(fd: number): string {
  const read = (option: number) => {
    try {
      return integerOption(fd, option);
    } catch {
      return undefined;
    }
  };
  const pidfd = read(SocketConstants.SO_PASSPIDFD);
  const rights = read(SocketConstants.SO_PASSRIGHTS);
  return `SO_PASSPIDFD ${pidfd === undefined ? "unsupported" : pidfd ? "on" : "off"}, ` +
    `SO_PASSRIGHTS${rights === undefined ? " unsupported" : rights ? " on" : "=0"}`;
}

/** The listening socket systemd passed (LISTEN_FDS=1, LISTEN_PID ours), fd 3. */
function activatedSocket(): number | undefined {
  const fds = Number(Deno.env.get("LISTEN_FDS"));
  const pid = Number(Deno.env.get("LISTEN_PID"));
  if (!(fds >= 1) || pid !== Deno.pid) return undefined;
  for (const name of ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"]) Deno.env.delete(name);
  return 3;
}
