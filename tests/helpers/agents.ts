/**
 * Starting the agents under test inside a private namespace: askpw (from
 * this checkout) and systemd's reference agent.
 *
 * @module
 */
import type { PrivateNamespace } from "./private_namespace.ts";
import { asUser } from "./as_user.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The flags askpw runs with: its permissions and a small young generation (as the launcher). */
export const ASKPW_PERMISSIONS = [
  "--allow-ffi",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--v8-flags=--max-semi-space-size=1",
];

/** A running agent and what it logged. */
export class RunningAgent implements AsyncDisposable {
  /** The process. */
  readonly process: Deno.ChildProcess;
  #log = "";
  #stdout = "";
  #done: Promise<void>;

  /**
   * The PID of the program itself: the deepest first descendant of what was
   * spawned (nsenter and setpriv start it as their child).
   *
   * @returns The PID (the spawned one when it has no children).
   */
  leafPid(): number {
    let pid = this.process.pid;
    for (;;) {
      let children: string[] = [];
      try {
        children = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`).trim().split(/\s+/)
          .filter((child) => child !== "");
      } catch {
        return pid;
      }
      if (children.length === 0) return pid;
      pid = Number(children[0]);
    }
  }

  /**
   * Wraps a spawned process whose stdout and stderr are piped.
   *
   * @param process The process.
   */
  constructor(process: Deno.ChildProcess) {
    this.process = process;
    const collect = async (stream: ReadableStream<Uint8Array>, append: (text: string) => void) => {
      const decoder = new TextDecoder();
      for await (const chunk of stream) append(decoder.decode(chunk, { stream: true }));
    };
    this.#done = Promise.all([
      collect(process.stderr, (text) => this.#log += text),
      collect(process.stdout, (text) => this.#stdout += text),
    ]).then(() => {});
  }

  /** What the agent wrote to stderr so far. */
  get log(): string {
    return this.#log;
  }

  /** What the agent wrote to stdout so far. */
  get stdout(): string {
    return this.#stdout;
  }

  /**
   * Waits until the log contains `text`.
   *
   * @param text What to wait for.
   * @param timeoutMs Longest wait.
   */
  async waitForLog(text: string | RegExp, timeoutMs = 10_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (typeof text === "string" ? !this.#log.includes(text) : !text.test(this.#log)) {
      if (performance.now() > deadline) {
        throw new Error(`timed out waiting for log ${text}; log: ${this.#log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Waits until stdout contains `text`.
   *
   * @param text What to wait for.
   * @param timeoutMs Longest wait.
   */
  async waitForOutput(text: string, timeoutMs = 10_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!this.#stdout.includes(text)) {
      if (performance.now() > deadline) {
        throw new Error(`timed out waiting for output ${text}; stderr: ${this.#log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Waits for the process to exit and its output to be read.
   *
   * @returns The exit status.
   */
  async exit(): Promise<Deno.CommandStatus> {
    const status = await this.process.status;
    await this.#done;
    return status;
  }

  /** Kills the process if it still runs. */
  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.process.kill("SIGKILL");
    } catch {
      // already exited
    }
    await this.exit();
  }
}

/**
 * Starts `askpw ARGS` inside the namespace.
 *
 * @param namespace Where.
 * @param args askpw's arguments.
 * @param env Extra environment.
 * @param user Run as this uid instead of root (setpriv).
 * @returns The running agent.
 */
export function startAskpw(
  namespace: PrivateNamespace,
  args: string[],
  env: Record<string, string> = {},
  user?: number,
): RunningAgent {
  const deno = [Deno.execPath(), "run", ...ASKPW_PERMISSIONS, `${ROOT}src/cli/program.ts`, ...args];
  // As another user: setpriv drops every id and group, and Deno needs a cache it may write.
  const [program, ...rest] = user === undefined ? deno : asUser(user, deno);
  const userEnv: Record<string, string> = user === undefined
    ? {}
    : { DENO_DIR: `/tmp/askpw-deno-dir-${user}` };
  const process = namespace.command(program, rest, {
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...userEnv, ...env },
  }).spawn();
  return new RunningAgent(process);
}

/**
 * Starts `systemd-tty-ask-password-agent ARGS` inside the namespace.
 *
 * @param namespace Where.
 * @param args The agent's arguments.
 * @returns The running agent.
 */
export function startSystemdAgent(namespace: PrivateNamespace, args: string[]): RunningAgent {
  const process = namespace.command("systemd-tty-ask-password-agent", args, {
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { TERM: "dumb", SYSTEMD_COLORS: "0" },
  }).spawn();
  return new RunningAgent(process);
}

/**
 * Starts the real `systemd-ask-password ARGS` inside the namespace.
 *
 * @param namespace Where.
 * @param args Its arguments (e.g. `--echo`, `--timeout=2`, the message).
 * @returns The running asker; its stdout is the password it received.
 */
export function startSystemdAsker(namespace: PrivateNamespace, args: string[]): RunningAgent {
  const process = namespace.command("systemd-ask-password", ["--no-tty", ...args], {
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  return new RunningAgent(process);
}

/**
 * Waits until an ask file appears in the namespace's ask directory.
 *
 * @param namespace Where.
 * @param count How many ask files to wait for.
 * @param timeoutMs Longest wait.
 */
export async function waitForAskFiles(
  namespace: PrivateNamespace,
  count = 1,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const names = [...Deno.readDirSync(namespace.outside(namespace.askDirectory))]
      .filter((entry) => entry.name.startsWith("ask."));
    if (names.length >= count) return;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${count} ask files`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
