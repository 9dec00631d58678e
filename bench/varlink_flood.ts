/**
 * `deno task bench`: root's io.systemd.AskPassword.Ask round trip (connect,
 * call, ask file, the bench answers it as an agent would, reply) on
 * `askpw varlink` and on systemd 262's own server (`systemd-socket-activate
 * --accept … systemd-ask-password --system --no-tty` from the cached sid
 * root, one process per connection as its socket unit starts it), each
 * quiet and while uid 65534 holds 3,000 connections to it
 * (tests/helpers/varlink_flood.ts). Prints p50 and p99 of each, side by
 * side. Needs root.
 *
 * systemd-socket-activate has no MaxConnectionsPerSource= (PID 1's socket
 * units do): on systemd's side every one of the 3,000 connections gets its
 * own systemd-ask-password, as it would under a unit with a high enough
 * MaxConnections=.
 *
 * Usage: deno run -A bench/varlink_flood.ts [--rounds=N] [--askpw-only]
 *
 * @module
 */
import { RunningAgent, startAskpw } from "../tests/helpers/agents.ts";
import { PrivateNamespace } from "../tests/helpers/private_namespace.ts";
import { SidRoot } from "../tests/helpers/sid_root.ts";
import { floodReport, rootAsk, startFlood } from "../tests/helpers/varlink_flood.ts";

const rounds = Number(Deno.args.find((arg) => arg.startsWith("--rounds="))?.slice(9) ?? 30);
const askpwOnly = Deno.args.includes("--askpw-only");
const FLOOD_CONNECTIONS = 3000;
const WARM_UP = 3;
const SOCKETS_IN_ROOT = "/run/askpw-varlink-bench";

type Server = "askpw" | "systemd";

interface Result {
  quiet: number[];
  flooded: number[];
  opened: string;
  /** Processes serving, and their memory (sum of Pss, KiB), quiet and under the flood. */
  quietMemory: Memory;
  floodedMemory: Memory;
}

interface Memory {
  processes: number;
  pssKiB: number;
}

/** The server process and its children (systemd's per-connection processes): count and Pss. */
function serverMemory(pid: number): Memory {
  const pids = [pid];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent === pid) pids.push(Number(entry.name));
    } catch {
      // Gone meanwhile.
    }
  }
  let pssKiB = 0;
  for (const each of pids) {
    try {
      const rollup = Deno.readTextFileSync(`/proc/${each}/smaps_rollup`);
      pssKiB += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    } catch {
      // Gone meanwhile.
    }
  }
  return { processes: pids.length, pssKiB };
}

async function askRounds(
  namespace: PrivateNamespace,
  socket: string,
  label: string,
  count: number,
): Promise<number[]> {
  const times: number[] = [];
  for (let round = 0; round < count; round++) {
    const { ms } = await rootAsk(namespace, socket, `${label}-${round}`);
    times.push(ms);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return times;
}

async function measure(server: Server): Promise<Result> {
  await using namespace = await PrivateNamespace.create();
  const directory = await Deno.makeTempDir({ prefix: "askpw-vl-bench-" });
  let process: RunningAgent | undefined;
  try {
    await Deno.chmod(directory, 0o755); // the flood runs as nobody
    const socket = `${directory}/${server}.sock`;
    if (server === "askpw") {
      process = startAskpw(namespace, ["varlink", `--socket=${socket}`]);
      await process.waitForLog("Serving io.systemd.AskPassword", 30_000);
    } else {
      const sid = await SidRoot.in(namespace);
      await sid.bind(directory, SOCKETS_IN_ROOT);
      process = new RunningAgent(
        sid.command(
          "systemd-socket-activate",
          [
            "--accept",
            "--fdname=varlink",
            "-l",
            `${SOCKETS_IN_ROOT}/systemd.sock`,
            "systemd-ask-password",
            "--system",
            "--no-tty",
          ],
          {},
          { stdin: "null", stdout: "piped", stderr: "piped" },
        ).spawn(),
      );
      await process.waitForLog("Listening on", 30_000);
      // As systemd's unit: SocketMode=0666.
      await Deno.chmod(socket, 0o666);
    }
    await askRounds(namespace, socket, `${server}-warm`, WARM_UP);
    const quiet = await askRounds(namespace, socket, `${server}-quiet`, rounds);
    const quietMemory = serverMemory(process.process.pid);
    await using flood = startFlood(["hold", socket, String(FLOOD_CONNECTIONS), "110"]);
    await flood.waitForOutput("FLOOD: flooding=yes", 60_000);
    const flooded = await askRounds(namespace, socket, `${server}-flooded`, rounds);
    const floodedMemory = serverMemory(process.process.pid);
    await flood.process.stdin.close();
    await flood.exit();
    return {
      quiet,
      flooded,
      opened: floodReport(flood).opened ?? "?",
      quietMemory,
      floodedMemory,
    };
  } finally {
    await process?.[Symbol.asyncDispose]();
    await Deno.remove(directory, { recursive: true });
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const results: Partial<Record<Server, Result>> = {};
results.askpw = await measure("askpw");
if (!askpwOnly) {
  try {
    results.systemd = await measure("systemd");
  } catch (error) {
    console.error(`systemd 262's side could not be measured: ${(error as Error).message}`);
  }
}
const cell = (values: number[] | undefined, p: number) =>
  values ? `${percentile(values, p).toFixed(1)} ms` : "—";
console.log(
  `\nVarlink Ask round trip (root; ${rounds} rounds each; flood: uid 65534 holds ${FLOOD_CONNECTIONS} connections)\n`,
);
console.log("| | askpw p50 | askpw p99 | systemd 262 p50 | systemd 262 p99 |");
console.log("|---|---|---|---|---|");
for (const [label, key] of [["quiet", "quiet"], ["3,000-connection flood", "flooded"]] as const) {
  console.log(
    `| ${label} | ${cell(results.askpw?.[key], 0.5)} | ${cell(results.askpw?.[key], 0.99)} | ${
      cell(results.systemd?.[key], 0.5)
    } | ${cell(results.systemd?.[key], 0.99)} |`,
  );
}
const memory = (result: Result | undefined, key: "quietMemory" | "floodedMemory") =>
  result
    ? `${result[key].processes} process${result[key].processes === 1 ? "" : "es"}, ${
      (result[key].pssKiB / 1024).toFixed(1)
    } MiB`
    : "—";
console.log("\n| serving (Pss) | askpw | systemd 262 |\n|---|---|---|");
console.log(
  `| quiet | ${memory(results.askpw, "quietMemory")} | ${memory(results.systemd, "quietMemory")} |`,
);
console.log(
  `| 3,000-connection flood | ${memory(results.askpw, "floodedMemory")} | ${
    memory(results.systemd, "floodedMemory")
  } |`,
);
console.log(
  `\nConnections the flood opened: askpw ${results.askpw?.opened}, systemd ${
    results.systemd?.opened ?? "—"
  }`,
);
