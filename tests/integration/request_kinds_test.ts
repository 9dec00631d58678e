/**
 * Every unlock question named for what it is and for which disk: requests
 * written exactly as systemd-cryptsetup 252 writes them (FIDO2 and PKCS#11
 * cannot be emulated here; TPM2 and recovery keys boot for real in
 * tests/boot/tpm2_test.ts), the asker a stand-in with systemd-cryptsetup's
 * command line; retries recognised by disk; a PAM-style question with its
 * deadline counted down.
 */
import assert from "node:assert/strict";
import { monotonicMicros } from "../../src/ffi/clock.ts";
import { ASKPW_PERMISSIONS, startAskpw } from "../helpers/agents.ts";
import { CryptsetupStandIn } from "../helpers/cryptsetup_standin.ts";
import { PrivateNamespace } from "../helpers/private_namespace.ts";
import { PtyConsole } from "../helpers/pty_console.ts";
import { RecordingAsker, showBytes } from "../helpers/recording_asker.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const encoder = new TextEncoder();
const MOD = new URL("../../src/cli/program.ts", import.meta.url).pathname;

function expectReply(actual: Uint8Array | null, expected: string): void {
  assert.equal(showBytes(actual), showBytes(encoder.encode(expected)));
}

/** A /dev link standing for a disk's by-uuid link: askpw resolves it to its node. */
class DeviceLink implements Disposable {
  readonly path = `/dev/askpw-disk-${Deno.pid}-${crypto.randomUUID().slice(0, 6)}`;
  constructor(target = "/dev/null") {
    Deno.symlinkSync(target, this.path);
  }
  [Symbol.dispose](): void {
    Deno.removeSync(this.path);
  }
}

async function listJson(namespace: PrivateNamespace) {
  const { stdout } = await namespace.command(
    Deno.execPath(),
    ["run", ...ASKPW_PERMISSIONS, MOD, "list", "--json"],
    { stdout: "piped" },
  ).output();
  return JSON.parse(new TextDecoder().decode(stdout));
}

Deno.test({
  ...options,
  name: "a FIDO2 PIN request (no Id=) is named with its disk, from the asker's command line",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  using device = new DeviceLink();
  await using standIn = await CryptsetupStandIn.start(
    namespace,
    "data",
    device.path,
    "fido2-device=auto",
  );
  using asker = RecordingAsker.create(namespace, {
    message: "Please enter security token PIN:",
    acceptCached: true,
    pid: standIn.pid,
  });
  const [entry] = await listJson(namespace);
  assert.equal(entry.kind, "fido2-pin");
  assert.deepEqual(entry.disk, { volume: "data", device: "/dev/null" });
  await using agent = startAskpw(namespace, ["watch", `--console=${pty.path}`]);
  await pty.waitFor(
    `FIDO2 security token PIN · disk data (/dev/null) · asked by systemd-cryptsetup (PID ${standIn.pid})\r\n` +
      "Please enter security token PIN: ",
  );
  pty.type("123456\r");
  expectReply(await asker.reply(), "+123456\0");
  await agent.waitForLog(/; kind fido2-pin, disk data \(\/dev\/null\)/);
});

Deno.test({
  ...options,
  name: "PKCS#11 PIN requests, first and final try, are named as such",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  await using standIn = await CryptsetupStandIn.start(
    namespace,
    "home",
    "/dev/null",
    "pkcs11-uri=auto",
  );
  await using _agent = startAskpw(namespace, ["watch", `--console=${pty.path}`]);
  for (
    const message of [
      "Please enter PIN for security token 'YubiKey PIV' in order to unlock home:",
      "Please enter correct PIN for security token 'YubiKey PIV' in order to unlock home (final try):",
    ]
  ) {
    using asker = RecordingAsker.create(namespace, {
      message,
      id: "pkcs11:token=YubiKey%20PIV",
      pid: standIn.pid,
    });
    await pty.waitFor(`PKCS#11 token PIN · disk home (/dev/null)`);
    await pty.waitFor(message);
    pty.type("pin\r");
    expectReply(await asker.reply(), "+pin\0");
    asker.withdraw();
  }
});

Deno.test({
  ...options,
  name: "a wrong token PIN, then the passphrase for the same disk: 'the previous PIN was not " +
    "accepted'; a PIN never answers a passphrase request from the cache, nor the reverse",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  await using root = await CryptsetupStandIn.start(
    namespace,
    "root",
    "/dev/null",
    "tpm2-device=auto",
  );
  await using other = await CryptsetupStandIn.start(namespace, "other", "/dev/zero");
  await using third = await CryptsetupStandIn.start(namespace, "third", "/dev/full");
  await using agent = startAskpw(namespace, ["watch", `--console=${pty.path}`]);
  // systemd-cryptsetup 252 asks the generic token PIN first (AcceptCached=1, no Id=)…
  const pin = RecordingAsker.create(namespace, {
    message: "Please enter LUKS2 token PIN:",
    acceptCached: true,
    pid: root.pid,
  });
  const at = await pty.waitFor("LUKS2 token PIN · disk root (/dev/null)");
  pty.type("wrong-pin\r");
  expectReply(await pin.reply(), "+wrong-pin\0");
  pin[Symbol.dispose]();
  // …and, the PIN rejected by the TPM, the passphrase next (AcceptCached=0).
  using passphrase = RecordingAsker.create(namespace, {
    message: "Please enter passphrase for disk root:",
    id: "cryptsetup:/dev/null",
    pid: root.pid,
  });
  const notice = await pty.waitFor("The previous PIN was not accepted (attempt 2).", 10_000, at);
  await pty.waitFor("Passphrase · disk root (/dev/null)", 10_000, notice);
  pty.type("the passphrase\r");
  expectReply(await passphrase.reply(), "+the passphrase\0");
  passphrase.withdraw();
  // Another disk asks for a passphrase with AcceptCached=1: the passphrase typed
  // for root answers it from the cache, the PIN never does.
  using cached = RecordingAsker.create(namespace, {
    message: "Please enter passphrase for disk other:",
    id: "cryptsetup:/dev/zero",
    acceptCached: true,
    pid: other.pid,
  });
  expectReply(await cached.reply(), "+the passphrase\0");
  cached.withdraw();
  // And a third disk's token PIN request gets the PIN cache, not the passphrase.
  using thirdPin = RecordingAsker.create(namespace, {
    message: "Please enter LUKS2 token PIN:",
    acceptCached: true,
    pid: third.pid,
  });
  expectReply(await thirdPin.reply(), "+wrong-pin\0");
  await agent.waitForLog(/Answered \S+ from the password cache/);
});

Deno.test({
  ...options,
  name:
    "a PAM-style question (Echo=1, deadline 15 s away) shows the time left, updated in place, " +
    "and is withdrawn when it passes",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  await using agent = startAskpw(namespace, ["watch", `--console=${pty.path}`], {
    SYSTEMD_COLORS: "1",
  });
  await agent.waitForLog(/^/);
  using _asker = RecordingAsker.create(namespace, {
    message: "Login for service foo:",
    echo: true,
    notAfter: monotonicMicros() + 15_000_000n,
  });
  const asker = `asked by deno \\(PID ${Deno.pid}\\)`;
  const shown = await pty.waitFor(
    new RegExp(`\x1b\\[0;2m1[45] s left · ${asker}\x1b\\[0m\r?\n`),
  );
  // Rewritten in place each second: save cursor, up one line, rewrite, restore.
  for (const left of [13, 12, 2, 1]) {
    await pty.waitFor(
      new RegExp(`\x1b7\x1b\\[1A\r\x1b\\[0;2m${left} s left · ${asker}\x1b\\[0m\x1b\\[K\x1b8`),
      15_000,
      shown,
    );
  }
  await pty.waitFor("(withdrawn)", 5000, shown);
  await agent.waitForLog(/Withdrawing \S+: its NotAfter= passed/);
  await agent.waitForLog(/; kind question/);
});
