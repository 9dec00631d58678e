/**
 * The askpw demo: builds a VM (Debian kernel, a LUKS2 root disk, a dracut
 * initrd with askpw) and boots it in this terminal. Type the printed
 * passphrase into askpw's prompt and watch the disk unlock; the VM then
 * reports what it unlocked and powers off.
 *
 * Usage: deno run -A tools/vm/demo.ts [--auto]   (--auto types the passphrase itself)
 *
 * @module
 */
import { buildInitrd } from "./dracut_initrd.ts";
import { buildLuksDisk } from "./luks_disk.ts";
import { kernelCommandLine, qemuArguments } from "./qemu.ts";
import { SerialSession } from "./serial_session.ts";

const PASSPHRASE = "askpw demo";
const auto = Deno.args.includes("--auto");

const dir = await Deno.makeTempDir({ prefix: "askpw-demo-" });
try {
  console.log("demo: building a LUKS2 disk and a dracut initrd with askpw (about 30 s)…");
  const root = await buildLuksDisk(dir, "root", PASSPHRASE);
  const initrd = await buildInitrd(dir, "initrd-askpw", { askpw: true, e2e: true });
  console.log(`demo: initrd ${(initrd.size / 1e6).toFixed(1)} MB (zstd), disk ${root.uuid}`);
  console.log(`demo: the passphrase is: ${PASSPHRASE}`);
  const args = qemuArguments(initrd.path, [root], kernelCommandLine(root));
  if (auto) {
    await using vm = new SerialSession(args, undefined, true);
    const at = await vm.waitFor(/(?<!=)Please enter passphrase for disk [^\n]*?: /, 400);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await vm.type(`${PASSPHRASE}\r`);
    await vm.waitFor(/UNLOCK-OK/, 400, at);
    await vm.exit(120);
    const unlocked = vm.output.includes(`E2E: root marker: ${root.marker}`);
    console.log(`\ndemo: ${unlocked ? "the LUKS2 root was unlocked through askpw" : "FAILED"}`);
    if (!unlocked) Deno.exitCode = 1;
  } else {
    console.log("demo: booting (QEMU, emulated CPU: ~15 s to the prompt; Ctrl-A X quits QEMU)\n");
    const qemu = new Deno.Command("qemu-system-x86_64", {
      args,
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    });
    const { code } = await qemu.output();
    console.log(`\ndemo: QEMU exited (${code}); "UNLOCK-OK" above means askpw unlocked the disk`);
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
