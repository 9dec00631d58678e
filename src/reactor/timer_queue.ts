/**
 * Deadlines ordered by time: a binary min-heap, so the reactor's one timerfd
 * is always armed for the earliest of any number of timers.
 *
 * @module
 */

/** A timer in a {@linkcode TimerQueue}. */
export interface QueuedTimer {
  /** CLOCK_MONOTONIC µs at which it fires. */
  readonly deadline: bigint;
  /** Called when it fires. */
  readonly callback: () => void;
  /** Set once cancelled or fired; such entries are skipped. */
  done: boolean;
  /** Tie-breaker: timers with the same deadline fire in creation order. */
  readonly sequence: number;
}

/** A min-heap of timers by deadline. */
export class TimerQueue {
  #heap: QueuedTimer[] = [];
  #sequence = 0;
  #live = 0;

  /** Timers neither fired nor cancelled. */
  get size(): number {
    return this.#live;
  }

  /**
   * Adds a timer.
   *
   * @example Usage
   * ```ts
   * import { TimerQueue } from "./timer_queue.ts";
   * const queue = new TimerQueue();
   * queue.add(5n, () => console.log("due"));
   * ```
   * @param deadline CLOCK_MONOTONIC µs.
   * @param callback What to run.
   * @returns The timer; {@linkcode TimerQueue.cancel} takes it back.
   */
  add(deadline: bigint, callback: () => void): QueuedTimer {
    const timer: QueuedTimer = { deadline, callback, done: false, sequence: this.#sequence++ };
    this.#heap.push(timer);
    this.#up(this.#heap.length - 1);
    this.#live++;
    return timer;
  }

  /**
   * Cancels a timer (it stays in the heap until it reaches the top).
   *
   * @example Usage
   * ```ts
   * import { TimerQueue } from "./timer_queue.ts";
   * const queue = new TimerQueue();
   * queue.cancel(queue.add(5n, () => {}));
   * ```
   * @param timer A timer of this queue.
   */
  cancel(timer: QueuedTimer): void {
    if (timer.done) return;
    timer.done = true;
    this.#live--;
    this.#dropDone();
  }

  /**
   * The earliest live deadline.
   *
   * @example Usage
   * ```ts
   * import { TimerQueue } from "./timer_queue.ts";
   * new TimerQueue().next(); // undefined
   * ```
   * @returns It, or `undefined` when no timer is live.
   */
  next(): bigint | undefined {
    this.#dropDone();
    return this.#heap[0]?.deadline;
  }

  /**
   * Removes and returns the live timers due at `now`, earliest first.
   *
   * @example Usage
   * ```ts
   * import { TimerQueue } from "./timer_queue.ts";
   * const queue = new TimerQueue();
   * queue.add(5n, () => {});
   * queue.takeDue(10n).length; // 1
   * ```
   * @param now CLOCK_MONOTONIC µs.
   * @returns The due timers, marked done.
   */
  takeDue(now: bigint): QueuedTimer[] {
    const due: QueuedTimer[] = [];
    for (;;) {
      this.#dropDone();
      const top = this.#heap[0];
      if (!top || top.deadline > now) return due;
      this.#pop();
      top.done = true;
      this.#live--;
      due.push(top);
    }
  }

  #dropDone(): void {
    while (this.#heap.length > 0 && this.#heap[0].done) this.#pop();
  }

  #pop(): void {
    const last = this.#heap.pop()!;
    if (this.#heap.length === 0) return;
    this.#heap[0] = last;
    this.#down(0);
  }

  #less(a: QueuedTimer, b: QueuedTimer): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.sequence < b.sequence);
  }

  #up(index: number): void {
    const heap = this.#heap;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.#less(heap[index], heap[parent])) return;
      [heap[index], heap[parent]] = [heap[parent], heap[index]];
      index = parent;
    }
  }

  #down(index: number): void {
    const heap = this.#heap;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && this.#less(heap[left], heap[smallest])) smallest = left;
      if (right < heap.length && this.#less(heap[right], heap[smallest])) smallest = right;
      if (smallest === index) return;
      [heap[index], heap[smallest]] = [heap[smallest], heap[index]];
      index = smallest;
    }
  }
}
