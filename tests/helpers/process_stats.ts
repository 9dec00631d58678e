/**
 * What a process holds, read from /proc: threads, open descriptors, memory.
 * The one reader of /proc/PID/status for tests, benchmarks and the fuzzers
 * (fuzz/agent_probe.ts samples the agent with it).
 *
 * @module
 */

/** A snapshot of a process's resources. */
export interface ProcessStats {
  /** Threads (Threads: in /proc/PID/status). */
  threads: number;
  /** Open file descriptors (entries of /proc/PID/fd). */
  fds: number;
  /** Resident memory in KiB (VmRSS). */
  rssKiB: number;
  /** Its anonymous part in KiB (RssAnon): what the process allocated. */
  rssAnonKiB: number;
  /** Its file-backed part in KiB (RssFile): the program's pages, clean and shared. */
  rssFileKiB: number;
  /** Locked memory in KiB (VmLck). */
  lockedKiB: number;
}

/**
 * Reads the stats of process `pid`.
 *
 * @example Usage
 * ```ts
 * import { processStats } from "./process_stats.ts";
 * const stats = processStats(Deno.pid);
 * console.log(stats.rssKiB, stats.threads, stats.fds);
 * ```
 * @param pid The process.
 * @returns Its stats.
 * @throws {Deno.errors.NotFound} When the process is gone.
 */
export function processStats(pid: number): ProcessStats {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1]);
  return {
    threads: field("Threads"),
    fds: [...Deno.readDirSync(`/proc/${pid}/fd`)].length,
    rssKiB: field("VmRSS"),
    rssAnonKiB: field("RssAnon"),
    rssFileKiB: field("RssFile"),
    lockedKiB: field("VmLck"),
  };
}

/**
 * Waits until `condition` holds for the process's stats (descriptors are
 * closed a moment after the event that frees them).
 *
 * @param pid The process.
 * @param condition What must hold.
 * @param timeoutMs Longest wait.
 * @returns The stats that satisfied it, or the last ones read.
 */
export async function waitForStats(
  pid: number,
  condition: (stats: ProcessStats) => boolean,
  timeoutMs = 5000,
): Promise<ProcessStats> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const stats = processStats(pid);
    if (condition(stats) || performance.now() > deadline) return stats;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * What process `pid`'s descriptors point at, counted by kind (for a failure
 * message): `anon_inode:[pidfd]`, `socket:`, `/dev/pts/…`.
 *
 * @param pid The process.
 * @returns Kind → count.
 */
export function descriptorKinds(pid: number): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const entry of Deno.readDirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = Deno.readLinkSync(`/proc/${pid}/fd/${entry.name}`);
    } catch {
      continue;
    }
    const kind = target.replace(/\[\d+\]$/, "").replace(/^(socket|pipe):.*/, "$1");
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}
