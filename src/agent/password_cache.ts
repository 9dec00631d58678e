/**
 * Passwords typed during this run, for requests that say `AcceptCached=1`
 * (cryptsetup does on its first try), so one passphrase typed once unlocks
 * every volume that shares it. Like the kernel keyring systemd pushes to,
 * entries expire (150 s by default); all are wiped on dispose.
 *
 * @module
 */

interface Entry {
  secret: Uint8Array;
  expires: number;
}

/** In-memory cache of typed passwords, newest first. */
export class PasswordCache implements Disposable {
  #entries: Entry[] = [];
  #lifetimeMs: number;
  #now: () => number;

  /**
   * Creates an empty cache.
   *
   * @example Usage
   * ```ts
   * import { PasswordCache } from "./password_cache.ts";
   * using cache = new PasswordCache(150_000);
   * ```
   * @param lifetimeMs How long an entry may be used.
   * @param now Clock in ms (for tests).
   */
  constructor(lifetimeMs = 150_000, now: () => number = () => performance.now()) {
    this.#lifetimeMs = lifetimeMs;
    this.#now = now;
  }

  /**
   * Stores a copy of `secret` (a duplicate moves to the front).
   *
   * @example Usage
   * ```ts
   * import { PasswordCache } from "./password_cache.ts";
   * using cache = new PasswordCache();
   * cache.remember(new Uint8Array([0x61]));
   * ```
   * @param secret The password bytes; the caller keeps and wipes its own buffer.
   */
  remember(secret: Uint8Array): void {
    this.#expire();
    const existing = this.#entries.findIndex((entry) => equalBytes(entry.secret, secret));
    if (existing >= 0) {
      const [entry] = this.#entries.splice(existing, 1);
      entry.secret.fill(0);
    }
    this.#entries.unshift({ secret: secret.slice(), expires: this.#now() + this.#lifetimeMs });
  }

  /**
   * Copies of the live entries, newest first; the caller wipes them.
   *
   * @example Usage
   * ```ts
   * import { PasswordCache } from "./password_cache.ts";
   * using cache = new PasswordCache();
   * cache.passwords().length; // 0
   * ```
   * @returns The passwords.
   */
  passwords(): Uint8Array[] {
    this.#expire();
    return this.#entries.map((entry) => entry.secret.slice());
  }

  /** Wipes every entry. */
  [Symbol.dispose](): void {
    for (const entry of this.#entries) entry.secret.fill(0);
    this.#entries = [];
  }

  #expire(): void {
    const now = this.#now();
    this.#entries = this.#entries.filter((entry) => {
      if (entry.expires > now) return true;
      entry.secret.fill(0);
      return false;
    });
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
  return difference === 0;
}
