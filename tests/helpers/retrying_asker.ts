/**
 * An asker that behaves like systemd-cryptsetup: it asks for a disk's
 * passphrase (`Id=cryptsetup:DEVICE`), and while the answer is wrong it asks
 * again from the same process, up to `tries` times; it exits 0 once the
 * right passphrase came, 1 when the tries are used up. Prints each answer's
 * verdict on stdout.
 *
 * Usage: deno run --allow-all retrying_asker.ts DEVICE RIGHT_PASSPHRASE [TRIES]
 *
 * @module
 */
import { askPassword } from "../../src/asker/ask_password.ts";
import { createLogger } from "../../src/log/log.ts";
import { SYSTEM_ASK_DIRECTORY } from "../../src/protocol/ask_directory.ts";
import { Reactor } from "../../src/reactor/reactor.ts";

const [device, right, tries = "3"] = Deno.args;
const name = device.slice(device.lastIndexOf("/") + 1);
await using reactor = new Reactor();
const log = createLogger();
for (let attempt = 1; attempt <= Number(tries); attempt++) {
  const result = await askPassword({
    directory: SYSTEM_ASK_DIRECTORY,
    message: `Please enter passphrase for disk ${name}:`,
    id: `cryptsetup:${device}`,
    acceptCached: attempt === 1,
    timeoutSeconds: 60,
    reactor,
    log,
    signal: new AbortController().signal,
  });
  if (result.kind !== "answered") {
    console.log(`attempt ${attempt}: ${result.kind}`);
    Deno.exit(1);
  }
  const typed = new TextDecoder().decode(result.passwords[0]);
  // As cryptsetup takes a moment to try the key.
  await reactor.sleep(200);
  if (typed === right) {
    console.log(`attempt ${attempt}: unlocked`);
    Deno.exit(0);
  }
  console.log(`attempt ${attempt}: wrong`);
}
Deno.exit(1);
