/**
 * Faults around askpw: an asker whose receive queue is full, an ask
 * directory removed and made again, a console that hangs up and comes back.
 */
import assert from "node:assert/strict";
import { closeFd } from "../../src/ffi/file_descriptor.ts";
import { connectDatagram, sendOnSocket } from "../../src/ffi/datagram_socket.ts";
import { startAskpw } from "../helpers/agents.ts";
import { PrivateNamespace } from "../helpers/private_namespace.ts";
import { PtyConsole } from "../helpers/pty_console.ts";
import { RecordingAsker, showBytes } from "../helpers/recording_asker.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const encoder = new TextEncoder();
const JUNK = new Uint8Array([0x78]); // 'x': askers ignore datagrams not starting with + or -

function expectReply(actual: Uint8Array | null, expected: string): void {
  assert.equal(showBytes(actual), showBytes(encoder.encode(expected)));
}

/** Fills the asker's receive queue (net.unix.max_dgram_qlen) with junk; returns how much. */
function fillQueue(namespace: PrivateNamespace, asker: RecordingAsker): number {
  const fd = connectDatagram(namespace.outside(asker.socketPath));
  let count = 0;
  try {
    while (sendOnSocket(fd, JUNK)) count++;
  } finally {
    closeFd(fd);
  }
  return count;
}

Deno.test({
  ...options,
  name: "an asker with a full receive queue gets its answer once the queue drains",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  await using agent = startAskpw(namespace, ["watch", `--console=${pty.path}`]);
  using asker = RecordingAsker.create(namespace, { message: "Busy asker:" });
  await pty.waitFor("Busy asker: ");
  const junk = fillQueue(namespace, asker);
  assert.ok(junk >= 1);
  pty.type("patience\r");
  await agent.waitForLog(/The asker of \S+ has a full queue; the answer waits for room/);
  // The asker reads its queue: the junk first, then the answer that waited.
  for (let i = 0; i < junk; i++) expectReply(await asker.reply(), "x");
  expectReply(await asker.reply(), "+patience\0");
  await agent.waitForLog(/Answered \S+ from console \S+ once its queue had room/);
  // The reactor kept serving others meanwhile: a new request is prompted at once.
  using next = RecordingAsker.create(namespace, { message: "Next asker:" });
  await pty.waitFor("Next asker: ");
  pty.type("next\r");
  expectReply(await next.reply(), "+next\0");
});

Deno.test({
  ...options,
  name: "an answer waiting for a full queue is dropped when its request goes away",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  await using agent = startAskpw(namespace, ["watch", `--console=${pty.path}`]);
  using asker = RecordingAsker.create(namespace, { message: "Leaving asker:" });
  await pty.waitFor("Leaving asker: ");
  const junk = fillQueue(namespace, asker);
  pty.type("never-delivered\r");
  await agent.waitForLog(/has a full queue; the answer waits for room/);
  asker.withdraw();
  await agent.waitForLog(/Withdrawing the answer waiting for \S+: its ask file vanished/);
  await agent.waitForLog(/Dropped the waiting answer for \S+: the request went away/);
  for (let i = 0; i < junk; i++) expectReply(await asker.reply(), "x");
  assert.equal(await asker.reply(300), null, "the answer was never sent");
});

Deno.test({
  ...options,
  name: "the ask directory removed and made again is watched again",
}, async () => {
  await using namespace = await PrivateNamespace.create({ removableAskDirectory: true });
  using pty = new PtyConsole();
  await using agent = startAskpw(namespace, ["watch", `--console=${pty.path}`]);
  {
    using before = RecordingAsker.create(namespace, { message: "Before removal:" });
    await pty.waitFor("Before removal: ");
    pty.type("one\r");
    expectReply(await before.reply(), "+one\0");
  }
  const directory = namespace.outside(namespace.askDirectory);
  await Deno.remove(directory, { recursive: true });
  await agent.waitForLog(`${namespace.askDirectory} was removed; watching for it to come back`);
  await Deno.mkdir(directory, { mode: 0o755 });
  await agent.waitForLog(`${namespace.askDirectory} is back; watching it again`);
  using after = RecordingAsker.create(namespace, { message: "After recreation:" });
  await pty.waitFor("After recreation: ");
  pty.type("two\r");
  expectReply(await after.reply(), "+two\0");
});

Deno.test({
  ...options,
  name: "a console that hung up is tried again on a tty hot-plug event, not on a timer",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using first = new PtyConsole();
  using second = new PtyConsole();
  const link = `/tmp/askpw-replugged-console-${Deno.pid}`;
  Deno.symlinkSync(first.path, link);
  try {
    await using agent = startAskpw(namespace, ["watch", `--consoles=${link}`]);
    using asker = RecordingAsker.create(namespace, { message: "Replugged:" });
    await first.waitFor("Replugged: ");
    first.hangUp();
    await agent.waitForLog(`console ${link}: `);
    // No timer: three seconds later nothing more was tried or logged.
    const logged = agent.log.length;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal(agent.log.slice(logged), "", "no retry without an event");
    // The console comes back (here: the link now leads to a live pty) and the kernel says so.
    Deno.removeSync(link);
    Deno.symlinkSync(second.path, link);
    await Deno.writeTextFile("/sys/class/tty/tty63/uevent", "change");
    await second.waitFor("Replugged: ");
    second.type("back\r");
    expectReply(await asker.reply(), "+back\0");
  } finally {
    Deno.removeSync(link);
  }
});
