/**
 * Waiting for descriptors without blocking the JavaScript event loop.
 *
 * poll(2) runs on a worker thread (a non-blocking FFI call); an eventfd in the
 * set lets an AbortSignal wake it at once, so a withdrawn prompt never leaves
 * a read behind that would eat the next keystroke.
 *
 * @module
 */
import { EventFd } from "./event_fd.ts";
import { libc } from "./libc.ts";

/** poll(2) event bits. */
export const PollEvents = {
  POLLIN: 0x1,
  POLLPRI: 0x2,
  POLLOUT: 0x4,
  POLLERR: 0x8,
  POLLHUP: 0x10,
  POLLNVAL: 0x20,
} as const;

/** One descriptor to wait for and the events of interest. */
export interface PollRequest {
  /** The descriptor. */
  fd: number;
  /** `PollEvents` bits; defaults to POLLIN. */
  events?: number;
}

/**
 * Waits until one of `requests` is ready, `timeoutMs` passes or `signal` aborts.
 *
 * @example Usage
 * ```ts
 * import { waitForEvents } from "./poll.ts";
 * const ready = await waitForEvents([{ fd: 0 }], 10);
 * console.log(ready[0]); // revents of stdin, 0 when the timeout passed
 * ```
 * @param requests Descriptors to wait for.
 * @param timeoutMs Longest wait in ms; negative waits without limit.
 * @param signal Aborting it ends the wait early (all revents 0).
 * @returns The `revents` of each request, in order.
 * @throws {SystemCallError} When the wake-up eventfd cannot be created.
 */
export async function waitForEvents(
  requests: PollRequest[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<number[]> {
  if (signal?.aborted) return requests.map(() => 0);
  using wake = new EventFd();
  const count = requests.length + 1;
  const table = new Uint8Array(8 * count);
  const view = new DataView(table.buffer);
  requests.forEach((request, index) => {
    view.setInt32(index * 8, request.fd, true);
    view.setInt16(index * 8 + 4, request.events ?? PollEvents.POLLIN, true);
  });
  view.setInt32(requests.length * 8, wake.fd, true);
  view.setInt16(requests.length * 8 + 4, PollEvents.POLLIN, true);
  const onAbort = () => wake.signal();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const timeout = timeoutMs < 0 ? -1 : Math.min(Math.ceil(timeoutMs), 0x7fffffff);
    const result = await libc.symbols.poll_blocking(table, BigInt(count), timeout);
    // poll's errno lives on the worker thread; the only expected failure is
    // EINTR, which the caller handles like a spurious wake-up.
    if (result <= 0) return requests.map(() => 0);
    return requests.map((_, index) => view.getInt16(index * 8 + 6, true));
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Checks `fd` for events right now, without waiting.
 *
 * @example Usage
 * ```ts
 * import { PollEvents, pollNow } from "./poll.ts";
 * const readable = (pollNow(0) & PollEvents.POLLIN) !== 0;
 * ```
 * @param fd The descriptor.
 * @param events Events of interest (default POLLIN).
 * @returns The revents bits.
 */
export function pollNow(fd: number, events: number = PollEvents.POLLIN): number {
  const table = new Uint8Array(8);
  const view = new DataView(table.buffer);
  view.setInt32(0, fd, true);
  view.setInt16(4, events, true);
  const result = libc.symbols.poll(table, 1n, 0);
  return result > 0 ? view.getInt16(6, true) : 0;
}
