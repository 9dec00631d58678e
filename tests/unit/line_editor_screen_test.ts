import assert from "node:assert/strict";
import { LineEditor, type LineEditorOptions } from "../../src/console/line_editor.ts";
import { Screen } from "../helpers/screen.ts";

// What a person sees on the terminal while the line editor runs: the bytes it
// returns, interpreted by a terminal emulator (xterm.js), in particular that a
// revealed password is gone from the screen, scrollback included, once it is
// hidden again or input ends.

const encoder = new TextEncoder();
const CTRL_R = "\x12";

/**
 * Passwords (test literals, never real secrets) and how many characters each
 * has. No emoji: xterm.js without its Unicode 11 addon counts them one column
 * (Unicode 6), where terminals today, and displayWidth, count two.
 */
const PASSWORDS = [
  { name: "ASCII", text: "hunter2", characters: 7 },
  { name: "wide", text: "\u6f22\u5b57\u30d1\u30b9", characters: 4 },
  { name: "combining", text: "e\u0301te\u0301", characters: 5 },
];

/** A prompt on a screen: "Message: ", the hint, then whatever the editor writes. */
class Prompt {
  readonly screen = new Screen(60, 4);
  readonly editor: LineEditor;

  private constructor(options: LineEditorOptions) {
    this.editor = new LineEditor(options);
  }

  static async start(options: LineEditorOptions = { mode: "masked", reveal: true }) {
    const prompt = new Prompt(options);
    await prompt.screen.write(encoder.encode("Message: "));
    await prompt.screen.write(prompt.editor.begin());
    return prompt;
  }

  /** Types `keys` one character at a time and shows what the editor writes. */
  async type(keys: string): Promise<void> {
    for (const key of keys) await this.screen.write(this.editor.feed(encoder.encode(key)).output);
  }

  [Symbol.dispose](): void {
    this.editor.wipe();
    this.screen.dispose();
  }
}

const bullets = (count: number) => "\u2022".repeat(count);

for (const { name, text, characters } of PASSWORDS) {
  Deno.test(`Screen: a ${name} password shows as ${characters} bullets until revealed`, async () => {
    using prompt = await Prompt.start();
    assert.equal(prompt.screen.text(), "Message: (press TAB for no echo)");
    await prompt.type(text);
    assert.equal(prompt.screen.text(), `Message: ${bullets(characters)}`);
    await prompt.type(CTRL_R);
    assert.equal(prompt.screen.text(), `Message: ${text}`);
    assert.equal(prompt.editor.revealed, true);
  });

  Deno.test(`Screen: a revealed ${name} password is gone once hidden again`, async () => {
    using prompt = await Prompt.start();
    await prompt.type(`${text}${CTRL_R}${CTRL_R}`);
    assert.equal(prompt.screen.text(), `Message: ${bullets(characters)}`);
    // Typing goes on in the right column.
    await prompt.type("z");
    assert.equal(prompt.screen.text(), `Message: ${bullets(characters + 1)}`);
  });

  Deno.test(`Screen: a ${name} password typed while revealed is gone on Enter`, async () => {
    using prompt = await Prompt.start();
    await prompt.type(`${CTRL_R}${text}`);
    assert.equal(prompt.screen.text(), `Message: ${text}`);
    await prompt.type("\r");
    assert.equal(prompt.screen.text(), `Message: ${bullets(characters)}`);
    assert.deepEqual(prompt.editor.value, encoder.encode(text));
  });

  Deno.test(`Screen: a revealed ${name} password is gone on Ctrl-D and Ctrl-C`, async () => {
    for (const [key, word] of [["\x04", "(skipped)"], ["\x03", "(cancelled)"]]) {
      using prompt = await Prompt.start();
      await prompt.type(`${text}${CTRL_R}${key}`);
      assert.equal(prompt.screen.text(), `Message: ${bullets(characters)}${word}`);
    }
  });

  Deno.test(`Screen: a revealed ${name} password is gone after conceal()`, async () => {
    using prompt = await Prompt.start();
    await prompt.type(`${text}${CTRL_R}`);
    await prompt.screen.write(prompt.editor.conceal());
    await prompt.screen.write(encoder.encode("(withdrawn)\n"));
    assert.equal(prompt.screen.text(), `Message: ${bullets(characters)}(withdrawn)`);
  });

  Deno.test(`Screen: a revealed ${name} password is gone after TAB`, async () => {
    using prompt = await Prompt.start();
    await prompt.type(`${text}${CTRL_R}\tmore\r`);
    assert.equal(prompt.screen.text(), "Message: (no echo)");
  });

  Deno.test(`Screen: Ctrl-U erases a revealed ${name} password`, async () => {
    using prompt = await Prompt.start();
    await prompt.type(`${text}${CTRL_R}\x15ab${CTRL_R}`);
    assert.equal(prompt.screen.text(), `Message: ${bullets(2)}`);
  });
}

Deno.test("Screen: backspace erases a revealed wide character whole", async () => {
  using prompt = await Prompt.start();
  await prompt.type(`a\u6f22\u5b57${CTRL_R}\x7f`);
  assert.equal(prompt.screen.text(), "Message: a\u6f22");
  await prompt.type("\x7f\x7fb");
  assert.equal(prompt.screen.text(), "Message: b");
});

Deno.test("Screen: the message stays whole around reveal, type and erase", async () => {
  using prompt = await Prompt.start();
  await prompt.type(`\u6f22${CTRL_R}\x7f\x7f${CTRL_R}${CTRL_R}\x15\r`);
  assert.equal(prompt.screen.text(), "Message:");
});

Deno.test("Screen: a translated hint with non-ASCII characters is erased whole", async () => {
  for (const hint of ["(TAB dr\u00fccken: ohne Anzeige) ", "(TAB\u3067\u975e\u8868\u793a) "]) {
    using prompt = await Prompt.start({ mode: "masked", words: { hint } });
    assert.equal(prompt.screen.text(), `Message: ${hint.trimEnd()}`);
    await prompt.type("a");
    assert.equal(prompt.screen.text(), `Message: ${bullets(1)}`);
  }
});
