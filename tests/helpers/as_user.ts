/**
 * Running test programs as another user (setpriv), with a check first that
 * the user can reach what it must run: a checkout under a 0700 directory
 * (what `mktemp -d` makes) otherwise fails deep in the child with an
 * "Import … Permission denied" that does not say why.
 *
 * @module
 */

/**
 * Throws, naming the path in the way, when `uid` (with gid `uid` and no
 * supplementary groups, as {@linkcode asUser} runs it) could not reach
 * `path`: every directory above it must let that user search it, and the
 * path itself must let it read (and, for a directory, search) it.
 *
 * @param uid The user.
 * @param path An existing file or directory (symbolic links are resolved).
 */
export function assertReachableBy(uid: number, path: string): void {
  const real = Deno.realPathSync(path);
  const parts = real.split("/").filter(Boolean);
  for (let depth = 0; depth <= parts.length; depth++) {
    const current = "/" + parts.slice(0, depth).join("/");
    const info = Deno.statSync(current);
    const last = depth === parts.length;
    const needs = last && !info.isDirectory ? 4 : last ? 5 : 1;
    const shift = info.uid === uid ? 6 : info.gid === uid ? 3 : 0;
    const granted = ((info.mode ?? 0) >> shift) & 7;
    if ((granted & needs) !== needs) {
      throw new Error(
        `uid ${uid} cannot ${last ? "read" : "search"} ${current} (mode ${
          ((info.mode ?? 0) & 0o7777).toString(8)
        }, owner ${info.uid}), so it cannot run ${path}: ` +
          "put the checkout where other users can read it (e.g. chmod o+rx on that directory)",
      );
    }
  }
}

/**
 * setpriv's command line that runs `command` as `uid` (gid the same, every
 * supplementary group dropped), once `command[0]` (when it is a path) and
 * each of `reads` are known to be reachable by that user.
 *
 * @param uid The user.
 * @param command The program and its arguments.
 * @param reads Further files the program must read (a script, its module).
 * @returns The command line to spawn.
 */
export function asUser(uid: number, command: string[], reads: string[] = []): string[] {
  for (const path of [...(command[0].startsWith("/") ? [command[0]] : []), ...reads]) {
    assertReachableBy(uid, path);
  }
  return ["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "--", ...command];
}
