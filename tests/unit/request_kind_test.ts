// The Message= and Id= texts are systemd-cryptsetup 252's (see
// ../shared/docs/tpm2-unlock.md: cryptsetup.c, cryptsetup-tpm2.c,
// cryptsetup-fido2.c, shared/pkcs11-util.c).
import assert from "node:assert/strict";
import {
  answerFamily,
  classifyRequest,
  describeDisk,
  kindLabel,
  type RequestKind,
  sharesCachedAnswers,
} from "../../src/request/request_kind.ts";

const plain = { echo: false, silent: false };
const cryptsetup = {
  pid: 4242,
  commandLine: [
    "/usr/lib/systemd/systemd-cryptsetup",
    "attach",
    "root",
    "/dev/null",
    "none",
    "tpm2-device=auto",
  ],
};

const cases: [string, string | undefined, RequestKind][] = [
  ["Please enter passphrase for disk root:", "cryptsetup:/dev/vda2", "passphrase"],
  ["Please enter recovery key for disk root:", "cryptsetup:/dev/vda2", "recovery-key"],
  ["Please enter passphrase or recovery key for disk root:", "cryptsetup:/dev/vda2", "passphrase"],
  [
    "Please enter passphrase for disk root (verification):",
    "cryptsetup-verification:/dev/vda2",
    "verification",
  ],
  ["Please enter LUKS2 token PIN:", undefined, "token-pin"],
  ["Please enter TPM2 PIN:", undefined, "tpm2-pin"],
  ["Please enter security token PIN:", undefined, "fido2-pin"],
  [
    "Please enter PIN for security token 'YubiKey PIV' in order to unlock root:",
    "pkcs11:token=YubiKey%20PIV",
    "pkcs11-pin",
  ],
  [
    "Please enter PIN for security token 'YubiKey PIV' in order to unlock root (try #2):",
    "pkcs11:token=YubiKey%20PIV",
    "pkcs11-pin",
  ],
  [
    "PIN has been entered incorrectly previously, please enter correct PIN for security token " +
    "'YubiKey PIV' in order to unlock root:",
    undefined,
    "pkcs11-pin",
  ],
  [
    "Please enter correct PIN for security token 'YubiKey PIV' in order to unlock root (final try):",
    undefined,
    "pkcs11-pin",
  ],
  ["Password:", undefined, "password"],
];

for (const [message, id, kind] of cases) {
  Deno.test(`classifyRequest: ${JSON.stringify(message)} is ${kind}`, () => {
    assert.equal(classifyRequest({ ...plain, message, id }).kind, kind);
  });
}

Deno.test("classifyRequest: Echo=1 is a question (PAM's visible prompts); Silent=1 wins", () => {
  assert.equal(
    classifyRequest({ message: "Username:", echo: true, silent: false }).kind,
    "question",
  );
  assert.equal(classifyRequest({ message: "x", echo: true, silent: true }).kind, "password");
});

Deno.test("classifyRequest: a question systemd's executor asks is a PAM question, echoed or not", () => {
  const executor = { pid: 7, exe: "/usr/lib/systemd/systemd-executor", unit: "pam-test.service" };
  for (const echo of [false, true]) {
    assert.equal(
      classifyRequest({ message: "Token code:", echo, silent: false }, executor).kind,
      "pam-question",
    );
  }
  // Only without Id= (a disk's request keeps its kind), and only from the executor.
  assert.equal(
    classifyRequest({ ...plain, message: "x", id: "cryptsetup:/dev/vda" }, executor).kind,
    "passphrase",
  );
  assert.equal(
    classifyRequest({ ...plain, message: "Token code:" }, {
      pid: 7,
      exe: "/usr/bin/not-systemd-executor-really",
    }).kind,
    "password",
  );
  assert.equal(kindLabel("pam-question"), "PAM question");
  assert.equal(answerFamily("pam-question"), "question");
});

Deno.test("sharesCachedAnswers: every kind but a PAM question", () => {
  assert.equal(sharesCachedAnswers("pam-question"), false);
  assert.equal(sharesCachedAnswers("passphrase"), true);
  assert.equal(sharesCachedAnswers("question"), true);
});

Deno.test("classifyRequest: the disk from a systemd-cryptsetup asker's command line", () => {
  const { kind, disk } = classifyRequest(
    { ...plain, message: "Please enter TPM2 PIN:" },
    cryptsetup,
  );
  assert.equal(kind, "tpm2-pin");
  assert.deepEqual(disk, { volume: "root", device: "/dev/null" });
});

Deno.test("classifyRequest: the device from Id=, C escapes undone, links resolved", () => {
  // As /dev/disk/by-uuid/… links lead to /dev/vda2 (a dash escaped as systemd does).
  const link = `/dev/askpw-test-${Deno.pid}`;
  Deno.symlinkSync("/dev/null", link);
  try {
    const { disk } = classifyRequest({
      ...plain,
      message: "Please enter passphrase for disk x:",
      id: `cryptsetup:/dev/askpw\\x2dtest\\x2d${Deno.pid}`,
    });
    assert.deepEqual(disk, { device: "/dev/null" });
  } finally {
    Deno.removeSync(link);
  }
});

Deno.test("classifyRequest: another program's command line names no disk", () => {
  const { disk } = classifyRequest({ ...plain, message: "Please enter TPM2 PIN:" }, {
    pid: 1,
    commandLine: ["/usr/bin/evil", "attach", "root", "/dev/vda"],
  });
  assert.equal(disk, undefined);
});

Deno.test("answerFamily: PINs, passphrases and the rest; a verification is none", () => {
  assert.deepEqual(
    ([
      "token-pin",
      "tpm2-pin",
      "fido2-pin",
      "pkcs11-pin",
      "passphrase",
      "recovery-key",
      "password",
      "question",
      "verification",
    ] as RequestKind[]).map(answerFamily),
    ["pin", "pin", "pin", "pin", "passphrase", "passphrase", "password", "question", undefined],
  );
});

Deno.test("kindLabel and describeDisk", () => {
  assert.equal(kindLabel("tpm2-pin"), "TPM2 PIN");
  assert.equal(kindLabel("password"), undefined);
  assert.equal(describeDisk({ volume: "root", device: "/dev/vda2" }), "disk root (/dev/vda2)");
  assert.equal(describeDisk({ device: "/dev/vda2" }), "disk /dev/vda2");
  assert.equal(describeDisk({ volume: "root" }), "disk root");
});
