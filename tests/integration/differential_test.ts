/**
 * Differential tests: the same keystrokes against systemd's reference agent
 * (`systemd-tty-ask-password-agent --query --console=PTY`) and against
 * `askpw query --console=PTY` must give the same reply bytes — except where
 * askpw deliberately does better (protocol doc §3.4, §4.4), where each side's
 * bytes are asserted separately.
 */
import assert from "node:assert/strict";
import { PrivateNamespace } from "../helpers/private_namespace.ts";
import { PtyConsole } from "../helpers/pty_console.ts";
import { type AskFileOptions, RecordingAsker, showBytes } from "../helpers/recording_asker.ts";
import { type RunningAgent, startAskpw, startSystemdAgent } from "../helpers/agents.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const encoder = new TextEncoder();

type AgentName = "systemd" | "askpw";

interface Case {
  name: string;
  ask?: AskFileOptions;
  keys: string | Uint8Array;
  /** Close the console after typing (a hang-up). */
  hangUp?: boolean;
}

/** Runs one case against one agent and returns the reply bytes (null: none). */
async function runCase(agentName: AgentName, testCase: Case): Promise<Uint8Array | null> {
  await using namespace = await PrivateNamespace.create();
  const console = new PtyConsole();
  try {
    using asker = RecordingAsker.create(namespace, { message: "Diff prompt:", ...testCase.ask });
    const args = ["--query", `--console=${console.path}`];
    await using _agent: RunningAgent = agentName === "systemd"
      ? startSystemdAgent(namespace, args)
      : startAskpw(namespace, ["query", `--console=${console.path}`]);
    await console.waitFor("Diff prompt: ");
    // Both agents switch the terminal mode right around writing the prompt.
    await new Promise((resolve) => setTimeout(resolve, 100));
    console.type(testCase.keys);
    if (testCase.hangUp) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      console.hangUp();
    }
    const reply = await asker.reply(1500);
    return reply;
  } finally {
    console[Symbol.dispose]();
  }
}

const same: Case[] = [
  { name: "plain password, Enter as CR", keys: "hunter2\r" },
  { name: "Enter as LF", keys: "hunter2\n" },
  { name: "UTF-8 password", keys: "pässwörd✓\r" },
  { name: "empty password", keys: "\r" },
  { name: "backspace removes one byte", keys: "abc\x7fd\r" },
  { name: "backspace (^H) removes a whole UTF-8 code point", keys: "aä\x08\r" },
  { name: "Ctrl-U clears the line", keys: "wrong\x15right\r" },
  { name: "TAB switches to no echo and keeps the text", keys: "ab\tcd\r" },
  { name: "first backspace switches to no echo", keys: "\x7fsecret\r" },
  { name: "Echo=1", ask: { echo: true }, keys: "visible\r" },
  { name: "Silent=1", ask: { silent: true }, keys: "quiet\r" },
  { name: "Echo=1 and Silent=1", ask: { echo: true, silent: true }, keys: "both\r" },
  { name: "Ctrl-D skips: no reply", keys: "abc\x04" },
  { name: "Ctrl-C: no reply", keys: "abc\x03" },
  { name: "1000-byte password", keys: "p".repeat(1000) + "\r" },
  // systemd submits on read() == 0, but a hung-up pty reads EIO (and SIGHUPs
  // systemd's agent, whose controlling terminal it is): neither replies.
  { name: "hang-up mid-typing: no reply", keys: "partial", hangUp: true },
];

for (const testCase of same) {
  Deno.test({ ...options, name: `differential: ${testCase.name}: same reply bytes` }, async () => {
    const reference = await runCase("systemd", testCase);
    const ours = await runCase("askpw", testCase);
    assert.equal(showBytes(ours), showBytes(reference));
  });
}

function bytes(text: string): string {
  return showBytes(encoder.encode(text));
}

Deno.test(
  { ...options, name: "differential (better): arrow keys add nothing to the password" },
  async () => {
    const testCase = { name: "arrow", keys: "ab\x1b[Acd\x1bOB\r" };
    assert.equal(
      showBytes(await runCase("systemd", testCase)),
      bytes("+ab[Acd\x1bOB\0").replace("[A", "\\x1b[A"),
    );
    assert.equal(showBytes(await runCase("askpw", testCase)), bytes("+abcd\0"));
  },
);

Deno.test(
  { ...options, name: "differential (better): other control characters are refused" },
  async () => {
    const testCase = { name: "ctrl", keys: "a\x01b\x1ac\r" };
    const reference = await runCase("systemd", testCase);
    assert.equal(showBytes(await runCase("askpw", testCase)), bytes("+abc\0"));
    assert.notEqual(showBytes(reference), bytes("+abc\0"), "systemd 252 keeps them");
  },
);

Deno.test({
  ...options,
  name: "differential (better): input is capped so the datagram fits 2049 bytes",
}, async () => {
  const testCase = { name: "long", keys: "L".repeat(2100) + "\r" };
  const reference = await runCase("systemd", testCase);
  const ours = await runCase("askpw", testCase);
  assert.equal(reference?.length, 2050, "systemd sends 2050 bytes, which v257+ askers drop");
  assert.equal(showBytes(ours), bytes("+" + "L".repeat(2047) + "\0"));
});
