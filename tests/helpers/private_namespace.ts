/**
 * A private mount namespace with its own tmpfs on /run/systemd/ask-password,
 * so a test's askers and agents never meet the machine's (or another test's).
 *
 * The namespace is held open by a sleeping process; commands join it with
 * nsenter, and the test reaches its files through /proc/<pid>/root.
 *
 * @module
 */

/** A private ask directory, for as long as the object lives. */
export class PrivateNamespace implements AsyncDisposable {
  /** PID of the process holding the namespace. */
  readonly pid: number;
  /** The ask directory as seen from inside the namespace. */
  readonly askDirectory = "/run/systemd/ask-password";
  #holder: Deno.ChildProcess;
  #network: boolean;

  private constructor(holder: Deno.ChildProcess, network: boolean) {
    this.#holder = holder;
    this.pid = holder.pid;
    this.#network = network;
  }

  /**
   * Creates the namespace (needs root). With `network`, it also gets its own
   * network namespace (plymouthd's abstract socket is per network namespace)
   * and its own tmpfs on /run/plymouth.
   *
   * With `removableAskDirectory`, the tmpfs is mounted on /run/systemd
   * instead, so the ask directory itself can be removed and made again.
   *
   * @param options `network: true` for Plymouth tests.
   * @returns The namespace, ready to use.
   */
  static async create(
    options: { network?: boolean; removableAskDirectory?: boolean } = {},
  ): Promise<PrivateNamespace> {
    await Deno.mkdir("/run/systemd/ask-password", { recursive: true });
    await Deno.mkdir("/run/plymouth", { recursive: true });
    const mounts = [
      options.removableAskDirectory
        ? "mount -t tmpfs -o mode=0755 askpw-test /run/systemd && mkdir -m 0755 /run/systemd/ask-password"
        : "mount -t tmpfs -o mode=0755 askpw-test /run/systemd/ask-password",
      ...(options.network ? ["mount -t tmpfs -o mode=0755 askpw-test /run/plymouth"] : []),
    ];
    const holder = new Deno.Command("unshare", {
      args: [
        "--mount",
        ...(options.network ? ["--net"] : []),
        "--propagation",
        "private",
        "--",
        "sh",
        "-c",
        `${mounts.join(" && ")} && echo ready && exec sleep infinity`,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = holder.stdout.getReader();
    const { value } = await reader.read();
    reader.releaseLock();
    await holder.stdout.cancel();
    if (!value || !new TextDecoder().decode(value).includes("ready")) {
      holder.kill("SIGKILL");
      await holder.status;
      throw new Error("could not create a private mount namespace (are we root?)");
    }
    return new PrivateNamespace(holder, options.network ?? false);
  }

  /**
   * Translates a path inside the namespace into one the test can use.
   *
   * @param path Absolute path inside the namespace.
   * @returns The same file reached through /proc/<pid>/root.
   */
  outside(path: string): string {
    return `/proc/${this.pid}/root${path}`;
  }

  /**
   * A command that runs inside the namespace.
   *
   * @param program The program.
   * @param args Its arguments.
   * @param options Further Deno.Command options.
   * @returns The command, not yet started.
   */
  command(program: string, args: string[], options: Deno.CommandOptions = {}): Deno.Command {
    return new Deno.Command("nsenter", {
      ...options,
      args: [
        "-t",
        String(this.pid),
        "-m",
        ...(this.#network ? ["-n"] : []),
        "--",
        program,
        ...args,
      ],
    });
  }

  /** Ends the namespace (its tmpfs goes with it). */
  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.#holder.kill("SIGKILL");
    } catch {
      // already gone
    }
    await this.#holder.status;
  }
}
