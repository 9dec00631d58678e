/**
 * A per-user ask directory ($XDG_RUNTIME_DIR/systemd/ask-password) owned by
 * a given uid, with requests written as that user would write them.
 *
 * @module
 */
import { closeFd } from "../../src/ffi/file_descriptor.ts";
import { waitForEvents } from "../../src/ffi/poll.ts";
import { bindDatagramSocket, receiveDatagram } from "../../src/ffi/datagram_socket.ts";

/** A temporary runtime directory with an ask directory in it. */
export class UserDirectory implements Disposable {
  /** The value for $XDG_RUNTIME_DIR. */
  readonly runtime: string;
  /** The ask directory. */
  readonly path: string;
  /** Its owner. */
  readonly uid: number;
  #fds = new Map<string, number>();

  /**
   * Creates the directories, owned by `uid`.
   *
   * @param uid The user.
   */
  constructor(uid: number) {
    this.uid = uid;
    this.runtime = Deno.makeTempDirSync({ prefix: "askpw-user-" });
    this.path = `${this.runtime}/systemd/ask-password`;
    Deno.mkdirSync(this.path, { recursive: true });
    for (const dir of [this.runtime, `${this.runtime}/systemd`, this.path]) {
      Deno.chownSync(dir, uid, uid);
    }
  }

  /**
   * Publishes a request as the user (ask file and socket owned by them).
   *
   * @param name Names the files (`ask.NAME`, `sck.NAME`) and the Message (`NAME:`).
   * @param acceptCached AcceptCached= of the request.
   * @returns The reply socket.
   */
  ask(name: string, acceptCached = true): number {
    const socketPath = `${this.path}/sck.${name}`;
    const fd = bindDatagramSocket(socketPath);
    this.#fds.set(name, fd);
    Deno.chownSync(socketPath, this.uid, this.uid);
    Deno.writeTextFileSync(
      `${this.path}/.tmp`,
      `[Ask]\nPID=${Deno.pid}\nSocket=${socketPath}\nAcceptCached=${
        acceptCached ? 1 : 0
      }\nMessage=${name}:\n`,
    );
    Deno.chownSync(`${this.path}/.tmp`, this.uid, this.uid);
    Deno.renameSync(`${this.path}/.tmp`, `${this.path}/ask.${name}`);
    return fd;
  }

  /**
   * Waits for the reply to request `name`.
   *
   * @param name The request.
   * @param timeoutMs Longest wait.
   * @returns The datagram, or null.
   */
  async reply(name: string, timeoutMs = 10_000): Promise<Uint8Array | null> {
    const fd = this.#fds.get(name)!;
    await waitForEvents([{ fd }], timeoutMs);
    return receiveDatagram(fd, 4096);
  }

  /**
   * Removes request `name`'s ask file, as its asker does when answered.
   *
   * @param name The request.
   */
  withdraw(name: string): void {
    Deno.removeSync(`${this.path}/ask.${name}`);
  }

  /** Closes the sockets and removes everything. */
  [Symbol.dispose](): void {
    for (const fd of this.#fds.values()) closeFd(fd);
    Deno.removeSync(this.runtime, { recursive: true });
  }
}
