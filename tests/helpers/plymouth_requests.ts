/**
 * What a fake plymouthd reads: the requests askpw sends, split off the
 * front of the bytes received so far (`<type> 0x00`, or `<type> 0x02
 * <length incl. NUL> <argument> 0x00`).
 *
 * @module
 */

const decoder = new TextDecoder();

/** One request: its type letter and its argument, when it has one. */
export interface PlymouthRequestLine {
  /** The type byte as a letter (`*`, `W`, `c`, `M`, …). */
  request: string;
  /** The argument without its NUL. */
  argument: string | null;
}

/**
 * Splits the complete requests off `pending`.
 *
 * @param pending The bytes received and not yet taken.
 * @returns The requests (with their type bytes) and the bytes left over.
 */
export function takePlymouthRequests(
  pending: Uint8Array<ArrayBuffer>,
): { requests: (PlymouthRequestLine & { type: number })[]; rest: Uint8Array<ArrayBuffer> } {
  const requests: (PlymouthRequestLine & { type: number })[] = [];
  let rest = pending;
  while (rest.length >= 2) {
    const type = rest[0]!;
    let used = 2;
    let argument: string | null = null;
    if (rest[1] === 0x02) {
      if (rest.length < 3 || rest.length < 3 + rest[2]!) break;
      argument = decoder.decode(rest.subarray(3, 3 + rest[2]! - 1));
      used = 3 + rest[2]!;
    }
    rest = rest.slice(used);
    requests.push({ type, request: String.fromCharCode(type), argument });
  }
  return { requests, rest };
}
