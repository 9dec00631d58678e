/**
 * The English source of every text askpw translates: the msgids of
 * po/askpw.pot, which tools/compile_catalogues.ts makes from this list. Code
 * that shows a text passes one of these strings, exactly, to
 * `Translator.text` or `Translator.plural`; tests/unit/i18n_test.ts checks
 * that it does and that every catalogue translates each of them.
 *
 * `{name}` is a placeholder that the caller fills; a translation keeps every
 * placeholder of its msgid and adds none. Trailing spaces are part of the text.
 *
 * @module
 */

/** A text with one form (`msgid`), or a count-dependent one (`msgid` and `msgidPlural`). */
export interface Message {
  /** The English text; for a plural, the form for a count of one. */
  readonly msgid: string;
  /** The English text for other counts; only plurals have it. */
  readonly msgidPlural?: string;
}

/** Messages that appear together, and where the person sees them. */
export interface MessageGroup {
  /** Where the texts appear: written into po/askpw.pot for translators (`#.` comments). */
  readonly where: string;
  /** The group's texts. */
  readonly messages: readonly Message[];
}

/** A plural pair: English uses the first for one, the second for any other count. */
function plural(msgid: string, msgidPlural: string): Message {
  return { msgid, msgidPlural };
}

/** Texts with one form. */
function singulars(...msgids: string[]): Message[] {
  return msgids.map((msgid) => ({ msgid }));
}

/**
 * Every text askpw translates, in groups by where it appears.
 *
 * @example Usage
 * ```ts
 * import { MESSAGE_GROUPS } from "./messages.ts";
 * for (const group of MESSAGE_GROUPS) console.log(group.where, group.messages.length);
 * ```
 */
export const MESSAGE_GROUPS: readonly MessageGroup[] = [
  {
    where: "The prompt's title: what kind of secret is asked for.",
    messages: singulars(
      "Passphrase",
      "Recovery key",
      "LUKS2 token PIN",
      "TPM2 PIN",
      "FIDO2 security token PIN",
      "PKCS#11 token PIN",
      "Passphrase again (verification)",
      "PAM question",
    ),
  },
  {
    where: "The prompt's title, after the kind: the disk being unlocked. " +
      "{volume} is the volume's name (root), {device} its device (/dev/vda2); " +
      "{name} is either, when only one is known.",
    messages: singulars("disk {volume} ({device})", "disk {name}"),
  },
  {
    where:
      "Below the prompt: the keyboard layout the answer is typed with ({layout} is us, de, fr…).",
    messages: singulars("keyboard {layout}"),
  },
  {
    where: "Beside the prompt: the time left before the request expires. " +
      "The count is in seconds, in minutes, or (the last) minutes with {seconds} seconds.",
    messages: [
      plural("{count} s left", "{count} s left"),
      plural("{count} min left", "{count} min left"),
      plural("{count} min {seconds} s left", "{count} min {seconds} s left"),
    ],
  },
  {
    where:
      "Below the prompt: the program asking ({asker} is its name, systemd-cryptsetup@root.service).",
    messages: singulars("asked by {asker}"),
  },
  {
    where: "Above the prompt, when the same request comes again after a wrong answer " +
      "({attempt} counts the tries: 2, 3, …).",
    messages: singulars(
      "The previous PIN was not accepted (attempt {attempt}).",
      "The previous answer was not accepted (attempt {attempt}).",
      "The previous passphrase was not accepted (attempt {attempt}).",
    ),
  },
  {
    where: "Beside the prompt, while Caps Lock is on.",
    messages: singulars("Caps Lock is on"),
  },
  {
    where: "In the prompt line. The first three end a prompt that got no answer " +
      "(the request was withdrawn, skipped, cancelled). The ones ending in a space are " +
      "put before what is typed: keep the space.",
    messages: singulars(
      "(withdrawn)",
      "(skipped)",
      "(cancelled)",
      "(no echo) ",
      "(press TAB for no echo) ",
      "Ctrl-R shows or hides what you type.",
      "(shown) ",
    ),
  },
  {
    where: "The prompt when the request brings no text of its own.",
    messages: singulars("Password:"),
  },
  {
    where:
      "Errors shown instead of, or after, the prompt ({reason} is a system error, in English).",
    messages: singulars(
      "This console cannot show the prompt: {reason}",
      "The answer is too long.",
      "The request was withdrawn before it was answered.",
    ),
  },
];

/**
 * Every text askpw translates, in the order of {@linkcode MESSAGE_GROUPS}.
 *
 * @example Usage
 * ```ts
 * import { MESSAGES } from "./messages.ts";
 * MESSAGES.some((message) => message.msgid === "Caps Lock is on"); // true
 * ```
 */
export const MESSAGES: readonly Message[] = MESSAGE_GROUPS.flatMap((group) => group.messages);
