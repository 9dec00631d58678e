/**
 * Running test programs as another user (setpriv). That user must reach the
 * Deno binary and the checkout's files; a checkout under a 0700 directory
 * (what `mktemp -d` makes) is out of its reach, so such runs then use a copy
 * of what they need in a directory everyone can read, made once per test
 * file and removed when it ends.
 *
 * @module
 */

const ROOT = new URL("../../", import.meta.url).pathname;
/** What programs run as another user take from the checkout. */
const COPIED = ["mod.ts", "deno.json", "src", "tests/helpers"];

/**
 * Throws, naming the path in the way, when `uid` (with gid `uid` and no
 * supplementary groups, as {@linkcode asUser} runs it) could not reach
 * `path`: every directory above it must let that user search it, and the
 * path itself must let it read (and, for a directory, search) it.
 *
 * @param uid The user.
 * @param path An existing file or directory (symbolic links are resolved).
 */
function assertReachableBy(uid: number, path: string): void {
  const problem = unreachable(uid, path);
  if (problem) throw new Error(`${problem}, so it cannot run ${path}`);
}

/** Why `uid` cannot reach `path`, or undefined when it can. */
function unreachable(uid: number, path: string): string | undefined {
  const parts = Deno.realPathSync(path).split("/").filter(Boolean);
  for (let depth = 0; depth <= parts.length; depth++) {
    const current = "/" + parts.slice(0, depth).join("/");
    const info = Deno.statSync(current);
    const last = depth === parts.length;
    const needs = last && !info.isDirectory ? 4 : last ? 5 : 1;
    const shift = info.uid === uid ? 6 : info.gid === uid ? 3 : 0;
    const mode = info.mode ?? 0;
    if (((mode >> shift) & 7 & needs) !== needs) {
      return `uid ${uid} cannot ${last ? "read" : "search"} ${current} (mode ${
        (mode & 0o7777).toString(8)
      }, owner ${info.uid})`;
    }
  }
}

let copy: { root: string; deno: string } | undefined;

/** The checkout and Deno binary where `uid` reaches them: in place, or a copy. */
function reachable(uid: number): { root: string; deno: string } {
  if (copy) return copy;
  if (!unreachable(uid, ROOT) && !unreachable(uid, Deno.execPath())) {
    return { root: ROOT, deno: Deno.execPath() };
  }
  const root = Deno.makeTempDirSync({ prefix: "askpw-as-user-" }) + "/";
  Deno.chmodSync(root, 0o755);
  globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));
  for (const path of COPIED) {
    Deno.mkdirSync(root + path.slice(0, path.lastIndexOf("/") + 1), { recursive: true });
    const cp = new Deno.Command("cp", { args: ["-R", ROOT + path, root + path] }).outputSync();
    if (!cp.success) throw new Error(`cannot copy ${path}: ${new TextDecoder().decode(cp.stderr)}`);
  }
  const deno = `${root}deno`;
  try {
    Deno.linkSync(Deno.execPath(), deno);
  } catch {
    Deno.copyFileSync(Deno.execPath(), deno);
  }
  return copy = { root, deno };
}

/**
 * `path` where `uid` reaches it: the Deno binary and files of the checkout
 * map to their copy when the checkout is out of that user's reach; anything
 * else is returned as it is.
 *
 * @param uid The user.
 * @param path A path.
 * @returns The path to use.
 */
export function reachablePath(uid: number, path: string): string {
  const { root, deno } = reachable(uid);
  if (path === Deno.execPath()) return deno;
  return path.startsWith(ROOT) ? root + path.slice(ROOT.length) : path;
}

/**
 * setpriv's command line that runs `command` as `uid` (gid the same, every
 * supplementary group dropped), with the Deno binary and checkout paths in
 * it mapped by {@linkcode reachablePath}; throws when the program is still
 * out of that user's reach.
 *
 * @param uid The user.
 * @param command The program and its arguments.
 * @returns The command line to spawn.
 */
export function asUser(uid: number, command: string[]): string[] {
  const mapped = command.map((part) => reachablePath(uid, part));
  if (mapped[0].startsWith("/")) assertReachableBy(uid, mapped[0]);
  return ["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "--", ...mapped];
}
