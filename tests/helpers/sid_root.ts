/**
 * systemd 262 as a second reference: programs of the cached Debian sid root
 * (tests/package/distributions.ts; built on first use) run with chroot inside
 * a test's {@linkcode PrivateNamespace}. The cached root is never changed:
 * what the programs need is mounted over it in the namespace only (a fresh
 * /proc and /sys, the host's /dev with the test's ptys, a tmpfs /run holding
 * the namespace's ask directory), so those mounts end with the namespace.
 * The chrooted programs thus see the test's ask files and reply sockets at
 * the same paths as everything else in the namespace.
 *
 * @module
 */
import { distributionRoot, SID } from "../package/distributions.ts";
import { RunningAgent } from "./agents.ts";
import type { PrivateNamespace } from "./private_namespace.ts";

// Re-exported so that this module's documentation covers what its functions take and return.
export { RunningAgent };
export type { PrivateNamespace };

let rootPromise: Promise<string> | undefined;

/**
 * The cached sid root (made on first use, which takes minutes).
 *
 * @example Usage
 * ```ts
 * import { sidRoot } from "./sid_root.ts";
 * const root = await sidRoot(); // e.g. /var/cache/askpw-deb-root/sid-…/root
 * ```
 * @returns The root directory; never write into it.
 */
export function sidRoot(): Promise<string> {
  rootPromise ??= distributionRoot(SID);
  return rootPromise;
}

/** Mounts the root's /proc, /sys, /dev and /run in the namespace ($1: the root). */
const MOUNT_SCRIPT = `set -eu
root=$1
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=0755 askpw-sid-run "$root/run"
mkdir -p "$root/run/systemd/ask-password"
mount --bind /run/systemd/ask-password "$root/run/systemd/ask-password"
`;

const mounted = new WeakMap<PrivateNamespace, Promise<SidRoot>>();

/** The sid root, made usable inside one namespace. */
export class SidRoot {
  /** The root directory (as the namespace sees it, outside the chroot). */
  readonly root: string;
  #namespace: PrivateNamespace;

  private constructor(namespace: PrivateNamespace, root: string) {
    this.#namespace = namespace;
    this.root = root;
  }

  /**
   * Mounts what the root's programs need inside the namespace (once per
   * namespace; later calls get the same object).
   *
   * @example Usage
   * ```ts
   * import { PrivateNamespace } from "./private_namespace.ts";
   * import { SidRoot } from "./sid_root.ts";
   * await using namespace = await PrivateNamespace.create();
   * const sid = await SidRoot.in(namespace);
   * const { stdout } = await sid.command("systemd-ask-password", ["--version"]).output();
   * ```
   * @param namespace The test's namespace.
   * @returns The root, ready for {@linkcode SidRoot.command}.
   * @throws {Error} When the root cannot be built or mounted.
   */
  static in(namespace: PrivateNamespace): Promise<SidRoot> {
    let sid = mounted.get(namespace);
    if (!sid) {
      sid = (async () => {
        const root = await sidRoot();
        const { code, stderr } = await namespace.command("sh", ["-c", MOUNT_SCRIPT, "sh", root], {
          stdin: "null",
          stdout: "null",
          stderr: "piped",
        }).output();
        if (code !== 0) {
          throw new Error(`cannot mount the sid root: ${new TextDecoder().decode(stderr)}`);
        }
        return new SidRoot(namespace, root);
      })();
      mounted.set(namespace, sid);
    }
    return sid;
  }

  /**
   * A command that runs a program of the root (chroot) inside the namespace,
   * with an environment of its own: `PATH`, `LC_ALL=C.UTF-8` and `env`.
   *
   * @param program The program (looked up in the root's PATH).
   * @param args Its arguments.
   * @param env Its further environment.
   * @param options Further Deno.Command options (not `env`).
   * @returns The command, not yet started.
   */
  command(
    program: string,
    args: readonly string[],
    env: Record<string, string> = {},
    options: Omit<Deno.CommandOptions, "env" | "args"> = {},
  ): Deno.Command {
    const variables = Object.entries({
      PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
      LC_ALL: "C.UTF-8",
      ...env,
    }).map(([name, value]) => `${name}=${value}`);
    return this.#namespace.command(
      "chroot",
      [this.root, "/usr/bin/env", "-i", ...variables, program, ...args],
      options,
    );
  }

  /**
   * Shows a directory of the namespace at `target` inside the root (a bind
   * mount that lives in the namespace only). The target must lie in the
   * root's /run, the namespace's own tmpfs, so the cached root stays untouched.
   *
   * @example Usage
   * ```ts
   * import { PrivateNamespace } from "./private_namespace.ts";
   * import { SidRoot } from "./sid_root.ts";
   * await using namespace = await PrivateNamespace.create();
   * const sid = await SidRoot.in(namespace);
   * await sid.bind(await Deno.makeTempDir(), "/run/askpw-example");
   * ```
   * @param source The directory, as the namespace sees it.
   * @param target Where it appears inside the root (under /run/).
   * @throws {Error} When the target is not under /run/ or the mount fails.
   */
  async bind(source: string, target: string): Promise<void> {
    if (!/^\/run\/[^.]/.test(target) || target.includes("/..")) {
      throw new Error(`${target}: only paths under /run/ can be bound into the sid root`);
    }
    const { code, stderr } = await this.#namespace.command("sh", [
      "-c",
      'mkdir -p "$1" && mount --bind "$2" "$1"',
      "sh",
      this.inNamespace(target),
      source,
    ], { stdin: "null", stdout: "null", stderr: "piped" }).output();
    if (code !== 0) {
      throw new Error(`cannot bind ${source} to ${target}: ${new TextDecoder().decode(stderr)}`);
    }
  }

  /**
   * A path inside the root as the namespace sees it (outside the chroot).
   *
   * @param path An absolute path inside the root.
   * @returns The same file, reached from the namespace.
   */
  inNamespace(path: string): string {
    return `${this.root}${path}`;
  }
}

/**
 * Starts systemd 262's `systemd-tty-ask-password-agent ARGS` from the sid
 * root inside the namespace (mounting the root there first), with the
 * environment agents.ts's `startSystemdAgent` gives systemd 252's.
 *
 * @example Usage
 * ```ts
 * import { PrivateNamespace } from "./private_namespace.ts";
 * import { PtyConsole } from "./pty_console.ts";
 * import { startSystemd262Agent } from "./sid_root.ts";
 * await using namespace = await PrivateNamespace.create();
 * using console = new PtyConsole();
 * await using agent = await startSystemd262Agent(namespace, ["--query", `--console=${console.path}`]);
 * ```
 * @param namespace Where.
 * @param args The agent's arguments.
 * @returns The running agent.
 */
export async function startSystemd262Agent(
  namespace: PrivateNamespace,
  args: string[],
): Promise<RunningAgent> {
  const sid = await SidRoot.in(namespace);
  const process = sid.command(
    "systemd-tty-ask-password-agent",
    args,
    { TERM: "dumb", SYSTEMD_COLORS: "0" },
    { stdin: "null", stdout: "piped", stderr: "piped" },
  ).spawn();
  return new RunningAgent(process);
}
