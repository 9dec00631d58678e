/**
 * `--delay` (`rd.askpw.delay=SEC` in the initrd): a request for a disk with a
 * clevis token, while `clevis-luks-askpass` runs, is held back from the
 * prompts for the grace period, shown at once when clevis gives up, and never
 * shown when it vanishes first; `askpw list --json` names clevis. A stand-in
 * clevis (a script named clevis-luks-askpass) and a real LUKS2 header with a
 * clevis token (cryptsetup token import); the real clevis and Tang are
 * proven in tests/boot/clevis_test.ts.
 */
import assert from "node:assert/strict";
import { PrivateNamespace } from "../helpers/private_namespace.ts";
import { PtyConsole } from "../helpers/pty_console.ts";
import { RecordingAsker } from "../helpers/recording_asker.ts";
import { ASKPW_PERMISSIONS, startAskpw } from "../helpers/agents.ts";
import { CLEVIS_TOKEN, importToken, makeLuksImage } from "../helpers/luks_image.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const PROGRAM = new URL("../../src/cli/program.ts", import.meta.url).pathname;

/** A LUKS2 image with a clevis token, and a running stand-in clevis-luks-askpass. */
async function clevisFixture(dir: string) {
  const image = `${dir}/tang-bound.img`;
  await makeLuksImage(image);
  await importToken(image, CLEVIS_TOKEN);
  const script = `${dir}/clevis-luks-askpass`;
  await Deno.writeTextFile(script, "#!/bin/sh\nsleep 120\n");
  await Deno.chmod(script, 0o755);
  const clevis = new Deno.Command(script, { stdout: "null", stderr: "null" }).spawn();
  return { image, clevis };
}

/** Ends the stand-in clevis and removes the directory. */
async function removeFixture(dir: string, clevis: Deno.ChildProcess): Promise<void> {
  try {
    clevis.kill("SIGKILL");
  } catch {
    // it has exited
  }
  await clevis.status;
  await Deno.remove(dir, { recursive: true });
}

Deno.test({
  ...options,
  name: "--delay: a request clevis works on is held back, then shown when the grace period ends",
}, async () => {
  const dir = await Deno.makeTempDir();
  const { image, clevis } = await clevisFixture(dir);
  try {
    await using namespace = await PrivateNamespace.create();
    using console = new PtyConsole();
    await using agent = startAskpw(namespace, ["watch", "--delay=2", `--console=${console.path}`]);
    using plain = RecordingAsker.create(namespace, {
      message: "Plain:",
      id: "cryptsetup:/dev/vdq",
    });
    await console.waitFor("Plain: ");
    const started = performance.now();
    using held = RecordingAsker.create(namespace, {
      message: "Tang disk:",
      id: `cryptsetup:${image}`,
    });
    await agent.waitForLog(
      new RegExp(`Holding \\S+ back for up to 2 s: clevis \\(PID ${clevis.pid}\\) works on it`),
    );
    console.type("p\r");
    assert.equal(new TextDecoder().decode((await plain.reply())!), "+p\0");
    await console.waitFor("Tang disk: ", 5000);
    const shownAfter = performance.now() - started;
    await agent.waitForLog(/Showing \S+: clevis did not answer within 2 s/);
    assert.ok(shownAfter >= 1900, `shown after the grace period: ${shownAfter.toFixed(0)} ms`);
    console.type("t\r");
    assert.equal(new TextDecoder().decode((await held.reply())!), "+t\0");
    agent.process.kill("SIGTERM");
    await agent.exit();
  } finally {
    await removeFixture(dir, clevis);
  }
});

Deno.test({
  ...options,
  name: "--delay: shown at once when clevis gives up; never shown when the request vanishes first",
}, async () => {
  const dir = await Deno.makeTempDir();
  const { image, clevis } = await clevisFixture(dir);
  try {
    await using namespace = await PrivateNamespace.create();
    using console = new PtyConsole();
    await using agent = startAskpw(namespace, [
      "watch",
      "--debug",
      "--delay=60",
      `--console=${console.path}`,
    ]);
    // Vanishes while held (Tang answered): no prompt ever.
    const first = RecordingAsker.create(namespace, {
      message: "Unlocked by Tang:",
      id: `cryptsetup:${image}`,
    });
    await agent.waitForLog(/Holding \S+ back for up to 60 s/);
    // list --json names clevis for it.
    const list = await namespace.command(
      Deno.execPath(),
      ["run", ...ASKPW_PERMISSIONS, PROGRAM, "list", "--json"],
      { stdout: "piped", stderr: "piped", env: { NO_COLOR: "1" } },
    ).output();
    const listed = JSON.parse(new TextDecoder().decode(list.stdout)) as {
      message: string;
      otherAgents: { name: string; pid: number }[];
    }[];
    assert.deepEqual(
      listed.map(({ message, otherAgents }) => ({ message, otherAgents })),
      [{ message: "Unlocked by Tang:", otherAgents: [{ name: "clevis", pid: clevis.pid }] }],
    );
    first[Symbol.dispose]();
    await agent.waitForLog(/Withdrawing \S+: its ask file vanished/);
    // clevis gives up: the next request is shown at once.
    using second = RecordingAsker.create(namespace, {
      message: "Tang down:",
      id: `cryptsetup:${image}`,
    });
    await agent.waitForLog(`Holding ${second.askPath} back for up to 60 s`);
    const killed = performance.now();
    clevis.kill("SIGTERM");
    await console.waitFor("Tang down: ", 5000);
    const shownAfter = performance.now() - killed;
    await agent.waitForLog(new RegExp(`Showing \\S+: clevis \\(PID ${clevis.pid}\\) gave up`));
    assert.ok(shownAfter < 1000, `shown when clevis exited: ${shownAfter.toFixed(0)} ms`);
    assert.ok(!console.text.includes("Unlocked by Tang:"), "the vanished request was never shown");
    console.type("x\r");
    assert.equal(new TextDecoder().decode((await second.reply())!), "+x\0");
    agent.process.kill("SIGTERM");
    await agent.exit();
  } finally {
    await removeFixture(dir, clevis);
  }
});
