/**
 * Per-uid budgets for the Varlink server, so that no local user can delay
 * root's questions: the socket is 0666 (as systemd's), so anyone may connect,
 * and a peer's uid (SO_PEERCRED, read at accept) decides which budget its
 * connection draws on.
 *
 * Each uid has its own budget of connections, of calls queued behind the one
 * in progress and of bytes held for it (its half-read messages, its queued
 * calls and the replies it has not read yet). Every uid other than the
 * privileged ones (root, and the owner of the served directory) also draws
 * on one budget that all of them share, so their sum stays bounded whatever
 * they do. The privileged uids never draw on the shared budget: what the
 * others hold cannot refuse them a connection, a call or a byte.
 *
 * The server as a whole is bounded too: at most `sharedConnections` others'
 * connections holding at most `sharedBytes`, plus each privileged uid's own
 * `privilegedConnections` and `privilegedBytes`.
 *
 * @module
 */

/** The budgets of a {@linkcode PeerLimits}. */
export interface PeerLimitOptions {
  /** Uids never refused because of others (root, the served directory's owner). */
  privilegedUids: ReadonlySet<number>;
  /** Connections of one privileged uid (default 64). */
  privilegedConnections?: number;
  /** Calls queued by one privileged uid, over all its connections (default 1024). */
  privilegedCalls?: number;
  /** Bytes held for one privileged uid (default 8 MiB). */
  privilegedBytes?: number;
  /** Connections of any other uid (default 16, systemd's MaxConnectionsPerSource=). */
  connectionsPerUid?: number;
  /** Calls queued by any other uid, over all its connections (default 32). */
  callsPerUid?: number;
  /** Bytes held for any other uid (default 256 KiB). */
  bytesPerUid?: number;
  /** Connections of all other uids together (default 128). */
  sharedConnections?: number;
  /** Calls queued by all other uids together (default 256). */
  sharedCalls?: number;
  /** Bytes held for all other uids together (default 2 MiB). */
  sharedBytes?: number;
}

/** What one uid holds now. */
export interface PeerUsage {
  /** Open connections. */
  connections: number;
  /** Queued calls. */
  calls: number;
  /** Bytes held. */
  bytes: number;
}

/** Why a reservation was refused: the uid's own budget, or the one others share. */
export type Refusal = "uid" | "shared";

/** What a peer uses up: one of {@linkcode PeerUsage}'s counters. */
export type Resource = keyof PeerUsage;

/** Counts what each uid holds and says whether it may hold more. */
export class PeerLimits {
  #privileged: ReadonlySet<number>;
  #own: { privileged: PeerUsage; other: PeerUsage };
  #sharedLimit: PeerUsage;
  #usage = new Map<number, PeerUsage>();
  #shared: PeerUsage = { connections: 0, calls: 0, bytes: 0 };

  /**
   * Creates the budgets.
   *
   * @example Usage
   * ```ts
   * import { PeerLimits } from "./peer_limits.ts";
   * const limits = new PeerLimits({ privilegedUids: new Set([0]) });
   * if (limits.reserve(65534, "connections", 1) === undefined) {
   *   // accepted; later: limits.release(65534, "connections", 1)
   * }
   * ```
   * @param options See {@linkcode PeerLimitOptions}.
   */
  constructor(options: PeerLimitOptions) {
    this.#privileged = options.privilegedUids;
    this.#own = {
      privileged: {
        connections: options.privilegedConnections ?? 64,
        calls: options.privilegedCalls ?? 1024,
        bytes: options.privilegedBytes ?? 8 * 1024 * 1024,
      },
      other: {
        connections: options.connectionsPerUid ?? 16,
        calls: options.callsPerUid ?? 32,
        bytes: options.bytesPerUid ?? 256 * 1024,
      },
    };
    this.#sharedLimit = {
      connections: options.sharedConnections ?? 128,
      calls: options.sharedCalls ?? 256,
      bytes: options.sharedBytes ?? 2 * 1024 * 1024,
    };
  }

  /**
   * Whether `uid` is privileged: it has its own budget and never draws on the shared one.
   *
   * @example Usage
   * ```ts
   * import { PeerLimits } from "./peer_limits.ts";
   * new PeerLimits({ privilegedUids: new Set([0]) }).isPrivileged(0); // true
   * ```
   * @param uid The peer's uid.
   * @returns Whether it is root or the directory's owner.
   */
  isPrivileged(uid: number): boolean {
    return this.#privileged.has(uid);
  }

  /**
   * Takes `amount` of `resource` for `uid` when both its own budget and (for
   * an unprivileged uid) the shared one have room; takes nothing otherwise.
   *
   * @example Usage
   * ```ts
   * import { PeerLimits } from "./peer_limits.ts";
   * const limits = new PeerLimits({ privilegedUids: new Set([0]), bytesPerUid: 10 });
   * limits.reserve(1000, "bytes", 11); // "uid"
   * ```
   * @param uid The peer's uid.
   * @param resource What to take.
   * @param amount How much (≥ 0).
   * @returns `undefined` when taken, else which budget refused it.
   */
  reserve(uid: number, resource: Resource, amount: number): Refusal | undefined {
    const privileged = this.#privileged.has(uid);
    const usage = this.#usage.get(uid) ?? { connections: 0, calls: 0, bytes: 0 };
    const own = privileged ? this.#own.privileged : this.#own.other;
    if (usage[resource] + amount > own[resource]) return "uid";
    if (!privileged && this.#shared[resource] + amount > this.#sharedLimit[resource]) {
      return "shared";
    }
    usage[resource] += amount;
    this.#usage.set(uid, usage);
    if (!privileged) this.#shared[resource] += amount;
    return undefined;
  }

  /**
   * Gives back `amount` of `resource` that `uid` took; a uid that holds
   * nothing any more is forgotten.
   *
   * @example Usage
   * ```ts
   * import { PeerLimits } from "./peer_limits.ts";
   * const limits = new PeerLimits({ privilegedUids: new Set([0]) });
   * limits.reserve(1000, "calls", 1);
   * limits.release(1000, "calls", 1);
   * ```
   * @param uid The peer's uid.
   * @param resource What to give back.
   * @param amount How much (what was reserved).
   */
  release(uid: number, resource: Resource, amount: number): void {
    const usage = this.#usage.get(uid);
    if (!usage) return;
    const given = Math.min(amount, usage[resource]);
    usage[resource] -= given;
    if (!this.#privileged.has(uid)) this.#shared[resource] -= given;
    if (usage.connections === 0 && usage.calls === 0 && usage.bytes === 0) {
      this.#usage.delete(uid);
    }
  }

  /**
   * What `uid` holds now.
   *
   * @example Usage
   * ```ts
   * import { PeerLimits } from "./peer_limits.ts";
   * new PeerLimits({ privilegedUids: new Set([0]) }).usage(0).connections; // 0
   * ```
   * @param uid The peer's uid.
   * @returns Its connections, calls and bytes.
   */
  usage(uid: number): PeerUsage {
    return { ...(this.#usage.get(uid) ?? { connections: 0, calls: 0, bytes: 0 }) };
  }

  /** What all unprivileged uids hold together. */
  get shared(): PeerUsage {
    return { ...this.#shared };
  }

  /** Uids holding anything now (a bounded map: it forgets a uid once it holds nothing). */
  get uidCount(): number {
    return this.#usage.size;
  }
}
