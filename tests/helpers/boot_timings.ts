/**
 * Timings read from a boot's console and askpw's e2e report, for the boot
 * measurements (boot_test.ts, boot_cost_test.ts).
 *
 * @module
 */

/** The kernel's own clock: how long the initrd took to unpack, and when /init ran. */
export interface KernelTimings {
  /** "Trying to unpack rootfs" to "Freeing initrd memory", in seconds. */
  kernelUnpackSeconds?: number;
  /** When the kernel ran /init, in seconds since it started. */
  kernelInitSeconds?: number;
}

/**
 * The kernel's timings from its log on the console.
 *
 * @param output The console's text.
 * @returns What the log showed.
 */
export function kernelTimings(output: string): KernelTimings {
  const at = (pattern: RegExp) => {
    const match = new RegExp(String.raw`\[ *([0-9.]+)\] ` + pattern.source).exec(output);
    return match ? Number(match[1]) : undefined;
  };
  const unpack = at(/Trying to unpack rootfs/);
  const freed = at(/Freeing initrd memory/);
  const init = at(/Run \/init as init process/);
  return {
    ...(unpack !== undefined && freed !== undefined
      ? { kernelUnpackSeconds: Number((freed - unpack).toFixed(3)) }
      : {}),
    ...(init !== undefined ? { kernelInitSeconds: init } : {}),
  };
}

/**
 * How long before the first systemd-cryptsetup started askpw was watching
 * (READY=1), by the initrd's monotonic clock, from the e2e report; negative
 * when it was later.
 *
 * @param e2e The report's lines.
 * @returns Seconds, or `undefined` when the report lacks either.
 */
export function watchingLead(e2e: string): number | undefined {
  const ready = reportedMicros(e2e, "askpw ready");
  const start = firstCryptsetupStart(e2e);
  if (!ready || start === undefined) return undefined;
  return Number(((start - ready) / 1e6).toFixed(3));
}

/** A "E2E: WHAT at µs" line's µs (0 when missing). */
function reportedMicros(e2e: string, what: string): number {
  return Number(new RegExp(`^E2E: ${what} at (\\d+)$`, "m").exec(e2e)?.[1] ?? 0);
}

/** The first systemd-cryptsetup's start (µs since boot), if any started. */
function firstCryptsetupStart(e2e: string): number | undefined {
  const starts = [...e2e.matchAll(/^E2E: cryptsetup started at (\d+)$/gm)]
    .map((match) => Number(match[1])).filter((start) => start > 0);
  return starts.length ? Math.min(...starts) : undefined;
}

/**
 * How long askpw took from its start (ExecMainStartTimestampMonotonic) to
 * READY=1, from the e2e report.
 *
 * @param e2e The report's lines.
 * @returns Seconds, or `undefined` when the report lacks either.
 */
export function askpwStartToReady(e2e: string): number | undefined {
  const started = reportedMicros(e2e, "askpw started");
  const ready = reportedMicros(e2e, "askpw ready");
  if (!started || !ready) return undefined;
  return Number(((ready - started) / 1e6).toFixed(3));
}

/**
 * How long after systemd's banner (the kernel's clock on the console) the
 * first systemd-cryptsetup started: what the disks' discovery took, which
 * anything else busy on the CPUs delays.
 *
 * @param output The console's text.
 * @param e2e The report's lines.
 * @returns Seconds, or `undefined` when either is missing.
 */
export function cryptsetupAfterSystemd(output: string, e2e: string): number | undefined {
  const banner = /\[ *([0-9.]+)\] systemd\[1\]: systemd \d+\S* running in system mode/.exec(output);
  const start = firstCryptsetupStart(e2e);
  if (!banner || start === undefined) return undefined;
  return Number((start / 1e6 - Number(banner[1])).toFixed(3));
}
