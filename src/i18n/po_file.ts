/**
 * gettext PO files: the catalogues translators edit (po/*.po) and the
 * template they start from (po/askpw.pot). Reads what GNU gettext's msgmerge
 * and editors such as Poedit write: `#` comments, `#, fuzzy` flags, strings
 * continued over several `"…"` lines, the C escapes, `msgctxt`,
 * `msgid_plural` with `msgstr[n]`, and the header (the entry whose msgid is
 * empty). Obsolete `#~` entries are comments.
 *
 * A fuzzy entry is a guess that no translator has confirmed; like msgfmt,
 * the parser leaves it out, so the English text shows instead. The header is
 * kept when fuzzy (a fresh template's is).
 *
 * @module
 */

/** One translated text of a PO file. */
export interface PoEntry {
  /** The context (`msgctxt`), when the entry has one. */
  msgctxt?: string;
  /** The source text. */
  msgid: string;
  /** The source text's plural (`msgid_plural`), for a plural entry. */
  msgidPlural?: string;
  /** The translation: one string, or for a plural entry `msgstr[0]`, `msgstr[1]`, …. Empty: untranslated. */
  msgstr: string[];
  /** The line the entry starts on (its first comment or keyword), from 1. */
  line: number;
}

/** A parsed PO file. */
export interface PoFile {
  /** The header's fields ("Language", "Plural-Forms", …); empty when there is no header. */
  header: Record<string, string>;
  /** The entries, header and fuzzy entries left out, in file order. */
  entries: PoEntry[];
  /** The msgids of the fuzzy entries left out. */
  fuzzy: string[];
}

const ESCAPES: Record<string, string> = {
  "n": "\n",
  "t": "\t",
  "r": "\r",
  '"': '"',
  "\\": "\\",
  "a": "\x07",
  "b": "\b",
  "f": "\f",
  "v": "\v",
};

type Field = "msgctxt" | "msgid" | "msgid_plural" | "msgstr";

interface Draft {
  line: number;
  fuzzy: boolean;
  msgctxt?: string;
  msgid?: string;
  msgidPlural?: string;
  msgstr: string[];
  /** The field the next continuation line extends: its name and, for msgstr, its index. */
  last?: { field: Field; index: number };
}

/**
 * Parses a PO file.
 *
 * @example Usage
 * ```ts
 * import { parsePo } from "./po_file.ts";
 * const po = parsePo([
 *   'msgid ""',
 *   'msgstr "Language: de\\n"',
 *   "",
 *   'msgid "Caps Lock is on"',
 *   'msgstr "Feststelltaste ist aktiv"',
 * ].join("\n"));
 * po.header["Language"]; // "de"
 * po.entries[0].msgstr; // ["Feststelltaste ist aktiv"]
 * ```
 * @param text The file's text.
 * @param name The file's name, for error messages.
 * @returns The header, the entries and the fuzzy msgids left out.
 * @throws {SyntaxError} On a line that is none of the above, a string without
 * its closing quote or with an unknown escape, an entry without msgid or
 * msgstr, `msgstr[n]` out of order or without `msgid_plural`, or a msgid
 * given twice.
 */
export function parsePo(text: string, name = "<po>"): PoFile {
  const result: PoFile = { header: {}, entries: [], fuzzy: [] };
  const seen = new Set<string>();
  let draft: Draft | undefined;
  let flags: { line: number; fuzzy: boolean } | undefined;

  const finish = () => {
    if (!draft) return;
    const entry = completeEntry(draft, name);
    const key = `${entry.msgctxt ?? ""}\x04${entry.msgid}`;
    if (seen.has(key)) {
      throw new SyntaxError(
        `Duplicate msgid ${JSON.stringify(entry.msgid)} at ${name}:${entry.line}`,
      );
    }
    seen.add(key);
    if (entry.msgid === "" && entry.msgctxt === undefined) {
      result.header = parseHeader(entry.msgstr[0]);
    } else if (draft.fuzzy) result.fuzzy.push(entry.msgid);
    else result.entries.push(entry);
    draft = undefined;
  };

  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].replace(/\r$/, "").trim();
    const number = index + 1;
    const where = `${name}:${number}`;
    if (line === "") {
      finish();
      flags = undefined;
    } else if (line.startsWith("#")) {
      // A comment after an entry's strings begins the next entry.
      if (draft?.msgstr.length) finish();
      flags ??= { line: number, fuzzy: false };
      if (line.startsWith("#,")) {
        const names = line.slice(2).split(",").map((flag) => flag.trim());
        if (names.includes("fuzzy")) flags.fuzzy = true;
      }
    } else if (line.startsWith('"')) {
      if (!draft?.last) throw new SyntaxError(`String continues no keyword at ${where}`);
      const value = parseString(line, where);
      const { field, index: form } = draft.last;
      if (field === "msgstr") draft.msgstr[form] += value;
      else if (field === "msgid_plural") draft.msgidPlural += value;
      else draft[field] += value;
    } else {
      const match = /^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s*(?=")/.exec(line);
      if (!match) throw new SyntaxError(`Unexpected ${JSON.stringify(line)} at ${where}`);
      const field = match[1] as Field;
      const value = parseString(line.slice(match[0].length), where);
      // msgctxt or msgid after an entry's strings begins the next entry.
      if ((field === "msgctxt" || field === "msgid") && draft?.msgstr.length) finish();
      if (!draft) {
        draft = { line: flags?.line ?? number, fuzzy: flags?.fuzzy ?? false, msgstr: [] };
        flags = undefined;
      }
      addField(draft, field, match[2], value, where);
    }
  }
  finish();
  return result;
}

/** Puts one keyword's first string into the entry being read. */
function addField(
  draft: Draft,
  field: Field,
  index: string | undefined,
  value: string,
  where: string,
): void {
  if (field !== "msgstr" && index !== undefined) {
    throw new SyntaxError(`${field} takes no index at ${where}`);
  }
  if (field === "msgctxt") {
    if (draft.msgctxt !== undefined || draft.msgid !== undefined) {
      throw new SyntaxError(`msgctxt out of place at ${where}`);
    }
    draft.msgctxt = value;
  } else if (field === "msgid") {
    if (draft.msgid !== undefined) throw new SyntaxError(`Second msgid at ${where}`);
    draft.msgid = value;
  } else if (field === "msgid_plural") {
    if (draft.msgid === undefined || draft.msgstr.length || draft.msgidPlural !== undefined) {
      throw new SyntaxError(`msgid_plural out of place at ${where}`);
    }
    draft.msgidPlural = value;
  } else {
    if (draft.msgid === undefined) throw new SyntaxError(`msgstr before msgid at ${where}`);
    const plural = draft.msgidPlural !== undefined;
    if (plural !== (index !== undefined)) {
      throw new SyntaxError(
        plural
          ? `A plural entry needs msgstr[n], not msgstr, at ${where}`
          : `msgstr[n] without msgid_plural at ${where}`,
      );
    }
    const form = index === undefined ? 0 : Number(index);
    if (form !== draft.msgstr.length) {
      throw new SyntaxError(
        `Expected msgstr${plural ? `[${draft.msgstr.length}]` : ""} at ${where}`,
      );
    }
    draft.msgstr.push(value);
  }
  draft.last = { field, index: draft.msgstr.length - 1 };
}

/** Checks that an entry read to its end has what every entry needs. */
function completeEntry(draft: Draft, name: string): PoEntry {
  if (draft.msgid === undefined) {
    throw new SyntaxError(`Entry without msgid at ${name}:${draft.line}`);
  }
  if (!draft.msgstr.length) throw new SyntaxError(`Entry without msgstr at ${name}:${draft.line}`);
  const entry: PoEntry = { msgid: draft.msgid, msgstr: draft.msgstr, line: draft.line };
  if (draft.msgctxt !== undefined) entry.msgctxt = draft.msgctxt;
  if (draft.msgidPlural !== undefined) entry.msgidPlural = draft.msgidPlural;
  return entry;
}

/** Reads one `"…"` string, the rest of its line; only blanks may follow it. */
function parseString(text: string, where: string): string {
  if (!text.startsWith('"')) throw new SyntaxError(`Expected a string at ${where}`);
  let value = "";
  for (let at = 1; at < text.length; at++) {
    const char = text[at];
    if (char === '"') {
      if (text.slice(at + 1).trim() !== "") {
        throw new SyntaxError(`Unexpected text after the string at ${where}`);
      }
      return value;
    }
    if (char === "\\") {
      const escaped = ESCAPES[text[++at]];
      if (escaped === undefined) {
        throw new SyntaxError(`Unknown escape \\${text[at] ?? ""} at ${where}`);
      }
      value += escaped;
    } else value += char;
  }
  throw new SyntaxError(`Unterminated string at ${where}`);
}

/** The header's "Key: value" lines. */
function parseHeader(text: string): Record<string, string> {
  const header: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) header[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return header;
}

/**
 * The number of plural forms a `Plural-Forms` header gives (its `nplurals`).
 *
 * @example Usage
 * ```ts
 * import { pluralFormCount } from "./po_file.ts";
 * pluralFormCount("nplurals=2; plural=(n != 1);"); // 2
 * ```
 * @param pluralForms The header's value.
 * @returns nplurals, or `undefined` when the value has none.
 */
export function pluralFormCount(pluralForms: string | undefined): number | undefined {
  const match = /\bnplurals\s*=\s*(\d+)/.exec(pluralForms ?? "");
  return match ? Number(match[1]) : undefined;
}

/**
 * One PO field as msgmerge writes it: `keyword "text"`, or, when the text has
 * line breaks inside, `keyword ""` followed by one string per line.
 *
 * @example Usage
 * ```ts
 * import { formatPoField } from "./po_file.ts";
 * formatPoField("msgid", '"Hi"\n'); // 'msgid "\\"Hi\\"\\n"'
 * ```
 * @param keyword `msgid`, `msgstr[0]`, ….
 * @param text The text, unescaped.
 * @returns The field's lines, joined by "\n", without a final line break.
 */
export function formatPoField(keyword: string, text: string): string {
  const pieces = text.split(/(?<=\n)/);
  if (pieces.length < 2) return `${keyword} ${quotePoString(text)}`;
  return [`${keyword} ""`, ...pieces.map(quotePoString)].join("\n");
}

/** A string in PO quotes, with its C escapes. */
function quotePoString(text: string): string {
  const escaped = text.replace(
    /[\\"\n\t\r]/g,
    (char) => ({ "\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r" })[char]!,
  );
  return `"${escaped}"`;
}
