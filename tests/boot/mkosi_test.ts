/**
 * mkosi: the repository's mkosi.conf, built with Debian's mkosi 24.3 in a
 * throwaway bookworm root (tools/mkosi-build.sh), gives a cpio initrd that
 * carries askpw; booted under QEMU with the Debian kernel, askpw unlocks a
 * LUKS2 root. The bootable-disk config is checked to parse.
 */
import assert from "node:assert/strict";
import {
  buildLuksDisk,
  buildModulesArchive,
  kernelCommandLine,
  qemuArguments,
  run,
  SerialSession,
} from "../../tools/vm/vm.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const INITRD = `${ROOT}out/askpw-initrd.cpio.zst`;
const PASSPHRASE = "mkosi passphrase";
const options = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  ...options,
  name: "mkosi: mkosi.conf builds a cpio initrd with askpw, its units and cryptsetup",
}, async () => {
  await run("sh", [`${ROOT}tools/mkosi-build.sh`]);
  const listing = await run("sh", ["-c", `zstd -dc "${INITRD}" | cpio -t --quiet`]);
  for (
    const path of [
      "usr/bin/askpw",
      "usr/lib/askpw/deno",
      "usr/lib/askpw/askpw.js",
      "usr/lib/systemd/system/askpw-agent.path",
      "usr/lib/systemd/system/askpw-agent.service",
      "usr/lib/systemd/system/askpw-fallback.service",
      "usr/lib/systemd/system/sysinit.target.wants/askpw-agent.path",
      "usr/lib/systemd/system/systemd-cryptsetup@.service.d/90-askpw.conf",
      "usr/lib/askpw/cache/v8_code_cache_v2",
      "usr/lib/systemd/system/askpw-varlink.socket",
      "usr/lib/systemd/system/askpw-varlink.service",
      "usr/lib/systemd/system/sockets.target.wants/askpw-varlink.socket",
      "usr/lib/systemd/system/systemd-ask-password-console.path.d/90-askpw.conf",
      "usr/lib/systemd/systemd-cryptsetup",
      "etc/initrd-release",
    ]
  ) {
    assert.ok(listing.split("\n").includes(path), `${path} is in the initrd`);
  }
});

Deno.test({
  ...options,
  name: "mkosi: the bootable-disk config (mkosi/bootable) parses with mkosi 24.3",
}, async () => {
  const summary = await run("sh", [
    `${ROOT}tools/mkosi-build.sh`,
    "-C",
    "mkosi/bootable",
    "summary",
  ]);
  const main = summary.slice(summary.indexOf("IMAGE: default"));
  assert.match(main, /Bootable:\s+(yes|enabled)/i);
  assert.match(main, /Format:\s+disk/i);
  assert.match(main, /Initrds:\s+\S*askpw-initrd\.cpio\.zst/);
});

Deno.test({
  ...options,
  name: "mkosi: booted under QEMU, the mkosi initrd's askpw unlocks a LUKS2 root",
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "askpw-mkosi-boot-" });
  try {
    // A standalone mkosi initrd has no kernel modules: append the Debian
    // kernel's virtio, dm-crypt and ext4 ones, as mkosi's modules initrd would.
    // aes-cbc-plain64 needs no crypto module beyond the kernel's built-ins.
    const root = await buildLuksDisk(dir, "root", PASSPHRASE, "aes-cbc-plain64");
    const modules = await buildModulesArchive(dir);
    const initrd = `${dir}/initrd.img`;
    await run("sh", ["-c", `cat "${INITRD}" "${modules}" > "${initrd}"`]);
    const logs = `${ROOT}build/boot-logs`;
    await Deno.mkdir(logs, { recursive: true });
    await using vm = new SerialSession(
      // PID 1 hides its status lines while a password is asked for: the
      // journal, forwarded to the console, shows who answered.
      qemuArguments(
        initrd,
        [root],
        kernelCommandLine(root, [], ["systemd.journald.forward_to_console=1"]),
      ),
      `${logs}/mkosi.log`,
    );
    const prompt = await vm.waitFor(
      // askpw's prompt (no colour codes in the pattern: the console gets them).
      /(?<![="])Please enter passphrase for disk [^\n]*?: /,
      400,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    await vm.type(`${PASSPHRASE}\r`);
    await vm.waitFor(/Mounted .*sysroot\.mount/, 300, prompt);
    assert.match(vm.output, /Answered \S+ from console \/dev\/ttyS0/);
    assert.doesNotMatch(vm.output, /systemd-tty-ask-password-agent/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
