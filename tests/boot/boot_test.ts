/**
 * Boot tests: a Debian kernel and a dracut initrd with askpw, under QEMU
 * (TCG), unlocking LUKS2 disks through the serial console. Everything is built
 * from scratch in a temporary directory. Also measures the initrd sizes and
 * boot-to-unlock times that the README records (build/boot-measurements.json).
 */
import { kernelTimings, watchingLead } from "../helpers/boot_timings.ts";
import assert from "node:assert/strict";
import { buildInitrd, earlyCpio } from "../../tools/vm/dracut_initrd.ts";
import { buildLuksDisk, type LuksDisk } from "../../tools/vm/luks_disk.ts";
import { kernelCommandLine, qemuArguments } from "../../tools/vm/qemu.ts";
import { reportLines, SerialSession } from "../../tools/vm/serial_session.ts";

const PASSPHRASE = "correct horse battery";
// (?<![="]): log lines quoting the message (Message=…, "…") are not prompts. No trailing
// space: plymouth's details view prints "<message>:" right before the bullets.
const PROMPT = /(?<![="])Please enter passphrase for disk [^\n]*?:/;
const HOOK_PROMPT = /(?<![="])Hook question:/;
const options = { sanitizeOps: false, sanitizeResources: false };

interface Fixture {
  dir: string;
  root: LuksDisk;
  data: LuksDisk;
  initrd: string;
  sizes: { withAskpw: number; withoutAskpw: number };
}

let fixture: Promise<Fixture> | undefined;
const measurements: Record<string, unknown> = {};

function setUp(): Promise<Fixture> {
  fixture ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "askpw-boot-" });
    // Removed when the file's tests end, also when --filter runs only some of them.
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
    const root = await buildLuksDisk(dir, "root", PASSPHRASE);
    const data = await buildLuksDisk(dir, "data", PASSPHRASE);
    const withAskpw = await buildInitrd(dir, "initrd-askpw", { askpw: true, e2e: true });
    // The module's default packing (askpw_runtime="squashfs"): boots 4 and 5
    // are its fallbacks, boot_cost_test.ts boots the other packings.
    const early = await earlyCpio(withAskpw.path);
    assert.ok(early.files["usr/lib/askpw.squashfs"], "the runtime is a squashfs image");
    const withoutAskpw = await buildInitrd(dir, "initrd-stock", { askpw: false });
    measurements.initrdBytes = { withAskpw: withAskpw.size, withoutAskpw: withoutAskpw.size };
    return {
      dir,
      root,
      data,
      initrd: withAskpw.path,
      sizes: { withAskpw: withAskpw.size, withoutAskpw: withoutAskpw.size },
    };
  })();
  return fixture;
}

let plymouthInitrd: Promise<string> | undefined;

/** The same initrd plus dracut's plymouth module (details theme on the serial console). */
function setUpPlymouth(): Promise<string> {
  plymouthInitrd ??= (async () => {
    const { dir } = await setUp();
    const built = await buildInitrd(dir, "initrd-plymouth", {
      askpw: true,
      e2e: true,
      plymouth: true,
    });
    measurements.plymouthInitrdBytes = built.size;
    return built.path;
  })();
  return plymouthInitrd;
}

/** Boots, answers prompts with `answers` (one per prompt), waits for UNLOCK-OK. */
async function boot(
  name: string,
  disks: LuksDisk[],
  extra: string[],
  answers: string[],
  initrdPath?: string,
  hookAnswer?: string,
) {
  const initrd = initrdPath ?? (await setUp()).initrd;
  const append = kernelCommandLine(disks[0], disks.slice(1), extra);
  // Console logs stay for a look after a failure (build/ is git-ignored).
  const logs = new URL("../../build/boot-logs/", import.meta.url).pathname;
  await Deno.mkdir(logs, { recursive: true });
  await using vm = new SerialSession(qemuArguments(initrd, disks, append), `${logs}${name}.log`);
  let offset = 0;
  const prompts: number[] = [];
  for (const answer of answers) {
    offset = await vm.waitFor(PROMPT, 400, offset);
    prompts.push(vm.elapsed);
    // Let the agent finish switching the terminal to no-echo before typing.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await vm.type(`${answer}\r`);
  }
  if (hookAnswer !== undefined) {
    // The initrd hook (askpw.e2e.ask) asks once the root is unlocked, and lists
    // the pending requests while it waits: answer only after that.
    offset = await vm.waitFor(HOOK_PROMPT, 400, offset);
    await vm.waitFor(/E2E-LIST: \]/, 400, offset);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await vm.type(`${hookAnswer}\r`);
  }
  // The report's first line: the root is mounted (its other checks take a while).
  offset = await vm.waitFor(/E2E: root mounted/, 400, offset);
  const unlocked = vm.elapsed;
  await vm.waitFor(/UNLOCK-OK/, 400, offset);
  await vm.exit(120);
  const output = vm.output;
  return {
    output,
    prompts,
    unlocked,
    promptCount: [...output.matchAll(new RegExp(PROMPT, "g"))].length,
    e2e: reportLines(output),
  };
}

Deno.test({
  ...options,
  name: "boot 1: LUKS2 root unlocked by a passphrase typed into askpw's prompt",
}, async () => {
  const { root } = await setUp();
  const result = await boot("askpw", [root], [], [PASSPHRASE]);
  assert.match(result.e2e, new RegExp(`E2E: root marker: ${root.marker}`));
  assert.match(result.e2e, /E2E: unit askpw-agent.service: active\/success/);
  assert.match(result.e2e, /E2E: unit systemd-ask-password-console.service: inactive/);
  // The dracut module prepared Deno's cache: a start takes the compiled bundle from it.
  assert.match(result.e2e, /^E2E: askpw code cache hits: 1$/m);
  // Started by the encrypted volume's unit (its drop-in), and by nothing a boot
  // without encrypted volumes would run.
  const wantedBy = /^E2E: askpw-agent.service wanted by: (.*)$/m.exec(result.e2e)?.[1] ?? "";
  assert.match(wantedBy, /systemd-cryptsetup@\S+\.service/);
  assert.doesNotMatch(wantedBy, /sysinit\.target|basic\.target|initrd\.target/);
  assert.match(result.e2e, /E2E-LOG: Answered \S+ from console \/dev\/ttyS0/);
  assert.equal(result.promptCount, 1);
  assert.doesNotMatch(
    result.e2e,
    /not found|No such file/,
    "the launcher finds everything it runs",
  );
});

Deno.test({
  ...options,
  name: "boot 2: two LUKS2 volumes, one passphrase typed once (AcceptCached=1)",
}, async () => {
  const { root, data } = await setUp();
  const result = await boot("two-volumes", [root, data], [], [PASSPHRASE]);
  assert.match(result.e2e, new RegExp(`E2E: mapped: .*luks-${root.uuid}`));
  assert.match(result.e2e, new RegExp(`E2E: mapped: .*luks-${data.uuid}`));
  // askpw answers the second request from its cache, unless systemd-cryptsetup
  // found the passphrase in the kernel keyring first (then its socket is gone).
  assert.match(
    result.e2e,
    /E2E-LOG: (Answered \S+|Asker of \S+ has gone before the answer) from the password cache \(AcceptCached=1\)/,
  );
  assert.equal(result.promptCount, 1, "typed once");
});

Deno.test({
  ...options,
  name: "boot 3: a wrong passphrase, then the right one; the second prompt says so",
}, async () => {
  const { root } = await setUp();
  const result = await boot("retry", [root], [], ["wrong passphrase", PASSPHRASE]);
  assert.match(
    result.output,
    // (the summary line — kind, disk, asker — sits between them)
    /The previous passphrase was not accepted \(attempt 2\)\.\r?\n([^\n]*\r?\n)?[^\n]*Please enter passphrase/,
  );
  assert.match(result.e2e, new RegExp(`E2E: root marker: ${root.marker}`));
  assert.equal(result.promptCount, 2);
});

Deno.test({
  ...options,
  name: "boot 4: askpw killed before its prompt; systemd's console agent takes over",
}, async () => {
  const { root } = await setUp();
  const result = await boot("killed", [root], ["askpw.e2e.kill"], [PASSPHRASE]);
  assert.match(result.e2e, /E2E: killed askpw \(PID \d+\) before its prompt/);
  // askpw starts early in sysinit, before journald may run: systemd's lines on
  // it are in the journal, but without the unit that `journalctl -u` selects.
  assert.match(result.e2e, /E2E-SYSTEMD: askpw-agent.service: Failed with result 'signal'/);
  assert.match(result.e2e, /E2E-SYSTEMD: askpw-agent.service: Triggering OnFailure= dependencies/);
  assert.match(result.e2e, /E2E: unit askpw-fallback.service: active\/success/);
  // The path unit may start askpw once more before the fallback stops it: it must not prompt.
  assert.doesNotMatch(result.e2e, /E2E-LOG: Starting password query/);
  assert.match(result.e2e, /E2E: unit askpw-agent.service: (inactive|failed)\//);
  assert.match(result.e2e, /E2E: unit systemd-ask-password-console.service: active\/success/);
  assert.match(result.e2e, new RegExp(`E2E: root marker: ${root.marker}`));
});

Deno.test({
  ...options,
  name: "boot 5: rd.askpw=0: systemd's stock agent answers, askpw ask's question too",
}, async () => {
  const { root } = await setUp();
  const result = await boot(
    "disabled",
    [root],
    ["rd.askpw=0", "askpw.e2e.ask"],
    [PASSPHRASE],
    undefined,
    "answered by systemd",
  );
  assert.match(result.e2e, /^E2E: hook exit status: 0$/m);
  assert.match(result.e2e, /^E2E: hook answer: answered by systemd$/m);
  assert.match(result.e2e, /E2E-ASK: askpw: Reply from PID \d+, uid 0$/m);
  assert.match(result.e2e, /E2E: unit askpw-agent.service: inactive\/success/);
  assert.match(result.e2e, /E2E: unit systemd-ask-password-console.service: active\/success/);
  assert.doesNotMatch(result.e2e, /E2E-(LOG|SYSTEMD): Started askpw-agent/);
  // Its early start was asked for, and skipped for rd.askpw=0.
  assert.match(
    result.e2e,
    /E2E-SYSTEMD: askpw-agent.service - [^\n]* was skipped because of an unmet condition check \(ConditionKernelCommandLine=!rd.askpw=0\)/,
  );
  assert.match(result.e2e, new RegExp(`E2E: root marker: ${root.marker}`));
});

Deno.test({
  ...options,
  name:
    "boot 6: Plymouth in the initrd (details on the serial console) asks; askpw answers through it",
}, async () => {
  const { root } = await setUp();
  const result = await boot("plymouth", [root], [], [PASSPHRASE], await setUpPlymouth());
  assert.match(result.e2e, /E2E-LOG: plymouthd \(PID \d+\) answers; it draws on \/dev\/ttyS0/);
  assert.match(result.e2e, /E2E-LOG: Starting password query through plymouthd/);
  assert.match(result.e2e, /E2E-LOG: Answered \S+ from plymouth/);
  assert.doesNotMatch(result.e2e, /E2E-LOG: Starting password query on \/dev\/ttyS0/);
  assert.match(result.e2e, new RegExp(`E2E: root marker: ${root.marker}`));
});

Deno.test({
  ...options,
  name: "boot: identities and socket fallbacks on Debian's 6.1 kernel; an initrd hook asks " +
    "with askpw ask",
}, async () => {
  const { root } = await setUp();
  const result = await boot(
    "identities",
    [root],
    ["askpw.e2e.ask", "askpw.e2e.sockets"],
    [PASSPHRASE],
    undefined,
    "answered by askpw",
  );
  const lines = result.e2e;
  // The hook's question, asked by askpw ask, answered on askpw's console prompt.
  assert.match(lines, /^E2E: hook exit status: 0$/m);
  assert.match(lines, /^E2E: hook answer: answered by askpw$/m);
  // Dim on the serial console: the initrd has colours.
  assert.match(
    result.output,
    // deno-lint-ignore no-control-regex
    /asked by askpw-e2e-ask\.service(\x1b\[0m)?\r?\n[^\n]*Hook question:/,
  );
  // Who asks, as `askpw list --json` in the initrd said while the hook waited.
  const listed = JSON.parse(
    lines.split("\n").filter((line) => line.startsWith("E2E-LIST: "))
      .map((line) => line.slice("E2E-LIST: ".length)).join("\n"),
  );
  const hook = listed.find((entry: { message: string }) => entry.message === "Hook question:");
  assert.deepEqual(hook?.asker, {
    pid: hook?.pid,
    pidfdId: "none",
    exe: "/usr/lib/askpw/deno",
    unit: "askpw-e2e-ask.service",
  });
  // Who asked, as askpw logged it: no pidfs on 6.1.
  assert.match(
    lines,
    /E2E-LOG: New request \S+: "Hook question:", PID \d+; asked by askpw-e2e-ask\.service, \/usr\/lib\/askpw\/deno, pidfs ID none/,
  );
  assert.match(
    lines,
    new RegExp(
      `E2E-LOG: New request \\S+: "Please enter passphrase for disk [^"]*", Id="cryptsetup:[^"]*", ` +
        `PID \\d+, AcceptCached=1; asked by systemd-cryptsetup@luks\\\\x2d${
          root.uuid.replaceAll("-", "\\\\x2d")
        }\\.service, ` +
        `/usr/lib/systemd/systemd-cryptsetup, pidfs ID none`,
    ),
  );
  // askpw ask's reply socket on a kernel with neither SO_PASSRIGHTS nor SO_PASSPIDFD.
  assert.match(
    lines,
    /E2E-ASK: askpw: Reply socket \S+: SO_PASSCRED on; SO_PASSRIGHTS=0 not supported by this kernel; SO_PASSPIDFD not supported by this kernel/,
  );
  assert.match(lines, /E2E-ASK: askpw: Reply from PID \d+, uid 0$/m);
  // The same checks the host runs (tests/integration/ask_command_test.ts), on 6.1.
  const sockets = Object.fromEntries(
    [...lines.matchAll(/^E2E-SOCKETS: ([\w-]+)=(.*)$/gm)].map((match) => [match[1], match[2]]),
  );
  assert.deepEqual(sockets, {
    "pidfs": "none",
    "SO_PASSRIGHTS": "unsupported",
    "SO_PASSPIDFD": "unsupported",
    "socket-mode": "600",
    "nobody-sent": "yes",
    "nobody-reply": "ignored (it came from uid 65534)",
    "descriptor-send": "delivered",
    "descriptor-reply": "ignored (it carried file descriptors (closed))",
    "descriptor-left-open": "no",
    "root-reply": 'accepted ["from-root"]',
  });
  assert.match(lines, new RegExp(`E2E: root marker: ${root.marker}`));
});

let measuredInitrds: Promise<Record<Agent, string>> | undefined;

/** The initrds measured against each other. */
type Agent = "stockAgent" | "askpw" | "askpwWithoutCache" | "stockAgentLz4" | "askpwLz4";

/**
 * A stock initrd (no askpw: systemd's agent answers), askpw's, and askpw's
 * without the prepared Deno cache, all with the test module and zstd; and the
 * stock and askpw initrds again with lz4, which the kernel unpacks faster.
 */
function setUpMeasured(): Promise<Record<Agent, string>> {
  measuredInitrds ??= (async () => {
    const { dir, initrd } = await setUp();
    const stock = await buildInitrd(dir, "initrd-stock-e2e", { askpw: false, e2e: true });
    const withoutCache = await buildInitrd(dir, "initrd-askpw-no-cache", {
      askpw: true,
      e2e: true,
      env: { askpw_deno_cache: "no" },
    });
    const stockLz4 = await buildInitrd(dir, "initrd-stock-e2e-lz4", {
      askpw: false,
      e2e: true,
      compression: "lz4",
    });
    const askpwLz4 = await buildInitrd(dir, "initrd-askpw-lz4", {
      askpw: true,
      e2e: true,
      compression: "lz4",
    });
    measurements.noCacheInitrdBytes = withoutCache.size;
    measurements.lz4InitrdBytes = { withAskpw: askpwLz4.size, withoutAskpw: stockLz4.size };
    return {
      stockAgent: stock.path,
      askpw: initrd,
      askpwWithoutCache: withoutCache.path,
      stockAgentLz4: stockLz4.path,
      askpwLz4: askpwLz4.path,
    };
  })();
  return measuredInitrds;
}

/** One boot's timings, seconds from QEMU's start. */
interface BootTiming {
  promptSeconds: number;
  unlockSeconds: number;
  /**
   * How long before the first systemd-cryptsetup started askpw was watching
   * (READY=1), by the initrd's monotonic clock; negative when it was later.
   */
  askpwWatchingLeadSeconds?: number;
  /** The kernel's clock when it started unpacking the initrd and when it ran /init. */
  kernelUnpackSeconds?: number;
  kernelInitSeconds?: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const PAIRS = Number(Deno.env.get("ASKPW_BOOT_PAIRS") ?? 3);

const AGENTS: Agent[] = ["stockAgent", "askpw", "askpwWithoutCache", "stockAgentLz4", "askpwLz4"];

Deno.test({
  ...options,
  name: `boot measurements: ${PAIRS} boots each with systemd's agent (a stock initrd), ` +
    "askpw, and askpw without its prepared Deno cache (zstd), and the stock agent and askpw " +
    "with lz4, interleaved; medians",
}, async () => {
  const { root } = await setUp();
  const initrds = await setUpMeasured();
  const runs = Object.fromEntries(AGENTS.map((agent) => [agent, []])) as unknown as Record<
    Agent,
    BootTiming[]
  >;
  for (let round = 1; round <= PAIRS; round++) {
    for (const agent of AGENTS) {
      const result = await boot(
        `measure-${agent}-${round}`,
        [root],
        [],
        [PASSPHRASE],
        initrds[agent],
      );
      assert.match(result.e2e, new RegExp(`E2E: root marker: ${root.marker}`));
      assert.equal(result.promptCount, 1);
      if (agent.startsWith("stockAgent")) {
        assert.match(result.e2e, /E2E: unit systemd-ask-password-console.service: active\/success/);
        assert.doesNotMatch(result.e2e, /E2E-LOG: Answered/);
      } else {
        assert.match(result.e2e, /E2E-LOG: Answered \S+ from console \/dev\/ttyS0/);
        // A start as at boot takes the bundle's compiled code from the prepared cache.
        assert.match(
          result.e2e,
          agent === "askpwWithoutCache"
            ? /^E2E: askpw code cache hits: 0$/m
            : /^E2E: askpw code cache hits: 1$/m,
        );
      }
      runs[agent].push({
        promptSeconds: result.prompts[0],
        unlockSeconds: result.unlocked,
        askpwWatchingLeadSeconds: watchingLead(result.e2e),
        ...kernelTimings(result.output),
      });
    }
  }
  for (const agent of AGENTS) {
    const leads = runs[agent].flatMap((run) => run.askpwWatchingLeadSeconds ?? []);
    measurements[agent] = {
      promptSeconds: median(runs[agent].map((run) => run.promptSeconds)),
      unlockSeconds: median(runs[agent].map((run) => run.unlockSeconds)),
      ...(leads.length ? { askpwWatchingLeadSeconds: median(leads) } : {}),
      kernelUnpackSeconds: median(runs[agent].flatMap((run) => run.kernelUnpackSeconds ?? [])),
      kernelInitSeconds: median(runs[agent].flatMap((run) => run.kernelInitSeconds ?? [])),
      runs: runs[agent],
    };
  }
  measurements.boots = `${PAIRS} each, interleaved (${AGENTS.join(", ")}, …); medians`;
});

Deno.test(
  { ...options, name: "boot measurements are written to build/boot-measurements.json" },
  async () => {
    await setUp();
    const out = new URL("../../build/", import.meta.url).pathname;
    await Deno.mkdir(out, { recursive: true });
    await Deno.writeTextFile(
      `${out}boot-measurements.json`,
      JSON.stringify(measurements, null, 2) + "\n",
    );
    console.log(JSON.stringify(measurements));
    assert.ok(measurements.initrdBytes);
  },
);
