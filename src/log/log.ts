/**
 * Logging: one line per event on stderr, with `<N>` syslog priority prefixes
 * when stderr is connected to the journal (`$JOURNAL_STREAM`).
 *
 * @module
 */
import { fileStatus } from "../ffi/file_status.ts";

/** syslog priorities used by askpw. */
export const Priority = { error: 3, warning: 4, notice: 5, info: 6, debug: 7 } as const;

/** A priority name. */
export type PriorityName = keyof typeof Priority;

/** Writes log lines. */
export interface Logger {
  /** Something failed. */
  error(message: string): void;
  /** Bad input or a degraded path. */
  warning(message: string): void;
  /** A normal but significant event. */
  notice(message: string): void;
  /** Routine information. */
  info(message: string): void;
  /** Details, only shown with --debug. */
  debug(message: string): void;
}

/** Options for {@linkcode createLogger}. */
export interface LoggerOptions {
  /** Show debug lines. */
  debug?: boolean;
  /** Write `<N>` prefixes; detected from `$JOURNAL_STREAM` when omitted. */
  journal?: boolean;
  /** Where lines go (default: stderr). */
  write?: (line: string) => void;
}

const encoder = new TextEncoder();

/** No log line is longer than this (in UTF-16 units); callers cut quoted text far shorter. */
export const MAX_LOG_LINE = 1000;

/**
 * Creates a logger. Every message is flattened to one line: control
 * characters become spaces, so no log text (which may quote an ask file's
 * Message) can forge extra lines or reach a terminal as escape sequences;
 * and no line exceeds {@linkcode MAX_LOG_LINE} characters.
 *
 * @example Usage
 * ```ts
 * import { createLogger } from "./log.ts";
 * const log = createLogger({ debug: true, journal: false });
 * log.info("Watching /run/systemd/ask-password");
 * ```
 * @param options See {@linkcode LoggerOptions}.
 * @returns The logger.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const journal = options.journal ?? stderrIsJournal();
  const write = options.write ??
    ((line: string) => {
      try {
        Deno.stderr.writeSync(encoder.encode(line));
      } catch {
        // Nowhere to log to: carry on without logging.
      }
    });
  const emit = (priority: PriorityName, message: string) => {
    if (priority === "debug" && !options.debug) return;
    const bounded = message.length > MAX_LOG_LINE
      ? `${message.slice(0, MAX_LOG_LINE - 20)}… (${message.length} chars)`
      : message;
    // deno-lint-ignore no-control-regex
    const flat = bounded.replace(/[\x00-\x1f\x7f\x80-\x9f\u2028\u2029]/g, " ");
    write(journal ? `<${Priority[priority]}>${flat}\n` : `askpw: ${flat}\n`);
  };
  return {
    error: (message) => emit("error", message),
    warning: (message) => emit("warning", message),
    notice: (message) => emit("notice", message),
    info: (message) => emit("info", message),
    debug: (message) => emit("debug", message),
  };
}

/** True when `$JOURNAL_STREAM` ("dev:ino") names our stderr, as sd-journal documents. */
function stderrIsJournal(): boolean {
  const stream = Deno.env.get("JOURNAL_STREAM");
  if (!stream) return false;
  const [dev, ino] = stream.split(":");
  try {
    const status = fileStatus(2);
    return status.dev === BigInt(dev) && status.ino === BigInt(ino);
  } catch {
    return false;
  }
}
