import assert from "node:assert/strict";
import {
  keyboardLayout,
  keymapFromCommandLine,
  parseEnvironmentFile,
} from "../../src/prompt/keyboard_layout.ts";

Deno.test("parseEnvironmentFile: quotes, comments, export, the last assignment wins", () => {
  const values = parseEnvironmentFile(
    "# comment\n; other\nKEYMAP=\"de-latin1\"\nFONT=eurlatgr\n  export XKB = 'fr'\nKEYMAP=de\nbroken line\n",
  );
  assert.equal(values.get("KEYMAP"), "de");
  assert.equal(values.get("FONT"), "eurlatgr");
  assert.equal(values.get("XKB"), "fr");
  assert.equal(values.size, 3);
});

Deno.test("keymapFromCommandLine: rd.vconsole.keymap= wins in the initrd only", () => {
  const line = "quiet rd.vconsole.keymap=de-latin1 vconsole.keymap=fr";
  assert.equal(keymapFromCommandLine(line, true), "de-latin1");
  assert.equal(keymapFromCommandLine(line, false), "fr");
  assert.equal(keymapFromCommandLine("vconsole.keymap=fr vconsole.keymap=es", false), "es");
  assert.equal(keymapFromCommandLine("quiet", true), undefined);
  // Not a name: ignored, the earlier one stays.
  assert.equal(keymapFromCommandLine("vconsole.keymap=uk vconsole.keymap=\x1b[2J", false), "uk");
});

Deno.test("keyboardLayout: vconsole.conf, the command line over it, us when none", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const vconsoleConf = `${dir}/vconsole.conf`;
    const cmdline = `${dir}/cmdline`;
    await Deno.writeTextFile(cmdline, "quiet\n");
    assert.equal(keyboardLayout({ vconsoleConf, cmdline, inInitrd: true }), "us");
    await Deno.writeTextFile(vconsoleConf, 'KEYMAP="de-latin1"\nFONT=eurlatgr\n');
    assert.equal(keyboardLayout({ vconsoleConf, cmdline, inInitrd: true }), "de-latin1");
    await Deno.writeTextFile(cmdline, "vconsole.keymap=fr-latin9\n");
    assert.equal(keyboardLayout({ vconsoleConf, cmdline, inInitrd: true }), "fr-latin9");
    await Deno.writeTextFile(cmdline, "vconsole.keymap=fr-latin9 rd.vconsole.keymap=es\n");
    assert.equal(keyboardLayout({ vconsoleConf, cmdline, inInitrd: true }), "es");
    assert.equal(keyboardLayout({ vconsoleConf, cmdline, inInitrd: false }), "fr-latin9");
    await Deno.writeTextFile(vconsoleConf, "KEYMAP=\n");
    await Deno.writeTextFile(cmdline, "quiet\n");
    assert.equal(keyboardLayout({ vconsoleConf, cmdline, inInitrd: true }), "us");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
