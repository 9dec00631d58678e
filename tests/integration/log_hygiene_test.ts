/**
 * Hostile input cannot flood the log: one bounded line per bad file, a
 * Message quoted at most 200 characters and neutralised, repeats of the same
 * failure rate-limited, and what is valid still answered.
 */
import assert from "node:assert/strict";
import { startAskpw } from "../helpers/agents.ts";
import { PrivateNamespace } from "../helpers/private_namespace.ts";
import { PtyConsole } from "../helpers/pty_console.ts";
import { RecordingAsker, showBytes } from "../helpers/recording_asker.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const encoder = new TextEncoder();

Deno.test({
  ...options,
  name: "a 60 KB hostile Message is quoted in 200 characters, neutralised, on one line",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  await using agent = startAskpw(namespace, ["watch", `--console=${pty.path}`]);
  const message = `Evil\x1b[2J${"A".repeat(60_000)}:`;
  using asker = RecordingAsker.create(namespace, { message });
  await pty.waitFor("AAAA");
  await agent.waitForLog("New request");
  const line = agent.log.split("\n").find((text) => text.includes("New request"))!;
  assert.ok(line.length < 400, `a line of ${line.length} characters`);
  assert.match(line, /"Evil\\x1b\[2JA+…"/);
  pty.type("fine\r");
  assert.equal(showBytes(await asker.reply()), showBytes(encoder.encode("+fine\0")));
});

Deno.test({
  ...options,
  name: "500 malformed files: a burst of lines and a count of the rest; the valid one answered",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  await using agent = startAskpw(namespace, ["watch", `--console=${pty.path}`]);
  const bad = Array.from({ length: 500 }, (_, index) =>
    RecordingAsker.create(namespace, {
      raw: index % 2
        ? `[Ask\nMessage=${"B".repeat(10_000)}\n`
        : `[Ask]\nMessage=no socket ${index}\n`,
    }));
  using good = RecordingAsker.create(namespace, { message: "After the flood:" });
  await pty.waitFor("After the flood: ", 30_000);
  pty.type("still-here\r");
  assert.equal(showBytes(await good.reply()), showBytes(encoder.encode("+still-here\0")));
  const ignored = agent.log.split("\n").filter((line) => line.includes("Ignoring "));
  assert.ok(ignored.length <= 10, `${ignored.length} "Ignoring" lines`);
  assert.ok(agent.log.length < 500 * 20, `${agent.log.length} bytes logged for 500 bad files`);
  for (const line of agent.log.split("\n")) assert.ok(line.length <= 1000);
  for (const asker of bad) asker[Symbol.dispose]();
});
