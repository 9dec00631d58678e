/**
 * Where passwords live: fixed-size slots in pages that are locked in RAM and
 * left out of core dumps. Every buffer that holds typed or received secret
 * bytes (the line being typed, what plymouthd sent, the reply datagram, the
 * password cache) is a slot; releasing a slot zeroes it. Nothing secret is
 * ever left to the garbage collector, which would free a buffer without
 * wiping it.
 *
 * @module
 */
import { mapSecretPages, type SecretPages, unmapSecretPages } from "../ffi/memory.ts";

/** The largest secret buffer: a reply datagram is 2049 bytes, a Plymouth answer a few more. */
export const SECRET_SLOT_SIZE = 4096;
const SLOTS_PER_CHUNK = 16;

interface Chunk {
  pages: SecretPages;
  inUse: boolean[];
}

/** Slot allocator over locked pages. */
export class SecretMemory implements Disposable {
  #chunks: Chunk[] = [];
  #byBuffer = new Map<ArrayBufferLike, Chunk>();
  #onUnlocked: (reason: string) => void = () => {};
  #unlockedReason: string | undefined;

  /**
   * Who is told, once, that pages could not be locked (RLIMIT_MEMLOCK); told
   * at once when that already happened.
   *
   * @example Usage
   * ```ts
   * import { SecretMemory } from "./secret_memory.ts";
   * using memory = new SecretMemory();
   * memory.onUnlocked = (reason) => console.error(reason);
   * ```
   */
  set onUnlocked(listener: (reason: string) => void) {
    this.#onUnlocked = listener;
    if (this.#unlockedReason !== undefined) listener(this.#unlockedReason);
  }

  /** Bytes of locked pages mapped. */
  get lockedBytes(): number {
    return this.#chunks.filter((chunk) => chunk.pages.locked)
      .reduce((sum, chunk) => sum + chunk.pages.bytes.length, 0);
  }

  /** Slots handed out and not yet released. */
  get slotsInUse(): number {
    return this.#chunks.reduce((sum, chunk) => sum + chunk.inUse.filter(Boolean).length, 0);
  }

  /**
   * A zero-filled buffer of `size` bytes in locked memory.
   *
   * @example Usage
   * ```ts
   * import { SecretMemory } from "./secret_memory.ts";
   * using memory = new SecretMemory();
   * const buffer = memory.allocate(16);
   * memory.release(buffer);
   * ```
   * @param size At most {@linkcode SECRET_SLOT_SIZE}.
   * @returns The buffer; give it back with {@linkcode SecretMemory.release}.
   * @throws {RangeError} When `size` exceeds a slot.
   */
  allocate(size: number): Uint8Array<ArrayBuffer> {
    if (size > SECRET_SLOT_SIZE || size < 0) {
      throw new RangeError(`A secret of ${size} bytes exceeds a ${SECRET_SLOT_SIZE}-byte slot`);
    }
    for (const chunk of this.#chunks) {
      const index = chunk.inUse.indexOf(false);
      if (index >= 0) return this.#take(chunk, index, size);
    }
    return this.#take(this.#grow(), 0, size);
  }

  /**
   * A copy of `bytes` in locked memory.
   *
   * @example Usage
   * ```ts
   * import { SecretMemory } from "./secret_memory.ts";
   * using memory = new SecretMemory();
   * memory.release(memory.copy(new Uint8Array([1, 2])));
   * ```
   * @param bytes The secret.
   * @returns The copy; release it.
   */
  copy(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
    const buffer = this.allocate(bytes.length);
    buffer.set(bytes);
    return buffer;
  }

  /**
   * Zeroes `buffer` and, when it is one of our slots, makes the slot free.
   * Buffers from elsewhere are only zeroed; releasing twice is harmless.
   *
   * @example Usage
   * ```ts
   * import { SecretMemory } from "./secret_memory.ts";
   * using memory = new SecretMemory();
   * memory.release(new Uint8Array([7])); // zeroed
   * ```
   * @param buffer The buffer.
   */
  release(buffer: Uint8Array): void {
    buffer.fill(0);
    const chunk = this.#byBuffer.get(buffer.buffer);
    if (!chunk) return;
    const index = Math.floor(buffer.byteOffset / SECRET_SLOT_SIZE);
    chunk.pages.bytes.fill(0, index * SECRET_SLOT_SIZE, (index + 1) * SECRET_SLOT_SIZE);
    chunk.inUse[index] = false;
  }

  /** Zeroes and unmaps every page. */
  [Symbol.dispose](): void {
    for (const chunk of this.#chunks) unmapSecretPages(chunk.pages);
    this.#chunks = [];
    this.#byBuffer.clear();
  }

  #take(chunk: Chunk, index: number, size: number): Uint8Array<ArrayBuffer> {
    chunk.inUse[index] = true;
    const start = index * SECRET_SLOT_SIZE;
    return chunk.pages.bytes.subarray(start, start + size);
  }

  #grow(): Chunk {
    const pages = mapSecretPages(SECRET_SLOT_SIZE * SLOTS_PER_CHUNK);
    if (!pages.locked && this.#unlockedReason === undefined) {
      this.#unlockedReason = pages.lockError?.message ?? "mlock failed";
      this.#onUnlocked(this.#unlockedReason);
    }
    const chunk: Chunk = { pages, inUse: new Array(SLOTS_PER_CHUNK).fill(false) };
    this.#chunks.push(chunk);
    this.#byBuffer.set(pages.bytes.buffer, chunk);
    return chunk;
  }
}

let shared: SecretMemory | undefined;

/**
 * The process's secret memory, shared by everything that handles passwords.
 *
 * @example Usage
 * ```ts
 * import { secretMemory } from "./secret_memory.ts";
 * const buffer = secretMemory().allocate(8);
 * secretMemory().release(buffer);
 * ```
 * @returns The allocator.
 */
export function secretMemory(): SecretMemory {
  shared ??= new SecretMemory();
  return shared;
}
