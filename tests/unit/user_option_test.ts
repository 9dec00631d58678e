/**
 * `askpw watch --user`, the per-user agent that packaging/systemd/user's
 * askpw-agent.service runs: it answers $XDG_RUNTIME_DIR/systemd/ask-password
 * alone, never the system's directory (whose requests only root may answer).
 */
import assert from "node:assert/strict";
import { userAskDirectories } from "../../src/cli/agent_command.ts";
import { parseCommandLine, USAGE, UsageError } from "../../src/cli/parse_command_line.ts";

const MOD = new URL("../../src/cli/program.ts", import.meta.url).pathname;
const decoder = new TextDecoder();

Deno.test("parseCommandLine: --user goes with watch and query, with any mode, not with list", () => {
  assert.equal(parseCommandLine(["watch"]).user, false);
  assert.equal(parseCommandLine(["watch", "--user"]).user, true);
  assert.equal(parseCommandLine(["--user", "query"]).user, true);
  const line = parseCommandLine(["watch", "--user", "--console=/dev/tty1"]);
  assert.equal(line.user, true);
  assert.equal(line.console, "/dev/tty1");
  assert.throws(() => parseCommandLine(["list", "--user"]), UsageError);
  assert.throws(
    () => parseCommandLine(["list", "--user"]),
    /--user only goes with query and watch/,
  );
});

Deno.test("USAGE: --user is documented (askpw --help, and so askpw(8))", () => {
  assert.match(USAGE, /^ {2}--user {14}Answer only this user's requests, in$/m);
  assert.match(USAGE, /\$XDG_RUNTIME_DIR\/systemd\/ask-password \(the per-user agent\)/);
});

Deno.test("userAskDirectories: only the per-user directory, made when missing, with its owner", async () => {
  const runtime = await Deno.makeTempDir({ prefix: "askpw-user-option-" });
  try {
    const directories = await userAskDirectories(`${runtime}/`);
    assert.deepEqual(directories, [
      { path: `${runtime}/systemd/ask-password`, ownerUid: Deno.uid(), kind: "user" },
    ]);
    assert.ok(Deno.statSync(`${runtime}/systemd/ask-password`).isDirectory);
    // Made once; a second start finds it.
    assert.deepEqual(await userAskDirectories(runtime), directories);
  } finally {
    await Deno.remove(runtime, { recursive: true });
  }
});

Deno.test("userAskDirectories: without an absolute $XDG_RUNTIME_DIR, an error that names it", async () => {
  await assert.rejects(() => userAskDirectories(undefined), /--user needs \$XDG_RUNTIME_DIR/);
  await assert.rejects(() => userAskDirectories(""), /--user needs \$XDG_RUNTIME_DIR/);
  await assert.rejects(() => userAskDirectories("run/user/1000"), /--user needs \$XDG_RUNTIME_DIR/);
});

Deno.test("main: watch --user without $XDG_RUNTIME_DIR exits 1 with one line on stderr", async () => {
  const env = Deno.env.toObject();
  delete env.XDG_RUNTIME_DIR;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MOD, "watch", "--user"],
    clearEnv: true,
    env,
    stdin: "null",
  }).output();
  assert.equal(code, 1);
  assert.equal(decoder.decode(stdout), "");
  const lines = decoder.decode(stderr).split("\n").filter((line) => line !== "");
  assert.deepEqual(lines, [
    "askpw: --user needs $XDG_RUNTIME_DIR (an absolute path), as systemd --user sets it",
  ]);
});
