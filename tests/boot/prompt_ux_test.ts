/**
 * The prompt as a German-speaking person with a German keyboard meets it, in
 * a real boot (bookworm's kernel and dracut, QEMU/TCG): `KEYMAP=de-latin1`
 * and `LANG=de_DE.UTF-8` in the initrd's vconsole.conf and locale.conf,
 * `console=tty1 console=ttyS0`, `rd.askpw.beep=1`. Keys are pressed on the
 * emulated PS/2 keyboard (QEMU's `sendkey`), so they reach VT 1 through the
 * loaded keymap; VT 1's screen is read back through /dev/vcsu1 by a helper in
 * the initrd (tests/helpers/vt_screen_mirror.ts) and the PC speaker is
 * recorded into a WAV file.
 *
 * Checked: the VT's summary line names the layout in German ("Tastatur
 * de-latin1") and the serial line names none; Caps Lock pressed shows the
 * warning at once and pressed again removes it; Ctrl-R shows the typed text
 * and a second Ctrl-R leaves none of it on the screen; a wrong passphrase
 * brings the German retry notice; a passphrase with `z`, `y` and `ü` typed at
 * their German key positions (US `y`, `z`, `[`) unlocks the disk; the serial
 * line gets one BEL with the prompt and two after the wrong answer, and the
 * speaker plays the VT's two tones (880 Hz, then 330 Hz).
 */
import assert from "node:assert/strict";
import { buildInitrd } from "../../tools/vm/dracut_initrd.ts";
import { buildLuksDisk } from "../../tools/vm/luks_disk.ts";
import { kernelCommandLine, qemuArguments, sendKeys } from "../../tools/vm/qemu.ts";
import { reportLines, SerialSession } from "../../tools/vm/serial_session.ts";
import { TONES } from "../../src/prompt/sound_cue.ts";

/** Typed with a German layout: `z` is US `y`, `y` is US `z`, `ü` is US `[`. */
const PASSPHRASE = "abczyü";
const PASSPHRASE_KEYS = ["a", "b", "c", "y", "z", "bracket_left"];
const WRONG_KEYS = ["x", "x", "x"];
const TIMEOUT_SECONDS = 300;
const BEL = "\x07";
const options = { sanitizeOps: false, sanitizeResources: false };
const ROOT = new URL("../../", import.meta.url).pathname;

/** VT 1's rows as the mirror last reported them, from the console output up to `end`. */
function screenAt(output: string, end = output.length): string[] {
  const rows: string[] = [];
  for (const match of output.slice(0, end).matchAll(/E2E-VT: (\d+)\|([^\r\n]*)/g)) {
    rows[Number(match[1])] = match[2]!;
  }
  return rows;
}

/** Waits until VT 1's screen (as mirrored) satisfies `test`; returns the output offset. */
async function waitForScreen(
  vm: SerialSession,
  what: string,
  test: (screen: string) => boolean,
  from: number,
): Promise<number> {
  const deadline = performance.now() + TIMEOUT_SECONDS * 1000;
  for (;;) {
    const screen = screenAt(vm.output).join("\n");
    if (vm.output.length > from && test(screen)) return vm.output.length;
    if (performance.now() > deadline) {
      // And the serial console's own last lines: whether askpw or the mirror stalled.
      const serial = vm.output.split("\n").filter((line) => !line.includes("E2E-VT: "));
      throw new Error(
        `VT 1 never showed ${what}; the screen:\n${screen}\n` +
          `the serial console's last lines:\n${serial.slice(-25).join("\n")}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The tones in a recording of the PC speaker (QEMU's WAV backend writes only
 * while the speaker sounds, so tones follow each other without a gap): the
 * pitch of each 20 ms by zero crossings, runs of the same pitch joined.
 */
function tonesIn(wav: Uint8Array): { hertz: number; milliseconds: number }[] {
  const view = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
  const channels = view.getUint16(22, true);
  const rate = view.getUint32(24, true);
  assert.equal(view.getUint16(34, true), 16, "16-bit samples");
  const samples: number[] = [];
  for (let offset = 44; offset + channels * 2 <= wav.length; offset += channels * 2) {
    samples.push(view.getInt16(offset, true));
  }
  const window = Math.round(rate / 50);
  const tones: { hertz: number; milliseconds: number }[] = [];
  for (let start = 0; start + window <= samples.length; start += window) {
    let crossings = 0;
    for (let i = start + 1; i < start + window; i++) {
      if ((samples[i - 1]! < 0) !== (samples[i]! < 0)) crossings++;
    }
    const hertz = crossings / 2 / (window / rate);
    const last = tones.at(-1);
    if (hertz < 50) continue; // silence
    if (last && Math.abs(last.hertz - hertz) / hertz < 0.1) last.milliseconds += 20;
    else tones.push({ hertz, milliseconds: 20 });
  }
  return tones.filter((tone) => tone.milliseconds >= 60);
}

Deno.test({
  name: "boot: German keymap and language, Caps Lock, reveal and the beep on a real VT",
  ...options,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "askpw-ux-" });
    try {
      const disk = await buildLuksDisk(dir, "root", PASSPHRASE);
      await Deno.writeTextFile(`${dir}/vconsole.conf`, 'KEYMAP="de-latin1"\nFONT=eurlatgr\n');
      await Deno.writeTextFile(`${dir}/locale.conf`, "LANG=de_DE.UTF-8\n");
      const initrd = await buildInitrd(dir, "initrd-ux", {
        askpw: true,
        e2e: true,
        // Debian's systemd has no systemd-vconsole-setup (and Debian's kbd no
        // unimaps, so dracut's i18n module installs nothing): the test module
        // loads vconsole.conf's keymap with loadkeys in its place.
        include: [
          { source: "/usr/share/keymaps", target: "/usr/share/keymaps" },
          { source: `${dir}/vconsole.conf`, target: "/etc/vconsole.conf" },
          { source: `${dir}/locale.conf`, target: "/etc/locale.conf" },
        ],
      });
      const logs = `${ROOT}build/boot-logs/`;
      await Deno.mkdir(logs, { recursive: true });
      const monitor = `${dir}/monitor.sock`;
      const speakerWav = `${dir}/speaker.wav`;
      const append = kernelCommandLine(disk, [], [
        "askpw.e2e.vtscreen",
        "askpw.e2e.keymap",
        // A deadline, so that the summary line counts down.
        "rd.luks.options=timeout=600",
        "rd.askpw.beep=1",
      ]).replace("console=ttyS0", "console=tty1 console=ttyS0");
      await using vm = new SerialSession(
        qemuArguments(initrd.path, [disk], append, { monitorSocket: monitor, speakerWav }),
        // Kept, as the other boot tests keep theirs.
        `${logs}prompt-ux.log`,
      );
      // The prompt on the VT: German words, the layout named.
      let offset = await waitForScreen(
        vm,
        "the prompt with the layout",
        (screen) => /Tastatur de-latin1/.test(screen) && /passphrase for disk/.test(screen),
        0,
      );
      const screen = screenAt(vm.output).join("\n");
      assert.match(screen, /Passphrase · Datenträger|Tastatur de-latin1/);
      // The serial line: the same request, German, no layout, one BEL.
      const serialPrompt = await vm.waitFor(/Please enter passphrase for disk [^\n]*?:/, 60, 0);
      const serial = vm.output.slice(0, serialPrompt + 200);
      assert.doesNotMatch(
        serial.split("\n").filter((line) => !line.includes("E2E-VT")).join("\n"),
        /Tastatur/,
        "no layout on a serial line",
      );
      const promptLine = vm.output.slice(serialPrompt, vm.output.indexOf("\n", serialPrompt));
      assert.ok(promptLine.includes(BEL), "a BEL with the serial prompt");

      // Caps Lock on: the warning at once; off: gone.
      await sendKeys(monitor, ["caps_lock"]);
      offset = await waitForScreen(
        vm,
        "the Caps Lock warning",
        (screen) => /Feststelltaste/.test(screen),
        offset,
      );
      const capture = screenAt(vm.output).filter((row) => row !== "").slice(-4).join("\n");
      assert.match(
        capture,
        /Feststelltaste ist aktiv {2}Passphrase · Tastatur de-latin1 · noch \d+ (min|s)/,
      );
      await Deno.mkdir(`${ROOT}build`, { recursive: true });
      await Deno.writeTextFile(`${ROOT}build/prompt-capture.txt`, `${capture}\n`);
      await sendKeys(monitor, ["caps_lock"]);
      offset = await waitForScreen(
        vm,
        "the Caps Lock warning gone",
        (screen) => !/Feststelltaste/.test(screen),
        offset,
      );

      // A wrong passphrase, revealed and hidden again first.
      await sendKeys(monitor, [...WRONG_KEYS, "ctrl-r"]);
      offset = await waitForScreen(
        vm,
        "the typed text revealed",
        (screen) => screen.replace(/\n/g, "").includes(": xxx"),
        offset,
      );
      await sendKeys(monitor, ["ctrl-r"]);
      offset = await waitForScreen(
        vm,
        "the typed text hidden again",
        (screen) => !/xxx/.test(screen) && /•••/.test(screen),
        offset,
      );
      await sendKeys(monitor, ["ret"]);
      offset = await waitForScreen(
        vm,
        "the German retry notice",
        (screen) => /Die vorherige|nicht akzeptiert|nicht angenommen/.test(screen),
        offset,
      );
      // The serial prompt again, after two BELs.
      const retryAt = vm.output.lastIndexOf("Please enter passphrase");
      assert.ok(retryAt > serialPrompt, "a second prompt on the serial line");

      // The right one, with z, y and ü at their German positions.
      // Shown with Ctrl-R: the German key positions gave z, y and ü.
      await sendKeys(monitor, [...PASSPHRASE_KEYS, "ctrl-r"]);
      offset = await waitForScreen(
        vm,
        `the passphrase revealed as ${PASSPHRASE}`,
        // The prompt fills the row: the text may go on on the next one.
        (screen) => screen.replace(/\n/g, "").includes(`: ${PASSPHRASE}`),
        offset,
      );
      await sendKeys(monitor, ["ctrl-r", "ret"]);
      offset = await vm.waitFor(/E2E: root mounted/, TIMEOUT_SECONDS, offset);
      await vm.waitFor(/UNLOCK-OK/, TIMEOUT_SECONDS, offset);
      const e2e = reportLines(vm.output);
      assert.match(e2e, /E2E: loaded keymap de-latin1/);
      assert.match(e2e, new RegExp(`E2E: root marker: ${disk.marker}`));
      await vm.exit(120);
      assert.ok(vm.output.includes(BEL + BEL), "two BELs after the wrong answer");

      // The speaker: the prompt's tone, then the retry's.
      const wav = await Deno.readFile(speakerWav);
      await Deno.writeFile(`${ROOT}build/prompt-speaker.wav`, wav);
      const tones = tonesIn(wav);
      const near = (tone: { hertz: number }, hertz: number) =>
        Math.abs(tone.hertz - hertz) / hertz < 0.1;
      assert.ok(
        tones.some((tone) => near(tone, TONES.prompt.hertz)),
        `the prompt's tone: ${JSON.stringify(tones)}`,
      );
      assert.ok(
        tones.some((tone) => near(tone, TONES.retry.hertz)),
        `the retry's tone: ${JSON.stringify(tones)}`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
