/**
 * What the VM builders share privately: the repository's root (for the files
 * they copy into images) and a synchronous existence check.
 *
 * @module
 */

/** The repository's root directory, with a trailing "/". */
export const ROOT: string = new URL("../../", import.meta.url).pathname;

/** Whether `path` exists (a dangling symlink counts). */
export function existsSync(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
