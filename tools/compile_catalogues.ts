/**
 * Compiles askpw's translations into the program: reads po/*.po and writes
 * src/i18n/catalogues.ts, a data module the bundle includes; and writes
 * po/askpw.pot, the template translators start from, from
 * src/i18n/messages.ts. tools/bundle.sh runs it before bundling.
 *
 * ```sh
 * deno run --allow-read --allow-write tools/compile_catalogues.ts          # write both
 * deno run --allow-read --allow-write tools/compile_catalogues.ts --check  # exit 1 when stale
 * ```
 *
 * A catalogue must say `Language:` (its file's name), `charset=UTF-8` and a
 * `Plural-Forms:` whose nplurals is the number of plural categories
 * `Intl.PluralRules` has for the language: askpw picks a plural's form by
 * the category's place in CLDR order (zero, one, two, few, many, other), so
 * msgstr[i] must follow that order. Untranslated (empty) and fuzzy entries,
 * and msgids that messages.ts no longer has, are left out: the English text
 * shows for them. tests/unit/i18n_test.ts insists on complete catalogues.
 *
 * @module
 */
import { type Message, MESSAGE_GROUPS, MESSAGES } from "../src/i18n/messages.ts";
import { formatPoField, parsePo, pluralFormCount } from "../src/i18n/po_file.ts";

/** The repository's root. */
const ROOT = new URL("../", import.meta.url);
const TEMPLATE_PATH = "po/askpw.pot";
const CATALOGUES_PATH = "src/i18n/catalogues.ts";
const CLDR_ORDER = ["zero", "one", "two", "few", "many", "other"];

/** One language's compiled translations, as src/i18n/catalogues.ts holds them. */
export interface CompiledCatalogue {
  /** nplurals: how many forms each plural entry has. */
  pluralCount: number;
  /** Translations by msgid: a string, or for a plural its forms in CLDR order. */
  entries: Record<string, string | string[]>;
}

/**
 * The template, po/askpw.pot: every message of src/i18n/messages.ts with an
 * empty translation, and where it appears as a `#.` comment.
 *
 * @example Usage
 * ```ts
 * import { renderTemplate } from "./compile_catalogues.ts";
 * await Deno.writeTextFile("po/askpw.pot", renderTemplate());
 * ```
 * @returns The file's text.
 */
export function renderTemplate(): string {
  const header = [
    "# askpw's own texts, in English: the template for a translation (see README,",
    '# "How to add a translation"). Made from src/i18n/messages.ts by',
    "# tools/compile_catalogues.ts: do not edit.",
    "#, fuzzy",
    'msgid ""',
    formatPoField(
      "msgstr",
      [
        "Project-Id-Version: askpw",
        "Language: ",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: 8bit",
        "Plural-Forms: nplurals=INTEGER; plural=EXPRESSION;",
        "",
      ].join("\n"),
    ),
  ].join("\n");
  const blocks = [header];
  for (const group of MESSAGE_GROUPS) {
    const comment = wrap(group.where, 76).map((line) => `#. ${line}`);
    for (const message of group.messages) {
      const fields = [formatPoField("msgid", message.msgid)];
      if (message.msgidPlural === undefined) fields.push(formatPoField("msgstr", ""));
      else {
        fields.push(
          formatPoField("msgid_plural", message.msgidPlural),
          formatPoField("msgstr[0]", ""),
          formatPoField("msgstr[1]", ""),
        );
      }
      blocks.push([...comment, ...fields].join("\n"));
    }
  }
  return blocks.join("\n\n") + "\n";
}

/** Breaks text into lines of at most `width` characters, at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

/**
 * Compiles one catalogue.
 *
 * @example Usage
 * ```ts
 * import { compileCatalogue } from "./compile_catalogues.ts";
 * const { catalogue } = compileCatalogue("de", await Deno.readTextFile("po/de.po"), "po/de.po");
 * catalogue.entries["Caps Lock is on"]; // "Feststelltaste ist aktiv"
 * ```
 * @param language The language, the file's name without `.po`.
 * @param text The file's text.
 * @param name The file's name, for messages.
 * @returns The catalogue, and warnings about entries left out.
 * @throws {SyntaxError} When the file is not a valid PO file.
 * @throws {Error} When its header does not give the language, UTF-8 or a
 * Plural-Forms matching the language's plural categories, or a plural entry
 * has another number of forms.
 */
export function compileCatalogue(
  language: string,
  text: string,
  name: string,
): { catalogue: CompiledCatalogue; warnings: string[] } {
  const po = parsePo(text, name);
  if (!/^[a-z]{2,3}$/.test(language)) {
    throw new Error(`${name}: name a catalogue by its language alone (de.po, not de_DE.po)`);
  }
  if (po.header["Language"] !== language) {
    throw new Error(`${name}: the header says Language: ${po.header["Language"] ?? "(none)"}`);
  }
  if (!/charset=UTF-8\b/i.test(po.header["Content-Type"] ?? "")) {
    throw new Error(`${name}: the header's Content-Type must say charset=UTF-8`);
  }
  const pluralCount = pluralFormCount(po.header["Plural-Forms"]);
  const categories = pluralCategories(language);
  if (pluralCount !== categories.length) {
    throw new Error(
      `${name}: Plural-Forms has nplurals=${pluralCount}; ${language} has ` +
        `${categories.length} plural forms (${categories.join(", ")})`,
    );
  }
  const messages = new Map<string, Message>(MESSAGES.map((message) => [message.msgid, message]));
  const translated = new Map<string, string[]>();
  const warnings = po.fuzzy.map((msgid) => `${name}: fuzzy, left out: ${JSON.stringify(msgid)}`);
  for (const entry of po.entries) {
    const where = `${name}:${entry.line}`;
    const message = messages.get(entry.msgid);
    if (entry.msgctxt !== undefined) warnings.push(`${where}: askpw uses no msgctxt, left out`);
    else if (!message) warnings.push(`${where}: not in messages.ts, left out`);
    else if ((message.msgidPlural === undefined) !== (entry.msgidPlural === undefined)) {
      warnings.push(
        `${where}: ${message.msgidPlural ? "a plural" : "not a plural"} in messages.ts`,
      );
    } else if (entry.msgidPlural !== undefined && entry.msgstr.length !== pluralCount) {
      throw new Error(`${where}: ${entry.msgstr.length} forms; Plural-Forms says ${pluralCount}`);
    } else if (entry.msgstr.some((form) => form === "")) {
      warnings.push(`${where}: untranslated, left out`);
    } else translated.set(entry.msgid, entry.msgstr);
  }
  const entries: Record<string, string | string[]> = {};
  for (const message of MESSAGES) {
    const forms = translated.get(message.msgid);
    if (forms) entries[message.msgid] = message.msgidPlural === undefined ? forms[0] : forms;
  }
  return { catalogue: { pluralCount, entries }, warnings };
}

/** The language's plural categories in CLDR order, as askpw numbers the forms. */
function pluralCategories(language: string): string[] {
  const categories: string[] = new Intl.PluralRules(language).resolvedOptions().pluralCategories;
  return [...categories].sort((a, b) => CLDR_ORDER.indexOf(a) - CLDR_ORDER.indexOf(b));
}

/**
 * The text of src/i18n/catalogues.ts for these catalogues, formatted as
 * `deno fmt` would.
 *
 * @example Usage
 * ```ts
 * import { renderCatalogues } from "./compile_catalogues.ts";
 * renderCatalogues({ de: { pluralCount: 2, entries: { "Password:": "Passwort:" } } });
 * ```
 * @param catalogues The catalogues by language.
 * @returns The module's text.
 */
export function renderCatalogues(catalogues: Record<string, CompiledCatalogue>): string {
  const lines = [
    "// Generated by tools/compile_catalogues.ts from po/*.po: do not edit. Run",
    "// `deno run --allow-read --allow-write tools/compile_catalogues.ts` after changing",
    "// a catalogue or src/i18n/messages.ts.",
    "",
    "/**",
    " * askpw's translations, compiled from po/*.po: for each language, the number",
    " * of plural forms and the translations by English msgid (for a plural, its",
    " * forms in CLDR order: zero, one, two, few, many, other, those the language has).",
    " *",
    " * @example Usage",
    " * ```ts",
    ' * import { CATALOGUES } from "./catalogues.ts";',
    ' * CATALOGUES["de"]?.entries["Caps Lock is on"]; // "Feststelltaste ist aktiv"',
    " * ```",
    " */",
    "export const CATALOGUES: {",
    "  readonly [language: string]: {",
    "    readonly pluralCount: number;",
    "    readonly entries: { readonly [msgid: string]: string | readonly string[] };",
    "  };",
    "} = {",
  ];
  for (const language of Object.keys(catalogues).sort()) {
    const { pluralCount, entries } = catalogues[language];
    lines.push(`  ${language}: {`, `    pluralCount: ${pluralCount},`, "    entries: {");
    for (const [msgid, translation] of Object.entries(entries)) {
      const key = `      ${tsString(msgid)}:`;
      if (typeof translation === "string") {
        const inline = `${key} ${tsString(translation)},`;
        // deno fmt moves a value that does not fit to a line of its own.
        lines.push(
          ...(inline.length <= 100 ? [inline] : [key, `        ${tsString(translation)},`]),
        );
      } else {
        const inline = `${key} [${translation.map(tsString).join(", ")}],`;
        if (inline.length <= 100) lines.push(inline);
        else {
          lines.push(
            `${key} [`,
            ...translation.map((form) => `        ${tsString(form)},`),
            "      ],",
          );
        }
      }
    }
    lines.push("    },", "  },");
  }
  lines.push("};", "");
  return lines.join("\n");
}

/** A string literal as deno fmt writes it: double quotes unless it has more of them than of '. */
function tsString(text: string): string {
  const doubles = text.split('"').length - 1;
  const singles = text.split("'").length - 1;
  const json = JSON.stringify(text);
  if (doubles <= singles) return json;
  return `'${json.slice(1, -1).replaceAll('\\"', '"').replaceAll("'", "\\'")}'`;
}

/**
 * What the generated files should contain: po/askpw.pot and
 * src/i18n/catalogues.ts, by path from the repository's root, and the
 * warnings about entries left out.
 *
 * @example Usage
 * ```ts
 * import { generateFiles } from "./compile_catalogues.ts";
 * const { files } = await generateFiles();
 * Object.keys(files); // ["po/askpw.pot", "src/i18n/catalogues.ts"]
 * ```
 * @param root The repository's root.
 * @returns The files' texts and the warnings.
 * @throws {Error} As {@linkcode compileCatalogue} does.
 */
export async function generateFiles(
  root: URL = ROOT,
): Promise<{ files: Record<string, string>; warnings: string[] }> {
  const catalogues: Record<string, CompiledCatalogue> = {};
  const warnings: string[] = [];
  const names = [];
  for await (const entry of Deno.readDir(new URL("po/", root))) {
    if (entry.isFile && entry.name.endsWith(".po")) names.push(entry.name);
  }
  for (const name of names.sort()) {
    const path = `po/${name}`;
    const text = await Deno.readTextFile(new URL(path, root));
    const compiled = compileCatalogue(name.slice(0, -".po".length), text, path);
    catalogues[name.slice(0, -".po".length)] = compiled.catalogue;
    warnings.push(...compiled.warnings);
  }
  return {
    files: { [TEMPLATE_PATH]: renderTemplate(), [CATALOGUES_PATH]: renderCatalogues(catalogues) },
    warnings,
  };
}

/**
 * The generated files that are missing or differ from what the sources make.
 *
 * @example Usage
 * ```ts
 * import { checkCatalogues } from "./compile_catalogues.ts";
 * const { stale } = await checkCatalogues();
 * if (stale.length) console.error(`Out of date: ${stale.join(", ")}`);
 * ```
 * @param root The repository's root.
 * @returns The stale files' paths from the root, and the warnings.
 * @throws {Error} As {@linkcode compileCatalogue} does.
 */
export async function checkCatalogues(
  root: URL = ROOT,
): Promise<{ stale: string[]; warnings: string[] }> {
  const { files, warnings } = await generateFiles(root);
  const stale = [];
  for (const [path, text] of Object.entries(files)) {
    const current = await Deno.readTextFile(new URL(path, root)).catch(() => undefined);
    if (current !== text) stale.push(path);
  }
  return { stale, warnings };
}

/**
 * Writes the generated files that are stale.
 *
 * @example Usage
 * ```ts
 * import { writeCatalogues } from "./compile_catalogues.ts";
 * await writeCatalogues();
 * ```
 * @param root The repository's root.
 * @returns The paths written, and the warnings.
 * @throws {Error} As {@linkcode compileCatalogue} does.
 */
export async function writeCatalogues(
  root: URL = ROOT,
): Promise<{ written: string[]; warnings: string[] }> {
  const { files, warnings } = await generateFiles(root);
  const written = [];
  for (const [path, text] of Object.entries(files)) {
    const current = await Deno.readTextFile(new URL(path, root)).catch(() => undefined);
    if (current === text) continue;
    await Deno.writeTextFile(new URL(path, root), text);
    written.push(path);
  }
  return { written, warnings };
}

if (import.meta.main) {
  const check = Deno.args.includes("--check");
  const unknown = Deno.args.filter((arg) => arg !== "--check");
  if (unknown.length) {
    console.error(`compile_catalogues: unknown argument ${unknown[0]}; usage: [--check]`);
    Deno.exit(2);
  }
  try {
    if (check) {
      const { stale, warnings } = await checkCatalogues();
      for (const warning of warnings) console.error(`compile_catalogues: ${warning}`);
      for (const path of stale) {
        console.error(
          `compile_catalogues: ${path} is out of date; run tools/compile_catalogues.ts`,
        );
      }
      Deno.exit(stale.length ? 1 : 0);
    }
    const { written, warnings } = await writeCatalogues();
    for (const warning of warnings) console.error(`compile_catalogues: ${warning}`);
    for (const path of written) console.error(`compile_catalogues: wrote ${path}`);
  } catch (error) {
    console.error(`compile_catalogues: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
