/**
 * Runs tests/helpers/fake_plymouthd_server.ts inside a test's namespaces,
 * as any uid, and collects what it was asked.
 *
 * @module
 */
import type { PrivateNamespace } from "./private_namespace.ts";
import { RunningAgent } from "./agents.ts";
import { asUser } from "./as_user.ts";

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
