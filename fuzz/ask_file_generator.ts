/**
 * The deterministic ask-file generator of `deno task fuzz`.
 *
 * Input number `index` of a run seeded with `seed` depends on nothing but
 * those two numbers (each input has its own PRNG, see `prng.ts`), so a
 * failure is replayed from its seed and index alone, and runs can be split
 * across workers in any way.
 *
 * The mix: grammar-based valid files, near-valid ones, either of them put
 * through one to six byte-level mutations (splicing in a second file among
 * them), and rarely a file with a line near the parser's 1 MiB limit.
 *
 * @example Usage
 * ```ts
 * import { generateAskFile } from "./ask_file_generator.ts";
 * const first = generateAskFile(42, 0);
 * const again = generateAskFile(42, 0);
 * console.assert(first.bytes.join() === again.bytes.join());
 * ```
 *
 * @module
 */
import { longLineAskFile, nearValidAskFile, validAskFile } from "./ask_file_grammar.ts";
import { mutateAskFile, type MutationName } from "./ask_file_mutations.ts";
import { byteStringToBytes } from "./byte_strings.ts";
import { deriveSeed, Prng } from "./prng.ts";

export { LINE_LIMIT } from "./ask_file_dictionary.ts";
export type { MutationName } from "./ask_file_mutations.ts";

/** How an input was made. */
export type AskFileOrigin = "valid" | "near-valid" | "mutated" | "long-line";

/** Every origin, in report order. */
export const ASK_FILE_ORIGINS: readonly AskFileOrigin[] = [
  "valid",
  "near-valid",
  "mutated",
  "long-line",
];

/** One generated input. */
export interface GeneratedAskFile {
  /** The file's content. */
  bytes: Uint8Array<ArrayBuffer>;
  /** How it was made. */
  origin: AskFileOrigin;
  /** The mutations applied, in order (empty unless `origin` is `"mutated"`). */
  mutations: MutationName[];
}

/**
 * Share of inputs with a line near 1 MiB (or a few KB long): rare, so that a
 * million inputs still go through in about a minute.
 */
export const LONG_LINE_RATE = 1 / 10_000;

/**
 * Makes input number `index` of the run seeded with `seed`.
 *
 * @param seed The run's seed (32-bit).
 * @param index The input's number in the run.
 * @returns The input and how it was made.
 */
export function generateAskFile(seed: number, index: number): GeneratedAskFile {
  const random = new Prng(deriveSeed(seed, index));
  if (random.chance(LONG_LINE_RATE)) {
    return {
      bytes: byteStringToBytes(longLineAskFile(random)),
      origin: "long-line",
      mutations: [],
    };
  }
  const base = () => random.chance(0.5) ? validAskFile(random) : nearValidAskFile(random);
  const roll = random.below(4);
  if (roll === 0) {
    return { bytes: byteStringToBytes(validAskFile(random)), origin: "valid", mutations: [] };
  }
  if (roll === 1) {
    return {
      bytes: byteStringToBytes(nearValidAskFile(random)),
      origin: "near-valid",
      mutations: [],
    };
  }
  const { file, mutations } = mutateAskFile(random, base(), base);
  return { bytes: byteStringToBytes(file), origin: "mutated", mutations };
}
