/**
 * The shipped forms: the bundle runs with no network and no cache, the
 * install layout works, and `deno task compile` fails with one clear line
 * when the denort runtime cannot be had.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;
const decoder = new TextDecoder();

async function sh(script: string, env: Record<string, string> = {}) {
  const output = await new Deno.Command("sh", {
    args: ["-c", script],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test("bundle: one JavaScript file that deno runs with no network and an empty cache", async () => {
  const bundled = await sh("sh tools/bundle.sh");
  assert.equal(bundled.code, 0, bundled.stderr);
  const cache = await Deno.makeTempDir();
  const run = await sh(
    `node_modules/.bin/deno run --no-remote --no-npm --no-config --no-lock --allow-ffi --allow-read --allow-env dist/askpw.js --version`,
    { DENO_DIR: cache, HOME: cache },
  );
  await Deno.remove(cache, { recursive: true });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^askpw \d+\.\d+\.\d+\n$/);
});

Deno.test("install layout: /usr/bin/askpw runs the Deno runtime with the bundle", async () => {
  const tree = await Deno.makeTempDir();
  const state = await Deno.makeTempDir();
  try {
    const installed = await sh(`sh tools/install.sh ${tree}`);
    assert.equal(installed.code, 0, installed.stderr);
    for (const file of ["usr/bin/askpw", "usr/lib/askpw/deno", "usr/lib/askpw/askpw.js"]) {
      await Deno.stat(`${tree}/${file}`);
    }
    const run = await sh(`${tree}/usr/bin/askpw --version`, { ASKPW_STATE_DIRECTORY: state });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "askpw 0.1.0\n");
    const usage = await sh(`${tree}/usr/bin/askpw --bogus`, { ASKPW_STATE_DIRECTORY: state });
    assert.equal(usage.code, 2);
  } finally {
    await Deno.remove(tree, { recursive: true });
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test(
  "prepared cache: the launcher copies usr/lib/askpw/cache, made by one run as the " +
    "dracut module does, and Deno takes V8's compiled bundle from it",
  async () => {
    const tree = await Deno.makeTempDir();
    const scratch = await Deno.makeTempDir();
    const hit = (specifier: string) => `V8 code cache hit for ES module: ${specifier}`;
    try {
      assert.equal((await sh(`sh tools/install.sh ${tree}`)).code, 0);
      const bundle = `file://${tree}/usr/lib/askpw/askpw.js`;
      // Without a prepared cache: the first start compiles the bundle.
      const cold = await sh(`${tree}/usr/bin/askpw --version`, {
        ASKPW_STATE_DIRECTORY: `${scratch}/cold`,
        DENO_LOG: "debug",
      });
      assert.equal(cold.code, 0, cold.stderr);
      assert.ok(!cold.stderr.includes(hit(bundle)), "no cache to hit yet");
      // As the dracut module prepares it (the run's DENO_DIR, moved next to the bundle).
      const primed = await sh(`${tree}/usr/bin/askpw --version`, {
        ASKPW_STATE_DIRECTORY: `${scratch}/prime`,
      });
      assert.equal(primed.code, 0, primed.stderr);
      await Deno.rename(`${scratch}/prime/deno`, `${tree}/usr/lib/askpw/cache`);
      const started = await sh(`${tree}/usr/bin/askpw --version`, {
        ASKPW_STATE_DIRECTORY: `${scratch}/boot`,
        DENO_LOG: "debug",
      });
      assert.equal(started.code, 0, started.stderr);
      assert.ok(started.stderr.includes(hit(bundle)), started.stderr);
      // Copied, not used in place: the initrd's copy stays as it was built.
      await Deno.stat(`${scratch}/boot/deno/v8_code_cache_v2`);
    } finally {
      await Deno.remove(tree, { recursive: true });
      await Deno.remove(scratch, { recursive: true });
    }
  },
);

Deno.test("compile: without a denort runtime it fails with one line naming the runtime+bundle layout", async () => {
  const result = await sh("sh tools/compile.sh", { DENORT_BIN: "/nonexistent/denort" });
  assert.equal(result.code, 1);
  const lines = result.stderr.split("\n").filter((line) => line !== "");
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0], /denort/);
  assert.match(lines[0], /runtime\+bundle layout/);
});
