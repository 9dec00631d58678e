/**
 * The independent Varlink client of the tests (tests/varlink_client/main.go,
 * on the varlink project's reference Go library from Debian), built once
 * per test run, and a raw connection for what no client library would send.
 *
 * @module
 */
import { closeFd, readFd, writeSome } from "../../src/ffi/file_descriptor.ts";
import { waitForEvents } from "../../src/ffi/poll.ts";
import { connectStream } from "../../src/ffi/stream_socket.ts";
import type { PrivateNamespace } from "./private_namespace.ts";
import { asUser } from "./as_user.ts";

const SOURCE = new URL("../varlink_client/", import.meta.url).pathname;
let built: Promise<string> | undefined;

/** io.systemd.AskPassword's Ask method as the library's IDL parser describes it. */
export const ASK_METHOD = {
  in: [
    "message",
    "keyname",
    "icon",
    "id",
    "timeoutUSec",
    "untilUSec",
    "acceptCached",
    "pushCache",
    "echo",
    "allowInteractiveAuthentication",
  ],
  out: ["passwords"],
};

/** Builds the client (once) and returns its path. */
export function varlinkClient(): Promise<string> {
  built ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "askpw-varlink-client-" });
    const binary = `${dir}/varlink-client`;
    const { code, stderr } = await new Deno.Command("go", {
      args: ["build", "-o", binary, "."],
      cwd: SOURCE,
      env: {
        GO111MODULE: "off",
        GOPATH: "/usr/share/gocode",
        GOCACHE: `${dir}/cache`,
        CGO_ENABLED: "0",
      },
      stderr: "piped",
    }).output();
    if (code !== 0) throw new Error(`go build failed: ${new TextDecoder().decode(stderr)}`);
    await Deno.chmod(dir, 0o755);
    return binary;
  })();
  return built;
}

/** What the client printed: a reply's parameters, or an error and its parameters. */
export interface ClientResult {
  /** 0 reply, 1 Varlink error, 2 connection failure. */
  code: number;
  /** The parsed JSON it printed (absent on a connection failure). */
  json?: Record<string, unknown>;
  /** Its stderr. */
  stderr: string;
}

/**
 * Runs the client inside the namespace.
 *
 * @param namespace Where.
 * @param args `SOCKET info`, `SOCKET describe IFACE`, `SOCKET call METHOD JSON`.
 * @param user Run as this uid (setpriv).
 * @returns What it printed.
 */
export async function runVarlinkClient(
  namespace: PrivateNamespace,
  args: string[],
  user?: number,
): Promise<ClientResult> {
  const client = await varlinkClient();
  const [program, ...rest] = user === undefined
    ? [client, ...args]
    : asUser(user, [client, ...args]);
  const { code, stdout, stderr } = await namespace.command(program, rest, {
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout).trim();
  return {
    code,
    json: text ? JSON.parse(text) : undefined,
    stderr: new TextDecoder().decode(stderr),
  };
}

/** A connection that writes raw bytes: malformed JSON, floods, half messages. */
export class RawConnection implements Disposable {
  readonly fd: number;

  constructor(path: string) {
    this.fd = connectStream(path);
  }

  /** Writes what the socket takes now; returns how much. */
  write(bytes: Uint8Array): number {
    try {
      return writeSome(this.fd, bytes as Uint8Array<ArrayBuffer>) ?? 0;
    } catch {
      return 0;
    }
  }

  /**
   * Waits until the server closes the connection (EOF), reading what it sent.
   *
   * @param timeoutMs Longest wait.
   * @returns What was read, or `null` when the connection stayed open.
   */
  async closedByServer(timeoutMs: number): Promise<string | null> {
    const deadline = performance.now() + timeoutMs;
    const chunks: number[] = [];
    const buffer = new Uint8Array(4096);
    for (;;) {
      let count: number | null;
      try {
        count = readFd(this.fd, buffer);
      } catch {
        return new TextDecoder().decode(new Uint8Array(chunks));
      }
      if (count === 0) return new TextDecoder().decode(new Uint8Array(chunks));
      if (count !== null) {
        chunks.push(...buffer.subarray(0, count));
        continue;
      }
      const left = deadline - performance.now();
      if (left <= 0) return null;
      await waitForEvents([{ fd: this.fd }], left);
    }
  }

  [Symbol.dispose](): void {
    closeFd(this.fd);
  }
}
