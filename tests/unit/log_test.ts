import assert from "node:assert/strict";
import { createLogger } from "../../src/log/log.ts";

Deno.test("createLogger: one line per event with <N> priorities for the journal", () => {
  const lines: string[] = [];
  const log = createLogger({ journal: true, debug: false, write: (line) => lines.push(line) });
  log.error("e");
  log.warning("w");
  log.info("i");
  log.debug("hidden");
  assert.deepEqual(lines, ["<3>e\n", "<4>w\n", "<6>i\n"]);
});

Deno.test("createLogger: control characters in a message cannot forge lines or escapes", () => {
  const lines: string[] = [];
  const log = createLogger({ journal: false, debug: true, write: (line) => lines.push(line) });
  log.info("a\nb\r\x1b[2Jc\u2028d");
  assert.deepEqual(lines, ["askpw: a b  [2Jc d\n"]);
});

Deno.test("createLogger: stderr connected to the journal ($JOURNAL_STREAM) gets <N> prefixes", async () => {
  const file = await Deno.makeTempFile();
  try {
    const stat = await Deno.stat(file);
    const script = `exec "$0" run -A "$1" query --debug 2>"$2"`;
    const mod = new URL("../../src/cli/program.ts", import.meta.url).pathname;
    const run = (env: Record<string, string>) =>
      new Deno.Command("sh", {
        args: ["-c", script, Deno.execPath(), mod, file],
        env: { ...env, XDG_RUNTIME_DIR: "" },
        stdin: "null",
      }).output();
    await run({ JOURNAL_STREAM: `${stat.dev}:${stat.ino}` });
    const journal = await Deno.readTextFile(file);
    assert.match(journal, /^<7>Watching \/run\/systemd\/ask-password$/m);
    await run({ JOURNAL_STREAM: "1:1" });
    assert.match(await Deno.readTextFile(file), /^askpw: Watching /m);
  } finally {
    await Deno.remove(file);
  }
});
