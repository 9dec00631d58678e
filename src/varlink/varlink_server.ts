/**
 * `io.systemd.AskPassword` over Varlink, for systems whose systemd is older
 * than 258 (Debian 12's 252 has none): a {@linkcode VarlinkListener} that
 * serves `io.systemd` (its errors) and `io.systemd.AskPassword`
 * (src/varlink/ask_password_method.ts: every `Ask` becomes an ordinary ask
 * file, so any agent answers it; a caller that hangs up takes its question
 * away at once).
 *
 * Callers are identified (SO_PEERCRED, and SO_PEERPIDFD where the kernel has
 * it); in the system instance only root may ask (the initrd has no polkit).
 * On a socket with SO_PASSPIDFD on (systemd 258's `PassPIDFD=yes`, or the
 * socket `askpw varlink` binds itself) every read brings a pidfd of the
 * bytes' sender, and each call is logged with the unit and pidfs ID of the
 * process that sent it (src/varlink/varlink_caller.ts); descriptors a caller
 * attaches (a kernel before 6.16 lets them through despite SO_PASSRIGHTS=0)
 * are closed unread and the message is handled as if they had not come.
 * Hostile callers are bounded: messages of at most 64 KiB, 16 queued calls
 * per connection, 5 s to finish a message that was begun, and replies that
 * are not read close the connection. Each peer uid (SO_PEERCRED at accept)
 * has its own budget of connections, queued calls and bytes, and all uids
 * but root and the served directory's owner share one more, so no local
 * user can refuse or delay root's calls (src/varlink/peer_limits.ts).
 *
 * @module
 */
import { askPasswordInterface } from "./ask_password_method.ts";
import { systemdInterface } from "./systemd_interface.ts";
import { VarlinkListener, type VarlinkListenerOptions } from "./varlink_listener.ts";

/** Options for a {@linkcode VarlinkServer}. */
export interface VarlinkServerOptions
  extends Omit<VarlinkListenerOptions, "interfaces" | "privilegedUids"> {
  /** Where each call's ask file goes. */
  askDirectory: string;
  /**
   * Who may call `Ask`: uid 0 in the system instance, else also the user's
   * uid. Their connections (up to `maxConnections` each) never count against
   * the others' budgets.
   */
  allowedUids: ReadonlySet<number>;
}

/** Serves `io.systemd.AskPassword` on a listening socket until disposed. */
export class VarlinkServer extends VarlinkListener {
  /**
   * Starts accepting connections.
   *
   * @example Usage
   * ```ts
   * import { VarlinkServer } from "./varlink_server.ts";
   * import { createLogger } from "../log/log.ts";
   * import { Reactor } from "../reactor/reactor.ts";
   * import { listenStream } from "../ffi/stream_socket.ts";
   * await using reactor = new Reactor();
   * using server = new VarlinkServer({
   *   listenFd: listenStream(`@askpw-varlink-example-${Deno.pid}`),
   *   reactor,
   *   log: createLogger(),
   *   askDirectory: "/run/systemd/ask-password",
   *   allowedUids: new Set([0]),
   * });
   * ```
   * @param options See {@linkcode VarlinkServerOptions}.
   */
  constructor(options: VarlinkServerOptions) {
    const { askDirectory, allowedUids, ...listener } = options;
    super({
      ...listener,
      interfaces: [
        systemdInterface,
        askPasswordInterface({
          askDirectory,
          allowedUids,
          reactor: options.reactor,
          log: options.log,
        }),
      ],
      privilegedUids: allowedUids,
    });
  }
}
