/**
 * The test VM's serial console: a QEMU run whose output the caller waits on
 * and types into, the kernel panic that ends a wait early, and the report
 * lines the test module prints.
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// deno-lint-ignore no-control-regex
const ANSI = /\x1b(\[[0-9;?]*[A-Za-z]|[78])|\r/g;

/**
 * The report lines (`E2E: …`, `E2E-LOG: …`, …) in a boot's console output,
 * without terminal sequences. Other output (askpw's countdown rewriting the
 * line above its prompt) may share a line with a report line: its text
 * starts at "E2E…: ".
 */
export function reportLines(output: string): string {
  return output.split("\n").map((line) => line.replace(ANSI, ""))
    .flatMap((line) => {
      const start = line.search(/E2E[A-Z-]*: /);
      return start < 0 ? [] : [line.slice(start).trimEnd()];
    }).join("\n");
}

const KERNEL_PANIC = "Kernel panic - not syncing";

/**
 * The guest's kernel panicked ({@linkcode SerialSession.waitFor} throws it at
 * once): under TCG, sid's kernel 7.2 has been seen to oops in the scheduler
 * in its first second (once in some hundred boots), before any userspace.
 */
export class GuestKernelPanic extends Error {
  /**
   * Reports a panic seen while waiting.
   *
   * @param message What was awaited, and the console around the panic.
   */
  constructor(message: string) {
    super(message);
    this.name = "GuestKernelPanic";
  }
}

/**
 * Runs a boot, and runs it once more should the guest kernel panic
 * ({@linkcode GuestKernelPanic}) before anything was typed into it: such a
 * boot tested nothing, and a second panic is an error.
 *
 * @example Usage
 * ```ts ignore
 * const output = await bootAgainIfPanickedEarly("sid", () => typed, () => bootOnce());
 * ```
 * @param label Names the boot in the line that says it runs again.
 * @param typed Whether the failed boot had got as far as typing (then no second run).
 * @param boot One boot.
 * @returns What the boot returned.
 */
export async function bootAgainIfPanickedEarly<T>(
  label: string,
  typed: () => boolean,
  boot: () => Promise<T>,
): Promise<T> {
  try {
    return await boot();
  } catch (error) {
    if (!(error instanceof GuestKernelPanic) || typed()) throw error;
    console.log(`${label}: the guest kernel panicked before any prompt; again`);
    return await boot();
  }
}

/** A booting VM whose serial console the caller reads and types into. */
export class SerialSession implements AsyncDisposable {
  /** Everything the console printed so far. */
  output = "";
  /** Seconds since start at which named events happened. */
  readonly events = new Map<string, number>();
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #started = performance.now();
  #reading: Promise<void>;
  #log: Deno.FsFile | undefined;
  /** The output's length after each chunk, and when (ms, performance.now()) it arrived. */
  #arrivals: { end: number; at: number }[] = [];

  /** Starts qemu with `args`; the console goes to `logPath` (and stdout when `echo`) as well. */
  constructor(args: string[], logPath?: string, echo = false) {
    const child = new Deno.Command("qemu-system-x86_64", {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#log = logPath
      ? Deno.openSync(logPath, { write: true, create: true, truncate: true })
      : undefined;
    this.#reading = (async () => {
      const streams = [child.stdout, child.stderr];
      await Promise.all(streams.map(async (stream) => {
        for await (const chunk of stream) {
          this.#log?.writeSync(chunk);
          if (echo) Deno.stdout.writeSync(chunk);
          this.output += decoder.decode(chunk, { stream: true });
          this.#arrivals.push({ end: this.output.length, at: performance.now() });
        }
      }));
    })();
  }

  /** Seconds since qemu started. */
  get elapsed(): number {
    return (performance.now() - this.#started) / 1000;
  }

  /**
   * Waits for `pattern` in the output after `from`; returns the index just past
   * the match. Throws {@linkcode GuestKernelPanic} as soon as the guest panics.
   */
  async waitFor(pattern: RegExp, timeoutSeconds = 300, from = 0): Promise<number> {
    const deadline = performance.now() + timeoutSeconds * 1000;
    for (;;) {
      const rest = this.output.slice(from);
      const match = pattern.exec(rest);
      if (match) return from + match.index + match[0].length;
      // A guest kernel that panicked never prints the pattern: say so at once.
      const panic = this.output.indexOf(KERNEL_PANIC);
      if (panic >= 0) {
        throw new GuestKernelPanic(
          `the guest kernel panicked while waiting for ${pattern}:\n${
            this.output.slice(Math.max(0, panic - 2500), panic + 200)
          }`,
        );
      }
      if (performance.now() > deadline) {
        throw new Error(
          `timed out after ${timeoutSeconds}s waiting for ${pattern}; console tail:\n${
            this.output.slice(-3000)
          }`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * When the output's character at `index` arrived from QEMU, in seconds
   * since start (to the read of its chunk: finer than a look every 0.1 s).
   */
  arrivalOf(index: number): number | undefined {
    let low = 0;
    let high = this.#arrivals.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.#arrivals[middle].end <= index) low = middle + 1;
      else high = middle;
    }
    const arrival = this.#arrivals[low];
    return arrival && (arrival.at - this.#started) / 1000;
  }

  /** Records the time of `name` (first time only). */
  mark(name: string): void {
    if (!this.events.has(name)) this.events.set(name, Number(this.elapsed.toFixed(2)));
  }

  /** Types text into the serial console. */
  async type(text: string): Promise<void> {
    await this.#writer.write(encoder.encode(text));
  }

  /** Waits for qemu to exit (the guest powers off) or kills it after `timeoutSeconds`. */
  async exit(timeoutSeconds = 120): Promise<Deno.CommandStatus> {
    const timer = setTimeout(() => this.#kill(), timeoutSeconds * 1000);
    const status = await this.#child.status;
    clearTimeout(timer);
    await this.#reading;
    return status;
  }

  #kill(): void {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }

  /** Kills qemu if it still runs. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#kill();
    await this.#child.status;
    await this.#writer.close().catch(() => {});
    await this.#reading.catch(() => {});
    this.#log?.close();
  }
}
