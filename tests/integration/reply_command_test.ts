/**
 * `askpw reply`: one passphrase sent from afar to the pending requests, and
 * the verdict per disk — accepted, not accepted (the asker asked again), or
 * gone — next to askpw's own agent or systemd's, or with no agent at all.
 */
import assert from "node:assert/strict";
import {
  ASKPW_PERMISSIONS,
  RunningAgent,
  startAskpw,
  startSystemdAgent,
  waitForAskFiles,
} from "../helpers/agents.ts";
import { scanProcessMemory } from "../helpers/memory_scan.ts";
import { PrivateNamespace } from "../helpers/private_namespace.ts";
import { PtyConsole } from "../helpers/pty_console.ts";
import { RecordingAsker } from "../helpers/recording_asker.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const MOD = new URL("../../src/cli/program.ts", import.meta.url).pathname;
const RETRYING = new URL("../helpers/retrying_asker.ts", import.meta.url).pathname;

/** A disk asking like systemd-cryptsetup: again, from the same process, after a wrong answer. */
function startDisk(namespace: PrivateNamespace, device: string, right: string): RunningAgent {
  return new RunningAgent(
    namespace.command(Deno.execPath(), ["run", "--allow-all", RETRYING, device, right, "3"], {
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn(),
  );
}

/** `askpw reply ARGS` with `input` on stdin; its status, stdout and stderr. */
async function reply(namespace: PrivateNamespace, args: string[], input: string) {
  const child = namespace.command(Deno.execPath(), [
    "run",
    ...ASKPW_PERMISSIONS,
    MOD,
    "reply",
    ...args,
  ], {
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  return {
    code,
    stdout: new TextDecoder().decode(stdout),
    stderr: new TextDecoder().decode(stderr),
  };
}

Deno.test({
  ...options,
  name: "a wrong passphrase is 'not accepted' (the disk asked again), the right one 'accepted'",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  await using disk = startDisk(namespace, "/dev/vdz", "right horse");
  await waitForAskFiles(namespace);
  const wrong = await reply(namespace, ["--json"], "wrong horse\n");
  assert.equal(wrong.code, 1, wrong.stderr);
  const [first] = JSON.parse(wrong.stdout);
  assert.equal(first.outcome, "not accepted");
  assert.equal(first.reason, "a retry for the same disk came");
  assert.equal(first.kind, "passphrase");
  assert.deepEqual(first.disk, { volume: null, device: "/dev/vdz" });
  await waitForAskFiles(namespace);
  const right = await reply(namespace, ["--json"], "right horse\n");
  assert.equal(right.code, 0, right.stderr);
  assert.equal(JSON.parse(right.stdout)[0].outcome, "accepted");
  assert.equal((await disk.exit()).code, 0);
  assert.equal(disk.stdout, "attempt 1: wrong\nattempt 2: unlocked\n");
});

Deno.test({
  ...options,
  name: "next to askpw watch: the console prompt is withdrawn when the reply is sent",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  await using _agent = startAskpw(namespace, ["watch", `--console=${pty.path}`]);
  await using disk = startDisk(namespace, "/dev/vdy", "remote");
  const shown = await pty.waitFor("Please enter passphrase for disk vdy: ", 30_000);
  const result = await reply(namespace, [], "remote\n");
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "disk /dev/vdy: accepted (the asker finished)\n");
  await pty.waitFor("(withdrawn)", 10_000, shown);
  assert.equal((await disk.exit()).code, 0);
});

Deno.test({
  ...options,
  name: "next to askpw watch: after a wrong passphrase from afar, askpw's next prompt for the " +
    "disk says the previous one was not accepted",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  await using agent = startAskpw(namespace, ["watch", `--console=${pty.path}`]);
  await using disk = startDisk(namespace, "/dev/vdx", "right");
  const first = await pty.waitFor("Please enter passphrase for disk vdx: ", 30_000);
  const wrong = await reply(namespace, [], "wrong\n");
  assert.equal(wrong.code, 1, wrong.stderr);
  const second = await pty.waitFor("Please enter passphrase for disk vdx: ", 30_000, first);
  assert.match(
    pty.textFrom(first).slice(0, second - first + 60),
    /\(withdrawn\)[^]*The previous passphrase was not accepted \(attempt 2\)\.[^]*Please enter passphrase for disk vdx: /,
  );
  await agent.waitForLog(/New request \S+: .*attempt 2/);
  pty.type("right\r");
  assert.equal((await disk.exit()).code, 0);
  assert.equal(disk.stdout, "attempt 1: wrong\nattempt 2: unlocked\n");
});

Deno.test({
  ...options,
  name: "next to systemd's agent, from a password file",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  await using _agent = startSystemdAgent(namespace, ["--watch", `--console=${pty.path}`]);
  await using disk = startDisk(namespace, "/dev/vdx", "from a file");
  await pty.waitFor("Please enter passphrase for disk vdx:", 30_000);
  const file = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(file, "from a file\n");
    const result = await reply(namespace, [`--password-file=${file}`], "");
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^disk \/dev\/vdx: accepted/);
  } finally {
    await Deno.remove(file);
  }
  assert.equal((await disk.exit()).code, 0);
});

Deno.test({
  ...options,
  name: "selection: --disk and --id pick requests; others are left alone; nothing pending is 3",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  await using _vdu = startDisk(namespace, "/dev/vdu", "u");
  await using _vdv = startDisk(namespace, "/dev/vdv", "v");
  using question = RecordingAsker.create(namespace, { message: "Not a disk:" });
  await waitForAskFiles(namespace, 3);
  const u = await reply(namespace, ["--disk=/dev/vdu"], "u\n");
  assert.equal(u.code, 0, u.stderr);
  assert.match(u.stdout, /^disk \/dev\/vdu: accepted/);
  const v = await reply(namespace, ["--id=cryptsetup:/dev/vdv"], "v\n");
  assert.equal(v.code, 0, v.stderr);
  assert.equal(await question.reply(200), null, "a plain password request is not a disk's");
  question.withdraw();
  const none = await reply(namespace, [], "x\n");
  assert.equal(none.code, 3);
  assert.match(none.stderr, /no matching request is pending/);
  const usage = await reply(namespace, ["--all", "--disk=x"], "");
  assert.equal(usage.code, 2);
});

Deno.test({
  ...options,
  name: "a passphrase typed on a terminal is not echoed",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  await using disk = startDisk(namespace, "/dev/vdw", "typed secret");
  await waitForAskFiles(namespace);
  const child = namespace.command(
    "sh",
    [
      "-c",
      `exec "$0" run ${ASKPW_PERMISSIONS.join(" ")} "$1" reply < "$2" 2> "$2"`,
      Deno.execPath(),
      MOD,
      pty.path,
    ],
    { stdin: "null", stdout: "piped", stderr: "piped" },
  ).spawn();
  const prompted = await pty.waitFor("Passphrase: ", 30_000);
  pty.type("typed secret\n");
  const { code, stdout } = await child.output();
  assert.equal(code, 0);
  assert.match(new TextDecoder().decode(stdout), /accepted/);
  assert.ok(!pty.textFrom(prompted).includes("typed secret"), "not echoed");
  assert.equal((await disk.exit()).code, 0);
});

Deno.test({
  ...options,
  name: "secret hygiene: the passphrase is in askpw reply's memory while read, nowhere once sent",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  // A request that stays pending after its answer: reply waits out --wait, and
  // its memory is scanned meanwhile.
  using asker = RecordingAsker.create(namespace, { message: "Scanned from afar:" });
  const secret = `memscan-${crypto.randomUUID()}`;
  const child = namespace.command(Deno.execPath(), [
    "run",
    ...ASKPW_PERMISSIONS,
    MOD,
    "reply",
    "--all",
    "--wait=20",
  ], { stdin: "piped", stdout: "piped", stderr: "piped" }).spawn();
  try {
    const writer = child.stdin.getWriter();
    // Read but not yet sent (no end of input): the scan must find it.
    await writer.write(new TextEncoder().encode(secret));
    let hits = 0;
    for (let tries = 0; tries < 100 && hits === 0; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      hits = scanProcessMemory(child.pid, secret).hits.length;
    }
    assert.ok(hits > 0, "the scan finds the passphrase while askpw reply reads it");
    await writer.close();
    assert.equal(
      new TextDecoder().decode(await asker.reply() ?? new Uint8Array()),
      `+${secret}\0`,
    );
    // Sent; askpw reply still waits for the request's outcome.
    const left = scanProcessMemory(child.pid, secret).hits;
    assert.deepEqual(
      left.map((hit) => `${hit.encoding} at 0x${hit.address.toString(16)} in ${hit.mapping}`),
      [],
    );
  } finally {
    child.kill("SIGTERM");
    await child.output();
  }
});
