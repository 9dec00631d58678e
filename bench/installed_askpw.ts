/**
 * askpw installed for a benchmark as a package installs it (`tools/install.sh`:
 * the launcher, the Deno runtime and the bundle), with Deno's cache prepared
 * the way the dracut module and the mkosi build prepare it (one
 * `askpw --version`), kept aside for the benchmark to put into
 * `usr/lib/askpw/cache` when a start should have it.
 *
 * @module
 */
import { run } from "../tools/vm/run.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** Where {@linkcode installAskpw} put things. */
export interface InstalledAskpw {
  /** The installation's root: `usr/bin/askpw`, `usr/lib/askpw/`. */
  tree: string;
  /** `TREE/usr/lib/askpw`: Deno, the bundle, and `cache` when put there. */
  lib: string;
  /** The prepared Deno cache, outside the tree (copy it to `LIB/cache`). */
  preparedCache: string;
}

/**
 * Installs askpw from the checkout into `scratch` and prepares Deno's cache.
 *
 * @example Usage
 * ```ts ignore
 * const { tree, lib, preparedCache } = await installAskpw(scratch);
 * ```
 * @param scratch An empty directory of the caller's.
 * @returns The tree, its lib directory and the prepared cache.
 */
export async function installAskpw(scratch: string): Promise<InstalledAskpw> {
  const tree = `${scratch}/tree`;
  await run("sh", [`${ROOT}tools/install.sh`, tree]);
  const preparedCache = `${scratch}/prepared-cache`;
  await run(`${tree}/usr/bin/askpw`, ["--version"], {
    env: { ASKPW_STATE_DIRECTORY: `${scratch}/prime` },
  });
  await Deno.rename(`${scratch}/prime/deno`, preparedCache);
  await run("sh", ["-c", `rm -f "$1"/*-shm`, "sh", preparedCache]);
  return { tree, lib: `${tree}/usr/lib/askpw`, preparedCache };
}
