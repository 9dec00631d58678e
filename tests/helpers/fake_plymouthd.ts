/**
 * Runs tests/helpers/fake_plymouthd_server.ts inside a test's namespaces,
 * as any uid, and collects what it was asked; or, for a frontend tested in
 * the test's own process, serves a fake plymouthd there
 * ({@linkcode InProcessPlymouthd}).
 *
 * @module
 */
import { takePlymouthRequests } from "./plymouth_requests.ts";
import type { PrivateNamespace } from "./private_namespace.ts";
import { RunningAgent } from "./agents.ts";
import { asUser } from "./as_user.ts";
import { closeFd, readFd, writeSome } from "../../src/ffi/file_descriptor.ts";
import { acceptConnection, listenStream } from "../../src/ffi/stream_socket.ts";
import { type Reactor, Readiness, type Watch } from "../../src/reactor/reactor.ts";

const SERVER = new URL("./fake_plymouthd_server.ts", import.meta.url).pathname;

/** A running impostor. */
export class FakePlymouthd implements AsyncDisposable {
  #server: RunningAgent;

  private constructor(server: RunningAgent) {
    this.#server = server;
  }

  /**
   * Starts the server as `uid` in the namespace's network namespace.
   *
   * @param namespace Created with `network: true`.
   * @param uid The user it runs as (65534: nobody).
   * @param args Server options (`--password=…`, `--cached-empties=N`, `--multiple`).
   * @returns The server, listening.
   */
  static async start(
    namespace: PrivateNamespace,
    uid: number,
    args: string[] = [],
  ): Promise<FakePlymouthd> {
    const [program, ...rest] = asUser(uid, [
      Deno.execPath(),
      "run",
      "--allow-ffi",
      "--no-config",
      SERVER,
      ...args,
    ]);
    const process = namespace.command(program, rest, {
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { DENO_DIR: `/tmp/askpw-fake-plymouthd-${uid}`, NO_COLOR: "1" },
    }).spawn();
    const server = new FakePlymouthd(new RunningAgent(process));
    await server.#server.waitForOutput('"listening":true', 30_000);
    return server;
  }

  /** Every request line it printed so far. */
  get requests(): { request: string; argument: string | null }[] {
    return this.#server.stdout.split("\n").filter((line) => line.includes('"request"'))
      .map((line) => JSON.parse(line));
  }

  /** Connections accepted so far. */
  get connections(): number {
    return this.#server.stdout.split("\n").filter((line) => line.includes('"connection"')).length;
  }

  /** What it wrote to stderr (for failures). */
  get errors(): string {
    return this.#server.log;
  }

  /** Stops it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.#server[Symbol.asyncDispose]();
  }
}

/** One request a fake plymouthd received: its type as a character, and its argument. */
export interface FakePlymouthRequest {
  /** `*`, `W`, `c`, `M`, `m`, `P`… */
  request: string;
  /** The argument without its NUL, or `null` when it had none. */
  argument: string | null;
}

const encoder = new TextEncoder();
let inProcessNumber = 0;

interface HeldPrompt {
  client: number;
  prompt: string | null;
}

/**
 * A fake plymouthd served by the test's own process and reactor, on an
 * abstract socket of its own (so it needs no network namespace and never
 * meets a real plymouthd). Run as root, it passes askpw's peer check, being
 * the test process. It acknowledges everything but prompts (`*`, `W`), which
 * it keeps open until the test answers them, and `c`, which it answers with
 * NO_ANSWER. Every request is recorded in {@linkcode InProcessPlymouthd.requests}.
 *
 * @example Usage
 * ```ts
 * import { InProcessPlymouthd } from "./fake_plymouthd.ts";
 * import { PlymouthMonitor } from "../../src/plymouth/plymouth_monitor.ts";
 * import { createLogger } from "../../src/log/log.ts";
 * import { Reactor } from "../../src/reactor/reactor.ts";
 * await using reactor = new Reactor();
 * using plymouthd = InProcessPlymouthd.listen(reactor);
 * const monitor = new PlymouthMonitor(createLogger(), reactor, plymouthd.socket);
 * ```
 */
export class InProcessPlymouthd implements Disposable {
  /** Its abstract socket address, for `PlymouthMonitor`. */
  readonly socket: string;
  /** Every request received, in order. */
  readonly requests: FakePlymouthRequest[] = [];
  #reactor: Reactor;
  #listener: number;
  #listenWatch: Watch;
  #clients = new Map<number, Watch>();
  #held: HeldPrompt[] = [];

  private constructor(reactor: Reactor, socket: string) {
    this.#reactor = reactor;
    this.socket = socket;
    this.#listener = listenStream(socket);
    this.#listenWatch = reactor.watch(this.#listener, Readiness.IN, () => this.#accept());
  }

  /**
   * Starts listening on a fresh abstract address.
   *
   * @param reactor The test's reactor: the fake's descriptors wait in it.
   * @returns The fake, listening.
   */
  static listen(reactor: Reactor): InProcessPlymouthd {
    return new InProcessPlymouthd(
      reactor,
      `@askpw-fake-plymouthd-${Deno.pid}-${inProcessNumber++}`,
    );
  }

  /** The prompts asked and not yet answered nor hung up on, oldest first. */
  get openPrompts(): (string | null)[] {
    return this.#held.map((held) => held.prompt);
  }

  /**
   * Answers the oldest open prompt.
   *
   * @param answer What the person typed.
   * @throws {Error} When no prompt is open.
   */
  answer(answer: string): void {
    const held = this.#held.shift();
    if (!held) throw new Error("The fake plymouthd has no open prompt to answer");
    const bytes = encoder.encode(answer);
    const frame = new Uint8Array(5 + bytes.length);
    frame[0] = 0x02; // ANSWER
    new DataView(frame.buffer).setUint32(1, bytes.length, true);
    frame.set(bytes, 5);
    writeSome(held.client, frame);
  }

  /** Stops listening and closes every connection. */
  [Symbol.dispose](): void {
    for (const client of [...this.#clients.keys()]) this.#drop(client);
    this.#listenWatch.close();
    closeFd(this.#listener);
  }

  #accept(): void {
    for (;;) {
      const client = acceptConnection(this.#listener);
      if (client === null) return;
      let pending = new Uint8Array(0);
      const chunk = new Uint8Array(4096);
      const watch = this.#reactor.watch(client, Readiness.IN, (events) => {
        let count: number | null;
        try {
          count = readFd(client, chunk);
        } catch {
          this.#drop(client);
          return;
        }
        if (count === 0 || (count === null && (events & (Readiness.HUP | Readiness.ERR)))) {
          this.#drop(client);
          return;
        }
        if (count === null) return;
        pending = new Uint8Array([...pending, ...chunk.subarray(0, count)]);
        const taken = takePlymouthRequests(pending);
        pending = taken.rest;
        for (const { type, request, argument } of taken.requests) {
          this.requests.push({ request, argument });
          if (type === 0x2a || type === 0x57) { // password, question: held
            this.#held.push({ client, prompt: argument });
          } else {
            // cached passwords: NO_ANSWER; anything else: ACK
            writeSome(client, new Uint8Array([type === 0x63 ? 0x05 : 0x06]));
          }
        }
      });
      this.#clients.set(client, watch);
    }
  }

  #drop(client: number): void {
    this.#held = this.#held.filter((held) => held.client !== client);
    this.#clients.get(client)?.close();
    this.#clients.delete(client);
    closeFd(client);
  }
}
