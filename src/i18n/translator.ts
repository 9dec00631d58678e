/**
 * askpw's own texts in one language: the English msgids of messages.ts
 * looked up in the catalogues compiled from po/*.po (catalogues.ts), with
 * their `{name}` placeholders filled.
 *
 * @module
 */
import { CATALOGUES } from "./catalogues.ts";

// The order of po/*.po's msgstr[i]: the language's categories in this order.
const CLDR_ORDER: readonly string[] = ["zero", "one", "two", "few", "many", "other"];

/** Translates askpw's texts into one language; English when there is no catalogue for it. */
export class Translator {
  /**
   * English: msgids returned as they are, placeholders filled.
   *
   * @example Usage
   * ```ts
   * import { Translator } from "./translator.ts";
   * Translator.english.text("keyboard {layout}", { layout: "us" }); // "keyboard us"
   * ```
   */
  static readonly english: Translator = new Translator("en");

  /**
   * The language used: the one asked for, or "en" when there is no catalogue for it.
   *
   * @example Usage
   * ```ts
   * import { Translator } from "./translator.ts";
   * new Translator("fr").language; // "fr"
   * new Translator("nl").language; // "en"
   * ```
   */
  readonly language: string;

  #entries: { readonly [msgid: string]: string | readonly string[] } = {};
  #rules: Intl.PluralRules;

  /**
   * A translator for a language.
   *
   * @example Usage
   * ```ts
   * import { Translator } from "./translator.ts";
   * new Translator("de").text("Caps Lock is on"); // "Feststelltaste ist aktiv"
   * ```
   * @param language "de", "fr", "es" (a region, as in "de-AT" or "de_AT", is
   * ignored); any other gives English.
   */
  constructor(language: string) {
    const primary = language.toLowerCase().split(/[-_.@]/)[0];
    const catalogue = Object.hasOwn(CATALOGUES, primary) ? CATALOGUES[primary] : undefined;
    this.language = catalogue ? primary : "en";
    this.#rules = new Intl.PluralRules(this.language);
    if (catalogue) this.#entries = catalogue.entries;
  }

  /**
   * The translation of a text, with its `{name}` placeholders filled.
   *
   * @example Usage
   * ```ts
   * import { Translator } from "./translator.ts";
   * new Translator("es").text("keyboard {layout}", { layout: "es" }); // "teclado es"
   * ```
   * @param msgid The English text, one of messages.ts.
   * @param params The placeholders' values; placeholders without one stay as they are.
   * @returns The translation, or the msgid itself when the catalogue lacks it.
   */
  text(msgid: string, params?: Record<string, string | number>): string {
    const translation = Object.hasOwn(this.#entries, msgid) ? this.#entries[msgid] : undefined;
    return fill(typeof translation === "string" ? translation : msgid, params);
  }

  /**
   * The translation of a count-dependent text: the form the language uses
   * for `count` (`Intl.PluralRules`), with `{count}` and the other
   * placeholders filled.
   *
   * @example Usage
   * ```ts
   * import { Translator } from "./translator.ts";
   * new Translator("es").plural("{count} s left", "{count} s left", 1); // "queda 1 s"
   * new Translator("es").plural("{count} s left", "{count} s left", 30); // "quedan 30 s"
   * ```
   * @param msgid The English text for one, as in messages.ts.
   * @param msgidPlural The English text for other counts.
   * @param count The count that decides the form, and fills `{count}`.
   * @param params The other placeholders' values.
   * @returns The translation, or the English form when the catalogue lacks it.
   */
  plural(
    msgid: string,
    msgidPlural: string,
    count: number,
    params?: Record<string, string | number>,
  ): string {
    const values = { ...params, count };
    const forms = Object.hasOwn(this.#entries, msgid) ? this.#entries[msgid] : undefined;
    const form = typeof forms === "object" ? forms[pluralFormIndex(this.#rules, count)] : undefined;
    if (form !== undefined) return fill(form, values);
    return fill(this.#rules.select(count) === "one" ? msgid : msgidPlural, values);
  }
}

/**
 * Which of a catalogue's plural forms (msgstr[i]) a count takes: the place
 * of its `Intl.PluralRules` category among the language's categories in CLDR
 * order (zero, one, two, few, many, other). po/*.po's Plural-Forms
 * expressions compute the same, for gettext's tools.
 *
 * @example Usage
 * ```ts
 * import { pluralFormIndex } from "./translator.ts";
 * const french = new Intl.PluralRules("fr"); // one, many, other
 * pluralFormIndex(french, 0); // 0
 * pluralFormIndex(french, 1_000_000); // 1
 * pluralFormIndex(french, 2); // 2
 * ```
 * @param rules The language's plural rules.
 * @param count The count.
 * @returns The form's index.
 */
export function pluralFormIndex(rules: Intl.PluralRules, count: number): number {
  const categories = rules.resolvedOptions().pluralCategories
    .filter((category) => CLDR_ORDER.includes(category))
    .sort((a, b) => CLDR_ORDER.indexOf(a) - CLDR_ORDER.indexOf(b));
  return categories.indexOf(rules.select(count));
}

/** The text with each `{name}` that params has replaced by its value. */
function fill(text: string, params: Record<string, string | number> | undefined): string {
  if (!params) return text;
  return text.replace(
    /\{(\w+)\}/g,
    (placeholder, name: string) => Object.hasOwn(params, name) ? String(params[name]) : placeholder,
  );
}
