/**
 * A Tang server on the host for clevis's network-bound disk encryption:
 * keys made in a directory of the test's, served on 127.0.0.1 only, stopped
 * and started again at will (a Tang server that goes away mid-boot).
 *
 * @module
 */

import { run } from "./run.ts";

/**
 * A Tang server (Debian's tang 11) on 127.0.0.1 and a port of its own.
 * tang 11 has no listener of its own: `tangd` answers one HTTP connection on
 * its stdin and stdout, behind socket activation. Here
 * systemd-socket-activate accepts on the port and runs a `tangd` per
 * connection (inetd style), as tangd.socket does with `Accept=yes`. It is a
 * child process, known and stopped by its own PID.
 *
 * @example
 * ```ts
 * await using tang = await TangServer.create(dir);
 * await bindTang(disk, passphrase, await tang.binding("http://10.0.2.100"));
 * await tang.stop(); // requests now fail: the connection is refused
 * await tang.start();
 * ```
 */
export class TangServer implements AsyncDisposable {
  /** The directory holding the keys (tangd's database). */
  readonly keyDirectory: string;
  /** The host port it listens on, on 127.0.0.1. */
  readonly port: number;
  /** The signing key's thumbprint (SHA-256), which `clevis encrypt tang` pins as `thp`. */
  readonly thumbprint: string;
  /**
   * What tangd and systemd-socket-activate wrote on stderr, each line after
   * the seconds since the server was created: one line per request tangd
   * answered (`GET /adv => 200`, `POST /rec/… => 200`).
   */
  log = "";
  /**
   * The requests tangd answered, in order: when (`performance.now()` of
   * this process, in ms, as the line arrived) and tangd's line
   * (`GET /adv => 200`, `POST /rec/… => 200`).
   */
  readonly requests: { at: number; line: string }[] = [];
  #child: Deno.ChildProcess | undefined;
  #reading: Promise<void> = Promise.resolve();
  #created = performance.now();

  private constructor(keyDirectory: string, port: number, thumbprint: string) {
    this.keyDirectory = keyDirectory;
    this.port = port;
    this.thumbprint = thumbprint;
  }

  #elapsed(): string {
    return ((performance.now() - this.#created) / 1000).toFixed(2);
  }

  /**
   * Makes a signing and an exchange key in `dir`/tang-keys (tangd-keygen)
   * and starts serving them on a free port of 127.0.0.1.
   *
   * @throws Error when tangd-keygen fails or the server does not listen in 30 s.
   */
  static async create(dir: string): Promise<TangServer> {
    const keyDirectory = `${dir}/tang-keys`;
    await Deno.mkdir(keyDirectory, { recursive: true });
    await run("/usr/libexec/tangd-keygen", [keyDirectory]);
    // tangd-keygen names each key file after its thumbprint; the signing key is ES512.
    let thumbprint = "";
    for (const entry of Deno.readDirSync(keyDirectory)) {
      if (!entry.name.endsWith(".jwk")) continue;
      const key = JSON.parse(await Deno.readTextFile(`${keyDirectory}/${entry.name}`));
      if (key.alg === "ES512") thumbprint = entry.name.slice(0, -".jwk".length);
    }
    if (!thumbprint) throw new Error(`tangd-keygen made no ES512 signing key in ${keyDirectory}`);
    const server = new TangServer(keyDirectory, freePort(), thumbprint);
    await server.start();
    return server;
  }

  /** Where the host reaches it: `http://127.0.0.1:PORT`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Whether it serves now (between {@linkcode TangServer.start} and {@linkcode TangServer.stop}). */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /**
   * The clevis tang pin's configuration for a client that reaches this
   * server at `url` (a guest's view of it, e.g. `http://10.0.2.100`): the
   * advertisement fetched here and now, trusted as it is, so that nothing
   * is fetched through `url` at bind time (clevis does even when given a
   * `thp`), and the signing key's thumbprint it must carry.
   *
   * @throws Error when the server does not answer.
   */
  async binding(url = this.url): Promise<{ url: string; thp: string; adv: unknown }> {
    return { url, thp: this.thumbprint, adv: JSON.parse(await this.adv()) };
  }

  /**
   * The advertisement (a JWS, GET /adv) as served now.
   *
   * @throws Error when the server does not answer.
   */
  async adv(): Promise<string> {
    const response = await fetch(`${this.url}/adv`);
    const text = await response.text();
    if (!response.ok) throw new Error(`Tang at ${this.url}: /adv answered ${response.status}`);
    return text;
  }

  /**
   * Starts serving (again) on the same port and keys; does nothing when it
   * already serves.
   *
   * @throws Error when it exits or does not listen within 30 s.
   */
  async start(): Promise<void> {
    if (this.#child) return;
    const child = new Deno.Command("systemd-socket-activate", {
      args: [
        "--listen",
        `127.0.0.1:${this.port}`,
        "--inetd",
        "--accept",
        "/usr/libexec/tangd",
        this.keyDirectory,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    // tangd logs each request on stderr ("GET /adv => 200"), timed here.
    this.#reading = (async () => {
      let atLineStart = true;
      let line = "";
      for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) {
        for (const piece of text.split(/(?<=\n)/)) {
          this.log += (atLineStart ? `[${this.#elapsed()}] ` : "") + piece;
          atLineStart = piece.endsWith("\n");
          line += piece;
          if (!atLineStart) continue;
          const request = /(?:GET|POST) \S+ => \d+/.exec(line)?.[0];
          if (request) this.requests.push({ at: performance.now(), line: request });
          line = "";
        }
      }
    })();
    let exited: Deno.CommandStatus | undefined;
    child.status.then((status) => exited = status);
    const deadline = performance.now() + 30_000;
    // It listens once a connection succeeds; nothing else announces it.
    for (;;) {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port: this.port })).close();
        return;
      } catch {
        // not yet
      }
      if (exited || performance.now() > deadline) {
        const status = exited;
        await this.stop();
        throw new Error(
          `systemd-socket-activate ${
            status ? `exited (${status.code})` : "did not listen within 30 s"
          } on 127.0.0.1:${this.port}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Stops serving and waits for the listener to exit: from then on a
   * connection to the port is refused (a tangd already answering one
   * finishes it).
   */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await child.status;
    await this.#reading.catch(() => {});
  }

  /** Stops it if it still serves. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** A TCP port of 127.0.0.1 that nothing listens on now (the kernel's pick). */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
