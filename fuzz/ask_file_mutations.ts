/**
 * Byte-level mutations of ask files (byte strings, see `byte_strings.ts`),
 * in the style of coverage-less fuzzers: bit flips, byte insertion, deletion
 * and duplication, dictionary tokens, splicing with a second file.
 *
 * @module
 */
import { LINE_TERMINATORS, MUTATION_TOKENS } from "./ask_file_dictionary.ts";
import type { Prng } from "./prng.ts";

/** Bytes that mean something to the parser, tried more often than others. */
const INTERESTING_BYTES = [
  0x00,
  0x0a,
  0x0d,
  0x09,
  0x0b,
  0x0c,
  0x20,
  0x22,
  0x23,
  0x27,
  0x3b,
  0x3d,
  0x5b,
  0x5c,
  0x5d,
  0x7f,
  0x80,
  0xbf,
  0xc0,
  0xc3,
  0xed,
  0xef,
  0xf0,
  0xf4,
  0xf8,
  0xfe,
  0xff,
];

/** Mutations stop growing a file beyond this (four times the line limit). */
const GROWTH_LIMIT = 4 * 1024 * 1024;

/** The names of the mutation operators, for statistics. */
export type MutationName =
  | "flip-bit"
  | "set-byte"
  | "insert-bytes"
  | "delete-range"
  | "duplicate-range"
  | "insert-token"
  | "splice"
  | "insert-donor-chunk"
  | "swap-terminators"
  | "truncate"
  | "repeat-line";

const OPERATORS: readonly (readonly [MutationName, number])[] = [
  ["flip-bit", 3],
  ["set-byte", 3],
  ["insert-bytes", 2],
  ["delete-range", 2],
  ["duplicate-range", 2],
  ["insert-token", 5],
  ["splice", 1],
  ["insert-donor-chunk", 1],
  ["swap-terminators", 1],
  ["truncate", 1],
  ["repeat-line", 1],
];

/**
 * Applies one to six random mutations to `file`.
 *
 * @example Usage
 * ```ts
 * import { mutateAskFile } from "./ask_file_mutations.ts";
 * import { Prng } from "./prng.ts";
 * const mutated = mutateAskFile(new Prng(5), "[Ask]\nSocket=/s\n", () => "[Ask]\nPID=1\n");
 * ```
 * @param random The input's random sequence.
 * @param file The file to mutate, as a byte string.
 * @param donor Makes a second file to splice with (only called when needed).
 * @returns The mutated file and the names of the mutations applied.
 */
export function mutateAskFile(
  random: Prng,
  file: string,
  donor: () => string,
): { file: string; mutations: MutationName[] } {
  const mutations: MutationName[] = [];
  let count = 1;
  while (count < 6 && random.chance(0.5)) count++;
  for (let step = 0; step < count; step++) {
    const name = random.pickWeighted(OPERATORS);
    mutations.push(name);
    file = applyMutation(random, name, file, donor);
  }
  return { file, mutations };
}

function applyMutation(
  random: Prng,
  name: MutationName,
  file: string,
  donor: () => string,
): string {
  const growing = file.length < GROWTH_LIMIT;
  const at = () => random.below(file.length + 1);
  switch (name) {
    case "flip-bit": {
      if (file.length === 0) return file;
      const position = random.below(file.length);
      const byte = file.charCodeAt(position) ^ (1 << random.below(8));
      return replaceByte(file, position, byte);
    }
    case "set-byte": {
      if (file.length === 0) return file;
      const byte = random.chance(0.7) ? random.pick(INTERESTING_BYTES) : random.below(256);
      return replaceByte(file, random.below(file.length), byte);
    }
    case "insert-bytes": {
      if (!growing) return file;
      let bytes = "";
      const length = random.between(1, 8);
      for (let index = 0; index < length; index++) {
        bytes += String.fromCharCode(
          random.chance(0.5) ? random.pick(INTERESTING_BYTES) : random.below(256),
        );
      }
      return insert(file, at(), bytes);
    }
    case "delete-range": {
      const start = at();
      const length = random.chance(0.8) ? random.between(1, 8) : random.below(file.length + 1);
      return file.slice(0, start) + file.slice(start + length);
    }
    case "duplicate-range": {
      if (!growing || file.length === 0) return file;
      const start = random.below(file.length);
      const piece = file.slice(start, start + random.between(1, 64));
      return insert(file, at(), piece.repeat(random.chance(0.9) ? 1 : random.between(2, 64)));
    }
    case "insert-token":
      return growing
        ? insert(file, tokenPosition(random, file), random.pick(MUTATION_TOKENS))
        : file;
    case "splice": {
      const other = donor();
      return file.slice(0, at()) + other.slice(random.below(other.length + 1));
    }
    case "insert-donor-chunk": {
      if (!growing) return file;
      const other = donor();
      const start = random.below(other.length + 1);
      return insert(file, at(), other.slice(start, start + random.between(1, 256)));
    }
    case "swap-terminators": {
      const from = random.pick(LINE_TERMINATORS);
      return file.split(from).join(random.pick(LINE_TERMINATORS));
    }
    case "truncate":
      return file.slice(0, at());
    case "repeat-line": {
      if (!growing) return file;
      const lines = file.split("\n");
      const line = random.below(lines.length);
      lines.splice(line, 0, ...Array<string>(random.between(1, 32)).fill(lines[line]));
      return lines.join("\n");
    }
  }
}

/** Half the time at a line start (where tokens like `[Ask]` mean most), else anywhere. */
function tokenPosition(random: Prng, file: string): number {
  if (random.chance(0.5)) {
    const starts = [0];
    for (let index = 0; index < file.length && starts.length < 256; index++) {
      if (file.charCodeAt(index) === 0x0a) starts.push(index + 1);
    }
    return random.pick(starts);
  }
  return random.below(file.length + 1);
}

function insert(file: string, position: number, text: string): string {
  return file.slice(0, position) + text + file.slice(position);
}

function replaceByte(file: string, position: number, byte: number): string {
  return file.slice(0, position) + String.fromCharCode(byte) + file.slice(position + 1);
}
