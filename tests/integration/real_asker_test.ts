/**
 * askpw answering the real `systemd-ask-password`, on a pty it uses as console.
 */
import assert from "node:assert/strict";
import { PrivateNamespace } from "../helpers/private_namespace.ts";
import { PtyConsole } from "../helpers/pty_console.ts";
import { startAskpw, startSystemdAsker, waitForAskFiles } from "../helpers/agents.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  ...options,
  name: "real asker: a typed password reaches systemd-ask-password",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using console = new PtyConsole();
  await using asker = startSystemdAsker(namespace, ["--timeout=30", "Unlock disk test-plain:"]);
  await waitForAskFiles(namespace);
  await using agent = startAskpw(namespace, ["query", `--console=${console.path}`]);
  await console.waitFor("Unlock disk test-plain: (press TAB for no echo) ");
  console.type("pässwörd 1\r");
  const askerStatus = await asker.exit();
  assert.equal(askerStatus.code, 0);
  assert.equal(asker.stdout, "pässwörd 1\n");
  assert.equal((await agent.exit()).code, 0);
  assert.ok(console.text.includes("••••••••••"), "one bullet per code point");
  assert.ok(!console.text.includes("pässwörd"), "the password never appears on screen");
  assert.ok(await console.waitRestored(), "terminal settings restored");
});

Deno.test({
  ...options,
  name: "real asker: --echo shows the typed text and answers it",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using console = new PtyConsole();
  await using asker = startSystemdAsker(namespace, ["--timeout=30", "--echo", "User name:"]);
  await waitForAskFiles(namespace);
  await using agent = startAskpw(namespace, ["query", `--console=${console.path}`]);
  const after = await console.waitFor("User name: ");
  console.type("alice\r");
  assert.equal((await asker.exit()).code, 0);
  assert.equal(asker.stdout, "alice\n");
  await agent.exit();
  assert.ok(console.textFrom(after).startsWith("alice"), "Echo=1 echoes");
  assert.ok(!console.text.includes("press TAB"), "no TAB hint when echoing");
});

Deno.test({
  ...options,
  name: "real asker: --echo=no (Silent=1) shows nothing while typing",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using console = new PtyConsole();
  await using asker = startSystemdAsker(namespace, ["--timeout=30", "--echo=no", "Silent one:"]);
  await waitForAskFiles(namespace);
  await using agent = startAskpw(namespace, ["query", `--console=${console.path}`]);
  const after = await console.waitFor("Silent one: ");
  console.type("hidden\r");
  assert.equal((await asker.exit()).code, 0);
  assert.equal(asker.stdout, "hidden\n");
  await agent.exit();
  assert.equal(console.textFrom(after).replace(/\r?\n/g, ""), "", "nothing shown");
});

Deno.test({
  ...options,
  name: "real asker: --timeout passes while prompting: prompt withdrawn, terminal restored",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using console = new PtyConsole();
  await using asker = startSystemdAsker(namespace, ["--timeout=2", "Short-lived:"]);
  await waitForAskFiles(namespace);
  await using agent = startAskpw(namespace, ["watch", `--console=${console.path}`]);
  await console.waitFor("Short-lived: ");
  console.type("ab");
  const askerStatus = await asker.exit();
  assert.notEqual(askerStatus.code, 0, "the asker timed out");
  await console.waitFor("(withdrawn)");
  await agent.waitForLog("Withdrawing");
  assert.ok(await console.waitRestored(), "terminal restored after withdrawal");
  assert.equal(agent.process.pid > 0, true);
  agent.process.kill("SIGTERM");
  assert.equal((await agent.exit()).code, 0);
});
