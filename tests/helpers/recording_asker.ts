/**
 * A hand-written asker: writes an ask file like systemd's askers do (temp
 * file, then rename) and records the exact bytes of the reply datagram.
 *
 * @module
 */
import { closeFd } from "../../src/ffi/file_descriptor.ts";
import { waitForEvents } from "../../src/ffi/poll.ts";
import { bindDatagramSocket, receiveDatagram } from "../../src/ffi/datagram_socket.ts";
import type { PrivateNamespace } from "./private_namespace.ts";

/** What goes into the ask file. */
export interface AskFileOptions {
  message?: string;
  echo?: boolean;
  silent?: boolean;
  acceptCached?: boolean;
  notAfter?: bigint;
  /** Defaults to the test process (alive). */
  pid?: number;
  id?: string;
  /** Override the Socket= value (inside the namespace). */
  socket?: string;
  /** Replace the whole file content (Socket= is not added). */
  raw?: string | Uint8Array;
}

let counter = 0;

/** One request and its reply socket. */
export class RecordingAsker implements Disposable {
  /** The ask file, inside the namespace. */
  readonly askPath: string;
  /** The reply socket, inside the namespace. */
  readonly socketPath: string;
  #namespace: PrivateNamespace;
  #fd: number;

  private constructor(
    namespace: PrivateNamespace,
    askPath: string,
    socketPath: string,
    fd: number,
  ) {
    this.#namespace = namespace;
    this.askPath = askPath;
    this.socketPath = socketPath;
    this.#fd = fd;
  }

  /**
   * Binds the reply socket and publishes the ask file.
   *
   * @param namespace Where.
   * @param options What the ask file says.
   * @returns The asker.
   */
  static create(namespace: PrivateNamespace, options: AskFileOptions = {}): RecordingAsker {
    const tag = `${Deno.pid}x${++counter}`;
    const socketPath = `${namespace.askDirectory}/sck.${tag}`;
    const askPath = `${namespace.askDirectory}/ask.${tag}`;
    const fd = bindDatagramSocket(namespace.outside(socketPath));
    Deno.chmodSync(namespace.outside(socketPath), 0o600);
    const asker = new RecordingAsker(namespace, askPath, socketPath, fd);
    const content = options.raw ?? [
      "[Ask]",
      `PID=${options.pid ?? Deno.pid}`,
      `Socket=${options.socket ?? socketPath}`,
      `AcceptCached=${options.acceptCached ? 1 : 0}`,
      `Echo=${options.echo ? 1 : 0}`,
      `NotAfter=${options.notAfter ?? 0n}`,
      `Silent=${options.silent ? 1 : 0}`,
      ...(options.message !== undefined ? [`Message=${options.message}`] : []),
      ...(options.id !== undefined ? [`Id=${options.id}`] : []),
      "",
    ].join("\n");
    const temporary = namespace.outside(`${namespace.askDirectory}/tmp.${tag}`);
    if (typeof content === "string") Deno.writeTextFileSync(temporary, content, { mode: 0o644 });
    else Deno.writeFileSync(temporary, content, { mode: 0o644 });
    Deno.renameSync(temporary, namespace.outside(askPath));
    return asker;
  }

  /**
   * Waits for the reply.
   *
   * @param timeoutMs How long to wait.
   * @returns The datagram's bytes, or null when none came.
   */
  async reply(timeoutMs = 10_000): Promise<Uint8Array | null> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const datagram = receiveDatagram(this.#fd, 8192);
      if (datagram) return datagram;
      const left = deadline - performance.now();
      if (left <= 0) return null;
      await waitForEvents([{ fd: this.#fd }], left);
    }
  }

  /** Removes the ask file, as an asker does when it no longer waits. */
  withdraw(): void {
    try {
      Deno.removeSync(this.#namespace.outside(this.askPath));
    } catch {
      // already gone
    }
  }

  /** Closes the socket and removes both files. */
  [Symbol.dispose](): void {
    this.withdraw();
    closeFd(this.#fd);
    try {
      Deno.removeSync(this.#namespace.outside(this.socketPath));
    } catch {
      // already gone
    }
  }
}

/**
 * Renders bytes for assertion messages: printable ASCII as is, the rest as \xNN.
 *
 * @param bytes The bytes.
 * @returns The readable form.
 */
export function showBytes(bytes: Uint8Array | null): string {
  if (bytes === null) return "(no reply)";
  return [...bytes].map((b) =>
    b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`
  ).join("");
}
