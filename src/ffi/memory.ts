/**
 * Pages for secrets: anonymous mappings that are locked in RAM (never
 * swapped) and left out of core dumps, and the process-wide "not dumpable"
 * switch that keeps other processes of our user out of our memory.
 *
 * @module
 */
import { lastErrno, SystemCallError } from "./errno.ts";
import { libc } from "./libc.ts";

const PROT_READ = 0x1;
const PROT_WRITE = 0x2;
const MAP_PRIVATE = 0x02;
const MAP_ANONYMOUS = 0x20;
const MADV_DONTDUMP = 16;
const PR_SET_DUMPABLE = 4;
const PR_GET_DUMPABLE = 3;

/** A mapping from {@linkcode mapSecretPages}. */
export interface SecretPages {
  /** The memory, zero-filled. */
  bytes: Uint8Array<ArrayBuffer>;
  /** Whether mlock succeeded (RLIMIT_MEMLOCK may forbid it). */
  locked: boolean;
  /** Why it is not locked, when it is not. */
  lockError?: SystemCallError;
  /** The mapping's address, for {@linkcode unmapSecretPages}. */
  pointer: Deno.PointerObject;
}

/**
 * Maps `size` bytes of private anonymous memory, excluded from core dumps
 * (MADV_DONTDUMP) and locked into RAM (mlock) where the limits allow.
 *
 * @example Usage
 * ```ts
 * import { mapSecretPages, unmapSecretPages } from "./memory.ts";
 * const pages = mapSecretPages(4096);
 * pages.bytes[0] = 1;
 * unmapSecretPages(pages);
 * ```
 * @param size Bytes, a multiple of the page size.
 * @returns The pages.
 * @throws {SystemCallError} When mmap fails.
 */
export function mapSecretPages(size: number): SecretPages {
  const pointer = libc.symbols.mmap(
    null,
    BigInt(size),
    PROT_READ | PROT_WRITE,
    MAP_PRIVATE | MAP_ANONYMOUS,
    -1,
    0n,
  );
  // MAP_FAILED is (void *) -1.
  if (pointer === null || Deno.UnsafePointer.value(pointer) === 0xffffffffffffffffn) {
    throw new SystemCallError("mmap", lastErrno(), `${size} bytes`);
  }
  libc.symbols.madvise(pointer, BigInt(size), MADV_DONTDUMP);
  let lockError: SystemCallError | undefined;
  if (libc.symbols.mlock(pointer, BigInt(size)) !== 0) {
    lockError = new SystemCallError("mlock", lastErrno(), `${size} bytes`);
  }
  const bytes = new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(pointer, size));
  return { bytes, locked: lockError === undefined, lockError, pointer };
}

/**
 * Unmaps pages from {@linkcode mapSecretPages} after zeroing them; their
 * `bytes` must not be used afterwards.
 *
 * @example Usage
 * ```ts
 * import { mapSecretPages, unmapSecretPages } from "./memory.ts";
 * unmapSecretPages(mapSecretPages(4096));
 * ```
 * @param pages The pages.
 */
export function unmapSecretPages(pages: SecretPages): void {
  pages.bytes.fill(0);
  libc.symbols.munmap(pages.pointer, BigInt(pages.bytes.length));
}

/**
 * Makes the process not dumpable (PR_SET_DUMPABLE 0): no core dump, and
 * /proc/PID/mem, /proc/PID/environ and ptrace are closed to every process
 * without CAP_SYS_PTRACE, including other processes of our own user.
 *
 * @example Usage
 * ```ts
 * import { forbidCoreDumps } from "./memory.ts";
 * forbidCoreDumps();
 * ```
 * @throws {SystemCallError} When prctl fails.
 */
export function forbidCoreDumps(): void {
  if (libc.symbols.prctl(PR_SET_DUMPABLE, 0n, 0n, 0n, 0n) !== 0) {
    throw new SystemCallError("prctl(PR_SET_DUMPABLE)", lastErrno());
  }
}

/**
 * Tells whether the process is dumpable (PR_GET_DUMPABLE).
 *
 * @example Usage
 * ```ts
 * import { isDumpable } from "./memory.ts";
 * isDumpable();
 * ```
 * @returns Whether it is.
 */
export function isDumpable(): boolean {
  return libc.symbols.prctl(PR_GET_DUMPABLE, 0n, 0n, 0n, 0n) === 1;
}

/**
 * Gives memory that was freed back to the kernel (glibc's malloc_trim: free
 * pages in every arena are released), so a burst of allocations does not
 * stay in the resident size for good.
 *
 * @example Usage
 * ```ts
 * import { returnFreedMemory } from "./memory.ts";
 * returnFreedMemory();
 * ```
 */
export function returnFreedMemory(): void {
  libc.symbols.malloc_trim(0n);
}
