/**
 * A socket standing in for the service manager's `$NOTIFY_SOCKET`: collects
 * the sd_notify datagrams a program sends.
 *
 * @module
 */
import { closeFd } from "../../src/ffi/file_descriptor.ts";
import { waitForEvents } from "../../src/ffi/poll.ts";
import { bindDatagramSocket, receiveDatagram } from "../../src/ffi/datagram_socket.ts";

const decoder = new TextDecoder();

/** Collects sd_notify datagrams on a socket in /tmp. */
export class NotifySocket implements Disposable {
  /** The socket's path, for `$NOTIFY_SOCKET`. */
  readonly path = `/tmp/askpw-notify-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}.sock`;
  #fd = bindDatagramSocket(this.path);
  #received: string[] = [];

  /**
   * Binds the socket.
   *
   * @param options `anyone`: any user may send to it (mode 0777), for a sender of another uid.
   */
  constructor(options: { anyone?: boolean } = {}) {
    if (options.anyone) Deno.chmodSync(this.path, 0o777);
  }

  /**
   * Waits for a datagram matching `pattern` (one received earlier counts too).
   *
   * @param pattern What the datagram says.
   * @param timeoutMs How long to wait.
   * @returns The datagram's text.
   * @throws {Error} When none came in time, with what did come.
   */
  async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      for (
        let datagram = receiveDatagram(this.#fd, 4096);
        datagram;
        datagram = receiveDatagram(this.#fd, 4096)
      ) {
        this.#received.push(decoder.decode(datagram));
      }
      const found = this.#received.find((message) => pattern.test(message));
      if (found) return found;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no ${pattern} in ${JSON.stringify(this.#received)}`);
      await waitForEvents([{ fd: this.#fd }], left);
    }
  }

  /** Closes and removes the socket. */
  [Symbol.dispose](): void {
    closeFd(this.#fd);
    Deno.removeSync(this.path);
  }
}
