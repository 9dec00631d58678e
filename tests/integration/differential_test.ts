/**
 * Differential tests: the same keystrokes against systemd's reference agents
 * (`systemd-tty-ask-password-agent --query --console=PTY`: Debian 12's
 * systemd 252 from this machine, and systemd 262 from the cached Debian sid
 * root, run with chroot inside the test's namespace) and against `askpw query
 * --console=PTY` must give the same reply bytes — except where askpw
 * deliberately does better (protocol doc §3.4, §4.4) or where 262 changed
 * what 252 did, where each side's bytes are asserted separately.
 */
import assert from "node:assert/strict";
import { PrivateNamespace } from "../helpers/private_namespace.ts";
import { PtyConsole } from "../helpers/pty_console.ts";
import { type AskFileOptions, RecordingAsker, showBytes } from "../helpers/recording_asker.ts";
import { type RunningAgent, startAskpw, startSystemdAgent } from "../helpers/agents.ts";
import { SidRoot, startSystemd262Agent } from "../helpers/sid_root.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const encoder = new TextEncoder();

type AgentName = "systemd" | "systemd262" | "askpw";

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
      : agentName === "systemd262"
      ? await startSystemd262Agent(namespace, args)
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
  { name: "NUL ends the input", keys: "ab\0cd" },
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
    const reference = showBytes(await runCase("systemd", testCase));
    assert.equal(showBytes(await runCase("systemd262", testCase)), reference, "systemd 262");
    assert.equal(showBytes(await runCase("askpw", testCase)), reference, "askpw");
  });
}

function bytes(text: string): string {
  return showBytes(encoder.encode(text));
}

Deno.test({ ...options, name: "differential: the second reference is systemd 262" }, async () => {
  await using namespace = await PrivateNamespace.create();
  const sid = await SidRoot.in(namespace);
  const { code, stdout } = await sid.command("systemd-tty-ask-password-agent", ["--version"], {}, {
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.equal(code, 0);
  assert.match(new TextDecoder().decode(stdout), /^systemd 262 /);
});

Deno.test(
  { ...options, name: "differential (better): arrow keys add nothing to the password" },
  async () => {
    const testCase = { name: "arrow", keys: "ab\x1b[Acd\x1bOB\r" };
    // 252 takes the whole sequences, ESC included.
    assert.equal(
      showBytes(await runCase("systemd", testCase)),
      bytes("+ab[Acd\x1bOB\0").replace("[A", "\\x1b[A"),
    );
    // 262 (since 258) refuses control characters, so it drops the ESC, but
    // reads the rest of each sequence ("[A", "OB") as typed text.
    assert.equal(showBytes(await runCase("systemd262", testCase)), bytes("+ab[AcdOB\0"));
    // askpw recognises the whole sequence and drops it.
    assert.equal(showBytes(await runCase("askpw", testCase)), bytes("+abcd\0"));
  },
);

Deno.test(
  { ...options, name: "differential (better): other control characters are refused" },
  async () => {
    const testCase = { name: "ctrl", keys: "a\x01b\x02c\x0bd\r" };
    // 252 puts Ctrl-A, Ctrl-B and Ctrl-K into the password; 262 (since 258)
    // refuses them, as askpw does.
    assert.equal(
      showBytes(await runCase("systemd", testCase)),
      bytes("+a\x01b\x02c\x0bd\0"),
    );
    assert.equal(showBytes(await runCase("systemd262", testCase)), bytes("+abcd\0"));
    assert.equal(showBytes(await runCase("askpw", testCase)), bytes("+abcd\0"));
  },
);

Deno.test(
  { ...options, name: "differential (better): Ctrl-Z does not throw away what was typed" },
  async () => {
    const testCase = { name: "suspend", keys: "a\x01b\x1ac\r" };
    // Both systemd agents leave the terminal's signal keys on: Ctrl-Z is the
    // suspend key, and the terminal discards the input not yet read (here
    // "a\x01b", typed in the same write) as it signals the agent.
    for (const agent of ["systemd", "systemd262"] as const) {
      assert.notEqual(showBytes(await runCase(agent, testCase)), bytes("+abc\0"), agent);
    }
    // askpw reads the keys itself: Ctrl-Z and Ctrl-A are refused, nothing is lost.
    assert.equal(showBytes(await runCase("askpw", testCase)), bytes("+abc\0"));
  },
);

Deno.test({
  ...options,
  name: "differential (better): input is capped so the datagram fits 2049 bytes",
}, async () => {
  const testCase = { name: "long", keys: "L".repeat(2100) + "\r" };
  // Both systemd agents take 2048 bytes and send '+', them and a NUL: 2050
  // bytes, which v257+ askers (262's own among them) drop as truncated.
  for (const agent of ["systemd", "systemd262"] as const) {
    const reference = await runCase(agent, testCase);
    assert.equal(showBytes(reference), bytes("+" + "L".repeat(2048) + "\0"), agent);
  }
  assert.equal(showBytes(await runCase("askpw", testCase)), bytes("+" + "L".repeat(2047) + "\0"));
});
