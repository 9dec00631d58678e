/**
 * The prompt as a person meets it, on a pty and on this machine's real
 * virtual terminal 1 (read back through /dev/vcsu1 as it shows): the reveal
 * key named once and leaving nothing on the screen, the layout named on a VT
 * only, Caps Lock warned on a VT while the lock is on, askpw's words in the
 * person's language, and the sound cue. The boot test
 * (tests/boot/prompt_ux_test.ts) does the same through a real keyboard.
 */
import assert from "node:assert/strict";
import { PrivateNamespace } from "../helpers/private_namespace.ts";
import { PtyConsole } from "../helpers/pty_console.ts";
import { RecordingAsker } from "../helpers/recording_asker.ts";
import { startAskpw } from "../helpers/agents.ts";
import { screenRows } from "../helpers/vt_screen.ts";
import { closeFd, openFile, OpenFlags } from "../../src/ffi/file.ts";
import { injectInput } from "../../src/ffi/termios.ts";
import {
  isVirtualTerminal,
  KeyboardLockFlags,
  keyboardLockFlags,
  setKeyboardLockFlags,
} from "../../src/ffi/virtual_terminal.ts";
import { keyboardLayout } from "../../src/initrd/keyboard_layout.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const encoder = new TextEncoder();
const CTRL_R = "\x12";
const BEL = "\x07";
const REVEAL_HINT = "Ctrl-R shows or hides what you type.";

Deno.test({
  ...options,
  name: "prompt: Ctrl-R named once per console, shows the typed text and hides it again",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using console = new PtyConsole();
  await using agent = startAskpw(namespace, ["watch", `--console=${console.path}`]);
  using first = RecordingAsker.create(namespace, { message: "First:" });
  let offset = await console.waitFor("First: (press TAB for no echo) ");
  assert.ok(console.text.includes(REVEAL_HINT), "the reveal key named at the first prompt");
  console.type(`hunter2${CTRL_R}`);
  offset = await console.waitFor("hunter2", 5000, offset);
  console.type(CTRL_R);
  offset = await console.waitFor("•••••••", 5000, offset);
  console.type("\r");
  assert.equal(new TextDecoder().decode((await first.reply())!), "+hunter2\0");
  using second = RecordingAsker.create(namespace, { message: "Second:" });
  const shown = await console.waitFor("Second: (press TAB for no echo) ", 10_000, offset);
  assert.equal(console.text.split(REVEAL_HINT).length - 1, 1, "named once only");
  console.type("x\r");
  assert.equal(new TextDecoder().decode((await second.reply())!), "+x\0");
  assert.ok(shown > 0);
  agent.process.kill("SIGTERM");
  await agent.exit();
});

Deno.test({
  ...options,
  name: "prompt: --no-reveal and Silent=1 have no reveal key (Ctrl-R rings), nothing named",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using console = new PtyConsole();
  await using agent = startAskpw(namespace, ["watch", "--no-reveal", `--console=${console.path}`]);
  using asker = RecordingAsker.create(namespace, { message: "Plain:" });
  const offset = await console.waitFor("Plain: (press TAB for no echo) ");
  console.type(`ab${CTRL_R}`);
  await console.waitFor(`••${BEL}`, 5000, offset);
  console.type("\r");
  assert.equal(new TextDecoder().decode((await asker.reply())!), "+ab\0");
  assert.ok(!console.text.includes(REVEAL_HINT));
  agent.process.kill("SIGTERM");
  await agent.exit();

  asker.withdraw();
  using silentConsole = new PtyConsole();
  await using silentAgent = startAskpw(namespace, ["watch", `--console=${silentConsole.path}`]);
  using silent = RecordingAsker.create(namespace, { message: "Silent:", silent: true });
  const after = await silentConsole.waitFor("Silent: ");
  silentConsole.type(`cd${CTRL_R}\r`);
  assert.equal(new TextDecoder().decode((await silent.reply())!), "+cd\0");
  assert.ok(!silentConsole.text.includes(REVEAL_HINT), "no reveal key named for Silent=1");
  assert.ok(!silentConsole.textFrom(after).includes("cd"), "Silent=1 shows nothing");
  silentAgent.process.kill("SIGTERM");
  await silentAgent.exit();
});

Deno.test({
  ...options,
  name: "prompt: LANG=de_DE.UTF-8 gives German words; no layout on a pty; --beep rings BEL",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using console = new PtyConsole();
  await using agent = startAskpw(
    namespace,
    ["watch", "--beep", `--console=${console.path}`],
    { LANG: "de_DE.UTF-8", LC_ALL: "", LC_MESSAGES: "" },
  );
  using asker = RecordingAsker.create(namespace, {
    message: "Bitte:",
    id: "cryptsetup:/dev/vda2",
    notAfter: 0n,
  });
  const offset = await console.waitFor("Bitte: (TAB für unsichtbare Eingabe) ");
  await console.waitFor(BEL, 5000, offset - 10);
  const text = console.text;
  assert.match(text, /Strg-R zeigt oder verbirgt die Eingabe\./);
  assert.match(text, /Datenträger \/dev\/vda2/);
  assert.doesNotMatch(text, /Tastatur/, "a pty's own terminal does the mapping: no layout");
  assert.equal(text.split(BEL).length - 1, 1, "one BEL with the first prompt");
  asker.withdraw();
  await console.waitFor("(zurückgezogen)", 5000, offset);
  agent.process.kill("SIGTERM");
  await agent.exit();
});

/** VT 1 when this machine has one and we may use it; else the reason it is skipped. */
function virtualTerminal(): number | string {
  try {
    const fd = openFile(
      "/dev/tty1",
      OpenFlags.O_RDWR | OpenFlags.O_NOCTTY | OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC,
    );
    if (!isVirtualTerminal(fd)) {
      closeFd(fd);
      return "/dev/tty1 is no virtual terminal";
    }
    screenRows(1);
    return fd;
  } catch (error) {
    return `no virtual terminal 1 here: ${(error as Error).message}`;
  }
}

async function waitForScreen(what: string, test: (screen: string) => boolean): Promise<string> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    const screen = screenRows(1).join("\n");
    if (test(screen)) return screen;
    if (performance.now() > deadline) throw new Error(`VT 1 never showed ${what}:\n${screen}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Deno.test({
  ...options,
  name: "prompt on VT 1: the layout named, Caps Lock warned and withdrawn, reveal leaves no trace",
}, async (t) => {
  const vt = virtualTerminal();
  if (typeof vt === "string") {
    console.log(`skipped: ${vt}`);
    return;
  }
  const flags = keyboardLockFlags(vt);
  try {
    setKeyboardLockFlags(vt, 0);
    // A clean screen, so that what is read back is this test's alone.
    Deno.writeFileSync("/dev/tty1", encoder.encode("\x1b[H\x1b[2J"));
    await using namespace = await PrivateNamespace.create();
    await using agent = startAskpw(namespace, ["watch", "--console=/dev/tty1"], {
      LANG: "C.UTF-8",
    });
    using asker = RecordingAsker.create(namespace, {
      message: "VT test:",
      id: "cryptsetup:/dev/vdz9",
    });
    const layout = keyboardLayout();
    await t.step("the layout on the summary line", async () => {
      const screen = await waitForScreen("the prompt", (s) => s.includes("VT test:"));
      assert.match(screen, new RegExp(`^Passphrase · keyboard ${layout} · disk /dev/vdz9`, "m"));
      assert.ok(screen.includes(REVEAL_HINT));
    });
    await t.step("Caps Lock on: the warning; off: gone", async () => {
      setKeyboardLockFlags(vt, KeyboardLockFlags.CAPS_LOCK);
      injectInput(vt, encoder.encode("s"));
      await waitForScreen(
        "the Caps Lock warning",
        (s) => /^Caps Lock is on {2}Passphrase · keyboard \S+ · disk \/dev\/vdz9/m.test(s),
      );
      setKeyboardLockFlags(vt, 0);
      injectInput(vt, encoder.encode("e"));
      await waitForScreen("no Caps Lock warning", (s) => !s.includes("Caps Lock is on"));
    });
    await t.step("Ctrl-R shows the text, a second Ctrl-R leaves none of it", async () => {
      injectInput(vt, encoder.encode(`cret${CTRL_R}`));
      await waitForScreen("the revealed text", (s) => s.includes("VT test: secret"));
      injectInput(vt, encoder.encode(CTRL_R));
      await waitForScreen(
        "bullets only",
        (s) => s.includes("VT test: ••••••") && !s.includes("secret"),
      );
      injectInput(vt, encoder.encode(`${CTRL_R}\r`));
      assert.equal(new TextDecoder().decode((await asker.reply())!), "+secret\0");
      const screen = await waitForScreen("the answered prompt", (s) => !s.includes("secret"));
      assert.match(screen, /VT test: ••••••$/m, "submitted revealed: masked again on the screen");
    });
    agent.process.kill("SIGTERM");
    await agent.exit();
  } finally {
    setKeyboardLockFlags(vt, flags & KeyboardLockFlags.CAPS_LOCK ? flags : flags);
    closeFd(vt);
  }
});
