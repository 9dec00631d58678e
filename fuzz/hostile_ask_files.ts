/**
 * Hostile ask files for the live fuzzer, written into a private namespace's
 * ask directory the way askers publish theirs (a temporary name, then a
 * rename to `ask.*`), and removed again as askers that vanished would.
 *
 * Every kind must be refused by the agent. Those that would be answerable if
 * a check were missing name a decoy socket and carry the marker
 * {@linkcode DECOY_MARKER} in Message=, so a prompt for one shows on the
 * console and a reply reaches a decoy: both are failures of the run.
 *
 * @module
 */
import { generateAskFile } from "./ask_file_generator.ts";
import { Prng } from "./prng.ts";
import { AskFileSyntaxError, parseAskFile } from "../src/protocol/parse_ask_file.ts";
import { closeFd } from "../src/ffi/file_descriptor.ts";
import { bindDatagramSocket, receiveDatagram } from "../src/ffi/datagram_socket.ts";
import type { PrivateNamespace } from "../tests/helpers/private_namespace.ts";

/** Text in the Message= of every hostile file that has one; it must never reach the console. */
export const DECOY_MARKER = "FUZZ-DECOY";

/** The kinds of hostile files. */
export type HostileKind =
  | "syntax-error"
  | "no-socket"
  | "long-message"
  | "foreign-owner"
  | "fifo"
  | "symlink"
  | "empty"
  | "socket-elsewhere"
  | "directory";

/** How often each kind is written, relative to the others. */
export const HOSTILE_KIND_WEIGHTS: readonly (readonly [HostileKind, number])[] = [
  ["syntax-error", 28],
  ["no-socket", 12],
  ["long-message", 10],
  ["foreign-owner", 10],
  ["fifo", 6],
  ["symlink", 8],
  ["empty", 6],
  ["socket-elsewhere", 16],
  ["directory", 4],
];

/** One hostile file in the ask directory. */
export interface HostileFile {
  /** Path inside the namespace. */
  path: string;
  /** What it is. */
  kind: HostileKind;
  /** Bytes written (0 for FIFOs, symlinks and directories). */
  size: number;
}

const PLAIN_SNIPPETS = ["password ", "🔐 ", "ünïcödé ", "x".repeat(64), "\\ \" ' "];

/** An owner that is neither root nor anyone else here. */
const NOBODY = 65534;
const CONTROL_SNIPPETS = [
  "\x1b[2J",
  "\x1b[31m",
  "\x1b]0;owned\x07",
  "\x1bP+q\x1b\\",
  "\x07",
  "\x08\x08",
  "\t",
  "\v",
  "\f",
  "\x7f",
  "\u009b31m",
  "\u0085",
  "\u202e",
  "\u2028",
  "\ufeff",
];

/**
 * Writes and removes hostile ask files in one namespace, and owns the decoys
 * they point at: a root-owned socket in the ask directory (a file that got
 * past the owner check could be answered through it), one in a
 * subdirectory, one outside /run, a symlink to a socket, a socket owned by
 * another uid, a regular file named like a socket, and the targets of the
 * symlinked ask files.
 *
 * @example Usage
 * ```ts
 * import { HostileAskFiles } from "./hostile_ask_files.ts";
 * import { PrivateNamespace } from "../tests/helpers/private_namespace.ts";
 * await using namespace = await PrivateNamespace.create();
 * using hostile = new HostileAskFiles(namespace, 1);
 * const files = hostile.writeBatch(0, 100);
 * hostile.remove(files);
 * ```
 */
export class HostileAskFiles implements Disposable {
  #namespace: PrivateNamespace;
  #random: Prng;
  #seed: number;
  #maxGeneratedBytes: number;
  #generatorIndex = 0;
  #decoyFds: number[] = [];
  #outsideDirectory: string;
  readonly #directory: string;
  readonly #decoy: string;
  readonly #elsewhere: string[];

  /**
   * Creates the decoys.
   *
   * @param namespace Where to write.
   * @param seed Makes the sequence of files repeatable.
   * @param maxGeneratedBytes Largest generated syntax-error file to use.
   */
  constructor(namespace: PrivateNamespace, seed: number, maxGeneratedBytes = 64 * 1024) {
    this.#namespace = namespace;
    this.#seed = seed;
    this.#random = new Prng(seed ^ 0x11fe);
    this.#maxGeneratedBytes = maxGeneratedBytes;
    const directory = this.#directory = namespace.askDirectory;
    const outside = (path: string) => namespace.outside(path);

    this.#decoy = `${directory}/sck.fuzz-decoy`;
    this.#bindDecoy(outside(this.#decoy));
    Deno.mkdirSync(outside(`${directory}/fuzz-elsewhere`));
    this.#bindDecoy(outside(`${directory}/fuzz-elsewhere/sck.decoy`));
    this.#outsideDirectory = Deno.makeTempDirSync({ prefix: "askpw-fuzz-" });
    this.#bindDecoy(`${this.#outsideDirectory}/sck.decoy`);
    Deno.symlinkSync(this.#decoy, outside(`${directory}/sck.fuzz-link`));
    this.#bindDecoy(outside(`${directory}/sck.fuzz-foreign`));
    Deno.chownSync(outside(`${directory}/sck.fuzz-foreign`), NOBODY, NOBODY);
    Deno.writeTextFileSync(outside(`${directory}/sck.fuzz-regular`), "not a socket\n");
    Deno.writeTextFileSync(
      outside(`${directory}/fuzz-target.valid`),
      this.#decoyRequest("through a symlink"),
    );
    makeFifos([outside(`${directory}/fuzz-target.fifo`)]);
    this.#elsewhere = [
      `${directory}/fuzz-elsewhere/sck.decoy`,
      `${this.#outsideDirectory}/sck.decoy`,
      `${directory}/sck.fuzz-link`,
      `${directory}/sck.fuzz-foreign`,
      `${directory}/sck.fuzz-regular`,
      `${directory}/sck.fuzz-missing`,
      "sck.fuzz-decoy",
      "@askpw-fuzz-decoy",
      `${directory}/fuzz-elsewhere`,
    ];
  }

  /**
   * Publishes `count` hostile files as askers would: each written under a
   * temporary name, then renamed to `ask.fuzz<batch>x<n>`.
   *
   * @param batch The batch number (part of the names).
   * @param count How many.
   * @returns The files, for {@linkcode HostileAskFiles.remove}.
   */
  writeBatch(batch: number, count: number): HostileFile[] {
    const files: HostileFile[] = [];
    const fifos: [string, string][] = [];
    for (let number = 0; number < count; number++) {
      const kind = this.#random.pickWeighted(HOSTILE_KIND_WEIGHTS);
      const path = `${this.#directory}/ask.fuzz${batch}x${number}`;
      const temporary = this.#namespace.outside(
        `${this.#directory}/.#ask.fuzz${batch}x${number}${this.#random.nextUint32().toString(16)}`,
      );
      let size = 0;
      switch (kind) {
        case "fifo":
          fifos.push([temporary, path]); // made all at once below, one mkfifo for the batch
          files.push({ path, kind, size });
          continue;
        case "symlink":
          Deno.symlinkSync(this.#symlinkTarget(), temporary);
          break;
        case "directory":
          Deno.mkdirSync(temporary);
          break;
        default: {
          const content = this.#content(kind);
          size = content.length;
          Deno.writeFileSync(temporary, content, { mode: 0o644 });
          if (kind === "foreign-owner") Deno.chownSync(temporary, NOBODY, NOBODY);
        }
      }
      Deno.renameSync(temporary, this.#namespace.outside(path));
      files.push({ path, kind, size });
    }
    if (fifos.length > 0) {
      makeFifos(fifos.map(([temporary]) => temporary));
      for (const [temporary, path] of fifos) {
        Deno.renameSync(temporary, this.#namespace.outside(path));
      }
    }
    return files;
  }

  /**
   * Removes files, as askers that gave up would.
   *
   * @param files What {@linkcode HostileAskFiles.writeBatch} returned.
   */
  remove(files: readonly HostileFile[]): void {
    for (const file of files) Deno.removeSync(this.#namespace.outside(file.path));
  }

  /**
   * Reads (and empties) the decoy sockets.
   *
   * @returns How many datagrams reached them: anything but 0 means a hostile
   * request was answered.
   */
  decoyDatagrams(): number {
    let count = 0;
    for (const fd of this.#decoyFds) {
      while (receiveDatagram(fd, 8192) !== null) count++;
    }
    return count;
  }

  /** Closes the decoys and removes the one outside the namespace. */
  [Symbol.dispose](): void {
    for (const fd of this.#decoyFds) closeFd(fd);
    Deno.removeSync(this.#outsideDirectory, { recursive: true });
  }

  #bindDecoy(path: string): void {
    this.#decoyFds.push(bindDatagramSocket(path));
    Deno.chmodSync(path, 0o600);
  }

  /** A request that would be answerable through `socket` but for its flaw. */
  #decoyRequest(flaw: string, socket = this.#decoy): string {
    return `[Ask]\nPID=${Deno.pid}\nSocket=${socket}\nAcceptCached=0\nEcho=0\nNotAfter=0\n` +
      `Message=${DECOY_MARKER} ${flaw}:\n`;
  }

  #content(kind: HostileKind): Uint8Array<ArrayBuffer> {
    const text = (value: string) => new TextEncoder().encode(value);
    switch (kind) {
      case "syntax-error":
        return this.#generated((outcome) => outcome === "rejected");
      case "no-socket":
        return this.#random.chance(0.5)
          ? this.#generated((outcome) => outcome === "no-socket")
          : text(this.#random.pick(this.#noSocketTemplates()));
      case "long-message":
        return text(this.#longMessageRequest());
      case "foreign-owner":
        return text(this.#decoyRequest(`owned by uid ${NOBODY}`));
      case "socket-elsewhere":
        return text(this.#decoyRequest("socket elsewhere", this.#random.pick(this.#elsewhere)));
      default:
        return new Uint8Array(0); // empty
    }
  }

  /** Files that parse but have no usable Socket=, one parser rule each. */
  #noSocketTemplates(): string[] {
    const head = `[Ask]\nPID=${Deno.pid}\nMessage=${DECOY_MARKER} no socket:\n`;
    return [
      head,
      `${head}Socket=${this.#decoy}\nSocket=\n`, // an empty value resets it
      `${head}Socket=${this.#decoy}"\n`, // unsafe: ignored
      `${head}socket=${this.#decoy}\n`, // keys are case-sensitive
      `Socket=${this.#decoy}\n${head}`, // before any section
      `${head}[Other]\nSocket=${this.#decoy}\n`,
      `${head}[ask]\nSocket=${this.#decoy}\n`,
      `${head}#Socket=${this.#decoy}\\\nMessage=continued\n`, // a comment continues nothing
    ];
  }

  /** Tens of KB of Message=, some of it control characters and escape sequences. */
  #longMessageRequest(): string {
    const random = this.#random;
    const hostile = random.chance(0.5);
    // A random kilobyte, repeated: varied enough, and cheap at 500 files a batch.
    let unit = "";
    while (unit.length < 1024) {
      unit += hostile && random.chance(0.3)
        ? random.pick(CONTROL_SNIPPETS)
        : random.pick(PLAIN_SNIPPETS);
    }
    const message = `${DECOY_MARKER} long ${unit.repeat(random.between(20, 80))}`;
    const socket = random.pick([
      "",
      `Socket=${this.#directory}/sck.fuzz-missing\n`,
      `Socket=${this.#elsewhere[0]}\n`,
    ]);
    return `[Ask]\nPID=${Deno.pid}\n${socket}Message=${message}\n`;
  }

  /** The next generator file (up to the size limit) whose parse outcome fits. */
  #generated(
    wanted: (outcome: "rejected" | "no-socket" | "usable") => boolean,
  ): Uint8Array<ArrayBuffer> {
    for (;;) {
      const { bytes } = generateAskFile(this.#seed, this.#generatorIndex++);
      if (bytes.length > this.#maxGeneratedBytes) continue;
      let outcome: "rejected" | "no-socket" | "usable";
      try {
        outcome = parseAskFile(bytes).socket === undefined ? "no-socket" : "usable";
      } catch (error) {
        if (!(error instanceof AskFileSyntaxError)) continue; // the parser fuzzer reports those
        outcome = "rejected";
      }
      if (wanted(outcome)) return bytes;
    }
  }

  #symlinkTarget(): string {
    return this.#random.pick([
      `${this.#directory}/fuzz-target.valid`,
      "fuzz-target.valid",
      `${this.#directory}/fuzz-target.fifo`,
      "/dev/zero",
      "/nonexistent/ask",
      this.#directory,
      "ask.fuzz-dangling",
    ]);
  }
}

/** One mkfifo for many FIFOs (paths as seen from here). */
function makeFifos(paths: string[]): void {
  const result = new Deno.Command("mkfifo", { args: ["-m", "0644", "--", ...paths] }).outputSync();
  if (!result.success) {
    throw new Error(`mkfifo failed: ${new TextDecoder().decode(result.stderr).trim()}`);
  }
}
