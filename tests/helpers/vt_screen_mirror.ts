/**
 * Runs inside a boot test's initrd: mirrors what virtual terminal 1 shows
 * (/dev/vcsu1, its characters as UTF-32, and /dev/vcsa1 for the size) onto
 * the serial console (tests/helpers/vt_screen.ts), one `E2E-VT: ROW|text` line per row that changed since
 * the last look, five looks a second. The boot test reads the VT as a person
 * would see it, although QEMU runs without a display.
 *
 * @module
 */

import { screenRows } from "./vt_screen.ts";

const LOOK_EVERY_MS = 200;

const out = Deno.openSync(Deno.args[0] ?? "/dev/ttyS0", { write: true });
const encoder = new TextEncoder();
let last: string[] = [];
for (;;) {
  try {
    const rows = screenRows(1);
    const changed: string[] = [];
    rows.forEach((line, row) => {
      if (line !== (last[row] ?? "")) changed.push(`E2E-VT: ${row}|${line}\n`);
    });
    if (changed.length > 0) out.writeSync(encoder.encode(changed.join("")));
    last = rows;
  } catch (error) {
    out.writeSync(encoder.encode(`E2E-VT-ERROR: ${(error as Error).message}\n`));
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  await new Promise((resolve) => setTimeout(resolve, LOOK_EVERY_MS));
}
