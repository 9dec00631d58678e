/**
 * A few buffers of each size kept for reuse: a peer that sends long messages
 * and is closed, again and again, makes askpw reuse the same inboxes instead
 * of leaving garbage behind faster than the collector frees it (what would
 * make the resident memory grow with the flood rather than with what is held).
 *
 * @module
 */

/** Buffers kept for reuse, at most a few per size; each zeroed when given back. */
export class BufferPool {
  #free = new Map<number, Uint8Array<ArrayBuffer>[]>();
  #keep: number;

  /**
   * Creates an empty pool.
   *
   * @example Usage
   * ```ts
   * import { BufferPool } from "./buffer_pool.ts";
   * const pool = new BufferPool(4);
   * const buffer = pool.take(4096);
   * pool.give(buffer);
   * ```
   * @param keep Buffers kept per size (what is given back beyond that is left to the collector).
   */
  constructor(keep = 4) {
    this.#keep = keep;
  }

  /**
   * A zeroed buffer of `size` bytes: one given back before, or a new one.
   *
   * @example Usage
   * ```ts
   * import { BufferPool } from "./buffer_pool.ts";
   * new BufferPool().take(16).length; // 16
   * ```
   * @param size Its length.
   * @returns The buffer.
   */
  take(size: number): Uint8Array<ArrayBuffer> {
    return this.#free.get(size)?.pop() ?? new Uint8Array(size);
  }

  /**
   * Zeroes `buffer` and keeps it for the next {@linkcode BufferPool.take} of its size.
   *
   * @example Usage
   * ```ts
   * import { BufferPool } from "./buffer_pool.ts";
   * const pool = new BufferPool();
   * pool.give(pool.take(16));
   * ```
   * @param buffer A buffer nothing uses any more.
   */
  give(buffer: Uint8Array<ArrayBuffer>): void {
    buffer.fill(0);
    let list = this.#free.get(buffer.length);
    if (!list) this.#free.set(buffer.length, list = []);
    if (list.length < this.#keep) list.push(buffer);
  }

  /** Bytes kept now. */
  get keptBytes(): number {
    let bytes = 0;
    for (const [size, list] of this.#free) bytes += size * list.length;
    return bytes;
  }
}
