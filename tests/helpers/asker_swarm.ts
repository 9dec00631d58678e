/**
 * Many askers at once, as a storage server with dozens of encrypted disks
 * (or a hostile flood) produces them: every request gets its own reply
 * socket, and one epoll set in this process receives all replies, so a
 * thousand askers cost the test one waiting thread.
 *
 * Like systemd's askers, each removes its ask file once answered; its socket
 * stays open until dispose, so a second answer would be seen.
 *
 * @module
 */
import { closeFd } from "../../src/ffi/file_descriptor.ts";
import { bindDatagramSocket, receiveDatagram } from "../../src/ffi/datagram_socket.ts";
import { Reactor, Readiness, type Watch } from "../../src/reactor/reactor.ts";
import type { PrivateNamespace } from "./private_namespace.ts";

/** What each ask file says; `message` gets the asker's index appended. */
export interface SwarmOptions {
  /** Message prefix; the asker's index follows, then ":". */
  message: string;
  /** AcceptCached= of every request. */
  acceptCached?: boolean;
  /** PID= of asker `index` (default: this process). */
  pid?: (index: number) => number;
  /** Remove the ask file when the reply comes (default true). */
  withdrawOnReply?: boolean;
}

interface Member {
  askPath: string;
  socketPath: string;
  fd: number;
  watch: Watch;
  replies: Uint8Array[];
}

let counter = 0;

/** A crowd of askers. */
export class AskerSwarm implements AsyncDisposable {
  #namespace: PrivateNamespace;
  #reactor = new Reactor();
  #members: Member[] = [];
  #options: SwarmOptions;
  #replied = 0;
  #waiters: (() => void)[] = [];

  private constructor(namespace: PrivateNamespace, options: SwarmOptions) {
    this.#namespace = namespace;
    this.#options = options;
  }

  /**
   * Publishes `count` requests at once (each written to a temporary file,
   * then renamed into place, as askers do).
   *
   * @param namespace Where.
   * @param count How many.
   * @param options What they say.
   * @returns The swarm.
   */
  static create(namespace: PrivateNamespace, count: number, options: SwarmOptions): AskerSwarm {
    const swarm = new AskerSwarm(namespace, options);
    for (let index = 0; index < count; index++) swarm.#add(index);
    return swarm;
  }

  /** How many askers have at least one reply. */
  get replied(): number {
    return this.#replied;
  }

  /**
   * Every datagram asker `index` received.
   *
   * @param index The asker.
   * @returns Its replies, in order.
   */
  replies(index: number): Uint8Array[] {
    return this.#members[index].replies;
  }

  /**
   * The ask file of asker `index`, inside the namespace.
   *
   * @param index The asker.
   * @returns Its path.
   */
  askPath(index: number): string {
    return this.#members[index].askPath;
  }

  /**
   * Waits until `count` askers have a reply.
   *
   * @param count How many.
   * @param timeoutMs Longest wait.
   * @returns Whether they do.
   */
  async waitForReplies(count: number, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.#replied < count) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await Promise.race([
        new Promise<void>((resolve) => this.#waiters.push(resolve)),
        this.#reactor.sleep(Math.min(left, 1000)),
      ]);
    }
    return true;
  }

  /** Closes every socket and removes every file. */
  async [Symbol.asyncDispose](): Promise<void> {
    for (const member of this.#members) {
      member.watch.close();
      closeFd(member.fd);
      for (const path of [member.askPath, member.socketPath]) {
        try {
          Deno.removeSync(this.#namespace.outside(path));
        } catch {
          // already gone
        }
      }
    }
    await this.#reactor[Symbol.asyncDispose]();
  }

  #add(index: number): void {
    const tag = `${Deno.pid}s${++counter}`;
    const directory = this.#namespace.askDirectory;
    const socketPath = `${directory}/sck.${tag}`;
    const askPath = `${directory}/ask.${tag}`;
    const fd = bindDatagramSocket(this.#namespace.outside(socketPath));
    Deno.chmodSync(this.#namespace.outside(socketPath), 0o600);
    const member: Member = {
      askPath,
      socketPath,
      fd,
      replies: [],
      watch: this.#reactor.watch(fd, Readiness.IN, () => this.#receive(member)),
    };
    this.#members.push(member);
    const content = [
      "[Ask]",
      `PID=${this.#options.pid?.(index) ?? Deno.pid}`,
      `Socket=${socketPath}`,
      `AcceptCached=${this.#options.acceptCached ? 1 : 0}`,
      "Echo=0",
      "NotAfter=0",
      "Silent=0",
      `Message=${this.#options.message}${index}:`,
      "",
    ].join("\n");
    const temporary = this.#namespace.outside(`${directory}/tmp.${tag}`);
    Deno.writeTextFileSync(temporary, content, { mode: 0o644 });
    Deno.renameSync(temporary, this.#namespace.outside(askPath));
  }

  #receive(member: Member): void {
    for (;;) {
      const datagram = receiveDatagram(member.fd, 8192);
      if (!datagram) break;
      member.replies.push(datagram);
      if (member.replies.length !== 1) continue;
      this.#replied++;
      if (this.#options.withdrawOnReply ?? true) {
        try {
          Deno.removeSync(this.#namespace.outside(member.askPath));
        } catch {
          // already gone
        }
      }
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
