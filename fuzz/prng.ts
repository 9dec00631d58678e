/**
 * A small seeded pseudo-random generator for the fuzzers: the same seed gives
 * the same sequence on every machine, so any input can be rebuilt from its
 * seed and index alone.
 *
 * @module
 */

const TWO_TO_32 = 2 ** 32;

/**
 * mulberry32: 32 bits of state, fast, good enough to pick grammar branches
 * and mutation positions (not for anything secret).
 *
 * @example Usage
 * ```ts
 * import { Prng } from "./prng.ts";
 * const a = new Prng(7);
 * const b = new Prng(7);
 * console.assert(a.nextUint32() === b.nextUint32());
 * ```
 */
export class Prng {
  #state: number;

  /**
   * Starts a sequence.
   *
   * @param seed Any number; only its low 32 bits count.
   */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /**
   * The next value of the sequence.
   *
   * @returns An integer in 0…2^32-1.
   */
  nextUint32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /**
   * An integer below `limit`.
   *
   * @param limit Exclusive upper bound, 1…2^32.
   * @returns An integer in 0…limit-1.
   */
  below(limit: number): number {
    return Math.floor((this.nextUint32() / TWO_TO_32) * limit);
  }

  /**
   * An integer between two bounds, both included.
   *
   * @param min Lowest value.
   * @param max Highest value.
   * @returns An integer in min…max.
   */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  /**
   * A coin that comes up true with probability `probability`.
   *
   * @param probability 0…1.
   * @returns Whether it came up.
   */
  chance(probability: number): boolean {
    return this.nextUint32() < probability * TWO_TO_32;
  }

  /**
   * One element of a non-empty list, uniformly.
   *
   * @param items The list.
   * @returns One of its elements.
   */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  /**
   * One value of a weighted list.
   *
   * @param entries `[value, weight]` pairs; weights need not add up to anything.
   * @returns A value, chosen in proportion to its weight.
   */
  pickWeighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, weight] of entries) total += weight;
    let roll = (this.nextUint32() / TWO_TO_32) * total;
    for (const [value, weight] of entries) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return entries[entries.length - 1][0];
  }
}

/**
 * A well-mixed 32-bit seed for input number `index` of a run seeded with
 * `seed` (murmur3's finalizer over both), so each input has its own
 * independent sequence and can be rebuilt without generating the ones before it.
 *
 * @example Usage
 * ```ts
 * import { deriveSeed, Prng } from "./prng.ts";
 * const random = new Prng(deriveSeed(1, 12345));
 * ```
 * @param seed The run's seed.
 * @param index The input's number in the run.
 * @returns A 32-bit seed.
 */
export function deriveSeed(seed: number, index: number): number {
  return finalizeMix((finalizeMix(seed >>> 0) ^ Math.imul(index >>> 0, 0x9e3779b1)) >>> 0);
}

function finalizeMix(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
