/**
 * Asking through plymouthd: `*` for passwords, `W` for Echo=1 questions
 * (systemd's agent wrongly asks those masked), `c` first when cached answers
 * are acceptable, `M`/`m` to say that the previous passphrase was wrong.
 *
 * What plymouthd returns is validated before it becomes an answer: a reply
 * to `*`/`W` is exactly one answer; a reply to `c` keeps only non-empty
 * entries that are not cancelled prompts, and only as many as fit one reply
 * datagram. Answers are copied into secret memory.
 *
 * @module
 */
import type { AskContext, AskOutcome, Frontend } from "../agent/frontend.ts";
import { sanitizeMessage } from "../protocol/sanitize_message.ts";
import type { Logger } from "../log/log.ts";
import type { AskRequest } from "../protocol/ask_request.ts";
import { MAX_REPLY_SIZE } from "../protocol/reply.ts";
import type { Reactor } from "../reactor/reactor.ts";
import { secretMemory } from "../secrets/secret_memory.ts";
import { PlymouthConnection, PlymouthGoneError } from "./connection.ts";
import type { PlymouthMonitor } from "./plymouth_monitor.ts";
import {
  CANCEL_ANSWER,
  MAX_ARGUMENT_BYTES,
  PlymouthProtocolError,
  PlymouthRequest,
} from "./protocol.ts";
import { requestSummary, retryNotice } from "../prompt/request_summary.ts";
import { cancelPlymouthPrompt } from "./stale_prompt.ts";
import { Translator } from "../i18n/translator.ts";
import type { CapsLockSubscription, CapsLockWatcher } from "../prompt/caps_lock_watcher.ts";
import { soundCueOnConsole } from "../prompt/sound_cue.ts";

const encoder = new TextEncoder();

/** Options for a {@linkcode PlymouthFrontend}. */
export interface PlymouthFrontendOptions {
  /** Tracks plymouthd; the frontend is available while it lives. */
  monitor: PlymouthMonitor;
  /** Where events go. */
  log: Logger;
  /** Waits for plymouthd's replies. */
  reactor: Reactor;
  /** The keyboard layout, named in the prompt text. */
  layout?: string;
  /** The person's language for askpw's own words; English when not given. */
  words?: Translator;
  /** Caps Lock changes from the keyboards, sent to plymouthd as a message while it asks. */
  capsLock?: CapsLockWatcher;
  /** A tone on the VT when the prompt appears, another after a wrong answer. */
  beep?: boolean;
}

/** Prompts through plymouthd. */
export class PlymouthFrontend implements Frontend {
  /** `plymouth`. */
  readonly name = "plymouth";
  #options: PlymouthFrontendOptions;

  /**
   * Creates the frontend.
   *
   * @param options See {@linkcode PlymouthFrontendOptions}.
   */
  constructor(options: PlymouthFrontendOptions) {
    this.#options = options;
  }

  /**
   * Whether plymouthd answers.
   *
   * @returns True while it lives.
   */
  isAvailable(): boolean {
    return this.#options.monitor.alive;
  }

  /**
   * Waits for plymouthd to come or go.
   *
   * @param signal Ends the wait.
   */
  availabilityChanged(signal: AbortSignal): Promise<void> {
    return this.#options.monitor.changed(signal);
  }

  /**
   * Asks plymouthd for the answer to `request`.
   *
   * @param request The request.
   * @param signal Withdraws the prompt (plymouthd's is then cancelled).
   * @param context The attempt number.
   * @returns How it ended; an answer's buffers are in secret memory.
   */
  async ask(request: AskRequest, signal: AbortSignal, context: AskContext): Promise<AskOutcome> {
    const { monitor, log, reactor } = this.#options;
    const words = this.#options.words ?? Translator.english;
    const capsWarning = words.text("Caps Lock is on");
    const dial = PlymouthConnection.open(reactor, monitor.socket);
    if (dial.kind !== "connected") {
      monitor.poke();
      return {
        kind: "gone",
        reason: dial.kind === "impostor"
          ? `refusing a plymouthd socket served by uid ${dial.peer.uid}`
          : "plymouthd is not running",
      };
    }
    using connection = dial.connection;
    const terminals = [...monitor.terminals];
    let prompting = false;
    let notice: string | undefined;
    let caps: CapsLockSubscription | undefined;
    let capsShown = false;
    try {
      // plymouthd's cache holds what was typed for the system's requests:
      // never offer it to a request from a user's directory.
      const mayUseCache = request.acceptCached && context.attempt === 1 &&
        request.directory.kind === "system";
      if (mayUseCache) {
        const cached = await connection.request(
          PlymouthRequest.CACHED_PASSWORDS,
          undefined,
          signal,
        );
        if (cached.kind === "answer") {
          const usable = usableCachedAnswers(cached.answers);
          if (usable.length > 0) {
            log.info(`plymouthd had ${usable.length} cached answer(s) for ${request.path}`);
            return { kind: "answer", passwords: usable };
          }
        } else if (cached.kind === "nak") {
          return this.#unusable(connection, "it refused the request (NAK)");
        }
      }
      notice = retryNotice(context, words);
      if (notice) await this.#showMessage(notice);
      const message = withAsker(
        sanitizeMessage(request.message || words.text("Password:")),
        context,
        { layout: this.#options.layout, words },
      );
      // plymouth has no silent mode: Silent=1 is asked masked.
      const type = request.echo && !request.silent
        ? PlymouthRequest.QUESTION
        : PlymouthRequest.PASSWORD;
      log.info(`Starting password query through plymouthd for ${request.path}`);
      prompting = true;
      if (this.#options.beep) soundCueOnConsole(context.attempt > 1 ? "retry" : "prompt");
      // Caps Lock, the moment it changes, as plymouthd's message while it asks.
      const showCaps = (on: boolean) => {
        if (on === capsShown) return;
        capsShown = on;
        log.debug(`Caps Lock ${on ? "on" : "off"} while plymouthd asks`);
        void (on ? this.#showMessage(capsWarning) : this.#hideMessage(capsWarning));
      };
      caps = this.#options.capsLock?.subscribe(showCaps);
      if (caps?.state) showCaps(true);
      const reply = await connection.request(type, message, signal);
      prompting = false;
      switch (reply.kind) {
        case "answer": {
          if (reply.multiple || reply.answers.length !== 1) {
            return this.#violation(connection, "it sent several answers to one prompt");
          }
          const [answer] = reply.answers;
          if (answer.length === 1 && answer[0] === CANCEL_ANSWER) return { kind: "cancel" };
          if (answer.length >= MAX_REPLY_SIZE) {
            return this.#violation(connection, "its answer does not fit a reply");
          }
          return { kind: "answer", passwords: [secretMemory().copy(answer)] };
        }
        // plymouthd stays up, so nothing would tell the agent to stop asking it:
        // it would be asked again at once, thousands of times a second.
        case "no-answer":
          return this.#unusable(connection, "it cannot ask (no splash shown)");
        case "nak":
          return this.#unusable(connection, "it refused the request (NAK)");
        default:
          return { kind: "gone", reason: "plymouthd acknowledged instead of answering" };
      }
    } catch (error) {
      if (signal.aborted) {
        if (prompting) cancelPlymouthPrompt(terminals, log);
        return { kind: "withdrawn" };
      }
      if (error instanceof PlymouthProtocolError) {
        return this.#violation(connection, `it broke the protocol (${error.message})`);
      }
      monitor.poke();
      const reason = error instanceof PlymouthGoneError ? error.message : (error as Error).message;
      return { kind: "gone", reason };
    } finally {
      caps?.[Symbol.dispose]();
      if (capsShown) {
        await this.#hideMessage(capsWarning);
      }
      if (notice) await this.#hideMessage(notice);
    }
  }

  /** A plymouthd that breaks the protocol is not asked again; the consoles take over. */
  #violation(connection: PlymouthConnection, what: string): AskOutcome {
    this.#options.monitor.distrust(connection.peer.pid, what);
    return { kind: "gone", reason: `plymouthd refused: ${what}` };
  }

  /**
   * A plymouthd that answers no question (NO_ANSWER, NAK) is not asked again
   * either (a new plymouthd is); the consoles take over.
   */
  #unusable(connection: PlymouthConnection, what: string): AskOutcome {
    this.#options.monitor.distrust(connection.peer.pid, what);
    return { kind: "gone", reason: `plymouthd: ${what}` };
  }

  async #showMessage(text: string): Promise<void> {
    await this.#fireAndForget(PlymouthRequest.SHOW_MESSAGE, text);
  }

  async #hideMessage(text: string): Promise<void> {
    await this.#fireAndForget(PlymouthRequest.HIDE_MESSAGE, text);
  }

  async #fireAndForget(type: number, text: string): Promise<void> {
    const { reactor, monitor } = this.#options;
    const dial = PlymouthConnection.open(reactor, monitor.socket);
    if (dial.kind !== "connected") return;
    using connection = dial.connection;
    try {
      await connection.request(type, text, AbortSignal.timeout(2000), 2000);
    } catch {
      // A message is a nicety; plymouthd gone is handled by the prompt itself.
    }
  }
}

/**
 * The prompt with the summary after it ("(TPM2 PIN · disk root · asked by
 * …)"), as much of it as fits plymouthd's 254 bytes. Plymouth cannot update a
 * prompt, so the time left is not shown there.
 */
function withAsker(
  message: string,
  context: AskContext,
  options: { layout?: string; words: Translator },
): string {
  for (const withoutAsker of [false, true]) {
    const summary = requestSummary(context, { withoutAsker, ...options });
    if (!summary) return message;
    const full = `${message} (${summary})`;
    if (encoder.encode(full).length <= MAX_ARGUMENT_BYTES) return full;
  }
  return message;
}

/**
 * The entries of plymouthd's password cache worth sending: not empty (an
 * Enter on an empty prompt), not "\x03" (a cancelled prompt, ours included),
 * no duplicates, and only as many as fit one reply datagram. Copied into
 * secret memory.
 */
function usableCachedAnswers(answers: readonly Uint8Array[]): Uint8Array[] {
  const usable: Uint8Array[] = [];
  let size = 1; // '+'
  for (const answer of answers) {
    if (answer.length === 0 || (answer.length === 1 && answer[0] === CANCEL_ANSWER)) continue;
    if (usable.some((kept) => sameBytes(kept, answer))) continue;
    if (size + answer.length + 1 > MAX_REPLY_SIZE) break;
    size += answer.length + 1;
    usable.push(secretMemory().copy(answer));
  }
  return usable;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
