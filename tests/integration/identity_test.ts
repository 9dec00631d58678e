/**
 * Who asks: the asker's unit (from its cgroup), executable and pidfs ID, in
 * `askpw list`, `list --json`, the log and on the prompt itself; hostile
 * names shown neutralised.
 */
import assert from "node:assert/strict";
import { pidfsInodeId } from "../../src/ffi/pidfs.ts";
import { openPidfd } from "../../src/ffi/process.ts";
import { ASKPW_PERMISSIONS, RunningAgent, startAskpw } from "../helpers/agents.ts";
import { PrivateNamespace } from "../helpers/private_namespace.ts";
import { PtyConsole } from "../helpers/pty_console.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const MOD = new URL("../../src/cli/program.ts", import.meta.url).pathname;

/** The cgroup v2 hierarchy: /sys/fs/cgroup/unified on hybrid systems, else /sys/fs/cgroup. */
function cgroupRoot(): string {
  try {
    Deno.statSync("/sys/fs/cgroup/unified/cgroup.procs");
    return "/sys/fs/cgroup/unified";
  } catch {
    return "/sys/fs/cgroup";
  }
}

/** A cgroup named like a unit, with the real systemd-ask-password started inside it. */
class AskerInUnit implements AsyncDisposable {
  readonly cgroup: string;
  readonly asker: RunningAgent;

  constructor(namespace: PrivateNamespace, unit: string, message: string) {
    this.cgroup = `${cgroupRoot()}/${unit}`;
    Deno.mkdirSync(this.cgroup);
    // Into the cgroup first, then exec: the request is born inside the unit.
    this.asker = new RunningAgent(
      namespace.command("sh", [
        "-c",
        'echo $$ > "$1/cgroup.procs" && exec systemd-ask-password --no-tty --timeout=60 "$2"',
        "sh",
        this.cgroup,
        message,
      ], { stdin: "null", stdout: "piped", stderr: "piped" }).spawn(),
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.asker[Symbol.asyncDispose]();
    for (let i = 0; i < 100; i++) {
      try {
        Deno.removeSync(this.cgroup);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }
}

async function list(namespace: PrivateNamespace, json: boolean): Promise<string> {
  const { stdout } = await namespace.command(
    Deno.execPath(),
    ["run", ...ASKPW_PERMISSIONS, MOD, "list", ...(json ? ["--json"] : [])],
    { stdout: "piped", stderr: "inherit" },
  ).output();
  return new TextDecoder().decode(stdout);
}

async function waitForRequest(namespace: PrivateNamespace): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (
      [...Deno.readDirSync(namespace.outside(namespace.askDirectory))].some((e) =>
        e.name.startsWith("ask.")
      )
    ) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("no request appeared");
}

Deno.test({
  ...options,
  name: "list --json, the log and the prompt name the asker's unit, executable and pidfs ID",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  const unit = `askpw-identity-${Deno.pid}.service`;
  await using inUnit = new AskerInUnit(namespace, unit, "Identified:");
  await waitForRequest(namespace);
  const pid = inUnit.asker.process.pid;
  const id = pidfsInodeId(openPidfd(pid)!);
  const pidfdId = id === undefined ? "none" : String(id);

  const [entry] = JSON.parse(await list(namespace, true));
  assert.deepEqual(entry.asker, {
    pid,
    pidfdId,
    exe: "/usr/bin/systemd-ask-password",
    unit,
  });
  assert.equal(
    (await list(namespace, false)).trim(),
    `'Identified:' (PID ${pid}, ${unit}, /usr/bin/systemd-ask-password, pidfs ID ${pidfdId})`,
  );

  await using agent = startAskpw(namespace, ["watch", `--console=${pty.path}`]);
  await pty.waitFor(`asked by ${unit}\r\nIdentified: `, 30_000);
  await agent.waitForLog(
    `"Identified:", PID ${pid}; asked by ${unit}, /usr/bin/systemd-ask-password, pidfs ID ${pidfdId}`,
  );
  pty.type("known\r");
  assert.equal((await inUnit.asker.exit()).code, 0);
  assert.equal(inUnit.asker.stdout, "known\n");
});

Deno.test({
  ...options,
  name: "a unit name with escape sequences is shown neutralised on the prompt and in list",
}, async () => {
  await using namespace = await PrivateNamespace.create();
  using pty = new PtyConsole();
  const unit = `evil\x1b]0;owned\x07\x1b[2J${Deno.pid}.service`;
  await using inUnit = new AskerInUnit(namespace, unit, "Hostile unit:");
  await waitForRequest(namespace);
  const shown = `evil\\x1b]0;owned\\x07\\x1b[2J${Deno.pid}.service`;
  assert.ok((await list(namespace, false)).includes(shown));
  await using _agent = startAskpw(namespace, ["watch", `--console=${pty.path}`]);
  await pty.waitFor(`asked by ${shown}`, 30_000);
  await pty.waitFor("Hostile unit: ");
  assert.ok(!pty.bytes.includes(0x1b), "no ESC byte reached the terminal");
  assert.ok(!pty.bytes.includes(0x07), "no BEL byte reached the terminal");
  pty.type("x\r");
  assert.equal((await inUnit.asker.exit()).code, 0);
});
