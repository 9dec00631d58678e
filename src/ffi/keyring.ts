/**
 * The kernel keyring, where systemd's askers cache passwords: `add_key`,
 * and `keyctl` search/read/timeout, through syscall(2) (glibc does not wrap
 * them). Keys go to the user keyring (`@u`), as systemd-ask-password does.
 *
 * @module
 */
import { cString } from "./c_string.ts";
import { Errno, lastErrno, SystemCallError } from "./errno.ts";
import { libc } from "./libc.ts";

const SYS_add_key = 248n;
const SYS_keyctl = 250n;
const KEYCTL_SEARCH = 10n;
const KEYCTL_READ = 11n;
const KEYCTL_SET_TIMEOUT = 15n;
const KEY_SPEC_USER_KEYRING = -4n;

const address = (buffer: Uint8Array | null): bigint =>
  buffer === null ? 0n : BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer)));

/**
 * Adds (or replaces) the `user` key `name` in the user keyring, with a
 * timeout after which the kernel removes it.
 *
 * @example Usage
 * ```ts
 * import { addUserKey } from "./keyring.ts";
 * addUserKey("askpw-example", new TextEncoder().encode("secret"), 150);
 * ```
 * @param name The key's description, e.g. `cryptsetup`.
 * @param payload The key's bytes (passwords joined by NUL, as systemd stores them).
 * @param timeoutSeconds Lifetime; 0 keeps it until removed.
 * @returns The key's serial number.
 * @throws {SystemCallError} When add_key or keyctl fails.
 */
export function addUserKey(name: string, payload: Uint8Array, timeoutSeconds: number): number {
  const serial = Number(
    libc.symbols.syscall6(
      SYS_add_key,
      address(cString("user")),
      address(cString(name)),
      address(payload.length > 0 ? payload : null),
      BigInt(payload.length),
      KEY_SPEC_USER_KEYRING,
    ),
  );
  if (serial < 0) throw new SystemCallError("add_key", lastErrno(), name);
  if (timeoutSeconds > 0) {
    const result = libc.symbols.syscall6(
      SYS_keyctl,
      KEYCTL_SET_TIMEOUT,
      BigInt(serial),
      BigInt(Math.ceil(timeoutSeconds)),
      0n,
      0n,
    );
    if (result < 0) throw new SystemCallError("keyctl(SET_TIMEOUT)", lastErrno(), name);
  }
  return serial;
}

/**
 * Reads the `user` key `name` of the user keyring into `into`.
 *
 * @example Usage
 * ```ts
 * import { readUserKey } from "./keyring.ts";
 * const bytes = readUserKey("askpw-example", new Uint8Array(4096));
 * ```
 * @param name The key's description.
 * @param into Where the payload goes (e.g. secret memory).
 * @returns The payload (a view of `into`), or `undefined` when there is no such key.
 * @throws {SystemCallError} On errors other than a missing or expired key.
 * @throws {RangeError} When the key is larger than `into`.
 */
export function readUserKey(name: string, into: Uint8Array): Uint8Array | undefined {
  const serial = libc.symbols.syscall6(
    SYS_keyctl,
    KEYCTL_SEARCH,
    KEY_SPEC_USER_KEYRING,
    address(cString("user")),
    address(cString(name)),
    0n,
  );
  if (serial < 0) {
    const errno = lastErrno();
    if (errno === Errno.ENOKEY || errno === Errno.EKEYEXPIRED || errno === Errno.ENOENT) {
      return undefined;
    }
    throw new SystemCallError("keyctl(SEARCH)", errno, name);
  }
  const length = Number(
    libc.symbols.syscall6(SYS_keyctl, KEYCTL_READ, serial, address(into), BigInt(into.length), 0n),
  );
  if (length < 0) {
    const errno = lastErrno();
    if (errno === Errno.ENOKEY || errno === Errno.EKEYEXPIRED) return undefined;
    throw new SystemCallError("keyctl(READ)", errno, name);
  }
  if (length > into.length) throw new RangeError(`Key ${name} is larger than ${into.length} bytes`);
  return into.subarray(0, length);
}
