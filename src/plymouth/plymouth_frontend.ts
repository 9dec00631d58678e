/**
 * Asking through plymouthd: `*` for passwords, `W` for Echo=1 questions
 * (systemd's agent wrongly asks those masked), `c` first when cached answers
 * are acceptable, `M`/`m` to say that the previous passphrase was wrong.
 *
 * @module
 */
import type { AskContext, AskOutcome, Frontend } from "../agent/frontend.ts";
import { sanitizeMessage } from "../console/sanitize_message.ts";
import type { Logger } from "../log.ts";
import type { AskRequest } from "../protocol/ask_request.ts";
import { PlymouthConnection, PlymouthGoneError } from "./connection.ts";
import type { PlymouthMonitor } from "./plymouth_monitor.ts";
import { CANCEL_ANSWER, PlymouthRequest } from "./protocol.ts";
import { cancelPlymouthPrompt } from "./stale_prompt.ts";

/** Options for a {@linkcode PlymouthFrontend}. */
export interface PlymouthFrontendOptions {
  /** Tracks plymouthd; the frontend is available while it lives. */
  monitor: PlymouthMonitor;
  /** Where events go. */
  log: Logger;
  /** plymouthd's address (tests). */
  socket?: string;
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
   * @returns How it ended.
   */
  async ask(request: AskRequest, signal: AbortSignal, context: AskContext): Promise<AskOutcome> {
    const { monitor, log, socket } = this.#options;
    using connection = PlymouthConnection.open(socket);
    if (!connection) {
      monitor.poke();
      return { kind: "gone", reason: "plymouthd is not running" };
    }
    const terminals = [...monitor.terminals];
    let prompting = false;
    try {
      if (request.acceptCached && context.attempt === 1) {
        const cached = await connection.request(
          PlymouthRequest.CACHED_PASSWORDS,
          undefined,
          signal,
        );
        if (cached.kind === "answer") {
          // "\x03" entries are cancelled prompts (ours included), "" empty Enters.
          const usable = cached.answers.filter((answer) =>
            answer.length > 0 && !(answer.length === 1 && answer[0] === CANCEL_ANSWER)
          );
          if (usable.length > 0) {
            log.info(`plymouthd had ${usable.length} cached answer(s) for ${request.path}`);
            return { kind: "answer", passwords: usable };
          }
        } else if (cached.kind === "nak") {
          return { kind: "gone", reason: "plymouthd refused the request (NAK)" };
        }
      }
      if (context.attempt > 1) {
        await this.#showMessage(
          `The previous passphrase was not accepted (attempt ${context.attempt}).`,
        );
      }
      const message = sanitizeMessage(request.message || "Password:");
      // plymouth has no silent mode: Silent=1 is asked masked.
      const type = request.echo && !request.silent
        ? PlymouthRequest.QUESTION
        : PlymouthRequest.PASSWORD;
      log.info(`Starting password query through plymouthd for ${request.path}`);
      prompting = true;
      const reply = await connection.request(type, message, signal);
      prompting = false;
      switch (reply.kind) {
        case "answer": {
          const [answer] = reply.answers;
          if (reply.answers.length === 1 && answer.length === 1 && answer[0] === CANCEL_ANSWER) {
            answer.fill(0);
            return { kind: "cancel" };
          }
          return { kind: "answer", passwords: reply.answers };
        }
        case "no-answer":
          return { kind: "gone", reason: "plymouthd cannot ask (no splash shown)" };
        case "nak":
          return { kind: "gone", reason: "plymouthd refused the request (NAK)" };
        default:
          return { kind: "gone", reason: "plymouthd acknowledged instead of answering" };
      }
    } catch (error) {
      if (signal.aborted) {
        if (prompting) cancelPlymouthPrompt(terminals, log);
        return { kind: "withdrawn" };
      }
      monitor.poke();
      const reason = error instanceof PlymouthGoneError ? error.message : (error as Error).message;
      return { kind: "gone", reason };
    } finally {
      if (context.attempt > 1) await this.#hideMessage();
    }
  }

  async #showMessage(text: string): Promise<void> {
    await this.#fireAndForget(PlymouthRequest.SHOW_MESSAGE, text);
  }

  async #hideMessage(): Promise<void> {
    await this.#fireAndForget(PlymouthRequest.HIDE_MESSAGE, "");
  }

  async #fireAndForget(type: number, text: string): Promise<void> {
    using connection = PlymouthConnection.open(this.#options.socket);
    if (!connection) return;
    try {
      await connection.request(type, text, AbortSignal.timeout(2000), 2000);
    } catch {
      // A message is a nicety; plymouthd gone is handled by the prompt itself.
    }
  }
}
