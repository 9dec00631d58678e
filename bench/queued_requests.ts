/**
 * `deno task bench` (second part): 1,000 requests queued at once, answered
 * one by one by a person typing as fast as each prompt allows, with askpw and
 * with systemd-tty-ask-password-agent, in one run, both in `--watch
 * --console=PTY` mode inside a private mount namespace. Every request says
 * AcceptCached=0, so askpw's cache cannot help it: both agents prompt 1,000
 * times. Reports the time until the last reply, per request, and the agent's
 * threads and resident memory (sampled every 50 requests). Needs root.
 *
 * Usage: deno run -A bench/queued_requests.ts [--requests=N]
 *
 * @module
 */
import { AskerSwarm } from "../tests/helpers/asker_swarm.ts";
import { type RunningAgent, startAskpw, startSystemdAgent } from "../tests/helpers/agents.ts";
import { PrivateNamespace } from "../tests/helpers/private_namespace.ts";
import { processStats } from "../tests/helpers/process_stats.ts";
import { PtyConsole } from "../tests/helpers/pty_console.ts";

const requests = Number(Deno.args.find((arg) => arg.startsWith("--requests="))?.slice(11) ?? 1000);

/** What one agent did with the queue. */
export interface QueueRun {
  seconds: number;
  maxThreads: number;
  maxRssKiB: number;
  startRssKiB: number;
}

async function run(name: "systemd" | "askpw"): Promise<QueueRun> {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  await using agent: RunningAgent = name === "systemd"
    ? startSystemdAgent(namespace, ["--watch", `--console=${pty.path}`])
    : startAskpw(namespace, ["watch", `--console=${pty.path}`]);
  // Both are watching well within a second (Deno starts in ~50 ms here).
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const pid = agent.process.pid;
  const start = processStats(pid);
  let maxThreads = start.threads;
  let maxRssKiB = start.rssKiB;
  const begun = performance.now();
  await using swarm = AskerSwarm.create(namespace, requests, { message: "Queued " });
  const prompt = /Queued \d+: /g;
  let offset = 0;
  for (let answered = 0; answered < requests; answered++) {
    offset = await pty.waitFor(/Queued \d+: /, 60_000, offset);
    // systemd switches the terminal to no-echo after printing the prompt:
    // type once it did, as a person would see the hint and type.
    while (pty.restored) await new Promise((resolve) => setTimeout(resolve, 1));
    pty.type("queued-password\r");
    if (!(await swarm.waitForReplies(answered + 1, 60_000))) {
      throw new Error(`${name}: no reply for request ${answered + 1}`);
    }
    if (answered % 50 === 0) {
      const stats = processStats(pid);
      maxThreads = Math.max(maxThreads, stats.threads);
      maxRssKiB = Math.max(maxRssKiB, stats.rssKiB);
    }
  }
  const seconds = (performance.now() - begun) / 1000;
  const shown = pty.text.match(prompt)?.length ?? 0;
  if (shown < requests) throw new Error(`${name}: ${shown} prompts for ${requests} requests`);
  return { seconds, maxThreads, maxRssKiB, startRssKiB: start.rssKiB };
}

const systemd = await run("systemd");
const askpw = await run("askpw");
const ratio = (ours: number, reference: number) => (ours / reference).toFixed(2);
console.log(`\n${requests} requests queued at once, each prompted and typed (AcceptCached=0)\n`);
console.log("| metric | systemd-tty-ask-password-agent | askpw | askpw / systemd |");
console.log("|---|---:|---:|---:|");
console.log(
  `| all answered | ${systemd.seconds.toFixed(2)} s | ${askpw.seconds.toFixed(2)} s | ${
    ratio(askpw.seconds, systemd.seconds)
  } |`,
);
console.log(
  `| per request | ${(systemd.seconds * 1000 / requests).toFixed(2)} ms | ${
    (askpw.seconds * 1000 / requests).toFixed(2)
  } ms | |`,
);
console.log(`| threads (max) | ${systemd.maxThreads} | ${askpw.maxThreads} | |`);
console.log(
  `| RSS start → max | ${(systemd.startRssKiB / 1024).toFixed(1)} → ${
    (systemd.maxRssKiB / 1024).toFixed(1)
  } MB | ${(askpw.startRssKiB / 1024).toFixed(1)} → ${(askpw.maxRssKiB / 1024).toFixed(1)} MB | |`,
);
