/**
 * `deno task bench`: askpw versus systemd-tty-ask-password-agent, in one run,
 * both in `--watch --console=PTY` mode inside a private mount namespace.
 *
 * Measures, per request: ask file published (rename) → prompt on the console,
 * and Enter typed → reply datagram at the asker's socket. Prints a table with
 * medians, 90th percentiles and the askpw/systemd ratio. Needs root.
 *
 * Usage: deno run -A bench/latency.ts [--rounds=N]
 *
 * @module
 */
import { PrivateNamespace } from "../tests/helpers/private_namespace.ts";
import { PtyConsole } from "../tests/helpers/pty_console.ts";
import { RecordingAsker } from "../tests/helpers/recording_asker.ts";
import { type RunningAgent, startAskpw, startSystemdAgent } from "../tests/helpers/agents.ts";

const rounds = Number(Deno.args.find((arg) => arg.startsWith("--rounds="))?.slice(9) ?? 30);
const WARM_UP = 3;

interface Samples {
  prompt: number[];
  reply: number[];
}

async function measure(name: "systemd" | "askpw"): Promise<Samples> {
  await using namespace = await PrivateNamespace.create();
  using console = new PtyConsole();
  await using _agent: RunningAgent = name === "systemd"
    ? startSystemdAgent(namespace, ["--watch", `--console=${console.path}`])
    : startAskpw(namespace, ["watch", `--console=${console.path}`]);
  const samples: Samples = { prompt: [], reply: [] };
  let offset = 0;
  for (let round = 0; round < WARM_UP + rounds; round++) {
    const message = `bench-${name}-${round}:`;
    const published = performance.now();
    using asker = RecordingAsker.create(namespace, { message });
    offset = await console.waitFor(`${message} `, 30_000, offset);
    const shown = performance.now();
    // Let the agent finish switching the terminal mode before typing.
    await new Promise((resolve) => setTimeout(resolve, 30));
    const typed = performance.now();
    console.type("benchmark-password\r");
    const reply = await asker.reply(30_000);
    const replied = performance.now();
    if (!reply) throw new Error(`${name}: no reply in round ${round}`);
    asker.withdraw();
    if (round >= WARM_UP) {
      samples.prompt.push(shown - published);
      samples.reply.push(replied - typed);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return samples;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const systemd = await measure("systemd");
const askpw = await measure("askpw");

const rows: [string, number, number][] = [
  ["ask file → prompt, median", percentile(systemd.prompt, 0.5), percentile(askpw.prompt, 0.5)],
  ["ask file → prompt, p90", percentile(systemd.prompt, 0.9), percentile(askpw.prompt, 0.9)],
  ["Enter → reply, median", percentile(systemd.reply, 0.5), percentile(askpw.reply, 0.5)],
  ["Enter → reply, p90", percentile(systemd.reply, 0.9), percentile(askpw.reply, 0.9)],
];
console.log(`\n${rounds} rounds each (after ${WARM_UP} warm-up rounds), times in ms\n`);
console.log("| metric | systemd-tty-ask-password-agent | askpw | askpw / systemd |");
console.log("|---|---:|---:|---:|");
for (const [metric, reference, ours] of rows) {
  console.log(
    `| ${metric} | ${reference.toFixed(2)} | ${ours.toFixed(2)} | ${
      (ours / reference).toFixed(2)
    } |`,
  );
}
