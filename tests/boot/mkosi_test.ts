/**
 * mkosi: the repository's mkosi.conf, built with Debian's mkosi 24.3 in a
 * throwaway bookworm root (tools/mkosi-build.sh), gives a cpio initrd that
 * carries askpw; booted under QEMU with the Debian kernel, askpw unlocks a
 * LUKS2 root. The bootable-disk config is checked to parse. The same for
 * Debian trixie: mkosi/trixie/ (systemd 257, systemd-cryptsetup a package of
 * its own), built by the same mkosi and booted with trixie's kernel 6.12 from
 * the cached trixie root of tests/package/distributions.ts.
 */
import assert from "node:assert/strict";
import { buildModulesArchive, earlyCpio } from "../../tools/vm/dracut_initrd.ts";
import { buildLuksDisk } from "../../tools/vm/luks_disk.ts";
import { kernelCommandLine, qemuArguments } from "../../tools/vm/qemu.ts";
import { run } from "../../tools/vm/run.ts";
import { SerialSession } from "../../tools/vm/serial_session.ts";
import { distributionRoot, TRIXIE } from "../package/distributions.ts";
import { rootKernel } from "../package/package_root.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const INITRD = `${ROOT}out/askpw-initrd.cpio.zst`;
const TRIXIE_INITRD = `${ROOT}out/askpw-initrd-trixie.cpio.zst`;
const PASSPHRASE = "mkosi passphrase";
const options = { sanitizeOps: false, sanitizeResources: false };

/** What every mkosi initrd of askpw's must hold. */
const EXPECTED_PATHS = [
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
];

/** The paths in a zstd cpio archive, without the leading "/". */
async function cpioListing(archive: string): Promise<string[]> {
  return (await run("sh", ["-c", `zstd -dc "${archive}" | cpio -t --quiet`])).split("\n");
}

/** One file of a zstd cpio archive. */
async function cpioFile(archive: string, path: string): Promise<string> {
  return await run("sh", ["-c", `zstd -dc "${archive}" | cpio -i --quiet --to-stdout "${path}"`]);
}

Deno.test({
  ...options,
  name: "mkosi: mkosi.conf builds a cpio initrd with askpw, its units and cryptsetup",
}, async () => {
  await run("sh", [`${ROOT}tools/mkosi-build.sh`]);
  const listing = await cpioListing(INITRD);
  for (const path of EXPECTED_PATHS) {
    assert.ok(listing.includes(path), `${path} is in the initrd`);
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

/** The kernel a boot uses instead of the host's Debian one. */
interface BootKernel {
  /** Its image. */
  vmlinuz: string;
  /** Its version, and the root whose lib/modules holds its modules (only read). */
  modules: { version: string; modulesRoot: string };
}

/**
 * Boots a mkosi initrd (with the kernel's virtio, dm-crypt and ext4 modules
 * appended) on a LUKS2 root, types the passphrase at askpw's console prompt
 * and waits for /sysroot.
 *
 * @returns The console output and the second (since QEMU started) at which the prompt showed.
 */
async function bootAndUnlock(
  mkosiInitrd: string,
  log: string,
  kernel?: BootKernel,
  extraModules: string[] = [],
): Promise<{ output: string; promptSeconds: number }> {
  const dir = await Deno.makeTempDir({ prefix: "askpw-mkosi-boot-" });
  try {
    // A standalone mkosi initrd has no kernel modules: append the kernel's
    // virtio, dm-crypt and ext4 ones, as mkosi's modules initrd would.
    // aes-cbc-plain64 needs no crypto module beyond the kernel's built-ins.
    const root = await buildLuksDisk(dir, "root", PASSPHRASE, "aes-cbc-plain64");
    const modules = await buildModulesArchive(dir, kernel?.modules, extraModules);
    const initrd = `${dir}/initrd.img`;
    await run("sh", ["-c", `cat "${mkosiInitrd}" "${modules}" > "${initrd}"`]);
    const logs = `${ROOT}build/boot-logs`;
    await Deno.mkdir(logs, { recursive: true });
    await using vm = new SerialSession(
      // PID 1 hides its status lines while a password is asked for: the
      // journal, forwarded to the console, shows who answered.
      qemuArguments(
        initrd,
        [root],
        kernelCommandLine(root, [], ["systemd.journald.forward_to_console=1"]),
        { kernel: kernel?.vmlinuz },
      ),
      `${logs}/${log}`,
    );
    const prompt = await vm.waitFor(
      // askpw's prompt (no colour codes in the pattern: the console gets them).
      /(?<![="])Please enter passphrase for disk [^\n]*?: /,
      400,
    );
    const promptSeconds = Number(vm.elapsed.toFixed(1));
    await new Promise((resolve) => setTimeout(resolve, 500));
    await vm.type(`${PASSPHRASE}\r`);
    await vm.waitFor(/Mounted .*sysroot\.mount/, 300, prompt);
    assert.match(vm.output, /Answered \S+ from console \/dev\/ttyS0/);
    assert.doesNotMatch(vm.output, /systemd-tty-ask-password-agent/);
    return { output: vm.output, promptSeconds };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  ...options,
  name: "mkosi: booted under QEMU, the mkosi initrd's askpw unlocks a LUKS2 root",
}, async () => {
  await bootAndUnlock(INITRD, "mkosi.log");
});

/**
 * The packing of the runtime the image test builds (ASKPW_MKOSI_RUNTIME), as
 * the dracut module's askpw_runtime: an image in the uncompressed early cpio.
 */
const IMAGE_RUNTIME = "squashfs";
const IMAGE_INITRD = `${ROOT}out/askpw-initrd-${IMAGE_RUNTIME}.cpio.zst`;

Deno.test({
  ...options,
  name: `mkosi: ASKPW_MKOSI_RUNTIME=${IMAGE_RUNTIME} puts the runtime as a ${IMAGE_RUNTIME} ` +
    "image in an uncompressed cpio in front; booted, askpw mounts it and unlocks a LUKS2 root",
}, async () => {
  await run("sh", [`${ROOT}tools/mkosi-build.sh`], {
    env: { ASKPW_MKOSI_RUNTIME: IMAGE_RUNTIME },
  });
  // The early cpio (uncompressed, in front): the image alone.
  const { bytes, files } = await earlyCpio(IMAGE_INITRD);
  assert.deepEqual(Object.keys(files).filter((path) => path.startsWith("usr/lib/askpw")), [
    `usr/lib/askpw.${IMAGE_RUNTIME}`,
  ]);
  // The compressed part after it: the units, an empty mount point, no Deno.
  const rest = (await run("sh", [
    "-c",
    `tail -c +${bytes + 1} "${IMAGE_INITRD}" | zstd -dc | cpio -t --quiet`,
  ])).split("\n");
  assert.ok(!rest.includes("usr/lib/askpw/deno"), "Deno is not compressed with the rest");
  for (
    const path of [
      "usr/lib/askpw",
      "usr/lib/systemd/system/usr-lib-askpw.mount",
      "usr/lib/systemd/system/sysinit.target.wants/usr-lib-askpw.mount",
      "usr/lib/systemd/system/askpw-agent.service.d/90-askpw-runtime.conf",
      "usr/lib/modules-load.d/askpw-runtime.conf",
    ]
  ) assert.ok(rest.includes(path), `${path} is in the initrd`);
  const { output } = await bootAndUnlock(
    IMAGE_INITRD,
    `mkosi-${IMAGE_RUNTIME}.log`,
    undefined,
    ["loop", IMAGE_RUNTIME],
  );
  assert.match(output, new RegExp(`Mounted .*usr-lib-askpw\\.mount`));
  const sizes = {
    inline: (await Deno.stat(INITRD)).size,
    image: (await Deno.stat(IMAGE_INITRD)).size,
  };
  console.log(
    `mkosi ${IMAGE_RUNTIME}: initrd ${(sizes.image / 1e6).toFixed(1)} MB ` +
      `(inline: ${(sizes.inline / 1e6).toFixed(1)} MB)`,
  );
});

Deno.test({
  ...options,
  name:
    "mkosi: mkosi/trixie builds a Debian trixie cpio initrd with askpw, its units, cryptsetup and systemd-cryptsetup",
}, async () => {
  const started = performance.now();
  await run("sh", [`${ROOT}tools/mkosi-build.sh`], { env: { ASKPW_MKOSI_SUITE: "trixie" } });
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  const listing = await cpioListing(TRIXIE_INITRD);
  for (const path of [...EXPECTED_PATHS, "usr/bin/systemd-cryptsetup"]) {
    assert.ok(listing.includes(path), `${path} is in the initrd`);
  }
  assert.match(await cpioFile(TRIXIE_INITRD, "usr/lib/os-release"), /^VERSION_CODENAME=trixie$/m);
  // trixie's systemd (257), not bookworm's (252).
  assert.ok(listing.some((path) => /\/libsystemd-shared-257[.\d]*\.so$/.test(path)));
  const { size } = await Deno.stat(TRIXIE_INITRD);
  console.log(
    `mkosi trixie: built in ${seconds} s, ${(size / 1e6).toFixed(1)} MB (${size} bytes, zstd)`,
  );
});

Deno.test({
  ...options,
  name:
    "mkosi: booted under QEMU with trixie's kernel 6.12, the mkosi trixie initrd's askpw unlocks a LUKS2 root",
}, async () => {
  // The cached trixie root (made on first use) is only read: its kernel and modules.
  const root = await distributionRoot(TRIXIE);
  const { kernelVersion, vmlinuz } = rootKernel(root);
  assert.match(kernelVersion, /^6\.12\./);
  const { output, promptSeconds } = await bootAndUnlock(TRIXIE_INITRD, "mkosi-trixie.log", {
    vmlinuz,
    modules: { version: kernelVersion, modulesRoot: root },
  });
  assert.match(output, /Linux version 6\.12\./);
  assert.match(output, /systemd 257\S* running in system mode/);
  assert.match(output, /Running in initrd/);
  const { size } = await Deno.stat(TRIXIE_INITRD);
  console.log(
    `mkosi trixie: kernel ${kernelVersion}, initrd ${
      (size / 1e6).toFixed(1)
    } MB, askpw's prompt at ${promptSeconds} s after QEMU started (TCG)`,
  );
});
