import assert from "node:assert/strict";
import {
  formatTimeLeft,
  requestSummary,
  retryNotice,
  secondsUntil,
} from "../../src/prompt/request_summary.ts";

Deno.test("requestSummary: kind, time left, disk, asker; nothing for a plain password", () => {
  assert.equal(
    requestSummary({
      attempt: 1,
      kind: "tpm2-pin",
      disk: { volume: "root", device: "/dev/vda2" },
      asker: { pid: 7, unit: "systemd-cryptsetup@root.service" },
    }, { secondsLeft: 52 }),
    "TPM2 PIN · 52 s left · disk root (/dev/vda2) · asked by systemd-cryptsetup@root.service",
  );
  assert.equal(requestSummary({ attempt: 1, kind: "password" }), undefined);
  assert.equal(
    requestSummary({ attempt: 1, kind: "question" }, { secondsLeft: 15 }),
    "15 s left",
  );
});

Deno.test("requestSummary: hostile names are neutralised", () => {
  assert.equal(
    requestSummary({
      attempt: 1,
      disk: { volume: "x\x1b[2J" },
      asker: { pid: 1, unit: "a\u202eb" },
    }),
    "disk x\\x1b[2J · asked by a\\u202eb",
  );
});

Deno.test("retryNotice: names what was answered before", () => {
  assert.equal(retryNotice({ attempt: 1 }), undefined);
  assert.equal(
    retryNotice({ attempt: 2, previous: "pin" }),
    "The previous PIN was not accepted (attempt 2).",
  );
  assert.equal(
    retryNotice({ attempt: 3, previous: "passphrase" }),
    "The previous passphrase was not accepted (attempt 3).",
  );
});

Deno.test("secondsUntil and formatTimeLeft", () => {
  assert.equal(secondsUntil(0n, 5n), undefined, "NotAfter=0: no deadline");
  assert.equal(secondsUntil(18446744073709551615n, 5n), undefined, "UINT64_MAX: none");
  assert.equal(secondsUntil(10_000_001n, 0n), 11, "rounded up");
  assert.equal(secondsUntil(5n, 10n), 0);
  assert.equal(formatTimeLeft(59), "59 s left");
  assert.equal(formatTimeLeft(60), "1 min left");
  assert.equal(formatTimeLeft(90), "1 min 30 s left");
});

Deno.test("requestSummary: the layout after the kind, in the person's language", async () => {
  const { Translator } = await import("../../src/i18n/translator.ts");
  const context = {
    attempt: 1,
    kind: "passphrase" as const,
    disk: { volume: "root", device: "/dev/vda2" },
    asker: { pid: 7, unit: "systemd-cryptsetup@root.service" },
  };
  assert.equal(
    requestSummary(context, { secondsLeft: 90, layout: "de-latin1" }),
    "Passphrase · keyboard de-latin1 · 1 min 30 s left · disk root (/dev/vda2) · " +
      "asked by systemd-cryptsetup@root.service",
  );
  assert.equal(
    requestSummary(context, { secondsLeft: 1, layout: "de-latin1", words: new Translator("de") }),
    "Passphrase · Tastatur de-latin1 · noch 1 s · Datenträger root (/dev/vda2) · " +
      "Anfrage von systemd-cryptsetup@root.service",
  );
  // A layout name is a name, not a place for escape sequences.
  assert.equal(
    requestSummary({ attempt: 1 }, { layout: "us\x1b[2J" }),
    "keyboard us\\x1b[2J",
  );
  assert.equal(
    requestSummary({ attempt: 1 }, { layout: "es", words: new Translator("es"), secondsLeft: 2 }),
    "teclado es · quedan 2 s",
  );
});
