/**
 * The .deb the boot tests install: tools/deb.sh with xz -1 (the same package
 * as with Debian's default -6, a minute sooner), built once per test file.
 *
 * @module
 */
import { run } from "../../tools/vm/run.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

let built: Promise<string> | undefined;

/**
 * Builds dist/askpw_VERSION_amd64.deb with tools/deb.sh the first time it is
 * called in this test file, and returns its absolute path.
 *
 * @example Usage
 * ```ts
 * import { testDeb } from "./test_deb.ts";
 * const deb = await testDeb();
 * ```
 * @returns The package's path.
 * @throws {Error} When tools/deb.sh fails or names no package.
 */
export function testDeb(): Promise<string> {
  built ??= (async () => {
    const output = await run("sh", [`${ROOT}tools/deb.sh`], { env: { ASKPW_DEB_XZ_LEVEL: "1" } });
    const path = /^deb: (dist\/askpw_\S+_amd64\.deb) /m.exec(output)?.[1];
    if (!path) throw new Error(`tools/deb.sh named no package:\n${output}`);
    return `${ROOT}${path}`;
  })();
  return built;
}
