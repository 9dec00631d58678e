/**
 * From an answer to a reply: the passwords encoded and wiped, the reply sent
 * (waiting for room in a full queue, on the reactor), retries counted, cached
 * answers offered to other requests.
 *
 * @module
 */
import { DatagramSender } from "../ffi/datagram_socket.ts";
import type { Logger } from "../log/log.ts";
import { answerFamily, sharesCachedAnswers } from "../request/request_kind.ts";
import { deliverReply, type DeliveryOutcome, encodePasswordReply } from "../protocol/reply.ts";
import type { Reactor } from "../reactor/reactor.ts";
import { secretMemory } from "../secrets/secret_memory.ts";
import type { PasswordCache } from "../secrets/password_cache.ts";
import { type PendingRequest, releaseRequest } from "./pending_request.ts";
import type { RequestTable } from "./request_table.ts";
import type { RetryCount } from "./retry_count.ts";

/** What {@linkcode AnswerDelivery} needs from the agent. */
export interface AnswerDeliveryOptions {
  /** Where events are logged. */
  log: Logger;
  /** The event loop a reply waits in for room. */
  reactor: Reactor;
  /** The requests a typed answer may also answer from the cache. */
  table: RequestTable;
  /** Counts the replies sent, per disk. */
  retries: RetryCount;
  /** Answers `AcceptCached=1` requests from passwords typed earlier; none when omitted. */
  cache?: PasswordCache;
  /** A request left "asking": wake the workers, update the status. */
  onChanged: () => void;
  /** Only the status may have changed. */
  onStatus: () => void;
  /** A delivery has ended. */
  onSettled: () => void;
}

/**
 * Sends answers, all on one socket.
 *
 * @example Usage
 * ```ts
 * import { AnswerDelivery } from "./answer_delivery.ts";
 * import { RequestTable } from "./request_table.ts";
 * import { RetryCount } from "./retry_count.ts";
 * import { createLogger } from "../log/log.ts";
 * import { Reactor } from "../reactor/reactor.ts";
 * await using reactor = new Reactor();
 * const table = new RequestTable([]);
 * const nothing = () => {};
 * using delivery = new AnswerDelivery({
 *   log: createLogger(), reactor, table, retries: new RetryCount(),
 *   onChanged: nothing, onStatus: nothing, onSettled: nothing,
 * });
 * await delivery.settled();
 * ```
 */
export class AnswerDelivery implements Disposable {
  #options: AnswerDeliveryOptions;
  #log: Logger;
  /** One socket sends every answer. */
  #sender = new DatagramSender();
  #deliveries = new Set<Promise<void>>();
  #answered = 0;

  /**
   * Opens the socket replies go out on.
   *
   * @example Usage
   * ```ts
   * import { AnswerDelivery, type AnswerDeliveryOptions } from "./answer_delivery.ts";
   * const options = {} as AnswerDeliveryOptions;
   * using delivery = new AnswerDelivery(options);
   * ```
   * @param options   * @param options See {@linkcode AnswerDeliveryOptions}.
   */
  constructor(options: AnswerDeliveryOptions) {
    this.#options = options;
    this.#log = options.log;
  }

  /** Replies sent. */
  get answered(): number {
    return this.#answered;
  }

  /** Whether a reply is still on its way. */
  get busy(): boolean {
    return this.#deliveries.size > 0;
  }

  /**
   * Resolves once every reply on its way has been sent or dropped.
   *
   * @example Usage
   * ```ts
   * const delivery = {} as import("./answer_delivery.ts").AnswerDelivery;
   * await delivery.settled();
   * ```
   */
  async settled(): Promise<void> {
    await Promise.all(this.#deliveries);
  }

  /**
   * Answers `pending` with `passwords` (wiped here, whatever happens); a
   * typed answer is cached and offered to the other requests.
   *
   * @example Usage
   * ```ts
   * import { secretMemory } from "../secrets/secret_memory.ts";
   * const delivery = {} as import("./answer_delivery.ts").AnswerDelivery;
   * const pending = {} as import("./pending_request.ts").PendingRequest;
   * const password = secretMemory().copy(new TextEncoder().encode("hunter2"));
   * delivery.answer(pending, [password], "console /dev/tty1", true); // password is wiped
   * ```
   * @param pending The request.
   * @param passwords The answer, in secret memory.
   * @param source Who answered, for the log.
   * @param typed Whether a person typed it (else it came from the cache).
   */
  answer(pending: PendingRequest, passwords: Uint8Array[], source: string, typed: boolean): void {
    const memory = secretMemory();
    const { cache } = this.#options;
    let payload: Uint8Array<ArrayBuffer> | undefined;
    try {
      if (pending.state !== "asking") {
        this.#log.debug(`Dropping a late answer for ${pending.request.path} from ${source}`);
        return;
      }
      pending.state = "delivering";
      pending.prompts.abort();
      try {
        payload = encodePasswordReply(passwords);
      } catch (error) {
        this.#log.error(`Cannot answer ${pending.request.path}: ${(error as Error).message}`);
        releaseRequest(pending);
        return;
      }
      if (typed && cache && passwords.length === 1 && sharesCachedAnswers(pending.class.kind)) {
        cache.remember(cacheBucket(pending), passwords[0]);
      }
    } finally {
      for (const password of passwords) memory.release(password);
      this.#options.onChanged();
    }
    this.#deliver(pending, payload, source);
    if (typed) { for (const other of this.#options.table.values()) this.answerFromCache(other); }
  }

  /**
   * Answers an `AcceptCached=1` first request from the cache, when it holds an answer.
   *
   * @example Usage
   * ```ts
   * const delivery = {} as import("./answer_delivery.ts").AnswerDelivery;
   * const pending = {} as import("./pending_request.ts").PendingRequest;
   * delivery.answerFromCache(pending);
   * ```
   * @param pending The request.
   */
  answerFromCache(pending: PendingRequest): void {
    const cache = this.#options.cache;
    if (!cache || pending.state !== "asking" || pending.triedCache) return;
    if (!pending.request.acceptCached || !sharesCachedAnswers(pending.class.kind)) return;
    // A retry of an Id we answered means what we sent was wrong: ask the person.
    if (pending.attempt > 1) return;
    const passwords = cache.passwords(cacheBucket(pending));
    if (passwords.length === 0) return;
    pending.triedCache = true;
    this.answer(pending, passwords, "the password cache (AcceptCached=1)", false);
  }

  /**
   * Closes the socket.
   *
   * @example Usage
   * ```ts
   * const delivery = {} as import("./answer_delivery.ts").AnswerDelivery;
   * delivery[Symbol.dispose]();
   * ```
   */
  [Symbol.dispose](): void {
    this.#sender[Symbol.dispose]();
  }

  #deliver(pending: PendingRequest, payload: Uint8Array<ArrayBuffer>, source: string): void {
    const { path, socket } = pending.request;
    const delivery = deliverReply(socket, payload, {
      sender: this.#sender,
      reactor: this.#options.reactor,
      signal: pending.alive.signal,
      onWaiting: () => {
        pending.waitingForRoom = true;
        this.#log.notice(`The asker of ${path} has a full queue; the answer waits for room`);
        this.#options.onStatus();
      },
    }).then((outcome) => this.#delivered(pending, outcome, source));
    this.#deliveries.add(delivery);
    delivery.finally(() => {
      this.#deliveries.delete(delivery);
      this.#options.onSettled();
    });
  }

  #delivered(pending: PendingRequest, outcome: DeliveryOutcome, source: string): void {
    const { path } = pending.request;
    switch (outcome.kind) {
      case "sent":
        this.#answered++;
        this.#options.retries.countAnswer(pending);
        this.#log.info(
          `Answered ${path} from ${source}${outcome.waited ? " once its queue had room" : ""}`,
        );
        break;
      case "gone":
        this.#log.notice(
          `Asker of ${path} has gone before the answer from ${source} (${outcome.reason})`,
        );
        break;
      case "cancelled":
        this.#log.info(`Dropped the waiting answer for ${path}: the request went away`);
        break;
      case "failed":
        this.#log.error(`Failed to answer ${path}: ${outcome.reason}`);
        break;
    }
    releaseRequest(pending);
    this.#options.onStatus();
  }
}

/**
 * Typed passwords answer cached requests of the same owner (see
 * password_cache.ts) and the same family: a passphrase never answers a PIN
 * request, nor a PIN a passphrase request.
 */
function cacheBucket({ request, class: { kind } }: PendingRequest): string {
  return `${request.ownerUid}:${answerFamily(kind) ?? "passphrase"}`;
}
