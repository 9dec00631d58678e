/**
 * A real plymouthd, headless on a pty, inside a test's private namespaces
 * (recipe: ../shared/docs/plymouth.md §4.3).
 *
 * @module
 */
import type { PrivateNamespace } from "./private_namespace.ts";
import type { PtyConsole } from "./pty_console.ts";

/** A running plymouthd drawing on one pty. */
export class Plymouthd implements AsyncDisposable {
  #namespace: PrivateNamespace;
  #process: Deno.ChildProcess;

  private constructor(namespace: PrivateNamespace, process: Deno.ChildProcess) {
    this.#namespace = namespace;
    this.#process = process;
  }

  /**
   * Starts plymouthd on `console` (its --tty) and shows the splash, which
   * plymouthd needs before it answers password requests.
   *
   * @param namespace The test's namespaces (created with `network: true`).
   * @param console The pty plymouthd draws on and reads keys from.
   * @returns The daemon, answering pings.
   */
  static async start(namespace: PrivateNamespace, console: PtyConsole): Promise<Plymouthd> {
    const process = namespace.command("setsid", [
      "/usr/sbin/plymouthd",
      "--no-daemon",
      `--tty=${console.path}`,
      "--ignore-serial-consoles",
      "--no-boot-log",
      "--pid-file=/run/plymouth/pid",
      // Never the host's /proc/cmdline (console=ttyS0 would make it drive the serial line).
      "--kernel-command-line=plymouth.ignore-serial-consoles",
    ], { stdin: "null", stdout: "null", stderr: "null" }).spawn();
    const daemon = new Plymouthd(namespace, process);
    for (let i = 0; i < 200 && !(await daemon.#client(["--ping"])); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    if (!(await daemon.#client(["--ping"]))) throw new Error("plymouthd did not start");
    if (!(await daemon.#client(["show-splash"]))) throw new Error("plymouth show-splash failed");
    return daemon;
  }

  /** PID of plymouthd. */
  get pid(): number {
    return this.#process.pid;
  }

  async #client(args: string[]): Promise<boolean> {
    const { code } = await this.#namespace.command("plymouth", args, {
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    return code === 0;
  }

  /**
   * Whether plymouthd still answers a ping.
   *
   * @returns True on ACK.
   */
  alive(): Promise<boolean> {
    return this.#client(["--ping"]);
  }

  /**
   * Asks plymouthd to quit (`plymouth quit`), as the boot does at switch-root.
   */
  async quit(): Promise<void> {
    await this.#client(["quit"]);
    await this.#process.status;
  }

  /**
   * Kills plymouthd (SIGKILL: a crash, not a clean quit).
   */
  async kill(): Promise<void> {
    try {
      this.#process.kill("SIGKILL");
    } catch {
      // already gone
    }
    await this.#process.status;
  }

  /** Stops plymouthd. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill();
  }
}
