/**
 * The package's systemd units (packaging/systemd/) run on this host as
 * systemd would run them: the command line of their ExecStart=, read from the
 * unit files, with the unit's Environment= (%t expanded) and a service's
 * clean environment, on an installed tree (tools/install.sh, the launcher
 * and the bundle the package ships), notifying a stand-in NOTIFY_SOCKET:
 *
 * - the system agent (askpw-agent.service) in a private namespace whose
 *   /dev/console is a pty and whose /run is its own, answering the real
 *   `systemd-ask-password` on that console;
 * - the per-user agent (user/askpw-agent.service) as uid 65534, answering
 *   `askpw ask` run as that user in its $XDG_RUNTIME_DIR/systemd/ask-password
 *   on the console that user owns, and leaving a system request alone.
 *
 * Both units are checked for what these runs rely on (Type=notify, the
 * OnFailure= fallback, the path units' globs).
 */
import assert from "node:assert/strict";
import { RunningAgent, waitForAskFiles } from "../helpers/agents.ts";
import { NotifySocket } from "../helpers/notify_socket.ts";
import { PrivateNamespace } from "../helpers/private_namespace.ts";
import { PtyConsole } from "../helpers/pty_console.ts";
import { UserDirectory } from "../helpers/user_directory.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const UNITS = `${ROOT}packaging/systemd/`;
const NOBODY = 65534;
const options = { sanitizeOps: false, sanitizeResources: false };
const decoder = new TextDecoder();
/** The environment systemd gives a system service (besides NOTIFY_SOCKET and the like). */
const SERVICE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** A unit file's settings: key → values, in order, over all sections. */
function readUnit(path: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  for (const line of Deno.readTextFileSync(path).split("\n")) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!match) continue;
    settings.set(match[1], [...settings.get(match[1]) ?? [], match[2]]);
  }
  return settings;
}

/** A unit's one ExecStart= as argv (askpw's units quote nothing), %t expanded. */
function execStart(unit: Map<string, string[]>, runtime = ""): string[] {
  const lines = unit.get("ExecStart") ?? [];
  assert.equal(lines.length, 1, "one ExecStart=");
  return lines[0].replaceAll("%t", runtime).split(/\s+/);
}

/** A unit's Environment= assignments, %t expanded. */
function environment(unit: Map<string, string[]>, runtime = ""): Record<string, string> {
  return Object.fromEntries(
    (unit.get("Environment") ?? []).map((assignment) => {
      const text = assignment.replaceAll("%t", runtime);
      return [text.slice(0, text.indexOf("=")), text.slice(text.indexOf("=") + 1)];
    }),
  );
}

let installed: Promise<string> | undefined;

/** The installed tree (tools/install.sh), where uid 65534 can read it too. */
function installTree(): Promise<string> {
  installed ??= (async () => {
    const directory = await Deno.makeTempDir({ prefix: "askpw-units-" });
    await Deno.chmod(directory, 0o755);
    globalThis.addEventListener("unload", () => Deno.removeSync(directory, { recursive: true }));
    const { success, stderr } = await new Deno.Command("sh", {
      args: [`${ROOT}tools/install.sh`, directory],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.ok(success, decoder.decode(stderr));
    return directory;
  })();
  return installed;
}

/** Runs a command inside the namespace; throws with its stderr when it fails. */
async function inNamespace(namespace: PrivateNamespace, script: string): Promise<void> {
  const { success, stderr } = await namespace.command("sh", ["-c", script], {
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.ok(success, `${script}: ${decoder.decode(stderr)}`);
}

/**
 * The namespace's consoles: /dev/console is the pty, and the kernel's console
 * list is empty (askpw then asks on /dev/console, as in a container); /run is
 * a tmpfs of its own (askpw's state directory, /run/askpw, included).
 */
async function consoleNamespace(pty: PtyConsole): Promise<PrivateNamespace> {
  const namespace = await PrivateNamespace.create({ network: true });
  const empty = await Deno.makeTempFile({ prefix: "askpw-no-consoles-" });
  try {
    await inNamespace(
      namespace,
      `mount -t tmpfs -o mode=0755 askpw-units /run && ` +
        `mkdir -m 0755 -p /run/systemd/ask-password /run/plymouth && ` +
        `mount --bind ${pty.path} /dev/console && ` +
        `mount --bind ${empty} /sys/class/tty/console/active`,
    );
  } catch (error) {
    await namespace[Symbol.asyncDispose]();
    throw error;
  } finally {
    await Deno.remove(empty);
  }
  return namespace;
}

Deno.test("system units: what the running system's agent needs of systemd", () => {
  const path = readUnit(`${UNITS}system/askpw-agent.path`);
  assert.deepEqual(path.get("PathExistsGlob"), ["/run/systemd/ask-password/ask.*"]);
  assert.deepEqual(path.get("WantedBy"), ["sysinit.target"]);
  // Early enough for the switch from the initrd: no ordering after sysinit.target.
  assert.deepEqual(path.get("DefaultDependencies"), ["no"]);
  const service = readUnit(`${UNITS}system/askpw-agent.service`);
  assert.deepEqual(service.get("Type"), ["notify"]);
  assert.deepEqual(service.get("DefaultDependencies"), ["no"]);
  assert.deepEqual(service.get("OnFailure"), ["askpw-fallback.service"]);
  assert.deepEqual(execStart(service), ["/usr/bin/askpw", "watch"]);
  // The drop-in keeps systemd's agents for when askpw is off, masked or failed.
  const dropIn = Deno.readTextFileSync(`${UNITS}system/stock-agent-when-askpw-is-off.conf`);
  for (
    const condition of [
      "ConditionKernelCommandLine=|askpw=0",
      "ConditionPathExists=|/run/askpw/system-fallback",
      "ConditionPathExists=|!/etc/systemd/system/sysinit.target.wants/askpw-agent.path",
      "ConditionPathIsSymbolicLink=|/etc/systemd/system/askpw-agent.path",
    ]
  ) {
    assert.ok(dropIn.includes(`\n${condition}\n`), condition);
  }
  assert.match(
    Deno.readTextFileSync(`${UNITS}system/askpw-fallback.service`),
    /^ExecStart=touch \/run\/askpw\/system-fallback$/m,
  );
  const userPath = readUnit(`${UNITS}user/askpw-agent.path`);
  assert.deepEqual(userPath.get("PathExistsGlob"), ["%t/systemd/ask-password/ask.*"]);
  assert.deepEqual(userPath.get("WantedBy"), ["paths.target"]);
  const userService = readUnit(`${UNITS}user/askpw-agent.service`);
  assert.deepEqual(userService.get("Type"), ["notify"]);
  assert.deepEqual(execStart(userService), ["/usr/bin/askpw", "watch", "--user"]);
  for (const preset of ["system-preset", "user-preset"]) {
    const lines = Deno.readTextFileSync(`${UNITS}${preset}/80-askpw.preset`).split("\n")
      .filter((line) => line !== "" && !line.startsWith("#"));
    assert.deepEqual(lines, ["enable askpw-agent.path"], preset);
  }
});

Deno.test({
  ...options,
  name: "system units: askpw-agent.service's ExecStart answers systemd-ask-password on the console",
}, async () => {
  const tree = await installTree();
  using pty = new PtyConsole();
  await using namespace = await consoleNamespace(pty);
  using notify = new NotifySocket({ anyone: true });
  const unit = readUnit(`${UNITS}system/askpw-agent.service`);
  const [program, ...args] = execStart(unit);
  assert.equal(program, "/usr/bin/askpw");
  await using agent = new RunningAgent(
    namespace.command(`${tree}${program}`, args, {
      clearEnv: true,
      env: {
        PATH: SERVICE_PATH,
        LANG: "C.UTF-8",
        NOTIFY_SOCKET: notify.path,
        ...environment(unit),
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn(),
  );
  await notify.waitFor(/^READY=1\n/, 20_000);
  const asker = new RunningAgent(
    namespace.command("systemd-ask-password", ["--no-tty", "--timeout=60", "Unit question:"], {
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn(),
  );
  await using _asker = asker;
  await pty.waitFor("Unit question:", 20_000);
  pty.type("answered by the unit\r");
  const status = await asker.exit();
  assert.equal(status.code, 0, asker.log);
  assert.equal(asker.stdout, "answered by the unit\n");
  await agent.waitForLog(/Answered \S+ from console \/dev\/console/);
  // A clean stop (systemctl stop) is no failure: OnFailure= does not fire.
  agent.process.kill("SIGTERM");
  assert.equal((await agent.exit()).code, 0, agent.log);
  await notify.waitFor(/^STOPPING=1/, 20_000);
});

Deno.test({
  ...options,
  name: "user units: askpw-agent.service (user) answers its user's own requests, not the system's",
}, async () => {
  const tree = await installTree();
  using pty = new PtyConsole();
  // The console the user logged in on is theirs (login chowns it).
  await Deno.chown(pty.path, NOBODY, NOBODY);
  await using namespace = await consoleNamespace(pty);
  using user = new UserDirectory(NOBODY);
  using notify = new NotifySocket({ anyone: true });
  const unit = readUnit(`${UNITS}user/askpw-agent.service`);
  const [program, ...args] = execStart(unit, user.runtime);
  const env = environment(unit, user.runtime);
  assert.equal(env.ASKPW_STATE_DIRECTORY, `${user.runtime}/askpw`);
  const asNobody = ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups"];
  const userEnv = { PATH: SERVICE_PATH, LANG: "C.UTF-8", XDG_RUNTIME_DIR: user.runtime };
  await using agent = new RunningAgent(
    namespace.command(asNobody[0], [...asNobody.slice(1), `${tree}${program}`, ...args], {
      clearEnv: true,
      env: { ...userEnv, NOTIFY_SOCKET: notify.path, ...env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn(),
  );
  await notify.waitFor(/^READY=1\n/, 20_000);
  // A system request first: the user's agent must leave it to the system's agents.
  await using system = new RunningAgent(
    namespace.command("systemd-ask-password", ["--no-tty", "--timeout=60", "System question:"], {
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn(),
  );
  await waitForAskFiles(namespace, 1, 20_000);
  const asker = new RunningAgent(
    namespace.command(
      asNobody[0],
      [...asNobody.slice(1), `${tree}/usr/bin/askpw`, "ask", "--timeout=60", "User question:"],
      {
        clearEnv: true,
        env: { ...userEnv, ASKPW_STATE_DIRECTORY: `${user.runtime}/askpw-asker` },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      },
    ).spawn(),
  );
  await using _asker = asker;
  await pty.waitFor("User question:", 30_000);
  pty.type("the user's own answer\r");
  const status = await asker.exit();
  assert.equal(status.code, 0, asker.log);
  assert.equal(asker.stdout, "the user's own answer\n");
  await agent.waitForLog(
    new RegExp(`Answered ${user.path.replaceAll(".", "\\.")}/ask\\.\\S+ from console`),
  );
  assert.ok(!pty.text.includes("System question:"), "the system request was never shown");
  assert.doesNotMatch(agent.log, /System question/);
  assert.ok(
    [...Deno.readDirSync(namespace.outside(namespace.askDirectory))]
      .some((entry) => entry.name.startsWith("ask.")),
    "the system request is still pending",
  );
  assert.equal(system.stdout, "", "and unanswered");
  agent.process.kill("SIGTERM");
  assert.equal((await agent.exit()).code, 0, agent.log);
});
