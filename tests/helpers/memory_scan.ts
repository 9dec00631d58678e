/**
 * Looks for a secret in another process's memory, the way an attacker with
 * a core dump or ptrace would: every readable mapping of /proc/PID/maps is
 * read through /proc/PID/mem and searched, for the bytes as typed (UTF-8)
 * and as a JavaScript string would hold them (UTF-16LE).
 *
 * @module
 */
import { Buffer } from "node:buffer";

/** One place the needle was found. */
export interface MemoryHit {
  /** Address of the match. */
  address: bigint;
  /** The mapping's line from /proc/PID/maps. */
  mapping: string;
  /** Which form matched. */
  encoding: "utf-8" | "utf-16le";
}

/** What a scan covered, and what it found. */
export interface MemoryScan {
  hits: MemoryHit[];
  /** Bytes read. */
  scanned: number;
  /** Readable mappings that could not be read (e.g. [vvar]). */
  skipped: number;
}

const CHUNK = 4 * 1024 * 1024;

/**
 * Scans process `pid` for `secret` (needs root, or the same uid and a
 * dumpable process).
 *
 * @param pid The process.
 * @param secret The text to look for.
 * @returns Where it was found.
 */
export function scanProcessMemory(pid: number, secret: string): MemoryScan {
  const forms: [MemoryHit["encoding"], Buffer][] = [
    ["utf-8", Buffer.from(secret, "utf-8")],
    ["utf-16le", Buffer.from(secret, "utf16le")],
  ];
  const overlap = Math.max(...forms.map(([, bytes]) => bytes.length)) - 1;
  const maps = Deno.readTextFileSync(`/proc/${pid}/maps`).split("\n").filter(Boolean);
  const memory = Deno.openSync(`/proc/${pid}/mem`, { read: true });
  const buffer = new Uint8Array(CHUNK + overlap);
  const result: MemoryScan = { hits: [], scanned: 0, skipped: 0 };
  try {
    for (const mapping of maps) {
      const [range, permissions] = mapping.split(/\s+/);
      if (!permissions.startsWith("r")) continue;
      const [start, end] = range.split("-").map((hex) => BigInt(`0x${hex}`));
      try {
        scanRange(memory, start, end, buffer, overlap, (offset, length) => {
          const view = Buffer.from(buffer.buffer, 0, length);
          for (const [encoding, bytes] of forms) {
            for (let at = view.indexOf(bytes); at >= 0; at = view.indexOf(bytes, at + 1)) {
              result.hits.push({ address: offset + BigInt(at), mapping, encoding });
            }
          }
          result.scanned += length;
        });
      } catch {
        result.skipped++;
      }
    }
  } finally {
    memory.close();
  }
  // A match in the overlap is seen twice: once at the end of a chunk, once at the start of the next.
  const seen = new Set<string>();
  result.hits = result.hits.filter((hit) => {
    const key = `${hit.address}:${hit.encoding}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return result;
}

function scanRange(
  memory: Deno.FsFile,
  start: bigint,
  end: bigint,
  buffer: Uint8Array,
  overlap: number,
  search: (offset: bigint, length: number) => void,
): void {
  for (let offset = start; offset < end; offset += BigInt(CHUNK)) {
    const length = Number(
      end - offset < BigInt(CHUNK + overlap) ? end - offset : BigInt(CHUNK + overlap),
    );
    memory.seekSync(offset, Deno.SeekMode.Start);
    let filled = 0;
    while (filled < length) {
      const count = memory.readSync(buffer.subarray(filled, length));
      if (count === null || count === 0) break;
      filled += count;
    }
    search(offset, filled);
  }
}
