import assert from "node:assert/strict";
import { messageLanguage } from "../../src/i18n/locale.ts";

const NO_FILE = "/nonexistent/locale.conf";

function language(variables: Record<string, string>, localeConf = NO_FILE): string {
  return messageLanguage(new Map(Object.entries(variables)), localeConf);
}

function withLocaleConf(text: string, test: (path: string) => void): void {
  const path = Deno.makeTempFileSync({ suffix: ".conf" });
  try {
    Deno.writeTextFileSync(path, text);
    test(path);
  } finally {
    Deno.removeSync(path);
  }
}

Deno.test("messageLanguage: a locale names its language", () => {
  assert.equal(language({ LANG: "de_DE.UTF-8" }), "de");
  assert.equal(language({ LANG: "fr_CA" }), "fr");
  assert.equal(language({ LANG: "es" }), "es");
  assert.equal(language({ LANG: "es_ES@euro" }), "es");
  assert.equal(language({ LANG: "de_AT.utf8@euro" }), "de");
});

Deno.test("messageLanguage: C, POSIX, no locale and unknown languages are English", () => {
  for (const locale of ["C", "POSIX", "C.UTF-8", "C.utf8", "en_US.UTF-8", "nl_NL.UTF-8", "xx"]) {
    assert.equal(language({ LANG: locale }), "en", locale);
  }
  assert.equal(language({}), "en");
});

Deno.test("messageLanguage: LC_ALL over LC_MESSAGES over LANG", () => {
  const all = { LC_ALL: "fr_FR.UTF-8", LC_MESSAGES: "es_ES.UTF-8", LANG: "de_DE.UTF-8" };
  assert.equal(language(all), "fr");
  assert.equal(language({ LC_MESSAGES: "es_ES.UTF-8", LANG: "de_DE.UTF-8" }), "es");
  assert.equal(language({ LC_ALL: "C", LANG: "de_DE.UTF-8" }), "en");
  // Other categories do not decide the messages' language.
  assert.equal(language({ LC_TIME: "fr_FR.UTF-8", LANG: "de_DE.UTF-8" }), "de");
});

Deno.test("messageLanguage: empty values are skipped", () => {
  assert.equal(language({ LC_ALL: "", LC_MESSAGES: "", LANG: "es_MX.UTF-8" }), "es");
  assert.equal(language({ LC_ALL: "", LC_MESSAGES: "fr_BE.UTF-8", LANG: "de_DE" }), "fr");
});

Deno.test("messageLanguage: LANGUAGE, the first listed that askpw has", () => {
  assert.equal(language({ LANG: "de_DE.UTF-8", LANGUAGE: "nl:fr_FR:es" }), "fr");
  assert.equal(language({ LANG: "de_DE.UTF-8", LANGUAGE: "en_GB:fr" }), "en");
  assert.equal(language({ LANG: "de_DE.UTF-8", LANGUAGE: "nl:pt" }), "de");
  assert.equal(language({ LANG: "de_DE.UTF-8", LANGUAGE: "" }), "de");
  assert.equal(language({ LANG: "en_US.UTF-8", LANGUAGE: "es::de" }), "es");
});

Deno.test("messageLanguage: LANGUAGE is ignored under C and POSIX, and without a locale", () => {
  assert.equal(language({ LANG: "C.UTF-8", LANGUAGE: "de" }), "en");
  assert.equal(language({ LC_ALL: "POSIX", LANG: "fr_FR.UTF-8", LANGUAGE: "de" }), "en");
  assert.equal(language({ LANGUAGE: "de" }), "en");
});

Deno.test("messageLanguage: /etc/locale.conf when the environment sets no locale", () => {
  withLocaleConf('# written by localectl\nLANG="de_DE.UTF-8"\nLC_TIME=en_DK.UTF-8\n', (path) => {
    assert.equal(language({}, path), "de");
    assert.equal(language({ LC_ALL: "" }, path), "de");
    assert.equal(language({ LANG: "fr_FR.UTF-8" }, path), "fr");
    assert.equal(language({ LANG: "C" }, path), "en");
  });
  withLocaleConf("LANG='es_ES.UTF-8'\n", (path) => assert.equal(language({}, path), "es"));
  withLocaleConf(
    'LANG=de_DE.UTF-8\n  LC_MESSAGES = "fr_FR.UTF-8"  \n\n; comment\n',
    (path) => assert.equal(language({}, path), "fr"),
  );
  withLocaleConf("LANG=C.UTF-8\n", (path) => assert.equal(language({}, path), "en"));
  withLocaleConf("", (path) => assert.equal(language({}, path), "en"));
});

Deno.test("messageLanguage: locale.conf's LANGUAGE goes with its locale", () => {
  withLocaleConf('LANG="de_DE.UTF-8"\nLANGUAGE="es:de"\n', (path) => {
    assert.equal(language({}, path), "es");
    // A locale from the environment takes LANGUAGE from the environment only.
    assert.equal(language({ LANG: "fr_FR.UTF-8" }, path), "fr");
  });
});

Deno.test("messageLanguage: no locale.conf is no locale", () => {
  assert.equal(language({}, NO_FILE), "en");
  const directory = Deno.makeTempDirSync();
  try {
    assert.equal(language({}, directory), "en");
  } finally {
    Deno.removeSync(directory);
  }
});

Deno.test("messageLanguage: Deno.env by default", () => {
  const saved = new Map(["LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"].map((name) => [
    name,
    Deno.env.get(name),
  ]));
  try {
    Deno.env.set("LC_ALL", "es_ES.UTF-8");
    Deno.env.delete("LANGUAGE");
    assert.equal(messageLanguage(), "es");
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) Deno.env.delete(name);
      else Deno.env.set(name, value);
    }
  }
});
