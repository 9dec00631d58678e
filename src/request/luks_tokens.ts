/**
 * The token types in a LUKS2 header (`clevis`, `systemd-tpm2`,
 * `systemd-fido2`, …): which other unlockers a disk is set up for. Read from
 * the header's JSON area as the LUKS2 on-disk format defines it: a binary
 * header of 4096 bytes (magic `LUKS\xba\xbe`, version 2, the header size as a
 * big-endian u64 at byte 8), then the JSON metadata up to that size.
 *
 * @module
 */
import { closeFd, openFile, OpenFlags, readFd } from "../ffi/file_descriptor.ts";

const MAGIC = [0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe];
const BINARY_HEADER_SIZE = 4096;
/** LUKS2 allows header sizes up to 4 MiB; a token list fits the default 16 KiB. */
const MAX_HEADER_SIZE = 4 * 1024 * 1024;

/**
 * The token types of the LUKS2 header in `bytes` (a header's first bytes,
 * at least its size); empty when it is no LUKS2 header or its JSON is broken.
 *
 * @example Usage
 * ```ts
 * import { parseLuksTokenTypes } from "./luks_tokens.ts";
 * parseLuksTokenTypes(new Uint8Array(4096)); // []: no LUKS2 magic
 * ```
 * @param bytes The header.
 * @returns The token types, in token order, repeated types once.
 */
export function parseLuksTokenTypes(bytes: Uint8Array): string[] {
  if (bytes.length < BINARY_HEADER_SIZE || MAGIC.some((byte, i) => bytes[i] !== byte)) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(6, false) !== 2) return [];
  const size = Number(view.getBigUint64(8, false));
  const end = Math.min(size, bytes.length);
  let json = bytes.subarray(BINARY_HEADER_SIZE, end);
  const nul = json.indexOf(0);
  if (nul >= 0) json = json.subarray(0, nul);
  try {
    const metadata = JSON.parse(new TextDecoder().decode(json)) as {
      tokens?: Record<string, { type?: unknown }>;
    };
    const types = Object.keys(metadata.tokens ?? {})
      .sort((a, b) => Number(a) - Number(b))
      .map((key) => metadata.tokens![key]?.type)
      .filter((type): type is string => typeof type === "string");
    return [...new Set(types)];
  } catch {
    return [];
  }
}

/**
 * The token types of the LUKS2 device at `path` (read-only, never blocking
 * on anything but the read); empty when it cannot be read or is no LUKS2.
 *
 * @example Usage
 * ```ts
 * import { luksTokenTypes } from "./luks_tokens.ts";
 * luksTokenTypes("/dev/vda2").includes("clevis");
 * ```
 * @param path The block device or image.
 * @returns The token types.
 */
export function luksTokenTypes(path: string): string[] {
  let fd: number;
  try {
    fd = openFile(path, OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC);
  } catch {
    return [];
  }
  try {
    const first = readExactly(fd, BINARY_HEADER_SIZE);
    if (!first || MAGIC.some((byte, i) => first[i] !== byte)) return [];
    const size = Number(new DataView(first.buffer).getBigUint64(8, false));
    if (!(size > BINARY_HEADER_SIZE && size <= MAX_HEADER_SIZE)) return [];
    const rest = readExactly(fd, size - BINARY_HEADER_SIZE);
    if (!rest) return [];
    const header = new Uint8Array(size);
    header.set(first);
    header.set(rest, BINARY_HEADER_SIZE);
    return parseLuksTokenTypes(header);
  } catch {
    return [];
  } finally {
    closeFd(fd);
  }
}

function readExactly(fd: number, length: number): Uint8Array<ArrayBuffer> | undefined {
  const buffer = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const count = readFd(fd, buffer.subarray(filled) as Uint8Array<ArrayBuffer>);
    if (count === null || count === 0) return undefined;
    filled += count;
  }
  return buffer;
}
