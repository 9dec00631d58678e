/**
 * `deno task soak [--minutes=N]` (root; default 30 minutes): `askpw watch`
 * in a private mount namespace under a steady mix of load, for as long as it
 * takes a slow leak to show:
 *
 * - askers coming and going (ask files withdrawn after 0.2-1.5 s; some whose
 *   asker process exits instead);
 * - `askpw varlink` in the same namespace, called from root (GetInfo, an Ask
 *   that times out) and from uid 65534 (GetInfo, Ask: refused);
 * - batches of hostile ask files (fuzz/hostile_ask_files.ts), written and removed;
 * - a second console that hangs up and is replaced, announced by a tty uevent;
 * - a valid request every 10 s, typed on the console: each must be answered
 *   within 10 s, else the soak fails.
 *
 * Each minute the agent's and the Varlink server's RSS, descriptors and
 * threads are sampled and printed. The soak fails unless they are flat: from
 * the sample a third of the way in (minute 1 at the least: warm-up, V8's heap
 * and Deno's runtime threads settle in the first minutes) to the last,
 * threads do not grow, fds grow by at most 5 (pidfds of askers pending at
 * that instant), RSS by at most 16 MiB. Not run by `npm test`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { HostileAskFiles } from "../fuzz/hostile_ask_files.ts";
import { startAskpw } from "../tests/helpers/agents.ts";
import { asUser } from "../tests/helpers/as_user.ts";
import { PrivateNamespace } from "../tests/helpers/private_namespace.ts";
import { type ProcessStats, processStats } from "../tests/helpers/process_stats.ts";
import { PtyConsole } from "../tests/helpers/pty_console.ts";
import { RecordingAsker } from "../tests/helpers/recording_asker.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    minutes: { type: "string", default: "30" },
    seed: { type: "string", default: "17" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log("deno task soak [--minutes=N (default 30)] [--seed=N]   (as root)");
  Deno.exit(0);
}
const minutes = Number(values.minutes);
if (!(minutes > 0)) throw new Error(`--minutes=${values.minutes}: a positive number, please`);
const decoder = new TextDecoder();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const started = performance.now();
const endAt = started + minutes * 60_000;
const running = () => performance.now() < endAt;

const counts = {
  valid: 0,
  validFailed: 0,
  retyped: 0,
  slowestValidMs: 0,
  churn: 0,
  exitingAskers: 0,
  hostile: 0,
  varlinkRoot: 0,
  varlinkNobody: 0,
  varlinkNobodyAnswered: 0,
  varlinkFailures: 0,
  hangUps: 0,
  /** Valid requests that the (replaced) second console showed too. */
  flakyPrompts: 0,
};
const varlinkResults: Record<string, number> = {};
const failures: string[] = [];

await using namespace = await PrivateNamespace.create();
using main = new PtyConsole();
let flaky = new PtyConsole();
const link = `/tmp/askpw-soak-console-${Deno.pid}`;
Deno.symlinkSync(flaky.path, link);
const varlinkDirectory = Deno.makeTempDirSync({ prefix: "askpw-soak-" });
Deno.chmodSync(varlinkDirectory, 0o755);
const varlinkSocket = `${varlinkDirectory}/varlink.sock`;
try {
  await using agent = startAskpw(namespace, ["watch", `--consoles=${main.path},${link}`]);
  await using varlink = startAskpw(namespace, ["varlink", `--socket=${varlinkSocket}`]);
  using hostile = new HostileAskFiles(namespace, Number(values.seed));

  // Warm-up: one request answered, the Varlink socket there.
  {
    using first = RecordingAsker.create(namespace, { message: "Warm-up:" });
    await main.waitFor("Warm-up: ", 60_000);
    main.type("warm\r");
    if (!(await first.reply(10_000))) throw new Error(`no warm-up answer; log: ${agent.log}`);
  }
  for (let i = 0; i < 600; i++) {
    try {
      Deno.statSync(varlinkSocket);
      break;
    } catch {
      await sleep(100);
    }
  }
  const agentPid = agent.leafPid();
  const varlinkPid = varlink.leafPid();

  interface Row {
    minute: number;
    agent: ProcessStats;
    varlink: ProcessStats;
    valid: number;
    churn: number;
    hostile: number;
    varlinkCalls: number;
    hangUps: number;
  }
  const rows: Row[] = [];
  const sample = (minute: number) => {
    rows.push({
      minute,
      agent: processStats(agentPid),
      varlink: processStats(varlinkPid),
      valid: counts.valid,
      churn: counts.churn + counts.exitingAskers,
      hostile: counts.hostile,
      varlinkCalls: counts.varlinkRoot + counts.varlinkNobody,
      hangUps: counts.hangUps,
    });
    const row = rows.at(-1)!;
    console.log(formatRow(row));
  };
  const formatRow = (row: Row) =>
    [
      String(row.minute).padStart(6),
      String(row.agent.rssKiB).padStart(9),
      String(row.agent.fds).padStart(4),
      String(row.agent.threads).padStart(7),
      String(row.varlink.rssKiB).padStart(9),
      String(row.varlink.fds).padStart(4),
      String(row.varlink.threads).padStart(7),
      String(row.valid).padStart(6),
      String(row.churn).padStart(6),
      String(row.hostile).padStart(8),
      String(row.varlinkCalls).padStart(8),
      String(row.hangUps).padStart(8),
    ].join(" | ");
  const header = "minute | agent RSS |  fds | threads | vlink RSS |  fds | threads | valid " +
    "| churn | hostile | varlink | hang-ups";
  console.log(`soak: ${minutes} min; agent PID ${agentPid}, varlink PID ${varlinkPid}`);
  console.log(header);
  sample(0);

  const validLoop = async () => {
    for (let number = 1; running(); number++) {
      const tick = performance.now();
      const message = `Soak ${number}:`;
      const from = main.bytes.length;
      using asker = RecordingAsker.create(namespace, { message });
      let answered = false;
      while (!answered && performance.now() - tick < 10_000) {
        const left = 10_000 - (performance.now() - tick);
        try {
          const at = await main.waitFor(`${message} `, left, from);
          // Type only while it is the last prompt on the screen (a newer one would take the keys).
          await sleep(30);
          if (main.textFrom(at).includes("\n")) {
            await sleep(20);
            continue;
          }
          main.type(`soak-${number}\r`);
        } catch {
          break;
        }
        const reply = await asker.reply(Math.min(2000, 10_000 - (performance.now() - tick)));
        if (reply && decoder.decode(reply) === `+soak-${number}\0`) answered = true;
        else counts.retyped++;
      }
      const took = performance.now() - tick;
      if (flaky.text.includes(message)) counts.flakyPrompts++;
      if (answered) {
        counts.valid++;
        counts.slowestValidMs = Math.max(counts.slowestValidMs, took);
      } else {
        counts.validFailed++;
        failures.push(
          `valid request ${number} not answered within 10 s; screen: ${
            JSON.stringify(main.textFrom(from).slice(-400))
          }`,
        );
      }
      await sleep(Math.max(0, 10_000 - took));
    }
  };

  const churnLoop = async () => {
    const pending: Promise<void>[] = [];
    for (let number = 0; running(); number++) {
      const exiting = number % 10 === 9;
      if (exiting) {
        // An asker whose process exits: the agent must drop it on its own.
        const child = new Deno.Command("sleep", {
          args: ["0.5"],
          stdin: "null",
          stdout: "null",
          stderr: "null",
        }).spawn();
        const asker = RecordingAsker.create(namespace, {
          message: `Exiting ${number}:`,
          pid: child.pid,
        });
        counts.exitingAskers++;
        pending.push(
          child.status.then(() => sleep(1500)).then(() => asker[Symbol.dispose]()),
        );
      } else {
        const asker = RecordingAsker.create(namespace, { message: `Churn ${number}:` });
        counts.churn++;
        pending.push(sleep(200 + Math.random() * 1300).then(() => asker[Symbol.dispose]()));
      }
      await sleep(300);
      if (pending.length > 50) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
  };

  const hostileLoop = async () => {
    for (let batch = 0; running(); batch++) {
      const files = hostile.writeBatch(batch, 200);
      counts.hostile += files.length;
      await sleep(5000);
      hostile.remove(files);
      await sleep(10_000);
    }
  };

  const VARLINK_CALLER = `import json,socket,sys
path, asks, infos = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def call(method, parameters):
  s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.settimeout(10); s.connect(path)
  s.sendall(json.dumps({"method": method, "parameters": parameters}).encode() + b"\\0")
  data = b""
  while not data.endswith(b"\\0"):
    chunk = s.recv(65536)
    if not chunk: break
    data += chunk
  s.close()
  if not data: return "closed"
  reply = json.loads(data[:-1])
  if "error" in reply: return reply["error"]
  return "passwords" if "passwords" in reply.get("parameters", {}) else "ok"
results = []
for i in range(infos): results.append(call("org.varlink.service.GetInfo", {}))
for i in range(asks): results.append(call("io.systemd.AskPassword.Ask", {"message": "Varlink %d:" % i, "timeoutUSec": 300000}))
print(json.dumps(results))`;
  const varlinkCall = async (uid: number | undefined, asks: number, infos: number) => {
    const command = [
      "/usr/bin/python3",
      "-c",
      VARLINK_CALLER,
      varlinkSocket,
      `${asks}`,
      `${infos}`,
    ];
    const [program, ...args] = uid === undefined ? command : asUser(uid, command);
    const output = await namespace.command(program, args, { stdout: "piped", stderr: "piped" })
      .output();
    if (output.code !== 0) {
      counts.varlinkFailures++;
      failures.push(`varlink caller (uid ${uid ?? 0}) failed: ${decoder.decode(output.stderr)}`);
      return [];
    }
    const results = JSON.parse(decoder.decode(output.stdout)) as string[];
    for (const result of results) {
      const key = `${uid === undefined ? "root" : `uid ${uid}`}: ${result}`;
      varlinkResults[key] = (varlinkResults[key] ?? 0) + 1;
    }
    return results;
  };
  const varlinkLoop = async () => {
    while (running()) {
      const root = await varlinkCall(undefined, 1, 5);
      counts.varlinkRoot += root.length;
      const nobody = await varlinkCall(65534, 3, 5);
      counts.varlinkNobody += nobody.length;
      const answered = nobody.filter((result) => result === "passwords").length;
      counts.varlinkNobodyAnswered += answered;
      if (answered > 0) failures.push(`uid 65534's Varlink Ask got passwords: ${nobody}`);
      await sleep(5000);
    }
  };

  const hangUpLoop = async () => {
    while (running()) {
      await sleep(20_000);
      if (!running()) break;
      const old = flaky;
      old.hangUp();
      flaky = new PtyConsole();
      Deno.removeSync(link);
      Deno.symlinkSync(flaky.path, link);
      old[Symbol.dispose]();
      await Deno.writeTextFile("/sys/class/tty/tty63/uevent", "change");
      counts.hangUps++;
    }
  };

  const sampler = async () => {
    for (let minute = 1; minute <= Math.ceil(minutes); minute++) {
      const at = started + minute * 60_000;
      await sleep(Math.max(0, at - performance.now()));
      sample(minute);
    }
  };

  await Promise.all([
    validLoop(),
    churnLoop(),
    hostileLoop(),
    varlinkLoop(),
    hangUpLoop(),
    sampler(),
  ]);
  flaky[Symbol.dispose]();

  const stray = hostile.decoyDatagrams();
  if (stray > 0) failures.push(`${stray} datagram(s) reached a hostile request's decoy socket`);
  if (/Internal error/.test(agent.log)) failures.push("the agent logged an internal error");
  if (/Internal error/.test(varlink.log)) failures.push("askpw varlink logged an internal error");

  // Flat: from a third of the way in (minute 1 at the least) to the last sample.
  const baseMinute = Math.max(1, Math.floor(minutes / 3));
  const base = rows.find((row) => row.minute === baseMinute) ?? rows[0];
  const last = rows.at(-1)!;
  for (
    const [name, at, end] of [
      ["agent", base.agent, last.agent],
      ["varlink", base.varlink, last.varlink],
    ] as const
  ) {
    if (end.threads > at.threads) failures.push(`${name}: threads ${at.threads} → ${end.threads}`);
    if (end.fds > at.fds + 5) failures.push(`${name}: fds ${at.fds} → ${end.fds}`);
    if (end.rssKiB > at.rssKiB + 16 * 1024) {
      failures.push(`${name}: RSS ${at.rssKiB} → ${end.rssKiB} KiB`);
    }
  }
  const logLines = (text: string) => text.split("\n").length - 1;
  console.log(
    `\nvalid requests: ${counts.valid} answered, ${counts.validFailed} not; slowest ` +
      `${counts.slowestValidMs.toFixed(0)} ms; retyped ${counts.retyped}\n` +
      `askers that came and went: ${counts.churn} withdrawn, ${counts.exitingAskers} whose process ` +
      `exited; hostile files: ${counts.hostile}; console hang-ups: ${counts.hangUps}\n` +
      `Varlink calls: ${counts.varlinkRoot} from root, ${counts.varlinkNobody} from uid 65534 ` +
      `(answered with passwords: ${counts.varlinkNobodyAnswered}): ${
        JSON.stringify(varlinkResults)
      }\n` +
      `valid requests also shown on the second console (replaced after each hang-up): ` +
      `${counts.flakyPrompts}\n` +
      `log: agent ${agent.log.length} bytes / ${logLines(agent.log)} lines, varlink ` +
      `${varlink.log.length} bytes / ${logLines(varlink.log)} lines\n` +
      `flat (minute ${base.minute} → ${last.minute}): threads not more, fds ≤ +5, RSS ≤ +16 MiB`,
  );
  if (failures.length > 0) {
    console.log(`SOAK FAILED:\n  ${failures.slice(0, 20).join("\n  ")}`);
    Deno.exitCode = 1;
  } else console.log("SOAK PASSED");
} finally {
  try {
    Deno.removeSync(link);
  } catch {
    // already gone
  }
  Deno.removeSync(varlinkDirectory, { recursive: true });
}
