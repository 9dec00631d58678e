/**
 * Which language askpw's prompt speaks, found the way gettext finds it: the
 * locale from LC_ALL, LC_MESSAGES, then LANG, the first that is set and not
 * empty (POSIX); LANGUAGE, a colon-separated list of preferences, overrides
 * it unless the locale is C or POSIX. In the initrd the agent may start with
 * none of them in its environment, so it then reads /etc/locale.conf
 * (systemd's locale.conf(5), which dracut and mkosi copy into the initrd) for
 * the same variables.
 *
 * @module
 */
import { CATALOGUES } from "./catalogues.ts";

const LOCALE_VARIABLES = ["LC_ALL", "LC_MESSAGES", "LANG"] as const;

/** What `Deno.env` offers, enough to read variables (tests pass a Map). */
export interface Environment {
  /** The variable's value, or `undefined` when it is not set. */
  get(name: string): string | undefined;
}

/**
 * The language askpw's own texts should be in: "de", "fr", "es", or "en" for
 * any other, for the C and POSIX locales and when no locale is set.
 *
 * @example Usage
 * ```ts
 * import { messageLanguage } from "./locale.ts";
 * messageLanguage(new Map([["LANG", "de_DE.UTF-8"]])); // "de"
 * messageLanguage(new Map([["LC_ALL", "C.UTF-8"], ["LANG", "fr_FR.UTF-8"]])); // "en"
 * messageLanguage(new Map([["LANG", "en_US.UTF-8"], ["LANGUAGE", "nl:es"]])); // "es"
 * ```
 * @param env The environment (default `Deno.env`; reading it needs --allow-env).
 * @param localeConfPath The locale.conf read when the environment sets no
 * locale; a file that is missing or cannot be read counts as empty.
 * @returns The language code.
 */
export function messageLanguage(
  env: Environment = Deno.env,
  localeConfPath = "/etc/locale.conf",
): string {
  let source = env;
  let locale = chooseLocale(env);
  if (locale === undefined) {
    source = readLocaleConf(localeConfPath);
    locale = chooseLocale(source);
  }
  if (locale === undefined || isPosixLocale(locale)) return "en";
  for (const preference of (source.get("LANGUAGE") ?? "").split(":")) {
    if (isPosixLocale(preference)) continue;
    const language = languageOf(preference);
    if (language === "en" || Object.hasOwn(CATALOGUES, language)) return language;
  }
  const language = languageOf(locale);
  return Object.hasOwn(CATALOGUES, language) ? language : "en";
}

/** The first of LC_ALL, LC_MESSAGES, LANG that is set and not empty. */
function chooseLocale(env: Environment): string | undefined {
  for (const name of LOCALE_VARIABLES) {
    const value = env.get(name);
    if (value) return value;
  }
  return undefined;
}

/** C, POSIX and their variants (C.UTF-8), which mean "untranslated". */
function isPosixLocale(locale: string): boolean {
  return /^(C|POSIX)([.@]|$)/.test(locale);
}

/** "de_DE.UTF-8@euro" -> "de". */
function languageOf(locale: string): string {
  return locale.split(/[_.@-]/)[0].toLowerCase();
}

/**
 * locale.conf's variables. systemd reads it as a list of KEY=value lines, a
 * value optionally in single or double quotes (a backslash escapes the next
 * character in double quotes); blank lines and lines starting with # or ; are
 * ignored.
 */
function readLocaleConf(path: string): Environment {
  let text = "";
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    // No locale.conf (or none we may read): no locale, English.
  }
  const variables = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const equals = line.indexOf("=");
    if (equals <= 0) continue;
    variables.set(line.slice(0, equals).trim(), unquote(line.slice(equals + 1).trim()));
  }
  return variables;
}

/** A value without its quotes: "de_DE.UTF-8" or 'de_DE.UTF-8' -> de_DE.UTF-8. */
function unquote(value: string): string {
  const quote = value[0];
  if ((quote !== '"' && quote !== "'") || value.length < 2 || !value.endsWith(quote)) {
    return value;
  }
  const inner = value.slice(1, -1);
  return quote === '"' ? inner.replace(/\\(.)/g, "$1") : inner;
}
