/**
 * The asker's end: a datagram socket in the ask directory that only takes
 * an answer from root (or from our own user, as systemd v257+ askers do),
 * hardened with what the running kernel offers:
 *
 * - SO_PASSCRED: every datagram carries the sender's credentials; none, or
 *   the wrong uid, and it is ignored;
 * - SO_PASSRIGHTS=0 (Linux 6.16): a sender that attaches descriptors gets
 *   EPERM; older kernels deliver them, and they are closed and the datagram
 *   dropped;
 * - SO_PASSPIDFD (Linux 6.5): the sender arrives as a pidfd, so who answered
 *   can be told (logged with --debug) without trusting a PID.
 *
 * @module
 */
import { closeFd } from "../ffi/file_descriptor.ts";
import { removeFile, withUmask } from "../ffi/file_path.ts";
import { effectiveUserId } from "../ffi/process.ts";
import { bindDatagramSocket } from "../ffi/datagram_socket.ts";
import type { PeerCredentials } from "../ffi/peer_credentials.ts";
import { receiveMessage } from "../ffi/ancillary_messages.ts";
import { setIntegerOption } from "../ffi/socket_options.ts";
import { SocketConstants } from "../ffi/socket_constants.ts";
import { type AskerIdentity, identifyProcess } from "../request/asker_identity.ts";
import { MAX_REPLY_SIZE } from "../protocol/reply.ts";
import { SECRET_SLOT_SIZE, secretMemory } from "../secrets/secret_memory.ts";
import { randomHex } from "./ask_file_writer.ts";

/** Which hardening the running kernel took. */
export interface ReplySocketFeatures {
  /** SO_PASSRIGHTS=0: senders of descriptors get EPERM (Linux 6.16+). */
  refusesDescriptors: boolean;
  /** SO_PASSPIDFD: senders arrive as pidfds (Linux 6.5+). */
  receivesPidfds: boolean;
}

/** Who sent a datagram. */
export interface ReplySender {
  /** SO_PASSCRED's credentials. */
  credentials?: PeerCredentials;
  /** Read through the SCM_PIDFD pidfd, where the kernel sends one. */
  identity?: AskerIdentity;
}

/** One datagram, judged. */
export type ReplyDatagram =
  /** An answer: the passwords, in secret memory (the caller releases them). */
  | { kind: "passwords"; passwords: Uint8Array[]; sender: ReplySender }
  /** `-`: the person cancelled. */
  | { kind: "cancel"; sender: ReplySender }
  /** Not taken; why, for the log (never the content). */
  | { kind: "ignored"; reason: string; sender: ReplySender };

/** The reply socket of one request. */
export class ReplySocket implements Disposable {
  /** Its path (the ask file's `Socket=`). */
  readonly path: string;
  /** The non-blocking socket. */
  readonly fd: number;
  /** What the kernel took. */
  readonly features: ReplySocketFeatures;
  #acceptedUids: Set<number>;

  private constructor(path: string, fd: number, features: ReplySocketFeatures) {
    this.path = path;
    this.fd = fd;
    this.features = features;
    this.#acceptedUids = new Set([0, effectiveUserId()]);
  }

  /**
   * Creates `sck.<random hex>` in `directory`, mode 0600.
   *
   * @example Usage
   * ```ts
   * import { ReplySocket } from "./reply_socket.ts";
   * using socket = ReplySocket.open("/tmp");
   * console.log(socket.features.refusesDescriptors);
   * ```
   * @param directory The ask directory.
   * @returns The socket.
   * @throws {SystemCallError} When it cannot be created.
   */
  static open(directory: string): ReplySocket {
    const path = `${directory}/sck.${randomHex()}`;
    // 0600 from birth: nobody but us and root may write to it.
    const fd = withUmask(0o177, () => bindDatagramSocket(path));
    try {
      const features = {
        refusesDescriptors: setIntegerOption(fd, SocketConstants.SO_PASSRIGHTS, 0),
        receivesPidfds: setIntegerOption(fd, SocketConstants.SO_PASSPIDFD, 1),
      };
      return new ReplySocket(path, fd, features);
    } catch (error) {
      closeFd(fd);
      removeFile(path);
      throw error;
    }
  }

  /**
   * Reads and judges the datagrams queued now: at most `maxDatagrams`, so
   * a flood cannot hold the event loop; the rest stays queued (the socket
   * stays readable, and the reactor calls again).
   *
   * @param maxDatagrams Most datagrams this call (default 64).
   * @returns The datagrams, oldest first.
   */
  receive(maxDatagrams = 64): ReplyDatagram[] {
    const memory = secretMemory();
    const buffer = memory.allocate(SECRET_SLOT_SIZE);
    const datagrams: ReplyDatagram[] = [];
    try {
      for (let received = 0; received < maxDatagrams; received++) {
        const message = receiveMessage(this.fd, MAX_REPLY_SIZE, buffer);
        if (!message) return datagrams;
        const sender: ReplySender = { credentials: message.credentials };
        if (message.pidfd !== undefined) {
          if (message.credentials) {
            sender.identity = identifyProcess(message.credentials.pid, message.pidfd);
          }
          closeFd(message.pidfd);
        }
        for (const fd of message.fds) closeFd(fd);
        datagrams.push(this.#judge(message.bytes, message, sender));
        buffer.fill(0);
      }
      return datagrams;
    } finally {
      memory.release(buffer);
    }
  }

  /** Closes the socket and removes its file. */
  [Symbol.dispose](): void {
    closeFd(this.fd);
    removeFile(this.path);
  }

  #judge(
    bytes: Uint8Array,
    message: { truncated: boolean; controlTruncated: boolean; fds: number[] },
    sender: ReplySender,
  ): ReplyDatagram {
    const ignored = (reason: string): ReplyDatagram => ({ kind: "ignored", reason, sender });
    if (message.fds.length > 0 || message.controlTruncated) {
      return ignored("it carried file descriptors (closed)");
    }
    if (!sender.credentials) return ignored("it carried no credentials");
    if (!this.#acceptedUids.has(sender.credentials.uid)) {
      return ignored(`it came from uid ${sender.credentials.uid}`);
    }
    if (message.truncated) return ignored(`it is longer than ${MAX_REPLY_SIZE} bytes`);
    if (bytes[0] === 0x2d) return { kind: "cancel", sender };
    if (bytes[0] !== 0x2b) return ignored("it is neither an answer nor a cancel");
    return { kind: "passwords", passwords: splitPasswords(bytes.subarray(1)), sender };
  }
}

/**
 * `pw1\0pw2\0…` into secret-memory copies: a trailing NUL adds no empty entry,
 * inner empty entries stay, nothing at all is one empty password.
 */
function splitPasswords(payload: Uint8Array): Uint8Array[] {
  const memory = secretMemory();
  const passwords: Uint8Array[] = [];
  let start = 0;
  for (let index = 0; index <= payload.length; index++) {
    if (index < payload.length && payload[index] !== 0) continue;
    if (index === payload.length && start === index && passwords.length > 0) break;
    passwords.push(memory.copy(payload.subarray(start, index)));
    start = index + 1;
  }
  return passwords;
}
