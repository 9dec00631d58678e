import assert from "node:assert/strict";
import { parseCommandLine, UsageError } from "../../src/cli/parse_command_line.ts";
import { main } from "../../src/cli/main.ts";

Deno.test("parseCommandLine: query is the default command, like systemd's agent", () => {
  assert.equal(parseCommandLine([]).command, "query");
});

Deno.test("parseCommandLine: --console alone means every active console", () => {
  assert.equal(parseCommandLine(["watch", "--console"]).console, true);
});

Deno.test("parseCommandLine: --console=DEVICE names one device; empty is an error", () => {
  assert.equal(parseCommandLine(["query", "--console=/dev/ttyS0"]).console, "/dev/ttyS0");
  assert.throws(() => parseCommandLine(["query", "--console="]), UsageError);
});

Deno.test("parseCommandLine: --consoles= gives the console list (any mode)", () => {
  const line = parseCommandLine(["watch", "--consoles=/dev/pts/1,/dev/pts/2"]);
  assert.deepEqual(line.consoles, ["/dev/pts/1", "/dev/pts/2"]);
  assert.equal(line.console, undefined);
  assert.equal(line.plymouth, false);
  assert.throws(() => parseCommandLine(["watch", "--consoles=/a", "--console=/b"]), UsageError);
});

Deno.test("parseCommandLine: --plymouth conflicts with the console options, as in systemd", () => {
  assert.equal(parseCommandLine(["watch", "--plymouth"]).plymouth, true);
  assert.throws(() => parseCommandLine(["watch", "--plymouth", "--console"]), /conflicts/);
  assert.throws(() => parseCommandLine(["watch", "--plymouth", "--consoles=/a"]), /conflicts/);
  assert.throws(() => parseCommandLine(["list", "--plymouth"]), UsageError);
});

Deno.test("parseCommandLine: unknown options, commands and extra arguments are usage errors", () => {
  assert.throws(() => parseCommandLine(["--frobnicate"]), /unknown option "--frobnicate"/);
  assert.throws(() => parseCommandLine(["fly"]), /unknown command "fly"/);
  assert.throws(() => parseCommandLine(["list", "query"]), /unexpected argument "query"/);
  assert.throws(() => parseCommandLine(["query", "--json"]), /--json only goes with list/);
  assert.throws(() => parseCommandLine(["list", "--console"]), UsageError);
});

Deno.test("main: a wrong option prints one line on stderr and returns 2", async () => {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../src/cli/program.ts", import.meta.url).pathname, "--bogus"],
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stdout, stderr } = await command.output();
  assert.equal(code, 2);
  assert.equal(new TextDecoder().decode(stdout), "");
  const lines = new TextDecoder().decode(stderr).split("\n").filter((line) => line !== "");
  assert.deepEqual(lines, ['askpw: unknown option "--bogus" (see askpw --help)']);
});

Deno.test("main: --help and --version exit 0", async () => {
  assert.equal(await main(["--version"]), 0);
  assert.equal(await main(["--help"]), 0);
});

Deno.test("parseCommandLine: --no-reveal and --beep (defaults: reveal on, no beep)", () => {
  const plain = parseCommandLine(["watch"]);
  assert.equal(plain.reveal, true);
  assert.equal(plain.beep, false);
  const set = parseCommandLine(["query", "--no-reveal", "--beep"]);
  assert.equal(set.reveal, false);
  assert.equal(set.beep, true);
  assert.throws(() => parseCommandLine(["list", "--beep"]), UsageError);
});
