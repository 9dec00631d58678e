import assert from "node:assert/strict";
import {
  formatTimeLeft,
  requestSummary,
  retryNotice,
  secondsUntil,
} from "../../src/agent/request_summary.ts";

Deno.test("requestSummary: kind, disk, time left, asker; nothing for a plain password", () => {
  assert.equal(
    requestSummary({
      attempt: 1,
      kind: "tpm2-pin",
      disk: { volume: "root", device: "/dev/vda2" },
      asker: { pid: 7, unit: "systemd-cryptsetup@root.service" },
    }, { secondsLeft: 52 }),
    "TPM2 PIN · disk root (/dev/vda2) · 52 s left · asked by systemd-cryptsetup@root.service",
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
