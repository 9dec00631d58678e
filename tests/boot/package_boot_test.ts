/**
 * The Debian package at boot: `dist/askpw_…deb` (tools/deb.sh) installed with
 * apt-get into a debootstrapped Debian bookworm root (tests/package/
 * package_root.ts) that has cryptsetup, zstd and a kernel of its own; the
 * root's own dracut builds the initrd for that kernel with no `--add askpw`
 * (the package's dracut.conf.d snippet brings askpw in; only the test
 * module 99askpw-e2e, which reports and powers off, is added), and QEMU (TCG)
 * boots that kernel and initrd: a LUKS2 root unlocked by the passphrase typed
 * into askpw's prompt.
 */
import assert from "node:assert/strict";
import { preparePackageRoot } from "../package/package_root.ts";
import { testDeb } from "../package/test_deb.ts";
import { initrdFiles } from "../../tools/vm/dracut_initrd.ts";
import { buildLuksDisk } from "../../tools/vm/luks_disk.ts";
import { kernelCommandLine, qemuArguments } from "../../tools/vm/qemu.ts";
import { reportLines, SerialSession } from "../../tools/vm/serial_session.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const PASSPHRASE = "correct horse battery";
// (?<![="]): log lines quoting the message (Message=…, "…") are not prompts.
const PROMPT = /(?<![="])Please enter passphrase for disk [^\n]*?:/;
const options = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  ...options,
  name: "package boot: the initrd a bookworm root's dracut made with the askpw package " +
    "installed unlocks a LUKS2 root through askpw",
}, async () => {
  const scratch = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "askpw-package-boot-" });
  try {
    const started = performance.now();
    const { kernelVersion, vmlinuz, initrd } = await preparePackageRoot({
      deb: await testDeb(),
      directory: scratch,
      // The same package set as tests/package/deb_test.ts: one cached root.
      extraPackages: ["cryptsetup", "zstd"],
      dracutModules: [`${ROOT}tests/boot/dracut/99askpw-e2e`],
      dracutArgs: ["--zstd", "--add", "askpw-e2e"],
    });
    const initrdBytes = Deno.statSync(initrd).size;
    console.log(
      `root ready in ${((performance.now() - started) / 1000).toFixed(0)} s: kernel ` +
        `${kernelVersion}, initrd ${initrdBytes} bytes`,
    );
    // askpw came in through the package's configuration, not through these arguments.
    const files = await initrdFiles(initrd);
    for (const file of ["usr/bin/askpw", "usr/lib/askpw/askpw.js", "usr/lib/askpw/deno"]) {
      assert.ok(files.includes(file), `${file} is in the initrd`);
    }

    const disk = await buildLuksDisk(scratch, "root", PASSPHRASE);
    const logs = `${ROOT}build/boot-logs/`;
    await Deno.mkdir(logs, { recursive: true });
    await using vm = new SerialSession(
      qemuArguments(initrd, [disk], kernelCommandLine(disk), { kernel: vmlinuz }),
      `${logs}package.log`,
    );
    let offset = await vm.waitFor(PROMPT, 400);
    const prompted = vm.elapsed;
    await new Promise((resolve) => setTimeout(resolve, 500));
    await vm.type(`${PASSPHRASE}\r`);
    offset = await vm.waitFor(/E2E: root mounted/, 400, offset);
    const unlocked = vm.elapsed;
    await vm.waitFor(/UNLOCK-OK/, 400, offset);
    await vm.exit(120);
    const e2e = reportLines(vm.output);
    assert.match(e2e, new RegExp(`E2E: root marker: ${disk.marker}`));
    assert.match(e2e, /E2E: unit askpw-agent.service: active\/success/);
    assert.match(e2e, /E2E-LOG: Answered \S+ from console \/dev\/ttyS0/);
    // The package's dracut module prepared Deno's cache inside the root's dracut run.
    assert.match(e2e, /^E2E: askpw code cache hits: 1$/m);
    // askpw's own summary line above the prompt: systemd's agent has none.
    assert.match(vm.output, /Passphrase · disk luks-[0-9a-f-]+ \(\/dev\/vda\)/);
    const out = `${ROOT}build/`;
    await Deno.writeTextFile(
      `${out}package-boot-measurements.json`,
      JSON.stringify(
        { kernelVersion, initrdBytes, promptSeconds: prompted, unlockSeconds: unlocked },
        null,
        2,
      ) + "\n",
    );
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
});
