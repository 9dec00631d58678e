/**
 * Boot tests with clevis (issue 20): a LUKS2 root bound to a Tang server
 * (Debian's clevis 19, tang 11) in a dracut initrd that has clevis-dracut and
 * askpw. The Tang server runs on the host, on 127.0.0.1 only
 * (tools/vm/tang.ts); the guest reaches it as http://10.0.2.100 through
 * QEMU's user network (restrict=on: nothing else), each connection through a
 * socat on the host (QemuOptions.tangHostPort).
 *
 * In the initrd, clevis-luks-askpass.path starts clevis-luks-askpass when an
 * ask file appears; it reads the same ask file askpw does, fetches the key
 * from Tang and answers on the request's socket (systemd-reply-password),
 * retrying every 0.5 s while the request stays. askpw prompts meanwhile;
 * when systemd-cryptsetup has its answer the ask file goes, and askpw
 * withdraws the prompt.
 *
 * Every boot runs with askpw.e2e.askwatch (99askpw-e2e/askpw-e2e-askwatch.*):
 * the kernel's trace, on CLOCK_MONOTONIC, records each ask file's unlink and
 * each write of "(withdrawn)" to the serial port; a watcher on askpw's own
 * Deno runtime notes inotify's events for the ask files on the same clock;
 * the report adds askpw's journal with its monotonic times, 3 s after the
 * root is mounted (text typed after a withdrawal has had time to reach
 * anyone). The watcher's unit orders itself before cryptsetup-pre.target:
 * the requests come a little later than without it.
 */
import assert from "node:assert/strict";
import { buildInitrd } from "../../tools/vm/dracut_initrd.ts";
import { bindTang, buildLuksDisk, type LuksDisk, mapperName } from "../../tools/vm/luks_disk.ts";
import { kernelCommandLine, qemuArguments, TANG_GUEST_URL } from "../../tools/vm/qemu.ts";
import { reportLines, SerialSession } from "../../tools/vm/serial_session.ts";
import { TangServer } from "../../tools/vm/tang.ts";

const PASSPHRASE = "correct horse battery";
// The second disk's own passphrase: had it the root's, systemd-cryptsetup
// would unlock the root with it from the kernel keyring (AcceptCached=1),
// and clevis would have nothing to do.
const DATA_PASSPHRASE = "data disk staple";
// (?<![="]): log lines quoting the message are not prompts.
const PROMPT = /(?<![="])Please enter passphrase for disk [^\n]*?:/;
const WITHDRAWN = /\(withdrawn\)/;
const options = { sanitizeOps: false, sanitizeResources: false };
/**
 * askpw withdraws a prompt within this many ms of its ask file's unlink,
 * timed in the guest on one clock, CLOCK_MONOTONIC: the kernel's trace of
 * the unlink and of askpw's write of "(withdrawn)" to the serial port
 * (uart_write, on askpw's main thread). Under TCG on an otherwise idle
 * 2-core host that took 26–95 ms (notes/clevis-figures.md): little margin;
 * with another test VM running beside this one, 89–266 ms: run boot tests
 * one file at a time.
 *
 * (The journal's time of askpw's "Withdrawing …" line bounds nothing: it is
 * when journald read the line, once 137 ms after askpw's console write.)
 */
const WITHDRAWAL_BOUND_MS = 100;

/** The median of a few figures. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
/**
 * rd.askpw.delay for scenario 5: long enough for clevis under TCG (from
 * askpw's hold to the unlink it took 3.1 s on an idle host, 5.5 s beside
 * another test VM, when rd.askpw.delay=5 let the prompt show): 10 s leaves
 * three times the quiet figure.
 */
const DELAY_SECONDS = 10;

/** The prompt for one disk (its mapper name, luks-UUID). */
function promptFor(disk: LuksDisk): RegExp {
  return new RegExp(`(?<![="])Please enter passphrase for disk ${mapperName(disk)}[^\\n]*?:`);
}

interface Fixture {
  dir: string;
  root: LuksDisk;
  /** A second LUKS2 disk, not bound to Tang: only a person unlocks it. */
  data: LuksDisk;
  tang: TangServer;
  initrd: string;
}

let fixture: Promise<Fixture> | undefined;

function setUp(): Promise<Fixture> {
  fixture ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "askpw-clevis-" });
    const tang = await TangServer.create(dir);
    globalThis.addEventListener("unload", () => {
      // stop() sends its SIGTERM at once; nothing waits here.
      void tang.stop();
      Deno.removeSync(dir, { recursive: true });
    });
    const root = await buildLuksDisk(dir, "root", PASSPHRASE);
    const data = await buildLuksDisk(dir, "data", DATA_PASSPHRASE);
    // The passphrase's slot stays: the person's way in while Tang is away.
    await bindTang(root, PASSPHRASE, await tang.binding(TANG_GUEST_URL));
    const built = await buildInitrd(dir, "initrd-clevis", {
      askpw: true,
      e2e: true,
      // clevis-pin-tang pulls in dracut's network module, which takes
      // systemd-networkd as its handler when named: it needs no
      // dracut-systemd (which the test initrds leave out, and without which
      // network-legacy's hooks never run). systemd-network-generator turns
      // ip=dhcp into a .network file.
      modules: ["clevis", "clevis-pin-tang", "systemd-networkd"],
      drivers: ["virtio_net"],
    });
    return { dir, root, data, tang, initrd: built.path };
  })();
  return fixture;
}

/** What the guest measured on CLOCK_MONOTONIC (µs since boot). */
interface AskWatch {
  /** When the watcher watched. */
  watching?: number;
  /** Each ask file's name (ask.XXXXXX) and when it appeared. */
  created: Map<string, number>;
  /** Each ask file's name and when inotify's removal event reached the watcher. */
  removed: Map<string, number>;
  /** Each ask file's name and when it was unlinked (the kernel's trace). */
  unlinked: Map<string, number>;
  /** When "(withdrawn)" was written to a serial port (the kernel's trace), in order. */
  withdrawnWrites: { at: number; task: string }[];
  /** What went wrong setting up the trace, if anything. */
  traceErrors: string[];
  /** askpw's "Withdrawing …: its ask file vanished" lines' journal times, by ask file. */
  withdrawn: Map<string, number>;
  /** askpw's journal (short-monotonic), read 3 s after the root was mounted. */
  log: string[];
}

function askWatch(e2e: string): AskWatch {
  const watch: AskWatch = {
    created: new Map(),
    removed: new Map(),
    unlinked: new Map(),
    withdrawnWrites: [],
    traceErrors: [],
    withdrawn: new Map(),
    log: [],
  };
  for (const line of e2e.split("\n")) {
    let match = /^E2E-ASKWATCH: watching at (\d+)$/.exec(line);
    if (match) watch.watching = Number(match[1]);
    match = /^E2E-ASKWATCH: (\w+) (ask\.\w+) at (\d+)$/.exec(line);
    if (match) {
      // The first event of a name is its arrival (systemd writes a
      // temporary file and renames it into place: "rename"); the first
      // "remove" its removal (the watcher reports some twice).
      if (!watch.created.has(match[2])) watch.created.set(match[2], Number(match[3]));
      if (match[1] === "remove" && !watch.removed.has(match[2])) {
        watch.removed.set(match[2], Number(match[3]));
      }
    }
    match =
      /^E2E-ASKWATCH-TRACE: +(\S+)-\d+ .*? (\d+)\.(\d{6}): (unlink|uart): \S+(?: path="\S*\/(ask\.\w+)")?/
        .exec(line);
    if (match) {
      const at = Number(match[2]) * 1e6 + Number(match[3]);
      if (match[4] === "uart") watch.withdrawnWrites.push({ at, task: match[1] });
      else if (match[5] && !watch.unlinked.has(match[5])) watch.unlinked.set(match[5], at);
    }
    match = /^E2E-ASKWATCH-FTRACE-ERROR: (.*)$/.exec(line);
    if (match) watch.traceErrors.push(match[1]);
    match = /^E2E-ASKWATCH-LOG: (.*)$/.exec(line);
    if (!match) continue;
    watch.log.push(match[1]);
    const withdrawal =
      /^\[\s*(\d+)\.(\d{6})\] .*?Withdrawing \S*\/(ask\.\w+): its ask file vanished/
        .exec(match[1]);
    if (withdrawal) {
      watch.withdrawn.set(withdrawal[3], Number(withdrawal[1]) * 1e6 + Number(withdrawal[2]));
    }
  }
  return watch;
}

/** What a boot showed, in seconds since QEMU started. */
interface Boot {
  output: string;
  e2e: string;
  /** When the first prompt showed (any disk's). */
  prompt?: number;
  /** When each disk's prompt first showed, by mapper name. */
  prompts: Map<string, number>;
  withdrawn?: number;
  typed?: number;
  /** When Tang answered the first POST /rec. */
  recovered?: number;
  mounted: number;
  /** Tang's answers during the boot: seconds since QEMU started, and tangd's line. */
  tangRequests: string[];
  askWatch: AskWatch;

  /** Each disk's last request's ask file name, by the disk (mapper name). */
  requests: Map<string, string>;
  /** All of each disk's requests' ask file names, in order, by the disk. */
  allRequests: Map<string, string[]>;
  /** The ask file names askpw logged "Answered" for. */
  answered: string[];
}

interface BootOptions {
  /** The disks to unlock, the Tang-bound root first (default: the root only). */
  disks?: LuksDisk[];
  /** More kernel command line. */
  extra?: string[];
  /** Runs once this shows on the console (default: any prompt). */
  duringAt?: RegExp;
  /** Typing the passphrase, starting Tang. */
  during?: (vm: SerialSession) => Promise<void>;
  /** Typed with Enter as soon as the console says (withdrawn). */
  afterWithdrawal?: string;
}

/**
 * Boots the Tang-bound root (and any other disks); `during` runs once a
 * prompt shows (typing the passphrase, starting Tang). Waits for the
 * report's "root mounted".
 */
async function boot(name: string, options: BootOptions = {}): Promise<Boot> {
  const { root, tang, initrd } = await setUp();
  const disks = options.disks ?? [root];
  const append = kernelCommandLine(disks[0], disks.slice(1), [
    "rd.neednet=1",
    "ip=dhcp",
    "askpw.e2e.askwatch",
    ...(options.extra ?? []),
  ]);
  const logs = new URL("../../build/boot-logs/", import.meta.url).pathname;
  await Deno.mkdir(logs, { recursive: true });
  const requestsBefore = tang.requests.length;
  const started = performance.now();
  await using vm = new SerialSession(
    qemuArguments(initrd, disks, append, { tangHostPort: tang.port }),
    `${logs}${name}.log`,
  );
  const result: Partial<Boot> & { prompts: Map<string, number> } = { prompts: new Map() };
  // The prompts and the withdrawal are timed beside the boot, by a look at
  // the console every 0.1 s: when Tang answers first, askpw may never prompt.
  let booting = true;
  let during = options.during;
  const watching = (async () => {
    while (booting) {
      for (const disk of disks) {
        if (!result.prompts.has(mapperName(disk)) && promptFor(disk).test(vm.output)) {
          result.prompts.set(mapperName(disk), vm.elapsed);
        }
      }
      if (result.prompt === undefined && PROMPT.test(vm.output)) result.prompt = vm.elapsed;
      if (during && (options.duringAt ?? PROMPT).test(vm.output)) {
        const running = during;
        during = undefined;
        await running(vm);
      }
      if (
        result.prompt !== undefined && result.withdrawn === undefined && WITHDRAWN.test(vm.output)
      ) {
        result.withdrawn = vm.elapsed;
        if (options.afterWithdrawal !== undefined) {
          await vm.type(`${options.afterWithdrawal}\r`);
          result.typed = vm.elapsed;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const offset = await vm.waitFor(/E2E: root mounted/, 400);
  result.mounted = vm.elapsed;
  await vm.waitFor(/UNLOCK-OK/, 400, offset);
  booting = false;
  await watching;
  await vm.exit(120);
  const e2e = reportLines(vm.output);
  // The console's times to the chunk: the prompts, "(withdrawn)".
  for (const disk of disks) {
    const index = vm.output.search(promptFor(disk));
    const at = index < 0 ? undefined : vm.arrivalOf(index);
    if (at !== undefined) result.prompts.set(mapperName(disk), at);
  }
  if (result.prompts.size > 0) result.prompt = Math.min(...result.prompts.values());
  const firstPrompt = vm.output.search(PROMPT);
  const withdrawnIndex = firstPrompt < 0 ? -1 : vm.output.indexOf("(withdrawn)", firstPrompt);
  const withdrawnOnConsole = withdrawnIndex < 0 ? undefined : vm.arrivalOf(withdrawnIndex);
  if (withdrawnOnConsole !== undefined) result.withdrawn = withdrawnOnConsole;

  const requests = new Map<string, string>();
  const allRequests = new Map<string, string[]>();
  for (
    const match of e2e.matchAll(
      /^E2E-LOG: New request \S*\/(ask\.\w+): .*? disk (luks-[0-9a-f-]+)/gm,
    )
  ) {
    requests.set(match[2], match[1]);
    allRequests.set(match[2], [...allRequests.get(match[2]) ?? [], match[1]]);
  }
  const tangRequests = tang.requests.slice(requestsBefore).map(({ at, line }) => ({
    at: (at - started) / 1000,
    line,
  }));
  return {
    ...result,
    mounted: result.mounted,
    output: vm.output,
    e2e,
    recovered: tangRequests.find(({ line }) => /^POST \/rec\/\S+ => 200$/.test(line))?.at,
    tangRequests: tangRequests.map(({ at, line }) => `${at.toFixed(2)} ${line}`),
    askWatch: askWatch(e2e),

    requests,
    allRequests,
    answered: [...e2e.matchAll(/^E2E-ASKWATCH-LOG: .*?Answered \S*\/(ask\.\w+) /gm)].map((m) =>
      m[1]
    ),
  };
}

/** How long askpw took to withdraw a request, in ms after its ask file was unlinked. */
interface Latency {
  /**
   * To the journal's time of askpw's "Withdrawing …: its ask file vanished"
   * (when journald received the line: askpw logged it a little earlier).
   */
  journal: number;
  /** To askpw's write of "(withdrawn)" to the serial port (uart_write). */
  console?: number;
  /** To the ask file's inotify event reaching the test's watcher (for comparison). */
  inotify?: number;
}

/**
 * The latency of `disk`'s last request's withdrawal, all on the guest's
 * CLOCK_MONOTONIC: the kernel's trace (unlink, uart_write), the journal,
 * the watcher.
 */
function withdrawalLatency(result: Boot, disk: LuksDisk): Latency | undefined {
  const name = result.requests.get(mapperName(disk));
  if (!name) return undefined;
  const unlinked = result.askWatch.unlinked.get(name);
  const withdrawn = result.askWatch.withdrawn.get(name);
  if (unlinked === undefined || withdrawn === undefined) return undefined;
  const write = result.askWatch.withdrawnWrites.find(({ at }) => at >= unlinked)?.at;
  const inotify = result.askWatch.removed.get(name);
  return {
    journal: (withdrawn - unlinked) / 1000,
    console: write === undefined ? undefined : (write - unlinked) / 1000,
    inotify: inotify === undefined ? undefined : (inotify - unlinked) / 1000,
  };
}

const s = (value: number | undefined) => value === undefined ? "—" : `${value.toFixed(1)} s`;

/** Prints what the report records (issue 20: timings, how the request was shared). */
function record(
  name: string,
  result: Boot,
  latency?: Latency,
): void {
  const lines = result.e2e.split("\n").filter((line) =>
    /^E2E-ASKWATCH(?!-LOG: .*New request)|^E2E: (root mounted|cryptsetup started|askpw ready)/
      .test(line)
  );
  const prompts = [...result.prompts].map(([disk, at]) => `${disk} ${at.toFixed(1)} s`).join(", ");
  console.log(
    `${name}: prompt ${prompts || "none"}, withdrawn ${s(result.withdrawn)}, typed ${
      s(result.typed)
    }, root mounted ${s(result.mounted)}\n  tang: ${
      result.tangRequests.join("; ") || "no requests"
    }\n  ${lines.join("\n  ")}`,
  );
  // One line per scenario for notes/clevis-figures.md.
  console.log(
    `FIGURES | ${name} | ${s(result.prompt)} | ${s(result.recovered)} | ${s(result.withdrawn)} | ${
      s(result.mounted)
    } | ${
      latency === undefined
        ? "— | — |"
        : `${latency.journal.toFixed(1)} ms | ${latency.console?.toFixed(1) ?? "—"} ms | ${
          latency.inotify?.toFixed(1) ?? "—"
        } ms |`
    }`,
  );
}

Deno.test({
  ...options,
  name:
    "clevis 1: Tang up: the disk unlocks with nobody typing; askpw withdraws its prompt within 100 ms of the ask file's unlink, and a line typed afterwards is answered to nobody",
}, async () => {
  const { root, tang } = await setUp();
  await tang.start();
  const typedLine = "typed after the withdrawal";
  const result = await boot("clevis-tang-up", { afterWithdrawal: typedLine });
  const latency = withdrawalLatency(result, root);
  record("1 Tang up", result, latency);
  assert.match(result.e2e, new RegExp(`E2E: root marker: ${root.marker}`));
  // clevis fetched the key: one recovery exchange with Tang.
  assert.ok(result.recovered !== undefined, "Tang answered a POST /rec");
  // The watcher watched before the request came; there was one request.
  const name = result.requests.get(mapperName(root));
  assert.ok(name, "askpw logged the root's request");
  assert.ok(result.askWatch.watching !== undefined);
  assert.deepEqual([...result.askWatch.created.keys()], [name]);
  assert.deepEqual(result.askWatch.traceErrors, []);
  assert.ok(result.askWatch.unlinked.has(name), "the kernel's trace saw the ask file go");
  // askpw did not answer: clevis did, and askpw took its prompt back.
  assert.deepEqual(result.answered, []);
  assert.doesNotMatch(result.e2e, /E2E-LOG: Answered /);
  if (result.prompt !== undefined) {
    assert.ok(result.withdrawn !== undefined, "the prompt on the console says (withdrawn)");
    assert.ok(latency !== undefined, "askpw logged the withdrawal");
    assert.ok(latency.journal >= 0, `askpw logged the withdrawal after the ask file went`);
    assert.ok(latency.console !== undefined && latency.console >= 0);
    // Under TCG one boot's figure depends on what else the emulated CPUs do
    // at that moment (26-95 ms in quiet runs, up to 266 ms beside another
    // guest): when the first boot is over the bound, two more boots decide
    // by the median of three. Every figure is recorded.
    const figures = [latency.console];
    while (figures[0]! >= WITHDRAWAL_BOUND_MS && figures.length < 3) {
      const again = await boot(`clevis-tang-up-${figures.length + 1}`);
      const more = withdrawalLatency(again, root);
      record(`1 Tang up (boot ${figures.length + 1})`, again, more);
      if (more?.console !== undefined) figures.push(more.console);
      else break;
    }
    assert.ok(
      figures.length === 1 || figures.length === 3,
      `three boots to decide: ${figures}`,
    );
    assert.ok(
      median(figures) < WITHDRAWAL_BOUND_MS,
      `(withdrawn) on the console ${figures.map((ms) => ms.toFixed(1)).join(", ")} ms ` +
        "after the ask file went",
    );
    // The line typed after the withdrawal reached nobody: askpw's journal,
    // read 3 s after it was typed, has no answer, and no other request came.
    assert.ok(result.typed !== undefined);
    assert.ok(result.askWatch.log.length > 0, "askpw's journal was read after the typing");
    assert.ok(!result.askWatch.log.some((line) => / Answered /.test(line)));
  }
});

Deno.test({
  ...options,
  name:
    "clevis 2: Tang down: the person types the passphrase at askpw's prompt and the disk unlocks",
}, async () => {
  const { root, tang } = await setUp();
  await tang.stop();
  const result = await boot("clevis-tang-down", {
    during: async (vm) => {
      // Let the agent finish switching the terminal to no-echo before typing.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await vm.type(`${PASSPHRASE}\r`);
    },
  });
  record("2 Tang down", result);
  assert.match(result.e2e, new RegExp(`E2E: root marker: ${root.marker}`));
  assert.deepEqual(result.tangRequests, []);
  assert.match(result.e2e, /E2E-LOG: Answered \S+ from console \/dev\/ttyS0/);
  assert.deepEqual(result.answered, [result.requests.get(mapperName(root))]);
});

Deno.test({
  ...options,
  name:
    "clevis 3: Tang down at first, up while askpw prompts with text half typed: clevis answers, the prompt is withdrawn, nothing is answered",
}, async () => {
  const { root, tang } = await setUp();
  await tang.stop();
  let tangStarted = 0;
  const result = await boot("clevis-tang-late", {
    during: async (vm) => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      // Half a passphrase, no Enter. askpw zeroes its secret memory when it
      // withdraws (tests/integration/secret_memory_test.ts proves that on the
      // host); here: the text is answered to nobody.
      await vm.type("correct hor");
      await new Promise((resolve) => setTimeout(resolve, 500));
      await tang.start();
      tangStarted = vm.elapsed;
    },
  });
  const latency = withdrawalLatency(result, root);
  record("3 Tang up mid-prompt", result, latency);
  console.log(`  Tang started at ${tangStarted.toFixed(1)} s`);
  assert.match(result.e2e, new RegExp(`E2E: root marker: ${root.marker}`));
  assert.ok(result.recovered !== undefined && result.recovered > tangStarted);
  assert.doesNotMatch(result.e2e, /E2E-LOG: Answered /);
  assert.deepEqual(result.answered, []);
  assert.match(result.e2e, /E2E-LOG: Withdrawing \S+: its ask file vanished/);
  assert.ok(result.withdrawn !== undefined && result.withdrawn > tangStarted);
  // The console's prompt line ends in (withdrawn).
  assert.match(
    result.output,
    new RegExp(`${promptFor(root).source}(?:(?!Please enter)[\\s\\S])*?\\(withdrawn\\)`),
  );
  assert.ok(latency !== undefined);
  assert.ok(latency.journal >= 0, `${latency.journal} ms`);
  assert.ok(
    // The 100 ms bound is scenario 1's (with its median of three); here the
    // prompt must just be taken back at once, not after a poll.
    latency.console !== undefined && latency.console >= 0 && latency.console < 1000,
    `${latency.console} ms`,
  );
});

Deno.test({
  ...options,
  name:
    "clevis 4: Tang up, a second disk not bound to Tang: the person types only the second disk's passphrase, both unlock",
}, async () => {
  const { root, data, tang } = await setUp();
  await tang.start();
  const result = await boot("clevis-two-disks", {
    disks: [root, data],
    duringAt: promptFor(data),
    during: async (vm) => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await vm.type(`${DATA_PASSPHRASE}\r`);
    },
  });
  record("4 two disks, Tang up", result, withdrawalLatency(result, root));
  assert.match(result.e2e, new RegExp(`E2E: root marker: ${root.marker}`));
  assert.match(result.e2e, new RegExp(`E2E: mapped: .*${mapperName(data)}`));
  assert.match(result.e2e, /E2E: LUKS volumes mapped: 2/);
  assert.ok(result.recovered !== undefined);
  const rootRequest = result.requests.get(mapperName(root));
  const dataRequest = result.requests.get(mapperName(data));
  assert.ok(rootRequest && dataRequest);
  // askpw answered the data disk's request from the console. The person
  // typed once the data disk's prompt showed; whether clevis had answered the
  // root's first request by then is the boot's race (Tang over DHCP against
  // the console). If it had not, askpw offered the typed passphrase to that
  // request too, from its password cache, as AcceptCached=1 allows: either
  // systemd-cryptsetup had gone on already ("Asker of … has gone before the
  // answer"), or it tried the passphrase, found it wrong and asked again
  // without AcceptCached, and clevis answered that. Either way the root's
  // request gets nothing else from askpw: not the console, not twice.
  assert.ok(result.answered.includes(dataRequest), result.answered.join(" "));
  assert.match(
    result.e2e,
    new RegExp(`E2E-LOG: Answered \\S*${dataRequest} from console /dev/ttyS0`),
  );
  const rootRequests = result.allRequests.get(mapperName(root)) ?? [];
  const fromCache = result.answered.filter((name) => name !== dataRequest);
  assert.ok(fromCache.length <= 1, result.answered.join(" "));
  for (const other of fromCache) {
    assert.ok(rootRequests.includes(other), `${other} not among ${rootRequests.join(" ")}`);
    assert.match(
      result.e2e,
      new RegExp(`E2E-LOG: Answered \\S*${other} from the password cache \\(AcceptCached=1\\)`),
    );
  }
  for (const request of rootRequests) {
    assert.doesNotMatch(result.e2e, new RegExp(`E2E-LOG: Answered \\S*${request} from console`));
  }
});

Deno.test({
  ...options,
  name:
    "clevis 5: Tang up with rd.askpw.delay: askpw holds the Tang-bound disk's request back and shows no prompt at all",
}, async () => {
  const { root, tang } = await setUp();
  await tang.start();
  const result = await boot("clevis-delay", { extra: [`rd.askpw.delay=${DELAY_SECONDS}`] });
  record(`5 Tang up, rd.askpw.delay=${DELAY_SECONDS}`, result, withdrawalLatency(result, root));
  // How long clevis took while askpw held the request back (the hold's start
  // in askpw's journal to the ask file's unlink, CLOCK_MONOTONIC).
  const held = result.askWatch.log.map((line) => /^\[\s*(\d+)\.(\d{6})\] .*? Holding /.exec(line))
    .find((match) => match);
  const unlinked = result.askWatch.unlinked.get(result.requests.get(mapperName(root)) ?? "");
  if (held && unlinked !== undefined) {
    const heldAt = Number(held[1]) * 1e6 + Number(held[2]);
    console.log(
      `  held back for ${((unlinked - heldAt) / 1e6).toFixed(2)} s until clevis answered`,
    );
  }
  assert.match(result.e2e, new RegExp(`E2E: root marker: ${root.marker}`));
  assert.ok(result.recovered !== undefined);
  assert.equal(result.prompt, undefined, "no prompt on the console");
  assert.doesNotMatch(result.output, promptFor(root));
  assert.match(
    result.e2e,
    new RegExp(`E2E-LOG: Holding \\S+ back for up to ${DELAY_SECONDS} s: clevis`),
  );
  assert.doesNotMatch(result.e2e, /E2E-LOG: Answered /);
  assert.doesNotMatch(result.e2e, /E2E-LOG: Showing /);
});
