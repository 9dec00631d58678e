/**
 * The text prompt on one terminal, with systemd's look and keys (see
 * line_editor.ts), the message neutralised, typing meant for an earlier
 * prompt discarded, and the terminal restored on every way out. What is
 * typed lives only in locked secret memory.
 *
 * @module
 */
import { whenAborted } from "../reactor/when_aborted.ts";
import type { AskContext, AskOutcome, Frontend } from "../agent/frontend.ts";
import type { ChangeSignal } from "../agent/change_signal.ts";
import { muteKernelMessages } from "../initrd/kernel_messages.ts";
import type { Logger } from "../log/log.ts";
import type { AskRequest } from "../protocol/ask_request.ts";
import { monotonicMicros } from "../ffi/clock.ts";
import { requestSummary, retryNotice, secondsUntil } from "../prompt/request_summary.ts";
import { MAX_PASSWORD_SIZE } from "../protocol/reply.ts";
import { type Reactor, Readiness, type Timer } from "../reactor/reactor.ts";
import { secretMemory } from "../secrets/secret_memory.ts";
import { type EchoMode, LineEditor } from "./line_editor.ts";
import { sanitizeMessage } from "../protocol/sanitize_message.ts";
import { Terminal } from "./terminal.ts";
import { Translator } from "../i18n/translator.ts";
import {
  isVirtualTerminal,
  KeyboardLockFlags,
  keyboardLockFlags,
} from "../ffi/virtual_terminal.ts";
import type { CapsLockWatcher } from "../prompt/caps_lock_watcher.ts";
import { soundCue } from "../prompt/sound_cue.ts";
import { DIM, GREY, HIGHLIGHT, RESET } from "./sgr.ts";
import { nextSecond, rewriteLineAbove, summaryLine, widthOf } from "./summary_line.ts";
import { CursorTracker } from "./cursor_tracker.ts";
import { terminalSize } from "../ffi/termios.ts";

const encoder = new TextEncoder();

/** Options for a {@linkcode ConsoleFrontend}. */
export interface ConsoleFrontendOptions {
  /** The terminal device, e.g. `/dev/ttyS0`, or `/dev/tty` for our own terminal. */
  device: string;
  /** Highlight the prompt with SGR escape sequences. */
  colors: boolean;
  /** Where events are logged. */
  log: Logger;
  /** Waits for the terminal; the one event loop. */
  reactor: Reactor;
  /** Mute kernel messages on the console while the prompt is shown (kernel consoles). */
  muteKernelMessages?: boolean;
  /** When given, the console stands aside while it draws on the device (plymouthd's monitor). */
  plymouth?: ConsoleOwner;
  /**
   * Fires on tty hot-plug events: a console that went away (hung up, could
   * not be opened) is tried again on the next one, not on a timer. Without
   * it, a console that went away stays away.
   */
  hotplug?: ChangeSignal;
  /**
   * The keyboard layout, named on the summary line of a virtual terminal
   * (a serial line's own terminal does the mapping: nothing is named there).
   */
  layout?: string;
  /** Ctrl-R shows and hides what was typed at a masked prompt (never `Silent=1`). */
  reveal?: boolean;
  /** A tone when a prompt appears, another after a wrong answer (BEL on a serial line). */
  beep?: boolean;
  /** The person's language for askpw's own words; English when not given. */
  words?: Translator;
  /** Caps Lock changes from the keyboards, shown beside a VT's prompt. */
  capsLock?: CapsLockWatcher;
}

/**
 * Something else that may draw on a console (plymouthd, through its
 * monitor): the console prompt stands aside while it does.
 */
export interface ConsoleOwner {
  /**
   * Whether it draws on `device` now.
   *
   * @param device The terminal device.
   */
  drives(device: string): boolean;
  /**
   * Settles when that may have changed.
   *
   * @param signal Ends the wait.
   */
  changed(signal: AbortSignal): Promise<void>;
}

/** Prompts on one terminal device. */
export class ConsoleFrontend implements Frontend {
  /** `console <device>`. */
  readonly name: string;
  #options: ConsoleFrontendOptions;
  #gone = false;
  /** The reveal key is named once, at this console's first prompt that has it. */
  #revealNamed = false;

  /**
   * Creates the frontend; the device is opened for each prompt only.
   *
   * @example Usage
   * ```ts
   * import { ConsoleFrontend } from "./console_frontend.ts";
   * import { createLogger } from "../log/log.ts";
   * import { Reactor } from "../reactor/reactor.ts";
   * await using reactor = new Reactor();
   * const frontend = new ConsoleFrontend({
   *   device: "/dev/tty",
   *   colors: false,
   *   log: createLogger(),
   *   reactor,
   * });
   * ```
   * @param options See {@linkcode ConsoleFrontendOptions}.
   */
  constructor(options: ConsoleFrontendOptions) {
    this.#options = options;
    this.name = `console ${options.device}`;
  }

  /**
   * Whether the console may prompt: not after it went away (until a hot-plug
   * event), and not while plymouthd draws on it.
   *
   * @returns True when it may.
   */
  isAvailable(): boolean {
    return !this.#gone && !this.#options.plymouth?.drives(this.#options.device);
  }

  /**
   * Waits for plymouthd to come or go, or for a tty hot-plug event (after
   * which a console that went away is tried again).
   *
   * @param signal Ends the wait.
   */
  async availabilityChanged(signal: AbortSignal): Promise<void> {
    const { plymouth, hotplug } = this.#options;
    const waits: Promise<unknown>[] = [];
    if (plymouth) waits.push(plymouth.changed(signal));
    if (hotplug) waits.push(hotplug.wait(signal).then(() => this.#gone = false));
    if (waits.length === 0) waits.push(whenAborted(signal));
    await Promise.race(waits);
  }

  /**
   * Shows the prompt for `request` and reads the answer.
   *
   * @example Usage
   * ```ts
   * import { ConsoleFrontend } from "./console_frontend.ts";
   * import { createLogger } from "../log/log.ts";
   * import { Reactor } from "../reactor/reactor.ts";
   * import type { AskRequest } from "../protocol/ask_request.ts";
   * const request = {} as AskRequest;
   * await using reactor = new Reactor();
   * const frontend = new ConsoleFrontend({
   *   device: "/dev/tty",
   *   colors: false,
   *   log: createLogger(),
   *   reactor,
   * });
   * const outcome = await frontend.ask(request, AbortSignal.timeout(30_000), { attempt: 1 });
   * ```
   * @param request The request.
   * @param signal Withdraws the prompt.
   * @param context What the agent knows beyond the ask file (the attempt).
   * @returns How it ended; an answer's buffers are in secret memory.
   */
  async ask(
    request: AskRequest,
    signal: AbortSignal,
    context: AskContext = { attempt: 1 },
  ): Promise<AskOutcome> {
    const outcome = await this.#ask(request, signal, context);
    if (outcome.kind === "gone") this.#gone = true;
    return outcome;
  }

  async #ask(request: AskRequest, signal: AbortSignal, context: AskContext): Promise<AskOutcome> {
    if (signal.aborted) return { kind: "withdrawn" };
    const { device, colors, log, reactor } = this.#options;
    let terminal: Terminal;
    try {
      terminal = new Terminal(device, reactor);
    } catch (error) {
      return { kind: "gone", reason: `cannot open ${device}: ${(error as Error).message}` };
    }
    using _restore = terminal;
    using _mute = this.#options.muteKernelMessages ? muteKernelMessages() : undefined;
    const words = this.#options.words ?? Translator.english;
    const virtualTerminal = isVirtualTerminal(terminal.fd);
    // A VT understands ANSI sequences whatever $TERM says.
    const rewrite = colors || virtualTerminal;
    const memory = secretMemory();
    const storage = memory.allocate(MAX_PASSWORD_SIZE);
    const chunk = memory.allocate(256);
    let countdown: Timer | undefined;
    const mode = echoMode(request);
    const reveal = this.#options.reveal === true && mode === "masked";
    const editor = new LineEditor({
      mode,
      maxBytes: MAX_PASSWORD_SIZE,
      storage,
      reveal,
      words: {
        hint: words.text("(press TAB for no echo) "),
        noEcho: words.text("(no echo) "),
        skipped: `${words.text("(skipped)")}\n`,
        cancelled: `${words.text("(cancelled)")}\n`,
      },
    });
    const layout = virtualTerminal ? this.#options.layout : undefined;
    // A line rewritten in place must not wrap: cut to the width when it is known.
    const columns = rewrite ? terminalSize(terminal.fd)?.columns : undefined;
    const secondsLeft = () => secondsUntil(request.notAfter, monotonicMicros());
    let capsLock = false;
    const summaryText = () => {
      const summary = requestSummary(context, { secondsLeft: secondsLeft(), layout, words });
      if (!summary) return undefined;
      const warning = capsLock ? words.text("Caps Lock is on") : undefined;
      return summaryLine(summary, warning, colors || virtualTerminal, columns);
    };
    let summaryShown = false;
    // Where the cursor is below the summary line, however the prompt wrapped.
    const cursor = new CursorTracker(columns);
    const show = (bytes: Uint8Array) => {
      const rendered = cursor.render(bytes);
      terminal.write(rendered as Uint8Array<ArrayBuffer>);
      // Echoed or revealed characters: no copy left behind.
      if (rendered !== bytes) rendered.fill(0);
    };
    const redrawSummary = () => {
      const text = summaryText();
      if (summaryShown && rewrite && text) terminal.write(rewriteLineAbove(text, cursor.row + 1));
    };
    const setCapsLock = (on: boolean) => {
      if (on === capsLock) return;
      capsLock = on;
      log.debug(`Caps Lock ${on ? "on" : "off"} at the prompt on ${device}`);
      redrawSummary();
    };
    // Caps Lock from the keyboards' LEDs, the moment it changes; on a VT
    // without an input device, from the VT's lock flags as keys arrive.
    using caps = virtualTerminal ? this.#options.capsLock?.subscribe(setCapsLock) : undefined;
    const readLockFlags = () => {
      try {
        return (keyboardLockFlags(terminal.fd) & KeyboardLockFlags.CAPS_LOCK) !== 0;
      } catch {
        return false;
      }
    };
    capsLock = virtualTerminal ? (caps?.state ?? readLockFlags()) : false;
    try {
      log.info(`Starting password query on ${device}`);
      const notice = retryNotice(context, words);
      if (notice) terminal.write(encoder.encode(`${notice}\n`));
      if (reveal && !this.#revealNamed) {
        this.#revealNamed = true;
        const hint = words.text("Ctrl-R shows or hides what you type.");
        terminal.write(
          encoder.encode(colors || virtualTerminal ? `${DIM}${hint}${RESET}\n` : `${hint}\n`),
        );
      }
      const summary = summaryText();
      if (summary) {
        terminal.write(encoder.encode(`${summary}\n`));
        summaryShown = true;
      }
      show(promptBytes(request, editor, colors, words, columns));
      if (this.#options.beep) {
        const bells = soundCue(
          terminal.fd,
          virtualTerminal,
          context.attempt > 1 ? "retry" : "prompt",
        );
        if (bells) show(bells);
      }
      // The time left, updated in place each second: a terminal that takes
      // ANSI sequences only, one timer per prompt.
      if (summaryShown && rewrite && secondsLeft() !== undefined) {
        const tick = () => {
          const left = secondsLeft();
          if (left === undefined || left <= 0) return;
          redrawSummary();
          countdown = reactor.at(nextSecond(request.notAfter, left), tick);
        };
        countdown = reactor.at(nextSecond(request.notAfter, secondsLeft()!), tick);
      }
      for (;;) {
        const events = await reactor.ready(terminal.fd, Readiness.IN, signal);
        if (signal.aborted) {
          const concealed = editor.conceal();
          if (concealed.length > 0) show(concealed);
          terminal.write(encoder.encode(`${colors ? RESET : ""}${words.text("(withdrawn)")}\n`));
          return { kind: "withdrawn" };
        }
        const count = terminal.read(chunk);
        if (count === null) {
          if ((events & (Readiness.HUP | Readiness.ERR)) !== 0) {
            return { kind: "gone", reason: `${device} hung up` };
          }
          continue;
        }
        if (count === 0) return { kind: "gone", reason: `end of input on ${device}` };
        const { output, outcome } = editor.feed(chunk.subarray(0, count));
        if (output.length > 0) show(output);
        // Echo=1 and revealed output holds the typed characters themselves.
        output.fill(0);
        if (outcome === "submit") return { kind: "answer", passwords: [memory.copy(editor.value)] };
        if (outcome === "skip") return { kind: "skip" };
        if (outcome === "cancel") return { kind: "cancel" };
        if (virtualTerminal && caps?.state === undefined) setCapsLock(readLockFlags());
      }
    } catch (error) {
      // A hang-up shows as EIO on read or write: the person is gone, not the agent.
      try {
        const concealed = editor.conceal();
        if (concealed.length > 0) show(concealed);
      } catch {
        // The terminal is gone with what it showed.
      }
      return { kind: "gone", reason: `${device}: ${(error as Error).message}` };
    } finally {
      countdown?.cancel();
      editor.wipe();
      memory.release(storage);
      memory.release(chunk);
    }
  }
}

function echoMode(request: AskRequest): EchoMode {
  if (request.silent) return "silent"; // Silent wins over Echo, as in systemd
  return request.echo ? "echo" : "masked";
}

function promptBytes(
  request: AskRequest,
  editor: LineEditor,
  colors: boolean,
  words: Translator,
  columns: number | undefined,
): Uint8Array<ArrayBuffer> {
  const message = sanitizeMessage(request.message || words.text("Password:"));
  // A hint that wraps could not be erased again (backspace stops at a row's
  // start): on a terminal of known width it is shown only when it fits.
  const fits = columns === undefined ||
    widthOf(`${message} ${words.text("(press TAB for no echo) ")}`) < columns;
  const hint = fits ? new TextDecoder().decode(editor.begin()) : "";
  const text = colors
    ? `${HIGHLIGHT}${message} ${hint ? `${GREY}${hint}` : ""}${RESET}`
    : `${message} ${hint}`;
  return encoder.encode(text);
}
