/**
 * Passwords typed during this run, for requests that say `AcceptCached=1`
 * (cryptsetup does on its first try), so one passphrase typed once unlocks
 * every volume that shares it. Entries go to buckets: the agent keeps them
 * per owner of the ask directory they were typed for (a password typed for
 * root's requests never answers a user's request, and vice versa) and per
 * kind of answer (a passphrase never answers a PIN request). Like the kernel keyring systemd
 * pushes to, entries expire (150 s by default) and are wiped at that moment,
 * not when next looked at. They live in locked secret memory.
 *
 * @module
 */
import type { Timer } from "../reactor/reactor.ts";
import { secretMemory } from "./secret_memory.ts";

interface Entry {
  secret: Uint8Array;
  expires: number;
}

/** Schedules the wipe of expired entries (the reactor does). */
export interface CacheTimers {
  /** Runs `callback` after `ms`. */
  after(ms: number, callback: () => void): Timer;
}

/** Options for a {@linkcode PasswordCache}. */
export interface PasswordCacheOptions {
  /** How long an entry may be used, in ms (default 150 000). */
  lifetimeMs?: number;
  /** Wipes entries when they expire; without it they are wiped when next looked at. */
  timers?: CacheTimers;
  /** Clock in ms (tests). */
  now?: () => number;
  /** Entries kept per bucket, newest first (default 16). */
  maxEntries?: number;
}

/** In-memory cache of typed passwords, in buckets, newest first. */
export class PasswordCache implements Disposable {
  #byBucket = new Map<string, Entry[]>();
  #lifetimeMs: number;
  #now: () => number;
  #timers: CacheTimers | undefined;
  #timer: Timer | undefined;
  #timerAt = Infinity;
  #maxEntries: number;

  /**
   * Creates an empty cache.
   *
   * @example Usage
   * ```ts
   * import { PasswordCache } from "./password_cache.ts";
   * using cache = new PasswordCache({ lifetimeMs: 150_000 });
   * ```
   * @param options See {@linkcode PasswordCacheOptions}.
   */
  constructor(options: PasswordCacheOptions = {}) {
    this.#lifetimeMs = options.lifetimeMs ?? 150_000;
    this.#now = options.now ?? (() => performance.now());
    this.#timers = options.timers;
    this.#maxEntries = options.maxEntries ?? 16;
  }

  /** Entries held, all owners together. */
  get size(): number {
    let size = 0;
    for (const entries of this.#byBucket.values()) size += entries.length;
    return size;
  }

  /**
   * Stores a copy of `secret` in `bucket` (a duplicate moves to the front).
   *
   * @example Usage
   * ```ts
   * import { PasswordCache } from "./password_cache.ts";
   * using cache = new PasswordCache();
   * cache.remember("0:passphrase", new Uint8Array([0x61]));
   * ```
   * @param bucket Whose and what it is: the agent uses the ask directory's
   * owner and the answer family (`0:passphrase`, `1000:pin`).
   * @param secret The password bytes; the caller keeps and wipes its own buffer.
   */
  remember(bucket: string, secret: Uint8Array): void {
    this.#expire();
    const entries = this.#byBucket.get(bucket) ?? [];
    const existing = entries.findIndex((entry) => equalBytes(entry.secret, secret));
    if (existing >= 0) secretMemory().release(entries.splice(existing, 1)[0].secret);
    entries.unshift({
      secret: secretMemory().copy(secret),
      expires: this.#now() + this.#lifetimeMs,
    });
    while (entries.length > this.#maxEntries) secretMemory().release(entries.pop()!.secret);
    this.#byBucket.set(bucket, entries);
    this.#schedule();
  }

  /**
   * Copies of the live entries of `bucket`, newest first, in secret memory;
   * the caller releases them.
   *
   * @example Usage
   * ```ts
   * import { PasswordCache } from "./password_cache.ts";
   * using cache = new PasswordCache();
   * cache.passwords("0:passphrase").length; // 0
   * ```
   * @param bucket As given to {@linkcode PasswordCache.remember}.
   * @returns The passwords.
   */
  passwords(bucket: string): Uint8Array[] {
    this.#expire();
    return (this.#byBucket.get(bucket) ?? []).map((entry) => secretMemory().copy(entry.secret));
  }

  /** Wipes every entry. */
  [Symbol.dispose](): void {
    for (const entries of this.#byBucket.values()) {
      for (const entry of entries) secretMemory().release(entry.secret);
    }
    this.#byBucket.clear();
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  #expire(): void {
    const now = this.#now();
    for (const [bucket, entries] of this.#byBucket) {
      const live = entries.filter((entry) => {
        if (entry.expires > now) return true;
        secretMemory().release(entry.secret);
        return false;
      });
      if (live.length > 0) this.#byBucket.set(bucket, live);
      else this.#byBucket.delete(bucket);
    }
  }

  /** One timer for the earliest expiry, whatever the number of entries. */
  #schedule(): void {
    if (!this.#timers) return;
    let earliest = Infinity;
    for (const entries of this.#byBucket.values()) {
      for (const entry of entries) earliest = Math.min(earliest, entry.expires);
    }
    if (earliest === this.#timerAt) return;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerAt = earliest;
    if (earliest === Infinity) return;
    this.#timer = this.#timers.after(Math.max(0, earliest - this.#now()), () => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#expire();
      this.#schedule();
    });
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
  return difference === 0;
}
