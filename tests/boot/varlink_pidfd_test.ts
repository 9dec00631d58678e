/**
 * `askpw varlink` socket-activated by a socket unit with systemd 258's
 * `PassPIDFD=yes` and `AcceptFileDescriptors=no`, booted for real on Debian
 * sid (systemd 262, kernel 7.2) from the .deb installed in sid's root, whose
 * own dracut builds the initrd with the test module 99askpw-e2e.
 *
 * The socket (askpw-e2e-varlinkpidfd.socket, on the test path
 * /run/askpw-test/varlink, not systemd's own io.systemd.AskPassword) gets
 * the two settings from a drop-in its generator writes only where systemd is
 * 258 or newer: the first test runs `systemd-analyze verify` on the units
 * with systemd 252 (this host), 257 (trixie's root) and 262 (sid's root),
 * where they load without a warning; the same settings written into a unit
 * file do make 252 and 257 warn.
 *
 * In the boot, an initrd unit runs tests/helpers/varlink_caller.ts (bundled,
 * on askpw's Deno): a GetInfo with a descriptor attached, which the kernel
 * refuses (EPERM), a GetInfo on the same connection, answered, then an Ask
 * answered at askpw's console prompt. askpw's log names the caller's unit
 * and the pidfs ID the caller reported for itself, from the pidfd that came
 * with the message. The boot is recorded in build/boot-logs/.
 */
import assert from "node:assert/strict";
import { distributionRoot, SID, TRIXIE } from "../package/distributions.ts";
import { inRoot, preparePackageRoot } from "../package/package_root.ts";
import { testDeb } from "../package/test_deb.ts";
import { stageE2eModule } from "../../tools/vm/dracut_initrd.ts";
import { buildLuksDisk } from "../../tools/vm/luks_disk.ts";
import { kernelCommandLine, qemuArguments } from "../../tools/vm/qemu.ts";
import { run } from "../../tools/vm/run.ts";
import {
  bootAgainIfPanickedEarly,
  reportLines,
  SerialSession,
} from "../../tools/vm/serial_session.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const MODULE = `${ROOT}tests/boot/dracut/99askpw-e2e`;
const SOCKET_UNIT = "askpw-e2e-varlinkpidfd.socket";
const UNITS = [
  SOCKET_UNIT,
  "askpw-e2e-varlinkpidfd.service",
  "askpw-e2e-varlinkpidfd-caller.service",
];
const GENERATOR = "askpw-e2e-varlinkpidfd-generator.sh";
const PASSPHRASE = "correct horse battery";
const ANSWER = "pidfd staple 7";
const TIMEOUT_SECONDS = 400;
const options = { sanitizeOps: false, sanitizeResources: false };

function base64(bytes: Uint8Array): string {
  return btoa(Array.from(bytes, (byte) => String.fromCharCode(byte)).join(""));
}

/**
 * A script for sh that, wherever it runs (the host, or a root through
 * inRoot), runs the generator as systemd would and verifies the units in a
 * scratch root under /run (stubs for the programs they start), then twice
 * more as controls: with the two settings in a drop-in of their own, and
 * with a key no systemd knows. Each `systemd-analyze verify` prints its
 * output as `NAME: line` and `NAME exit: N`.
 */
function verifyScript(): string {
  const files = [...UNITS, GENERATOR].map((name) =>
    `echo ${base64(Deno.readFileSync(`${MODULE}/${name}`))} | base64 -d >"$v/src/${name}"`
  );
  return `set -eu
v=$(mktemp -d /run/askpw-verify.XXXXXX)
trap 'rm -rf "$v"' EXIT
units=$v/root/etc/systemd/system
mkdir -p "$v/src" "$units" "$v/root/usr/bin" "$v/generator"
${files.join("\n")}
for stub in askpw askpw-e2e-varlinkpidfd.sh; do
  printf '#!/bin/sh\\n' >"$v/root/usr/bin/$stub"
  chmod 755 "$v/root/usr/bin/$stub"
done
cp ${UNITS.map((name) => `"$v/src/${name}"`).join(" ")} "$units/"
echo "version: $(systemctl --version | head -1)"
sh "$v/src/${GENERATOR}" "$v/generator" "$v/generator" "$v/generator"
echo "generated: $(cd "$v/generator" && find . -type f | sort | tr '\\n' ' ')"
[ -d "$v/generator/${SOCKET_UNIT}.d" ] && cp -r "$v/generator/${SOCKET_UNIT}.d" "$units/"
verify() {
  name=$1
  shift
  status=0
  systemd-analyze verify --root="$v/root" "$@" >"$v/out" 2>&1 || status=$?
  sed "s|$v/root||; s/^/$name: /" "$v/out"
  echo "$name exit: $status"
}
verify units ${UNITS.join(" ")}
mkdir -p "$units/${SOCKET_UNIT}.d"
printf '[Socket]\\nPassPIDFD=yes\\nAcceptFileDescriptors=no\\n' >"$units/${SOCKET_UNIT}.d/90-inline.conf"
verify inline ${SOCKET_UNIT}
printf '[Socket]\\nAskpwNoSuchKey=yes\\n' >"$units/${SOCKET_UNIT}.d/90-inline.conf"
verify canary ${SOCKET_UNIT}
`;
}

Deno.test({
  ...options,
  name: "the test socket's units load without warnings on systemd 252, 257 and 262; " +
    "PassPIDFD= and AcceptFileDescriptors= reach 262 only (a generator's drop-in)",
}, async () => {
  const script = verifyScript();
  const results = {
    252: await run("sh", ["-c", script]),
    257: await inRoot(await distributionRoot(TRIXIE), script),
    262: await inRoot(await distributionRoot(SID), script),
  };
  for (const [version, output] of Object.entries(results)) {
    const lines = (name: string) =>
      output.split("\n").filter((line) => line.startsWith(`${name}: `)).map((line) =>
        line.slice(name.length + 2)
      );
    assert.match(output, new RegExp(`^version: systemd ${version} `, "m"), output);
    // The units themselves: not a word from systemd-analyze.
    assert.deepEqual(lines("units"), [], `systemd ${version}: ${output}`);
    assert.match(output, /^units exit: 0$/m, output);
    // The canary: verify does report an unknown key on every version.
    assert.match(
      lines("canary").join("\n"),
      /Unknown key( name)? '?AskpwNoSuchKey'? in section '?\[?Socket\]?'?, ignoring/,
      output,
    );
    const unknown = lines("inline").filter((line) => /Unknown key/.test(line));
    if (version === "262") {
      assert.match(
        output,
        /^generated: \.\/askpw-e2e-varlinkpidfd\.socket\.d\/50-askpw-e2e-pidfd\.conf $/m,
      );
      assert.deepEqual(unknown, [], output);
    } else {
      // 252 and 257 would warn about the two settings: the generator writes nothing there.
      assert.match(output, /^generated: $/m, output);
      assert.equal(unknown.length, 2, output);
      assert.match(unknown[0], /PassPIDFD/);
      assert.match(unknown[1], /AcceptFileDescriptors/);
    }
  }
});

Deno.test({
  ...options,
  name:
    "sid boot: askpw varlink socket-activated with PassPIDFD=yes and AcceptFileDescriptors=no: " +
    "the caller named by its message's pidfd (unit, pidfs ID), a descriptor refused with EPERM",
}, async () => {
  const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "askpw-varlink-pidfd-" });
  try {
    const module = `${dir}/99askpw-e2e`;
    await stageE2eModule(module);
    await run(Deno.execPath(), [
      "bundle",
      "--quiet",
      "--platform=deno",
      "-o",
      `${module}/varlink_caller.js`,
      `${ROOT}tests/helpers/varlink_caller.ts`,
    ]);
    await distributionRoot(SID);
    const { vmlinuz, initrd, root } = await preparePackageRoot({
      deb: await testDeb(),
      directory: dir,
      suite: SID.suite,
      extraPackages: SID.extraPackages,
      dracutModules: [module],
      dracutArgs: ["--zstd", "--add", "askpw-e2e"],
    });
    const listing = await inRoot(root, "lsinitrd /boot/initrd-test.img");
    for (const file of [...UNITS, "askpw-e2e-varlinkpidfd-generator", "varlink_caller.js"]) {
      assert.ok(listing.includes(`/${file}\n`), `${file} is in the initrd`);
    }
    const disk = await buildLuksDisk(dir, "root", PASSPHRASE);
    const logs = `${ROOT}build/boot-logs/`;
    await Deno.mkdir(logs, { recursive: true });
    const append = kernelCommandLine(disk, [], [
      "plymouth.enable=0",
      "rd.plymouth=0",
      "askpw.e2e.varlinkpidfd",
    ]);
    // Should the guest kernel panic before the first prompt (sid's kernel
    // under TCG, rarely), the same boot runs again, once.
    let prompted = false;
    const bootOnce = async (): Promise<string> => {
      await using vm = new SerialSession(
        qemuArguments(initrd, [disk], append, { kernel: vmlinuz }),
        `${logs}sid-varlink-pidfd.log`,
      );
      let offset = await vm.waitFor(/(?<![="])Varlink pidfd question:/, TIMEOUT_SECONDS);
      prompted = true;
      await new Promise((resolve) => setTimeout(resolve, 500));
      await vm.type(`${ANSWER}\r`);
      offset = await vm.waitFor(
        /(?<![="])Please enter passphrase for disk [^\n]*?:/,
        TIMEOUT_SECONDS,
        offset,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      await vm.type(`${PASSPHRASE}\r`);
      offset = await vm.waitFor(/E2E: root mounted/, TIMEOUT_SECONDS, offset);
      await vm.waitFor(/UNLOCK-OK/, TIMEOUT_SECONDS, offset);
      await vm.exit(120);
      return vm.output;
    };
    const output = await bootAgainIfPanickedEarly("sid varlink pidfd", () => prompted, bootOnce);
    const e2e = reportLines(output);
    assert.match(e2e, new RegExp(`E2E: root marker: ${disk.marker}`));
    const report = e2e.split("\n").filter((line) => line.startsWith("E2E-VARLINKPIDFD: "))
      .map((line) => line.slice("E2E-VARLINKPIDFD: ".length)).join("\n");
    const log = e2e.split("\n").filter((line) => line.startsWith("E2E-VARLINKPIDFD-LOG: "))
      .map((line) => line.slice("E2E-VARLINKPIDFD-LOG: ".length)).join("\n");
    const field = (key: string) => new RegExp(`^${key}=(.*)$`, "m").exec(report)?.[1];
    // systemd 262 took the generator's drop-in, and askpw got a socket with both options.
    assert.match(
      report,
      /^socket: PassPIDFD=yes AcceptFileDescriptors=no drop-ins=\S*50-askpw-e2e-pidfd\.conf/m,
    );
    assert.match(
      log,
      /^Varlink socket: SO_PASSPIDFD on, SO_PASSRIGHTS=0\nServing io\.systemd\.AskPassword on the socket systemd passed$/m,
    );
    assert.match(report, /^unit askpw-e2e-varlinkpidfd\.service: active\/success$/m);
    assert.match(report, /^unit askpw-e2e-varlinkpidfd-caller\.service: active\/success$/m);
    // The descriptor: refused by the kernel, and the connection served on.
    assert.match(report, /^descriptor exit status: 0$/m);
    assert.equal(field("descriptor: descriptor-send"), "refused (EPERM)");
    assert.match(field("descriptor: next-reply") ?? "", /"product":"askpw"/);
    assert.doesNotMatch(log, /file descriptor/);
    // The Ask: answered, and logged with the unit and pidfs ID the caller has.
    assert.match(report, /^ask exit status: 0$/m);
    assert.equal(field("ask: unit"), "askpw-e2e-varlinkpidfd-caller.service");
    const pid = field("ask: pid");
    const pidfs = field("ask: pidfs");
    assert.match(pidfs ?? "", /^\d+$/);
    const who =
      `PID ${pid} \\(unit askpw-e2e-varlinkpidfd-caller\\.service, pidfs ID ${pidfs}\\), uid 0`;
    assert.match(
      log,
      new RegExp(
        `^Varlink: Ask from ${who}: /usr/lib/askpw/deno, known by the pidfd that came with the call$`,
        "m",
      ),
    );
    assert.match(log, new RegExp(`^Varlink: Ask from ${who} answered$`, "m"));
    const digest = Array.from(
      new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(ANSWER))),
      (byte) => byte.toString(16).padStart(2, "0"),
    ).join("");
    assert.match(
      report,
      new RegExp(`^ask: answer: ${ANSWER.length} bytes, sha256 ${digest}$`, "m"),
    );
    assert.ok(!output.includes(ANSWER), "the answer stays off the console");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
