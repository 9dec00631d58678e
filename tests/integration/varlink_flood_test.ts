/**
 * No local user can delay root's questions (issue 17, Varlink): `askpw
 * varlink` on its installed socket (0666, bound by askpw as root) while uid
 * 65534 floods it (tests/helpers/varlink_flood.ts) with 3,000 connections
 * held open, 200 half-sent messages, 64 MiB without a NUL, or GetInfo calls
 * as fast as it can. Throughout, root's Ask (answered by the test, as an
 * agent would) completes within 1 s, askpw's RSS stays within 16 MiB of its
 * start, its threads and descriptors come back to their start once the
 * peers go, and it logs a few lines per second at most.
 */
import assert from "node:assert/strict";
import { type RunningAgent, startAskpw } from "../helpers/agents.ts";
import { floodReport, rootAsk, startFlood } from "../helpers/varlink_flood.ts";
import { PrivateNamespace } from "../helpers/private_namespace.ts";
import { type ProcessStats, processStats, waitForStats } from "../helpers/process_stats.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const NOBODY = 65534;
let sockets = 0;

/** Lines in askpw's log. */
function lines(server: RunningAgent): number {
  return server.log.split("\n").filter(Boolean).length;
}

/**
 * Runs one flood against a fresh `askpw varlink` and checks what must hold.
 *
 * @param mode The helper's mode.
 * @param numbers The mode's numbers (see tests/helpers/varlink_flood.ts).
 * @param asks Root's Asks during the flood, spaced by `spacingMs`.
 */
async function underFlood(
  mode: string,
  numbers: number[],
  asks: number,
  spacingMs: number,
): Promise<Record<string, string>> {
  await using namespace = await PrivateNamespace.create();
  const socket = `/tmp/askpw-flood-${Deno.pid}-${++sockets}.sock`;
  await using server = startAskpw(namespace, ["varlink", `--socket=${socket}`]);
  await server.waitForLog("Serving io.systemd.AskPassword", 30_000);
  assert.equal(Deno.statSync(socket).mode! & 0o777, 0o666, "the installed socket's mode");
  const pid = server.process.pid;
  // Warm: one Ask before the baseline, as a running askpw has answered some.
  await rootAsk(namespace, socket, "warm");
  await new Promise((resolve) => setTimeout(resolve, 200));
  const before = processStats(pid);
  const linesBefore = lines(server);
  const floodStarted = performance.now();
  await using flood = startFlood([mode, socket, ...numbers.map(String)]);
  let peak: ProcessStats = before;
  let peakFds = before.fds;
  const sampler = setInterval(() => {
    try {
      const now = processStats(pid);
      if (now.rssKiB > peak.rssKiB) peak = now;
      peakFds = Math.max(peakFds, now.fds);
    } catch {
      // Gone: the assertions below say so.
    }
  }, 50);
  const times: number[] = [];
  try {
    await flood.waitForOutput("FLOOD: flooding=yes", 30_000);
    for (let i = 0; i < asks; i++) {
      await new Promise((resolve) => setTimeout(resolve, spacingMs));
      const { ms, reply } = await rootAsk(namespace, socket, `root-${i}`);
      assert.equal(reply, JSON.stringify({ parameters: { passwords: [`root-${i}`] } }));
      times.push(ms);
    }
    await flood.process.stdin.close();
    const status = await flood.exit();
    assert.equal(status.code, 0, flood.log);
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - floodStarted) / 1000;
  const logged = lines(server) - linesBefore;
  const after = await waitForStats(
    pid,
    (stats) => stats.fds <= before.fds && stats.threads <= before.threads,
    10_000,
  );
  const report = floodReport(flood);
  console.log(
    `${mode}: root's Ask ${
      times.map((ms) => ms.toFixed(0)).join(", ")
    } ms; RSS ${before.rssKiB} → ` +
      `peak ${peak.rssKiB} KiB; fds ${before.fds} → peak ${peakFds} → ${after.fds}, threads ${before.threads} → ` +
      `${after.threads}; ${logged} log lines in ${seconds.toFixed(1)} s; helper ${
        JSON.stringify(report)
      }`,
  );
  for (const ms of times) assert.ok(ms < 1000, `root's Ask took ${ms.toFixed(0)} ms`);
  assert.ok(
    peak.rssKiB - before.rssKiB <= 16 * 1024,
    `RSS grew by ${peak.rssKiB - before.rssKiB} KiB`,
  );
  // uid 65534's 16 connections, root's and the ask file's socket (and a moment's refused one).
  assert.ok(peakFds - before.fds <= 16 + 3, `fds ${before.fds} → peak ${peakFds}`);
  assert.ok(after.fds <= before.fds, `fds ${before.fds} → ${after.fds}`);
  assert.ok(after.threads <= before.threads, `threads ${before.threads} → ${after.threads}`);
  // A burst per kind of refusal, then one line per kind per 10 s, and root's Asks (2 lines each).
  assert.ok(
    logged <= 12 + 2 * asks + 2 * seconds,
    `${logged} lines in ${seconds.toFixed(1)} s:\n${server.log}`,
  );
  return report;
}

Deno.test({
  ...options,
  name: "3,000 connections held open by uid 65534: root's Ask is answered within 1 s",
}, async () => {
  const report = await underFlood("hold", [3000, 60], 3, 1000);
  assert.equal(report.opened, "3000");
  // uid 65534 keeps its 16 (idle connections are not timed out); the rest were refused.
  assert.equal(report["closed-by-server"], String(3000 - 16));
});

Deno.test({
  ...options,
  name: "200 connections with a half-sent message: root's Ask is answered; they are closed",
}, async () => {
  const report = await underFlood("half", [200, 60], 3, 2500);
  assert.equal(report.opened, "200");
  // 16 are accepted (the rest refused at once); those 16 time out after 5 s.
  assert.equal(report["closed-by-server"], "200");
});

Deno.test({
  ...options,
  name: "64 MiB without a NUL: root's Ask is answered; the sender is closed each 64 KiB",
}, async () => {
  const report = await underFlood("long", [64 * 1024 * 1024, 20], 3, 500);
  assert.ok(Number(report["closed-by-server"]) >= 1, JSON.stringify(report));
});

Deno.test({
  ...options,
  name: "GetInfo calls as fast as uid 65534 can (up to 10,000/s) for 10 s: root's Ask answered",
}, async () => {
  const report = await underFlood("calls", [10, 16, 10_000], 5, 1500);
  console.log(`calls: ${report.rate} replies/s reached (${report.replies} in 10 s)`);
  assert.ok(Number(report.replies) > 0);
});

Deno.test({
  ...options,
  name: "nine users spend the budget others share: each is refused beyond it, root never is",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  const socket = `/tmp/askpw-flood-${Deno.pid}-${++sockets}.sock`;
  await using server = startAskpw(namespace, ["varlink", `--socket=${socket}`]);
  await server.waitForLog("Serving io.systemd.AskPassword", 30_000);
  const pid = server.process.pid;
  await rootAsk(namespace, socket, "warm");
  // The warm-up's connection may still be open on askpw's side for a moment:
  // count from when the descriptors have settled (two equal samples).
  let before = processStats(pid);
  for (let i = 0; i < 50; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = processStats(pid);
    if (now.fds === before.fds) break;
    before = now;
  }
  // 9 × 16 = 144 connections against the 128 all users but root share.
  const uids = [NOBODY, 60001, 60002, 60003, 60004, 60005, 60006, 60007, 60008];
  const floods = uids.map((uid) => startFlood(["hold", socket, "16", "60"], uid));
  try {
    for (const flood of floods) await flood.waitForOutput("FLOOD: flooding=yes", 30_000);
    const during = await waitForStats(pid, (stats) => stats.fds >= before.fds + 128, 5000);
    assert.equal(during.fds - before.fds, 128, "the shared budget: 128 connections");
    const times: number[] = [];
    for (let i = 0; i < 3; i++) times.push((await rootAsk(namespace, socket, `root-${i}`)).ms);
    console.log(
      `shared budget spent: root's Ask ${times.map((ms) => ms.toFixed(0)).join(", ")} ms`,
    );
    for (const ms of times) assert.ok(ms < 1000, `root's Ask took ${ms.toFixed(0)} ms`);
    for (const flood of floods) await flood.process.stdin.close();
    let refused = 0;
    for (const flood of floods) {
      assert.equal((await flood.exit()).code, 0, flood.log);
      refused += Number(floodReport(flood)["closed-by-server"]);
    }
    assert.equal(refused, 144 - 128);
  } finally {
    for (const flood of floods) await flood[Symbol.asyncDispose]();
  }
  assert.match(server.log, /other users hold too many connections; one of uid \d+ refused/);
  const after = await waitForStats(pid, (stats) => stats.fds <= before.fds, 10_000);
  assert.ok(after.fds <= before.fds, `fds ${before.fds} → ${after.fds}`);
});
