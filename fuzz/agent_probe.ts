/**
 * Measuring a running agent from outside: its resident memory, threads and
 * open descriptors from /proc, and what it has logged.
 *
 * @module
 */
import { processStats } from "../tests/helpers/process_stats.ts";

/** One look at a process, in the units of the fuzz report (tests/helpers/process_stats.ts reads it). */
export interface ProcessSample {
  /** VmRSS from /proc/PID/status, in kB. */
  rssKb: number;
  /** Its anonymous part (RssAnon): what the process allocated. */
  rssAnonKb: number;
  /** Its file-backed part (RssFile): the program's pages, clean and shared. */
  rssFileKb: number;
  /** Threads from /proc/PID/status. */
  threads: number;
  /** Entries of /proc/PID/fd. */
  fds: number;
}

/**
 * Reads the resident memory, thread count and descriptor count of `pid`.
 *
 * @example Usage
 * ```ts
 * import { sampleProcess } from "./agent_probe.ts";
 * const sample = sampleProcess(Deno.pid);
 * console.log(sample.rssKb, sample.threads, sample.fds);
 * ```
 * @param pid The process.
 * @returns The numbers.
 * @throws {Deno.errors.NotFound} When the process is gone.
 */
export function sampleProcess(pid: number): ProcessSample {
  const stats = processStats(pid);
  return {
    rssKb: stats.rssKiB,
    rssAnonKb: stats.rssAnonKiB,
    rssFileKb: stats.rssFileKiB,
    threads: stats.threads,
    fds: stats.fds,
  };
}

/** Which process is the agent, and how that was found out. */
export interface AgentProcess {
  /** The PID to measure. */
  pid: number;
  /** How it relates to the spawned PID, for the report. */
  note: string;
}

/**
 * Finds the Deno process of an agent started as `nsenter … -- deno run …`.
 * nsenter with only -m (and -n) enters the namespaces and execs the program
 * in place, without forking (it forks only to enter a PID namespace), so the
 * spawned PID becomes deno's once the exec happened; this waits for that and
 * checks it through /proc/PID/exe. Should a future nsenter fork after all,
 * the deno child is used instead, and the note says so.
 *
 * @example Usage
 * ```ts
 * import { findAgentProcess } from "./agent_probe.ts";
 * const agent = await findAgentProcess(12345);
 * console.log(agent.note);
 * ```
 * @param spawnedPid The PID `Deno.Command` reported.
 * @param timeoutMs How long to wait for the exec.
 * @returns The PID to measure.
 * @throws {Error} When no deno process shows up in time.
 */
export async function findAgentProcess(
  spawnedPid: number,
  timeoutMs = 10_000,
): Promise<AgentProcess> {
  const deno = Deno.realPathSync(Deno.execPath());
  const deadline = performance.now() + timeoutMs;
  let seen = "";
  while (performance.now() < deadline) {
    seen = executable(spawnedPid) ?? "(gone)";
    if (seen === deno) {
      return {
        pid: spawnedPid,
        note: `PID ${spawnedPid} is deno itself (${deno}): nsenter exec'd it without forking`,
      };
    }
    for (const child of children(spawnedPid)) {
      if (executable(child) === deno) {
        return {
          pid: child,
          note: `nsenter (PID ${spawnedPid}) forked; measuring its deno child ${child}`,
        };
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`PID ${spawnedPid} did not become deno within ${timeoutMs} ms (it runs ${seen})`);
}

function executable(pid: number): string | undefined {
  try {
    return Deno.readLinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

function children(pid: number): number[] {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`).trim().split(/\s+/)
      .filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Follows a growing log (the whole text so far, as `RunningAgent.log`
 * gives it) without keeping a copy: counts its UTF-8 bytes and lines and
 * finds its longest line.
 *
 * @example Usage
 * ```ts
 * import { LogMeter } from "./agent_probe.ts";
 * const meter = new LogMeter();
 * meter.update("askpw: one\naskpw: tw");
 * meter.update("askpw: one\naskpw: two\n");
 * console.assert(meter.bytes === 22 && meter.longestLineBytes === 10);
 * ```
 */
export class LogMeter {
  /** UTF-8 bytes seen so far. */
  bytes = 0;
  /** Complete lines seen so far. */
  lines = 0;
  /** Bytes of the longest line so far (without its newline). */
  longestLineBytes = 0;
  #consumed = 0;
  #currentLineBytes = 0;

  /**
   * Takes in what was added to the log since the last call.
   *
   * @param log The whole log so far.
   */
  update(log: string): void {
    for (let index = this.#consumed; index < log.length; index++) {
      const code = log.charCodeAt(index);
      if (code === 0x0a) {
        this.bytes++;
        this.lines++;
        this.#currentLineBytes = 0;
        continue;
      }
      let size: number;
      if (code < 0x80) size = 1;
      else if (code < 0x800) size = 2;
      else if (code >= 0xd800 && code < 0xdc00 && index + 1 < log.length) {
        size = 4; // a surrogate pair is one four-byte character
        index++;
      } else size = 3;
      this.bytes += size;
      this.#currentLineBytes += size;
      if (this.#currentLineBytes > this.longestLineBytes) {
        this.longestLineBytes = this.#currentLineBytes;
      }
    }
    this.#consumed = log.length;
  }
}
