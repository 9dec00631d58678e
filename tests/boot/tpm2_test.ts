/**
 * Boot scenarios 7-9: LUKS2 roots enrolled with systemd-cryptenroll — TPM2
 * with a PIN (on a software TPM, one swtpm per test) and a recovery key —
 * unlocked through askpw's prompt in a dracut initrd under QEMU (TCG).
 *
 * The requests are systemd-cryptsetup 252's own, recorded in the initrd by the
 * e2e module's ask-file recorder (askpw.e2e.askfiles), which reads every ask
 * file whichever agent answers. Recorded here with systemd's console agent
 * (rd.askpw=0) and with askpw (rd.askpw.debug), the same both ways; a disk
 * enrolled with a TPM2+PIN token (empty PCR set) and a passphrase, volumes
 * from rd.luks.uuid=, NotAfter=0 and Echo=0 throughout:
 *
 * - the right PIN: `Please enter LUKS2 token PIN:` (no Id=, AcceptCached=1),
 *   and the disk unlocks through the TPM;
 * - no `tpm2-device=` (the default): `Please enter LUKS2 token PIN:` (no Id=,
 *   AcceptCached=1), a wrong PIN ("the authorization HMAC check failed and DA
 *   counter incremented"), then `Please enter passphrase for disk <volume>:`
 *   (Id=cryptsetup:/dev/disk/by-uuid/<uuid>, AcceptCached=1: the first
 *   passphrase request of this attach, whatever was asked before);
 * - `rd.luks.options=<uuid>=tpm2-device=auto`: the token PIN (no Id=,
 *   AcceptCached=1), a wrong PIN, then `Please enter TPM2 PIN:` (no Id=,
 *   AcceptCached=1; systemd-cryptsetup's own TPM2 path); a wrong PIN there
 *   too ("TPM2 operation failed, falling back to traditional unlocking"),
 *   then `Please enter passphrase for disk <volume>:` (Id=cryptsetup:…,
 *   AcceptCached=0 this time).
 *
 * Both are tested. Without `tpm2-device=` is what rd.luks.uuid= alone gives
 * (libcryptsetup's token plugin still finds the TPM), and the PIN's retry is
 * answered by the passphrase; `tpm2-device=auto` is what systemd-cryptenroll's
 * manual puts in crypttab, and there the retry is another PIN request,
 * answered by the PIN, and a third request shows the attempts counted across
 * kinds (askpw's "attempt 3" after a token PIN and a TPM2 PIN).
 *
 * A recovery key (systemd-cryptenroll --recovery-key) gets one request,
 * `Please enter recovery key for disk <volume>:` (Id=cryptsetup:…,
 * AcceptCached=1) when it is the disk's only key slot left, and `Please enter
 * passphrase or recovery key for disk <volume>:` when a passphrase slot
 * remains.
 *
 * Timings go to build/tpm2-measurements.json.
 */
import assert from "node:assert/strict";
import { buildInitrd, initrdFiles } from "../../tools/vm/dracut_initrd.ts";
import {
  buildLuksDisk,
  enrollRecoveryKey,
  type LuksDisk,
  mapperName,
} from "../../tools/vm/luks_disk.ts";
import { kernelCommandLine, qemuArguments } from "../../tools/vm/qemu.ts";
import { reportLines, SerialSession } from "../../tools/vm/serial_session.ts";
import { enrollTpm2WithPin, relaxDictionaryAttackLimits, Swtpm } from "../../tools/vm/swtpm.ts";

const PASSPHRASE = "correct horse battery";
const PIN = "246810";
const WRONG_PIN = "135790";
// Any request's own text on the console; (?<![="]) leaves out the log and
// recorder lines that quote it (Message=…, "…").
const PROMPT = /(?<![="])Please enter [^\n]*?:/;
const PROMPTS = new RegExp(PROMPT.source, "g");
const DIM = "\x1b[0;2m";
const RESET = "\x1b[0m";
const TIMEOUT_SECONDS = 400;
const options = { sanitizeOps: false, sanitizeResources: false };

/** The kinds askpw gives the requests these scenarios make, with their labels. */
const LABELS = {
  "token-pin": "LUKS2 token PIN",
  "tpm2-pin": "TPM2 PIN",
  "passphrase": "Passphrase",
  "recovery-key": "Recovery key",
} as const;
type Kind = keyof typeof LABELS;

/** A request as systemd-cryptsetup 252 writes it, and the kind askpw should give it. */
interface ExpectedAsk {
  message: string;
  /** Absent for token and TPM2 PINs. */
  id?: string;
  acceptCached: 0 | 1;
  kind: Kind;
}

/** The requests systemd-cryptsetup 252 sends for `disk` (recorded, see the top). */
const asks = {
  tokenPin: (): ExpectedAsk => ({
    message: "Please enter LUKS2 token PIN:",
    acceptCached: 1,
    kind: "token-pin",
  }),
  tpm2Pin: (): ExpectedAsk => ({
    message: "Please enter TPM2 PIN:",
    acceptCached: 1,
    kind: "tpm2-pin",
  }),
  passphrase: (disk: LuksDisk, acceptCached: 0 | 1): ExpectedAsk => ({
    message: `Please enter passphrase for disk ${mapperName(disk)}:`,
    id: `cryptsetup:/dev/disk/by-uuid/${disk.uuid}`,
    acceptCached,
    kind: "passphrase",
  }),
  recoveryKey: (disk: LuksDisk): ExpectedAsk => ({
    message: `Please enter recovery key for disk ${mapperName(disk)}:`,
    id: `cryptsetup:/dev/disk/by-uuid/${disk.uuid}`,
    acceptCached: 1,
    kind: "recovery-key",
  }),
  // askpw counts this one a passphrase (README: "Every kind of unlock question").
  passphraseOrRecoveryKey: (disk: LuksDisk): ExpectedAsk => ({
    message: `Please enter passphrase or recovery key for disk ${mapperName(disk)}:`,
    id: `cryptsetup:/dev/disk/by-uuid/${disk.uuid}`,
    acceptCached: 1,
    kind: "passphrase",
  }),
};

/** One request of a boot and what the person types into it. */
interface Step {
  ask: ExpectedAsk;
  answer: string;
}

const measurements: Record<string, unknown> = {};
let shared: Promise<{ dir: string; initrd: string }> | undefined;

/** The boot tests' askpw initrd plus dracut's tpm2-tss module, built once. */
function setUp(): Promise<{ dir: string; initrd: string }> {
  shared ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "askpw-tpm2-" });
    // Removed when the run ends, however many tests --filter picked.
    globalThis.addEventListener("unload", () => {
      Deno.removeSync(dir, { recursive: true });
      const out = new URL("../../build/", import.meta.url).pathname;
      Deno.mkdirSync(out, { recursive: true });
      Deno.writeTextFileSync(
        `${out}tpm2-measurements.json`,
        JSON.stringify(measurements, null, 2) + "\n",
      );
    });
    const started = performance.now();
    const built = await buildInitrd(dir, "initrd-tpm2", {
      askpw: true,
      e2e: true,
      // dracut adds it by itself only in hostonly mode with tpm2-device= in crypttab.
      modules: ["tpm2-tss"],
    });
    measurements.initrd = {
      bytes: built.size,
      buildSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    };
    return { dir, initrd: built.path };
  })();
  return shared;
}

/** Runs `body` with a fresh directory under the shared one, removed afterwards. */
async function inTestDir<T>(name: string, body: (dir: string) => Promise<T>): Promise<T> {
  const { dir: parent } = await setUp();
  const dir = await Deno.makeTempDir({ dir: parent, prefix: `${name}-` });
  try {
    return await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * A LUKS2 root with a passphrase and a TPM2+PIN token sealed by a swtpm whose
 * state lives in `dir`/tpm-state. The host's swtpm is stopped before this
 * returns: the boot's swtpm takes the same state directory.
 */
async function tpm2Disk(dir: string): Promise<{ disk: LuksDisk; tpmState: string }> {
  const disk = await buildLuksDisk(dir, "root", PASSPHRASE);
  const tpmState = `${dir}/tpm-state`;
  await using tpm = await Swtpm.forHost(tpmState, dir);
  await relaxDictionaryAttackLimits(tpm);
  await enrollTpm2WithPin(disk, PASSPHRASE, tpm, PIN);
  await tpm.stop();
  return { disk, tpmState };
}

interface BootResult {
  output: string;
  /** The console from the end of the previous prompt to the end of each prompt. */
  screens: string[];
  /** The E2E lines of the report. */
  e2e: string;
  /** askpw's journal (E2E-LOG lines, unprefixed). */
  log: string;
  /** systemd-cryptsetup's journal (E2E-CRYPTSETUP lines, unprefixed). */
  cryptsetupLog: string;
  /** Every request's ask file, in order (E2E-ASKFILE lines). */
  askFiles: Record<string, string>[];
}

/**
 * Boots `disk` as the root (with a TPM on `tpmState` when given), answers
 * `steps` in order — each prompt must be the step's request — and waits for
 * the report.
 */
async function boot(
  name: string,
  dir: string,
  disk: LuksDisk,
  steps: Step[],
  settings: { tpmState?: string; extra?: string[]; stockAgent?: boolean } = {},
): Promise<BootResult> {
  const { initrd } = await setUp();
  const append = kernelCommandLine(disk, [], [
    ...(settings.extra ?? []),
    "askpw.e2e.askfiles",
    ...(settings.stockAgent ? ["rd.askpw=0"] : []),
  ]);
  // Console logs stay for a look after a failure (build/ is git-ignored).
  const logs = new URL("../../build/boot-logs/", import.meta.url).pathname;
  await Deno.mkdir(logs, { recursive: true });
  const tpm = settings.tpmState ? await Swtpm.forQemu(settings.tpmState, dir) : undefined;
  const timings: Record<string, number> = {};
  try {
    await using vm = new SerialSession(
      qemuArguments(initrd, [disk], append, { tpmControlSocket: tpm?.controlSocket }),
      `${logs}tpm2-${name}.log`,
    );
    const screens: string[] = [];
    let offset = 0;
    for (const [index, step] of steps.entries()) {
      const end = await vm.waitFor(PROMPT, TIMEOUT_SECONDS, offset);
      timings[`prompt${index + 1}Seconds`] = Number(vm.elapsed.toFixed(2));
      const screen = vm.output.slice(offset, end);
      const shown = [...screen.matchAll(PROMPTS)].at(-1)![0];
      // Typing into another request than the expected one would only confuse what follows.
      assert.equal(shown, step.ask.message, `request ${index + 1} of ${name}`);
      screens.push(screen);
      offset = end;
      // Let the agent finish switching the terminal to no-echo before typing.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await vm.type(`${step.answer}\r`);
    }
    await vm.waitFor(/UNLOCK-OK/, TIMEOUT_SECONDS, offset);
    timings.unlockSeconds = Number(vm.elapsed.toFixed(2));
    await vm.exit(120);
    measurements[name] = timings;
    const lines = reportLines(vm.output).split("\n");
    const unprefixed = (prefix: string) =>
      lines.filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length));
    return {
      output: vm.output,
      screens,
      e2e: lines.join("\n"),
      log: unprefixed("E2E-LOG: ").join("\n"),
      cryptsetupLog: unprefixed("E2E-CRYPTSETUP: ").join("\n"),
      askFiles: unprefixed("E2E-ASKFILE: ").map((line) =>
        Object.fromEntries(
          line.split("\t").slice(1).filter((field) => field.includes("="))
            .map((
              field,
            ) => [field.slice(0, field.indexOf("=")), field.slice(field.indexOf("=") + 1)]),
        )
      ),
    };
  } finally {
    await tpm?.stop();
  }
}

/** The requests the recorder saw are exactly the steps', in order. */
function assertRequests(result: BootResult, steps: Step[]): void {
  assert.deepEqual(
    result.askFiles.map(({ Message, Id, AcceptCached, Echo, NotAfter }) => ({
      Message,
      Id,
      AcceptCached,
      Echo,
      NotAfter,
    })),
    steps.map(({ ask }) => ({
      Message: ask.message,
      Id: ask.id,
      AcceptCached: String(ask.acceptCached),
      Echo: "0",
      NotAfter: "0",
    })),
  );
  assert.equal([...result.output.matchAll(PROMPTS)].length, steps.length, "one prompt per request");
}

/** The root was unlocked and mounted. */
function assertUnlocked(result: BootResult, disk: LuksDisk): void {
  assert.match(result.e2e, new RegExp(`E2E: mapped: .*${mapperName(disk)}`));
  assert.match(result.e2e, new RegExp(`E2E: root marker: ${disk.marker}$`, "m"));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * askpw asked every step on the console: above each prompt its summary line
 * (kind, disk, asker; no time left, as NotAfter=0), and above that on a
 * retry the notice naming what was not accepted; its journal names each
 * request's kind and disk.
 */
function assertAskpwPrompts(result: BootResult, disk: LuksDisk, steps: Step[]): void {
  const volume = mapperName(disk);
  const unit = `systemd-cryptsetup@${volume.replaceAll("-", "\\x2d")}.service`;
  for (const [index, step] of steps.entries()) {
    const summary = [LABELS[step.ask.kind], `disk ${volume} (/dev/vda)`, `asked by ${unit}`]
      .join(" · ");
    const previous = index === 0
      ? undefined
      : steps[index - 1].ask.kind.endsWith("-pin")
      ? "PIN"
      : "passphrase";
    const notice = previous &&
      `The previous ${previous} was not accepted (attempt ${index + 1}).`;
    // Notice, summary and prompt on consecutive lines; the prompt may start with colours.
    const screen = new RegExp(
      (notice ? `${escape(notice)}\\r?\\n` : "") +
        `${escape(DIM + summary + RESET)}\\r?\\n(?:\\x1b\\[[0-9;]*m)*${escape(step.ask.message)}$`,
    );
    assert.match(result.screens[index], screen, `prompt ${index + 1}`);
    if (!notice) assert.doesNotMatch(result.screens[index], /not accepted/);
  }
  // askpw's journal: one line per request, in order, with its kind and disk.
  const requests = [...result.log.matchAll(/^New request .*$/gm)].map((match) => match[0]);
  assert.equal(requests.length, steps.length, result.log);
  for (const [index, step] of steps.entries()) {
    assert.match(
      requests[index],
      new RegExp(
        `^New request \\S+: "${escape(step.ask.message)}", ` +
          (step.ask.id ? `Id="${escape(step.ask.id)}", ` : "") +
          // askpw's log names AcceptCached only when it is set.
          `PID \\d+${step.ask.acceptCached ? ", AcceptCached=1" : ""}` +
          `(?:, attempt ${index + 1})?; ` +
          `asked by ${escape(unit)}, /usr/lib/systemd/systemd-cryptsetup, pidfs ID none; ` +
          `kind ${step.ask.kind}, disk ${escape(volume)} \\(/dev/vda\\)$`,
      ),
    );
  }
  assert.equal(
    [...result.log.matchAll(/^Answered \S+ from console \/dev\/ttyS0$/gm)].length,
    steps.length,
    "every request answered by what was typed, none from the cache",
  );
  assert.match(result.e2e, /E2E: unit askpw-agent.service: active\/success/);
  assert.match(result.e2e, /E2E: unit systemd-ask-password-console.service: inactive/);
}

/** systemd's console agent answered (rd.askpw=0), askpw stayed out. */
function assertStockAgent(result: BootResult): void {
  assert.match(result.e2e, /E2E: unit askpw-agent.service: inactive\/success/);
  assert.match(result.e2e, /E2E: unit systemd-ask-password-console.service: active\/success/);
}

/** The guest found the emulated TPM, and the PIN reached it as often as it was wrong. */
function assertTpm(result: BootResult, wrongPins: number): void {
  assert.match(result.output, /tpm_tis MSFT0101:00: 2\.0 TPM/);
  assert.equal(
    [...result.cryptsetupLog.matchAll(/the authorization HMAC check failed and DA counter/g)]
      .length,
    wrongPins,
    result.cryptsetupLog,
  );
}

// Without tpm2-device=: the token PIN, wrong, then the passphrase.
const wrongPinThenPassphrase = (disk: LuksDisk): Step[] => [
  { ask: asks.tokenPin(), answer: WRONG_PIN },
  { ask: asks.passphrase(disk, 1), answer: PASSPHRASE },
];
// With tpm2-device=auto: the token PIN, wrong, then the TPM2 PIN, wrong, then the passphrase.
const twoWrongPinsThenPassphrase = (disk: LuksDisk): Step[] => [
  { ask: asks.tokenPin(), answer: WRONG_PIN },
  { ask: asks.tpm2Pin(), answer: WRONG_PIN },
  { ask: asks.passphrase(disk, 0), answer: PASSPHRASE },
];
const tpm2DeviceAuto = (disk: LuksDisk) => `rd.luks.options=${disk.uuid}=tpm2-device=auto`;

Deno.test({
  ...options,
  name: "tpm2 initrd: dracut's tpm2-tss module brings the token plugin, libtss2 and the " +
    "TPM udev rules",
}, async () => {
  const { initrd } = await setUp();
  const files = await initrdFiles(initrd);
  for (
    const file of [
      "usr/lib/x86_64-linux-gnu/cryptsetup/libcryptsetup-token-systemd-tpm2.so",
      "usr/lib/x86_64-linux-gnu/libtss2-esys.so.0",
      "usr/lib/x86_64-linux-gnu/libtss2-mu.so.0",
      "usr/lib/x86_64-linux-gnu/libtss2-rc.so.0",
      // systemd 252 dlopen()s the device TCTI for /dev/tpmrm0.
      "usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0",
      "usr/lib/udev/rules.d/60-tpm-udev.rules",
      "usr/lib/askpw/deno",
      "usr/bin/askpw-e2e-askfiles.sh",
    ]
  ) {
    assert.ok(files.includes(file), `${file} in the initrd`);
  }
});

Deno.test({
  ...options,
  name: "tpm2 7: TPM2+PIN root; the PIN typed into askpw's prompt unlocks it, the prompt " +
    "names the kind and the disk",
}, async () => {
  await inTestDir("pin", async (dir) => {
    const { disk, tpmState } = await tpm2Disk(dir);
    const steps: Step[] = [{ ask: asks.tokenPin(), answer: PIN }];
    const result = await boot("7-pin", dir, disk, steps, { tpmState });
    assertRequests(result, steps);
    assertAskpwPrompts(result, disk, steps);
    // Only the PIN was typed: the TPM unsealed the key.
    assertTpm(result, 0);
    assert.doesNotMatch(result.cryptsetupLog, /falling back/);
    assertUnlocked(result, disk);
  });
});

Deno.test({
  ...options,
  name: "tpm2 8a: a wrong token PIN, then the passphrase; askpw's second prompt says the PIN " +
    "was not accepted",
}, async () => {
  await inTestDir("wrong-pin", async (dir) => {
    const { disk, tpmState } = await tpm2Disk(dir);
    const steps = wrongPinThenPassphrase(disk);
    const result = await boot("8a-wrong-pin-passphrase", dir, disk, steps, { tpmState });
    assertRequests(result, steps);
    assertAskpwPrompts(result, disk, steps);
    assertTpm(result, 1);
    assertUnlocked(result, disk);
  });
});

Deno.test({
  ...options,
  name: "tpm2 8b: tpm2-device=auto: a wrong token PIN, then 'Please enter TPM2 PIN:'; the " +
    "right PIN unlocks through the TPM",
}, async () => {
  await inTestDir("tpm2-pin", async (dir) => {
    const { disk, tpmState } = await tpm2Disk(dir);
    const steps: Step[] = [
      { ask: asks.tokenPin(), answer: WRONG_PIN },
      { ask: asks.tpm2Pin(), answer: PIN },
    ];
    const result = await boot("8b-wrong-pin-tpm2-pin", dir, disk, steps, {
      tpmState,
      extra: [tpm2DeviceAuto(disk)],
    });
    assertRequests(result, steps);
    assertAskpwPrompts(result, disk, steps);
    assertTpm(result, 1);
    assert.doesNotMatch(result.cryptsetupLog, /falling back/);
    assertUnlocked(result, disk);
  });
});

Deno.test({
  ...options,
  name: "tpm2 8c: tpm2-device=auto: two wrong PINs, then the passphrase (attempt 3)",
}, async () => {
  await inTestDir("two-wrong-pins", async (dir) => {
    const { disk, tpmState } = await tpm2Disk(dir);
    const steps = twoWrongPinsThenPassphrase(disk);
    const result = await boot("8c-two-wrong-pins-passphrase", dir, disk, steps, {
      tpmState,
      extra: [tpm2DeviceAuto(disk)],
    });
    assertRequests(result, steps);
    assertAskpwPrompts(result, disk, steps);
    assertTpm(result, 2);
    assert.match(result.cryptsetupLog, /TPM2 operation failed, falling back to traditional/);
    assertUnlocked(result, disk);
  });
});

Deno.test({
  ...options,
  name: "tpm2 8 reference: systemd's own agent (rd.askpw=0) gets the same requests, " +
    "with and without tpm2-device=",
}, async () => {
  await inTestDir("reference", async (dir) => {
    const { disk, tpmState } = await tpm2Disk(dir);
    const plain = wrongPinThenPassphrase(disk);
    const result = await boot("8-reference-stock-agent", dir, disk, plain, {
      tpmState,
      stockAgent: true,
    });
    assertRequests(result, plain);
    assertStockAgent(result);
    assertTpm(result, 1);
    assertUnlocked(result, disk);

    const auto = twoWrongPinsThenPassphrase(disk);
    const withDevice = await boot("8-reference-stock-agent-tpm2-device", dir, disk, auto, {
      tpmState,
      extra: [tpm2DeviceAuto(disk)],
      stockAgent: true,
    });
    assertRequests(withDevice, auto);
    assertStockAgent(withDevice);
    assertTpm(withDevice, 2);
    assertUnlocked(withDevice, disk);
  });
});

Deno.test({
  ...options,
  name: "tpm2 9a: a root whose only key is a recovery key; typed into askpw's prompt, it " +
    "unlocks it",
}, async () => {
  await inTestDir("recovery-key", async (dir) => {
    const disk = await buildLuksDisk(dir, "root", PASSPHRASE);
    const key = await enrollRecoveryKey(disk, PASSPHRASE, { wipePassphrase: true });
    const steps: Step[] = [{ ask: asks.recoveryKey(disk), answer: key }];
    const result = await boot("9a-recovery-key", dir, disk, steps);
    assertRequests(result, steps);
    assertAskpwPrompts(result, disk, steps);
    assertUnlocked(result, disk);
  });
});

Deno.test({
  ...options,
  name: "tpm2 9b: a root with a passphrase and a recovery key; the recovery key typed into " +
    "askpw's prompt unlocks it",
}, async () => {
  await inTestDir("passphrase-or-recovery-key", async (dir) => {
    const disk = await buildLuksDisk(dir, "root", PASSPHRASE);
    const key = await enrollRecoveryKey(disk, PASSPHRASE);
    const steps: Step[] = [{ ask: asks.passphraseOrRecoveryKey(disk), answer: key }];
    const result = await boot("9b-passphrase-or-recovery-key", dir, disk, steps);
    assertRequests(result, steps);
    assertAskpwPrompts(result, disk, steps);
    assertUnlocked(result, disk);
  });
});
