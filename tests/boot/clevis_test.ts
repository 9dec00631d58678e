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
 */
import assert from "node:assert/strict";
import { buildInitrd } from "../../tools/vm/dracut_initrd.ts";
import { bindTang, buildLuksDisk, type LuksDisk } from "../../tools/vm/luks_disk.ts";
import { kernelCommandLine, qemuArguments, TANG_GUEST_URL } from "../../tools/vm/qemu.ts";
import { reportLines, SerialSession } from "../../tools/vm/serial_session.ts";
import { TangServer } from "../../tools/vm/tang.ts";

const PASSPHRASE = "correct horse battery";
// (?<![="]): log lines quoting the message are not prompts.
const PROMPT = /(?<![="])Please enter passphrase for disk [^\n]*?:/;
const WITHDRAWN = /\(withdrawn\)/;
const options = { sanitizeOps: false, sanitizeResources: false };

interface Fixture {
  dir: string;
  root: LuksDisk;
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
    return { dir, root, tang, initrd: built.path };
  })();
  return fixture;
}

/** What a boot showed, in seconds since QEMU started. */
interface Boot {
  output: string;
  e2e: string;
  prompt?: number;
  withdrawn?: number;
  typed?: number;
  mounted: number;
  /** Tang's answers during the boot: seconds since QEMU started, and tangd's line. */
  tangRequests: string[];
}

/**
 * Boots the Tang-bound root; `during` runs once askpw's prompt shows (typing
 * the passphrase, starting Tang). Waits for the report's "root mounted".
 */
async function boot(
  name: string,
  during?: (vm: SerialSession) => Promise<void>,
): Promise<Boot> {
  const { root, tang, initrd } = await setUp();
  const append = kernelCommandLine(root, [], ["rd.neednet=1", "ip=dhcp"]);
  const logs = new URL("../../build/boot-logs/", import.meta.url).pathname;
  await Deno.mkdir(logs, { recursive: true });
  const requestsBefore = tang.requests.length;
  const started = performance.now();
  await using vm = new SerialSession(
    qemuArguments(initrd, [root], append, { tangHostPort: tang.port }),
    `${logs}${name}.log`,
  );
  const result: Partial<Boot> = {};
  // The prompt and its withdrawal are timed beside the boot, by a look at
  // the console every 0.1 s: when Tang answers first, askpw may never prompt.
  let booting = true;
  const watching = (async () => {
    while (booting && result.withdrawn === undefined) {
      if (result.prompt === undefined && PROMPT.test(vm.output)) {
        result.prompt = vm.elapsed;
        if (during) await during(vm);
      }
      if (result.prompt !== undefined && WITHDRAWN.test(vm.output)) result.withdrawn = vm.elapsed;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const offset = await vm.waitFor(/E2E: root mounted/, 400);
  result.mounted = vm.elapsed;
  await vm.waitFor(/UNLOCK-OK/, 400, offset);
  booting = false;
  await watching;
  await vm.exit(120);
  return {
    ...result,
    mounted: result.mounted,
    output: vm.output,
    e2e: reportLines(vm.output),
    tangRequests: tang.requests.slice(requestsBefore).map(({ at, line }) =>
      `${((at - started) / 1000).toFixed(2)} ${line}`
    ),
  };
}

/** Prints what the report records (issue 20: timings, how the request was shared). */
function record(name: string, result: Boot): void {
  const lines = result.e2e.split("\n").filter((line) =>
    /^E2E-LOG: |^E2E: (root mounted|cryptsetup started|askpw ready)/.test(line)
  );
  console.log(
    `${name}: prompt ${result.prompt?.toFixed(1) ?? "none"} s, withdrawn ${
      result.withdrawn?.toFixed(1) ?? "no"
    } s, typed ${result.typed?.toFixed(1) ?? "no"} s, root mounted ${
      result.mounted.toFixed(1)
    } s\n  tang: ${result.tangRequests.join("; ") || "no requests"}\n  ${lines.join("\n  ")}`,
  );
}

Deno.test({
  ...options,
  name: "clevis 1: Tang up: the disk unlocks with nobody typing",
}, async () => {
  const { root, tang } = await setUp();
  await tang.start();
  const result = await boot("clevis-tang-up");
  record("Tang up", result);
  assert.match(result.e2e, new RegExp(`E2E: root marker: ${root.marker}`));
  // clevis fetched the key: one recovery exchange with Tang.
  assert.ok(result.tangRequests.some((line) => / POST \/rec\/\S+ => 200$/.test(line)));
  // askpw did not answer: clevis did, and askpw took its prompt back.
  assert.doesNotMatch(result.e2e, /E2E-LOG: Answered /);
  if (result.prompt !== undefined) {
    assert.match(result.e2e, /E2E-LOG: Withdrawing \S+: its ask file vanished/);
    assert.ok(result.withdrawn !== undefined, "the prompt on the console says (withdrawn)");
  }
});

Deno.test({
  ...options,
  name:
    "clevis 2: Tang down: the person types the passphrase at askpw's prompt and the disk unlocks",
}, async () => {
  const { root, tang } = await setUp();
  await tang.stop();
  let typed: number | undefined;
  const result = await boot("clevis-tang-down", async (vm) => {
    // Let the agent finish switching the terminal to no-echo before typing.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await vm.type(`${PASSPHRASE}\r`);
    typed = vm.elapsed;
  });
  record("Tang down", { ...result, typed });
  assert.match(result.e2e, new RegExp(`E2E: root marker: ${root.marker}`));
  assert.deepEqual(result.tangRequests, []);
  assert.match(result.e2e, /E2E-LOG: Answered \S+ from console \/dev\/ttyS0/);
});

Deno.test({
  ...options,
  name:
    "clevis 3: Tang down at first, up while askpw prompts: clevis answers, the prompt is withdrawn",
}, async () => {
  const { root, tang } = await setUp();
  await tang.stop();
  let tangStarted = 0;
  const result = await boot("clevis-tang-late", async (vm) => {
    await tang.start();
    tangStarted = vm.elapsed;
  });
  record(`Tang started at ${tangStarted.toFixed(1)} s`, result);
  assert.match(result.e2e, new RegExp(`E2E: root marker: ${root.marker}`));
  assert.ok(result.tangRequests.some((line) => / POST \/rec\/\S+ => 200$/.test(line)));
  assert.doesNotMatch(result.e2e, /E2E-LOG: Answered /);
  assert.match(result.e2e, /E2E-LOG: Withdrawing \S+: its ask file vanished/);
  assert.ok(result.withdrawn !== undefined && result.withdrawn > tangStarted);
});
