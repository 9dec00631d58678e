import assert from "node:assert/strict";
import { checkCatalogues, compileCatalogue } from "../../tools/compile_catalogues.ts";
import { MESSAGES } from "../../src/i18n/messages.ts";
import { parsePo, pluralFormCount, type PoFile } from "../../src/i18n/po_file.ts";
import { pluralFormIndex, Translator } from "../../src/i18n/translator.ts";

const ROOT = new URL("../../", import.meta.url);
const LANGUAGES = ["de", "fr", "es"];
const CLDR_ORDER = ["zero", "one", "two", "few", "many", "other"];

function readPo(language: string): PoFile {
  const path = `po/${language}.po`;
  return parsePo(Deno.readTextFileSync(new URL(path, ROOT)), path);
}

function placeholders(text: string): string[] {
  return [...new Set(text.match(/\{\w+\}/g) ?? [])].sort();
}

function cldrCategories(language: string): string[] {
  return [...new Intl.PluralRules(language).resolvedOptions().pluralCategories]
    .sort((a, b) => CLDR_ORDER.indexOf(a) - CLDR_ORDER.indexOf(b));
}

// ---- The catalogues ----

Deno.test("messages.ts: no msgid twice", () => {
  const msgids = MESSAGES.map((message) => message.msgid);
  assert.equal(new Set(msgids).size, msgids.length);
});

for (const language of LANGUAGES) {
  Deno.test(`${language}.po: every message has a translation, not fuzzy, in every form`, () => {
    const po = readPo(language);
    const nplurals = pluralFormCount(po.header["Plural-Forms"]);
    const missing = [];
    for (const message of MESSAGES) {
      const entry = po.entries.find((entry) => entry.msgid === message.msgid);
      if (!entry || entry.msgstr.some((form) => form === "")) missing.push(message.msgid);
      else if (message.msgidPlural !== undefined) {
        assert.equal(entry.msgidPlural, message.msgidPlural, message.msgid);
        assert.equal(entry.msgstr.length, nplurals, message.msgid);
      } else {
        assert.equal(entry.msgidPlural, undefined, message.msgid);
        assert.equal(entry.msgstr.length, 1, message.msgid);
      }
    }
    assert.deepEqual(missing, [], `untranslated or fuzzy in ${language}.po`);
    assert.deepEqual(po.fuzzy, []);
  });

  Deno.test(`${language}.po: each translation has its msgid's placeholders, and no other`, () => {
    for (const entry of readPo(language).entries) {
      const expected = placeholders(`${entry.msgid} ${entry.msgidPlural ?? ""}`);
      for (const form of entry.msgstr) assert.deepEqual(placeholders(form), expected, form);
    }
  });

  Deno.test(`${language}.po: a trailing space stays, and none is added`, () => {
    for (const entry of readPo(language).entries) {
      for (const form of entry.msgstr) {
        assert.equal(form.endsWith(" "), entry.msgid.endsWith(" "), JSON.stringify(form));
        assert.equal(form.trimStart(), form, JSON.stringify(form));
      }
    }
  });

  Deno.test(`${language}.po: no msgid that messages.ts lacks`, () => {
    const known = new Set(MESSAGES.map((message) => message.msgid));
    const unknown = readPo(language).entries.filter((entry) => !known.has(entry.msgid));
    assert.deepEqual(unknown.map((entry) => entry.msgid), []);
  });

  Deno.test(`${language}.po: the header names the language and UTF-8`, () => {
    const { header } = readPo(language);
    assert.equal(header["Language"], language);
    assert.match(header["Content-Type"], /charset=UTF-8/);
  });

  Deno.test(`${language}.po: nplurals is Intl.PluralRules' number of categories`, () => {
    const { header } = readPo(language);
    assert.equal(pluralFormCount(header["Plural-Forms"]), cldrCategories(language).length);
  });

  Deno.test(`${language}.po: Plural-Forms picks the form Intl.PluralRules does`, () => {
    // For gettext's own tools (msgfmt --check, Poedit), which use the expression.
    const expression = /\bplural\s*=\s*([^;]+);/.exec(readPo(language).header["Plural-Forms"])![1];
    assert.match(expression, /^[n\d\s()!=<>&|?:%]+$/);
    const plural = new Function("n", `return +(${expression});`) as (n: number) => number;
    const rules = new Intl.PluralRules(language);
    const categories = cldrCategories(language);
    const counts = [...Array(2000).keys(), 1_000_000, 1_000_001, 2_000_000, 3_500_000];
    for (const n of counts) assert.equal(plural(n), categories.indexOf(rules.select(n)), `n=${n}`);
  });
}

Deno.test("catalogues.ts and askpw.pot are up to date, and nothing is left out", async () => {
  const { stale, warnings } = await checkCatalogues(ROOT);
  assert.deepEqual(stale, [], "run tools/compile_catalogues.ts");
  assert.deepEqual(warnings, []);
});

Deno.test("compileCatalogue: a wrong nplurals is refused", () => {
  const po = 'msgid ""\nmsgstr "Language: fr\\nContent-Type: text/plain; charset=UTF-8\\n' +
    'Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n';
  assert.throws(() => compileCatalogue("fr", po, "po/fr.po"), /nplurals=2; fr has 3/);
});

Deno.test("compileCatalogue: fuzzy, empty and unknown entries are left out with a warning", () => {
  const po = [
    'msgid ""',
    'msgstr "Language: de\\nContent-Type: text/plain; charset=UTF-8\\n"',
    '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"',
    "",
    "#, fuzzy",
    'msgid "Password:"',
    'msgstr "Kennwort:"',
    "",
    'msgid "Caps Lock is on"',
    'msgstr ""',
    "",
    'msgid "No such text"',
    'msgstr "Kein solcher Text"',
    "",
    'msgid "TPM2 PIN"',
    'msgstr "TPM2-PIN"',
  ].join("\n");
  const { catalogue, warnings } = compileCatalogue("de", po, "de.po");
  assert.deepEqual(catalogue, { pluralCount: 2, entries: { "TPM2 PIN": "TPM2-PIN" } });
  assert.deepEqual(warnings, [
    'de.po: fuzzy, left out: "Password:"',
    "de.po:9: untranslated, left out",
    "de.po:12: not in messages.ts, left out",
  ]);
});

// ---- The PO parser ----

Deno.test("parsePo: the header, comments, and strings continued over lines", () => {
  const po = parsePo([
    "# Translator comment",
    "#, fuzzy",
    'msgid ""',
    'msgstr ""',
    '"Language: de\\n"',
    '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"',
    "",
    "#. Where it appears",
    "#: src/console/prompt.ts:12",
    '#| msgid "Old text"',
    'msgid ""',
    '"The previous PIN was not accepted "',
    '  "(attempt {attempt})."',
    'msgstr "Die vorherige PIN wurde nicht "',
    '"angenommen (Versuch {attempt})."',
    "",
    '#~ msgid "Obsolete"',
    '#~ msgstr "Veraltet"',
  ].join("\r\n"));
  assert.deepEqual(po.header, {
    "Language": "de",
    "Plural-Forms": "nplurals=2; plural=(n != 1);",
  });
  assert.deepEqual(po.entries, [{
    msgid: "The previous PIN was not accepted (attempt {attempt}).",
    msgstr: ["Die vorherige PIN wurde nicht angenommen (Versuch {attempt})."],
    line: 8,
  }]);
});

Deno.test("parsePo: C escapes", () => {
  const po = parsePo(
    'msgid "a\\tb\\n\\"c\\" \\\\d"\nmsgstr "x\\ty\\n\\"z\\" \\\\w\\r"\n',
  );
  assert.deepEqual(po.entries[0].msgid, 'a\tb\n"c" \\d');
  assert.deepEqual(po.entries[0].msgstr, ['x\ty\n"z" \\w\r']);
});

Deno.test("parsePo: fuzzy entries are left out, their msgids listed", () => {
  const po = parsePo([
    "#, fuzzy, c-format",
    'msgid "Password:"',
    'msgstr "Kennwort:"',
    "",
    "#, no-c-format",
    'msgid "TPM2 PIN"',
    'msgstr "TPM2-PIN"',
  ].join("\n"));
  assert.deepEqual(po.fuzzy, ["Password:"]);
  assert.deepEqual(po.entries.map((entry) => entry.msgid), ["TPM2 PIN"]);
});

Deno.test("parsePo: plural entries, and entries with no blank line between them", () => {
  const po = parsePo([
    'msgid "{count} s left"',
    'msgid_plural "{count} s left"',
    'msgstr[0] "queda {count} s"',
    'msgstr[1] "quedan "',
    '"{count} s"',
    'msgstr[2] "quedan {count} s"',
    'msgctxt "menu"',
    'msgid "Password:"',
    'msgstr "Contraseña:"',
  ].join("\n"));
  assert.deepEqual(po.entries, [
    {
      msgid: "{count} s left",
      msgidPlural: "{count} s left",
      msgstr: ["queda {count} s", "quedan {count} s", "quedan {count} s"],
      line: 1,
    },
    { msgctxt: "menu", msgid: "Password:", msgstr: ["Contraseña:"], line: 7 },
  ]);
});

Deno.test("parsePo: mistakes are SyntaxErrors that say where", () => {
  const cases: [string, RegExp][] = [
    ['msgid "a"\nmsgstr "b', /Unterminated string at x\.po:2/],
    ['msgid "a"\nmsgstr "\\q"', /Unknown escape \\q at x\.po:2/],
    ['msgid "a"\nmsgstr "b" c', /Unexpected text after the string at x\.po:2/],
    ['msgid "a"\n\nmsgstr "b"', /Entry without msgstr at x\.po:1/],
    ['msgid "a"\nmsgid_plural "as"\nmsgstr "b"', /needs msgstr\[n\].* at x\.po:3/],
    ['msgid "a"\nmsgstr[0] "b"', /msgstr\[n\] without msgid_plural at x\.po:2/],
    ['msgid "a"\nmsgid_plural "as"\nmsgstr[1] "b"', /Expected msgstr\[0\] at x\.po:3/],
    ['msgid "a"\nmsgstr "b"\n\nmsgid "a"\nmsgstr "c"', /Duplicate msgid "a" at x\.po:4/],
    ['"a"', /String continues no keyword at x\.po:1/],
    ["msgid a", /Unexpected "msgid a" at x\.po:1/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parsePo(text, "x.po"), (error) => {
      assert.ok(error instanceof SyntaxError);
      assert.match(error.message, message);
      return true;
    });
  }
});

// ---- The translator ----

Deno.test("Translator: text in each language, placeholders filled", () => {
  const layout = { layout: "de" };
  assert.equal(new Translator("de").text("keyboard {layout}", layout), "Tastatur de");
  assert.equal(new Translator("fr").text("keyboard {layout}", layout), "clavier de");
  assert.equal(new Translator("es").text("keyboard {layout}", layout), "teclado de");
  assert.equal(Translator.english.text("keyboard {layout}", layout), "keyboard de");
  assert.equal(new Translator("de").text("Caps Lock is on"), "Feststelltaste ist aktiv");
  assert.equal(new Translator("fr").text("Caps Lock is on"), "Verr. Maj. activé");
  assert.equal(new Translator("es").text("Caps Lock is on"), "Bloq Mayús activado");
  assert.equal(
    new Translator("de").text("disk {volume} ({device})", { volume: "root", device: "/dev/vda2" }),
    "Datenträger root (/dev/vda2)",
  );
  assert.equal(new Translator("fr").text("(no echo) "), "(saisie invisible) ");
});

Deno.test("Translator: plural forms by Intl.PluralRules, {count} filled", () => {
  const s = ["{count} s left", "{count} s left"] as const;
  const de = new Translator("de");
  assert.equal(de.plural(...s, 1), "noch 1 s");
  assert.equal(de.plural(...s, 30), "noch 30 s");
  const es = new Translator("es");
  assert.equal(es.plural(...s, 1), "queda 1 s");
  assert.equal(es.plural(...s, 0), "quedan 0 s");
  assert.equal(es.plural(...s, 2), "quedan 2 s");
  assert.equal(
    es.plural("{count} min {seconds} s left", "{count} min {seconds} s left", 1, { seconds: 5 }),
    "queda 1 min 5 s",
  );
});

Deno.test("Translator: French 0 and 1 take the singular, 1 000 000 the 'many' form", () => {
  const french = new Intl.PluralRules("fr");
  assert.deepEqual(
    [0, 1, 2, 1.5, 1_000_000, 2_000_000, 1_000_001].map((n) => pluralFormIndex(french, n)),
    [0, 0, 2, 0, 1, 1, 2],
  );
  const fr = new Translator("fr");
  const forms = ["{count} min left", "{count} min left"] as const;
  assert.equal(fr.plural(...forms, 0), "encore 0 min");
  assert.equal(fr.plural(...forms, 1), "encore 1 min");
  assert.equal(fr.plural(...forms, 2), "encore 2 min");
  assert.equal(fr.plural(...forms, 1_000_000), "encore 1000000 min");
});

Deno.test("pluralFormIndex: German and Spanish", () => {
  const german = new Intl.PluralRules("de");
  assert.deepEqual([0, 1, 2, 1_000_000].map((n) => pluralFormIndex(german, n)), [1, 0, 1, 1]);
  const spanish = new Intl.PluralRules("es");
  assert.deepEqual([0, 1, 2, 1_000_000].map((n) => pluralFormIndex(spanish, n)), [2, 0, 2, 1]);
});

Deno.test("Translator: English takes msgid for one and msgidPlural for other counts", () => {
  const en = Translator.english;
  assert.equal(en.plural("{count} apple", "{count} apples", 1), "1 apple");
  assert.equal(en.plural("{count} apple", "{count} apples", 0), "0 apples");
  assert.equal(en.plural("{count} apple", "{count} apples", 2), "2 apples");
});

Deno.test("Translator: a language without catalogue gives English", () => {
  for (const language of ["en", "nl", "", "C", "zz"]) {
    const translator = new Translator(language);
    assert.equal(translator.language, "en");
    assert.equal(translator.text("Caps Lock is on"), "Caps Lock is on");
    assert.equal(translator.plural("{count} s left", "{count} s left", 3), "3 s left");
  }
  assert.equal(new Translator("constructor").language, "en");
  assert.equal(new Translator("de-AT").language, "de");
  assert.equal(new Translator("fr_CA").language, "fr");
});

Deno.test("Translator: an unknown msgid is returned as it is, placeholders filled", () => {
  const de = new Translator("de");
  assert.equal(de.text("Not a message {x}", { x: 1 }), "Not a message 1");
  assert.equal(de.text("toString"), "toString");
  assert.equal(de.plural("{count} thing", "{count} things", 2), "2 things");
  assert.equal(de.text("keyboard {layout}"), "Tastatur {layout}");
});

// ---- Code uses only translated texts ----

async function* sourceFiles(directory: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(directory)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), directory);
    if (entry.isDirectory) yield* sourceFiles(url);
    else if (entry.name.endsWith(".ts")) yield url;
  }
}

Deno.test('src/: every .text("…") and .plural("…", "…") msgid is in messages.ts', async () => {
  const singulars = new Set(
    MESSAGES.filter((message) => message.msgidPlural === undefined).map((m) => m.msgid),
  );
  const plurals = new Set(
    MESSAGES.filter((message) => message.msgidPlural !== undefined)
      .map((message) => `${message.msgid}\n${message.msgidPlural}`),
  );
  const literal = String.raw`"(?:[^"\\\n]|\\.)*"`;
  const textCall = new RegExp(String.raw`\.text\(\s*(${literal})`, "g");
  const pluralCall = new RegExp(String.raw`\.plural\(\s*(${literal})\s*,\s*(${literal})`, "g");
  const unknown: string[] = [];
  for await (const file of sourceFiles(new URL("src/", ROOT))) {
    const code = await Deno.readTextFile(file);
    const where = file.pathname.slice(ROOT.pathname.length);
    for (const [, msgid] of code.matchAll(textCall)) {
      if (!singulars.has(JSON.parse(msgid))) unknown.push(`${where}: ${msgid}`);
    }
    for (const [, msgid, msgidPlural] of code.matchAll(pluralCall)) {
      const pair = `${JSON.parse(msgid)}\n${JSON.parse(msgidPlural)}`;
      if (!plurals.has(pair)) unknown.push(`${where}: ${msgid}, ${msgidPlural}`);
    }
  }
  assert.deepEqual(unknown, []);
});
