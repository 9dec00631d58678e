/**
 * Boot cost of the runtime's packing (issue 21): a stock initrd (systemd's
 * agent, no askpw) and askpw's with the runtime inline (compressed with
 * everything else), in the uncompressed early cpio, and as an EROFS (lz4hc)
 * or a squashfs (zstd) image in the early cpio, booted in turn; per boot the time to the passphrase prompt,
 * the kernel's unpacking, systemd's start and askpw's readiness. A benchmark:
 * it asserts that each boot unlocks the disk, never a time. Writes
 * build/boot-cost.json. Then each image failing to mount (the default
 * packing's other fallbacks, askpw killed and rd.askpw=0, are boots 4 and 5 of
 * boot_test.ts).
 */
import {
  askpwStartToReady,
  cryptsetupAfterSystemd,
  kernelTimings,
  watchingLead,
} from "../helpers/boot_timings.ts";
import assert from "node:assert/strict";
import { buildInitrd, earlyCpio } from "../../tools/vm/dracut_initrd.ts";
import { buildLuksDisk, type LuksDisk } from "../../tools/vm/luks_disk.ts";
import { kernelCommandLine, qemuArguments } from "../../tools/vm/qemu.ts";
import { reportLines, SerialSession } from "../../tools/vm/serial_session.ts";

const PASSPHRASE = "correct horse battery";
// As boot_test.ts: log lines quoting the message are not prompts.
const PROMPT = /(?<![="])Please enter passphrase for disk [^\n]*?:/;
const HOOK_PROMPT = /(?<![="])Hook question:/;
const options = { sanitizeOps: false, sanitizeResources: false };

/** The initrds measured against each other, in the order they boot. */
const VARIANTS = ["stock", "inline", "early-cpio", "erofs", "squashfs"] as const;
/** The packings that mount an image of the runtime (usr-lib-askpw.mount). */
const IMAGES = ["erofs", "squashfs"] as const;
type Variant = typeof VARIANTS[number];
/**
 * Rounds of boots: one in the test suite (each packing unlocks), five for the
 * measurement (`deno task bench:boot`, which sets ASKPW_BOOT_COST_ROUNDS=5).
 */
const ROUNDS = Number(Deno.env.get("ASKPW_BOOT_COST_ROUNDS") ?? 1);

interface Fixture {
  root: LuksDisk;
  initrds: Record<Variant, string>;
  sizes: Record<
    Variant,
    { initrdBytes: number; earlyCpioBytes: number; runtimeImageBytes?: number }
  >;
}

let fixture: Promise<Fixture> | undefined;

function setUp(): Promise<Fixture> {
  fixture ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "askpw-boot-cost-" });
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
    const root = await buildLuksDisk(dir, "root", PASSPHRASE);
    const initrds = {} as Record<Variant, string>;
    const sizes = {} as Fixture["sizes"];
    for (const variant of VARIANTS) {
      const built = await buildInitrd(
        dir,
        `initrd-${variant}`,
        variant === "stock"
          ? { askpw: false, e2e: true }
          : { askpw: true, e2e: true, runtime: variant },
      );
      const early = await earlyCpio(built.path);
      const image = early.files[`usr/lib/askpw.${variant}`];
      initrds[variant] = built.path;
      sizes[variant] = {
        initrdBytes: built.size,
        earlyCpioBytes: early.bytes,
        ...(image ? { runtimeImageBytes: image } : {}),
      };
      if ((IMAGES as readonly string[]).includes(variant)) assert.ok(image, "the image is early");
      if (variant === "early-cpio") assert.ok(early.files["usr/lib/askpw/deno"], "Deno is early");
    }
    return { root, initrds, sizes };
  })();
  return fixture;
}

/** One boot's timings: seconds from QEMU's start, or by the kernel's clock. */
interface BootTiming {
  promptSeconds: number;
  unlockSeconds: number;
  /** When the console showed systemd's banner (QEMU's clock). */
  systemdSeconds?: number;
  /** The kernel's unpacking of the initrd and its start of /init (the guest's clock). */
  kernelUnpackSeconds?: number;
  kernelInitSeconds?: number;
  /** cryptsetup's first start minus askpw's READY=1 (positive: askpw was first). */
  askpwWatchingLeadSeconds?: number;
  /** askpw's start to its READY=1 (the initrd's clock). */
  askpwStartSeconds?: number;
  /** systemd's banner to the first systemd-cryptsetup's start (the guest's clock). */
  cryptsetupAfterSystemdSeconds?: number;
}

/** Boots, answers the prompt(s), waits for UNLOCK-OK; times from the console's arrivals. */
async function boot(
  name: string,
  initrd: string,
  root: LuksDisk,
  extra: string[] = [],
  hookAnswer?: string,
) {
  const logs = new URL("../../build/boot-logs/", import.meta.url).pathname;
  await Deno.mkdir(logs, { recursive: true });
  const append = kernelCommandLine(root, [], extra);
  await using vm = new SerialSession(qemuArguments(initrd, [root], append), `${logs}${name}.log`);
  let offset = await vm.waitFor(PROMPT, 400);
  const promptSeconds = vm.arrivalOf(offset - 1) ?? vm.elapsed;
  await new Promise((resolve) => setTimeout(resolve, 500));
  await vm.type(`${PASSPHRASE}\r`);
  if (hookAnswer !== undefined) {
    offset = await vm.waitFor(HOOK_PROMPT, 400, offset);
    await vm.waitFor(/E2E-LIST: \]/, 400, offset);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await vm.type(`${hookAnswer}\r`);
  }
  offset = await vm.waitFor(/E2E: root mounted/, 400, offset);
  const unlockSeconds = vm.arrivalOf(offset - 1) ?? vm.elapsed;
  await vm.waitFor(/UNLOCK-OK/, 400, offset);
  await vm.exit(120);
  const output = vm.output;
  const banner = /systemd\[1\]: systemd \d+\S* running in system mode/.exec(output);
  const systemdSeconds = banner ? vm.arrivalOf(banner.index) : undefined;
  const e2e = reportLines(output);
  const timing: BootTiming = {
    promptSeconds: round(promptSeconds),
    unlockSeconds: round(unlockSeconds),
    ...(systemdSeconds !== undefined ? { systemdSeconds: round(systemdSeconds) } : {}),
    ...kernelTimings(output),
    ...optional("askpwWatchingLeadSeconds", watchingLead(e2e)),
    ...optional("askpwStartSeconds", askpwStartToReady(e2e)),
    ...optional("cryptsetupAfterSystemdSeconds", cryptsetupAfterSystemd(vm.output, e2e)),
  };
  return {
    output,
    e2e,
    timing,
    promptCount: [...output.matchAll(new RegExp(PROMPT, "g"))].length,
  };
}

function round(value: number): number {
  return Number(value.toFixed(3));
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : { [key]: value } as Record<K, number>;
}

/** Median and spread (min–max) of the values present. */
function summary(values: (number | undefined)[]) {
  const present = values.filter((value): value is number => value !== undefined)
    .sort((a, b) => a - b);
  if (present.length === 0) return undefined;
  const middle = Math.floor(present.length / 2);
  const median = present.length % 2 ? present[middle] : (present[middle - 1] + present[middle]) / 2;
  return { median: round(median), min: present[0], max: present[present.length - 1] };
}

const measurements: Record<string, unknown> = {};

Deno.test({
  ...options,
  name: `boot cost: ${ROUNDS} boots each of the stock initrd and askpw's with the runtime ` +
    "inline, in the early cpio and as an EROFS or a squashfs image, interleaved; each unlocks the disk",
}, async () => {
  const { root, initrds, sizes } = await setUp();
  const runs = Object.fromEntries(VARIANTS.map((variant) => [variant, []])) as unknown as Record<
    Variant,
    BootTiming[]
  >;
  for (let round = 1; round <= ROUNDS; round++) {
    for (const variant of VARIANTS) {
      const result = await boot(`cost-${variant}-${round}`, initrds[variant], root);
      assert.match(result.e2e, new RegExp(`E2E: root marker: ${root.marker}`));
      assert.equal(result.promptCount, 1);
      if (variant === "stock") {
        assert.match(result.e2e, /E2E: unit systemd-ask-password-console.service: active\/success/);
      } else {
        assert.match(result.e2e, /E2E-LOG: Answered \S+ from console \/dev\/ttyS0/);
        assert.match(result.e2e, /^E2E: askpw code cache hits: 1$/m);
      }
      runs[variant].push(result.timing);
    }
  }
  for (const variant of VARIANTS) {
    const keys: (keyof BootTiming)[] = [
      "promptSeconds",
      "unlockSeconds",
      "systemdSeconds",
      "kernelUnpackSeconds",
      "kernelInitSeconds",
      "askpwWatchingLeadSeconds",
      "askpwStartSeconds",
      "cryptsetupAfterSystemdSeconds",
    ];
    measurements[variant] = {
      ...sizes[variant],
      ...Object.fromEntries(
        keys.flatMap((key) => {
          const value = summary(runs[variant].map((run) => run[key]));
          return value ? [[key, value]] : [];
        }),
      ),
      runs: runs[variant],
    };
  }
  measurements.boots = `${ROUNDS} each, interleaved (${VARIANTS.join(", ")}, …); ` +
    "medians and min–max";
  const out = new URL("../../build/", import.meta.url).pathname;
  await Deno.mkdir(out, { recursive: true });
  await Deno.writeTextFile(`${out}boot-cost.json`, JSON.stringify(measurements, null, 2) + "\n");
  console.log(JSON.stringify(measurements));
});

for (const image of IMAGES) {
  Deno.test({
    ...options,
    name: `boot cost: the ${image} image does not mount (module_blacklist=${image}); ` +
      "systemd's console agent answers",
  }, async () => {
    const { root, initrds } = await setUp();
    const result = await boot(`cost-${image}-unmounted`, initrds[image], root, [
      `module_blacklist=${image}`,
    ]);
    assert.match(result.e2e, /E2E: unit askpw-fallback.service: active\/success/);
    assert.match(result.e2e, /E2E: unit askpw-agent.service: inactive\//);
    assert.doesNotMatch(result.e2e, /E2E-LOG: Starting password query/);
    assert.match(result.e2e, /E2E: unit systemd-ask-password-console.service: active\/success/);
    assert.match(result.e2e, new RegExp(`E2E: root marker: ${root.marker}`));
  });
}
