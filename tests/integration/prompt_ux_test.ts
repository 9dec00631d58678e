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
import { Screen } from "../helpers/screen.ts";
import { closeFd, openFile, OpenFlags } from "../../src/ffi/file_descriptor.ts";
import { injectInput } from "../../src/ffi/termios.ts";
import {
  isVirtualTerminal,
  KeyboardLockFlags,
  keyboardLockFlags,
  setKeyboardLockFlags,
} from "../../src/ffi/virtual_terminal.ts";
import { keyboardLayout } from "../../src/prompt/keyboard_layout.ts";

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
  name: "prompt: a prompt withdrawn while its text is shown leaves no trace of it on the screen",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using console = new PtyConsole();
  await using agent = startAskpw(namespace, ["watch", `--console=${console.path}`]);
  using asker = RecordingAsker.create(namespace, { message: "Withdrawn:" });
  const offset = await console.waitFor("Withdrawn: (press TAB for no echo) ");
  console.type(`visible${CTRL_R}`);
  await console.waitFor("visible", 5000, offset);
  asker.withdraw();
  await console.waitFor("(withdrawn)", 5000, offset);
  using screen = new Screen(80, 24);
  await screen.write(console.bytes);
  assert.ok(!screen.text().includes("visible"), `nothing left:\n${screen.text()}`);
  assert.match(screen.text(), /Withdrawn: •••••••\(withdrawn\)/);
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

/** VT 1's width (/dev/vcsa1's second byte). */
function vtColumns(): number {
  const header = new Uint8Array(4);
  const file = Deno.openSync("/dev/vcsa1");
  try {
    file.readSync(header);
  } finally {
    file.close();
  }
  return header[1]!;
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
    await t.step("a prompt that wraps: reveal and hide erase across the rows", async () => {
      const columns = screenRows(1).length > 0 ? vtColumns() : 80;
      using long = RecordingAsker.create(namespace, { message: `${"L".repeat(columns - 12)}:` });
      await waitForScreen("the long prompt", (s) => s.includes("L".repeat(columns - 12)));
      const typed = "q".repeat(30);
      injectInput(vt, encoder.encode(typed));
      await waitForScreen("30 bullets over two rows", (s) => s.split("•").length - 1 >= 30);
      injectInput(vt, encoder.encode(CTRL_R));
      await waitForScreen("the text revealed across the rows", (s) => {
        const flat = s.replace(/\n/g, "");
        return flat.includes(`: ${typed}`);
      });
      injectInput(vt, encoder.encode(CTRL_R));
      const hidden = await waitForScreen("no q left", (s) => !s.includes("q"));
      const longPrompt = hidden.slice(hidden.indexOf("L:"));
      assert.equal(longPrompt.split("•").length - 1, 30, `30 bullets:\n${hidden}`);
      injectInput(vt, encoder.encode("\x7f".repeat(30)));
      const erased = await waitForScreen(
        "every bullet erased",
        (s) => !s.slice(s.indexOf("L:")).includes("•"),
      );
      assert.match(erased, /L:\s*$/m, "the prompt stands as it was");
      injectInput(vt, encoder.encode("ok\r"));
      assert.equal(new TextDecoder().decode((await long.reply())!), "+ok\0");
    });
    agent.process.kill("SIGTERM");
    await agent.exit();
  } finally {
    setKeyboardLockFlags(vt, flags);
    closeFd(vt);
  }
});

/** Context switches of each of `pid`'s threads. */
function threadSwitches(pid: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      const status = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/status`);
      let total = 0;
      for (const match of status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm)) {
        total += Number(match[1]);
      }
      counts.set(task.name, total);
    } catch {
      // the thread ended
    }
  }
  return counts;
}

/** Wake-ups of threads that lived through `milliseconds`. */
async function wakeUps(pid: number, milliseconds: number): Promise<number> {
  const before = threadSwitches(pid);
  await new Promise((resolve) => setTimeout(resolve, milliseconds));
  const after = threadSwitches(pid);
  let woken = 0;
  for (const [task, count] of after) woken += count - (before.get(task) ?? count);
  return woken;
}

Deno.test({
  ...options,
  name: "prompt: no wake-up of askpw's own while idle, with no prompt or one nobody types at",
}, async () => {
  const vt = virtualTerminal();
  const device = typeof vt === "number" ? "/dev/tty1" : undefined;
  if (typeof vt === "number") closeFd(vt);
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  await using agent = startAskpw(namespace, [
    "watch",
    "--debug",
    `--console=${device ?? pty.path}`,
  ]);
  await agent.waitForLog("Watching");
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const pid = agent.leafPid();
  assert.equal(await wakeUps(pid, 3000), 0, "no prompt: no wake-up");
  using asker = RecordingAsker.create(namespace, { message: "Idle:" });
  await agent.waitForLog("Starting password query");
  await new Promise((resolve) => setTimeout(resolve, 1500));
  // No polling while nobody types: a poll, even at 1 Hz, would wake it 8 times
  // here; V8's own housekeeping may wake it once or twice after the prompt.
  const woken = await wakeUps(pid, 8000);
  assert.ok(woken < 4, `a prompt on ${device ?? "a pty"}: ${woken} wake-ups in 8 s`);
  asker.withdraw();
  agent.process.kill("SIGTERM");
  await agent.exit();
});
