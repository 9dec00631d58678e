/**
 * Answering from elsewhere, in a dracut initrd under QEMU (TCG): the Varlink
 * interface askpw serves where systemd (252 here) has none, and an SSH session
 * into the initrd that answers cryptsetup with `askpw reply`. One initrd for
 * the file: askpw, the e2e test module (99askpw-e2e) with the independent
 * Varlink client (tests/varlink_client/main.go on the varlink project's
 * reference Go library, built static) at /usr/lib/askpw-e2e/varlink-client,
 * and the SSH test module (98askpw-ssh: dropbear, systemd-networkd with DHCP,
 * the virtio_net driver) with a host key and root's authorized_keys made here.
 *
 * - **Varlink** (`askpw.e2e.varlink`): before cryptsetup asks, an initrd unit
 *   runs the client against /run/systemd/io.systemd.AskPassword, the socket
 *   of askpw-varlink.socket: `GetInfo`, `GetInterfaceDescription` (parsed by
 *   the library's IDL parser), then `Ask` with a message and an id. The
 *   first connection starts askpw-varlink.service (socket activation: it was
 *   inactive before, the socket triggered it, and askpw says it serves the
 *   socket systemd passed); the question shows up as an ordinary ask file and
 *   askpw's console prompt shows its message. The test types the answer, then
 *   the LUKS passphrase; the client got exactly what was typed (its length and
 *   SHA-256, as the initrd prints them: never the text), and the root unlocks.
 * - **SSH** (boot scenario 10, `askpw.e2e.ssh`): QEMU's user network with the
 *   guest's port 22 forwarded from a free port on the host's 127.0.0.1;
 *   dropbear starts once networkd has the DHCP address, while cryptsetup
 *   waits. Once askpw's prompt for the root passphrase is on the serial
 *   console, the host runs `ssh … root@127.0.0.1 askpw reply --json
 *   --wait=120 < passphrase-file` (the host key checked strictly against the
 *   one generated here): exit 0, the JSON says "accepted" for the root disk,
 *   askpw's console prompt is withdrawn, the root unlocks. A second boot
 *   sends a wrong passphrase first (exit 1, "not accepted": a retry for the
 *   same disk came), then the right one (accepted).
 *
 * SSH is tried from QEMU's start until dropbear answers (bounded). Timings go
 * to build/remote-measurements.json, console logs to
 * build/boot-logs/remote-*.log.
 */
import assert from "node:assert/strict";
import { ASK_METHOD, varlinkClient } from "../helpers/varlink_client.ts";
import { buildInitrd, initrdFiles } from "../../tools/vm/dracut_initrd.ts";
import { buildLuksDisk, type LuksDisk, mapperName } from "../../tools/vm/luks_disk.ts";
import { kernelCommandLine, qemuArguments } from "../../tools/vm/qemu.ts";
import { run } from "../../tools/vm/run.ts";
import { reportLines, SerialSession } from "../../tools/vm/serial_session.ts";

const PASSPHRASE = "correct horse battery";
const WRONG_PASSPHRASE = "wrong horse battery";
// Typed into askpw's prompt for the Varlink question; the initrd prints only
// its length and SHA-256.
const VARLINK_ANSWER = "varlink staple 42";
// (?<![="]): log lines quoting a message (Message=…, "…") are not prompts.
const PROMPT = /(?<![="])Please enter passphrase for disk [^\n]*?:/;
const PROMPTS = new RegExp(PROMPT.source, "g");
const VARLINK_PROMPT = /(?<![="])Varlink question:/;
const TIMEOUT_SECONDS = 400;
/** How long to keep trying SSH from QEMU's start. */
const SSH_REACHABLE_SECONDS = 300;
const options = { sanitizeOps: false, sanitizeResources: false };

interface Fixture {
  dir: string;
  root: LuksDisk;
  initrd: string;
  /** ssh's private key (ed25519), its public half in the initrd's authorized_keys. */
  clientKey: string;
  /** The initrd's host key, public: `ssh-ed25519 AAAA…`. */
  hostKey: string;
}

const measurements: Record<string, unknown> = {};
let shared: Promise<Fixture> | undefined;

function seconds(value: number): number {
  return Number(value.toFixed(2));
}

/** The disk, the keys and the initrd, built once for the file. */
function setUp(): Promise<Fixture> {
  shared ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "askpw-remote-" });
    const client = await varlinkClient();
    // Removed when the run ends, however many tests --filter picked.
    globalThis.addEventListener("unload", () => {
      Deno.removeSync(dir, { recursive: true });
      // The client's build directory (tests/helpers/varlink_client.ts) too.
      Deno.removeSync(client.slice(0, client.lastIndexOf("/")), { recursive: true });
      const out = new URL("../../build/", import.meta.url).pathname;
      Deno.mkdirSync(out, { recursive: true });
      Deno.writeTextFileSync(
        `${out}remote-measurements.json`,
        JSON.stringify(measurements, null, 2) + "\n",
      );
    });
    const root = await buildLuksDisk(dir, "root", PASSPHRASE);
    // The initrd's SSH host key (dropbear's own format) and root's login key.
    const hostKeyFile = `${dir}/dropbear_ed25519_host_key`;
    await run("dropbearkey", ["-t", "ed25519", "-f", hostKeyFile]);
    const hostKey = /^ssh-ed25519 \S+/m.exec(
      await run("dropbearkey", ["-y", "-f", hostKeyFile]),
    )?.[0];
    if (!hostKey) throw new Error("dropbearkey -y printed no ssh-ed25519 key");
    const clientKey = `${dir}/client_ed25519`;
    await run("ssh-keygen", [
      "-q",
      "-t",
      "ed25519",
      "-N",
      "",
      "-C",
      "askpw-remote-test",
      "-f",
      clientKey,
    ]);
    const authorizedKeys = `${dir}/authorized_keys`;
    await Deno.writeTextFile(authorizedKeys, await Deno.readTextFile(`${clientKey}.pub`), {
      mode: 0o600,
    });
    const started = performance.now();
    const built = await buildInitrd(dir, "initrd-remote", {
      askpw: true,
      e2e: true,
      modules: ["askpw-ssh"],
      drivers: ["virtio_net"],
      include: [
        { source: client, target: "/usr/lib/askpw-e2e/varlink-client" },
        { source: hostKeyFile, target: "/etc/dropbear/dropbear_ed25519_host_key" },
        { source: authorizedKeys, target: "/root/.ssh/authorized_keys" },
      ],
    });
    measurements.initrd = {
      bytes: built.size,
      buildSeconds: seconds((performance.now() - started) / 1000),
    };
    return { dir, root, initrd: built.path, clientKey, hostKey };
  })();
  return shared;
}

Deno.test({
  ...options,
  name: "remote initrd: the Varlink client, askpw's Varlink units, dropbear with its keys, " +
    "systemd-networkd and virtio_net are in",
}, async () => {
  const { initrd } = await setUp();
  const files = await initrdFiles(initrd);
  for (
    const file of [
      "usr/lib/askpw-e2e/varlink-client",
      "usr/bin/askpw-e2e-varlink.sh",
      "usr/lib/systemd/system/askpw-e2e-varlink.service",
      "usr/lib/systemd/system/askpw-varlink.socket",
      "usr/lib/systemd/system/askpw-varlink.service",
      // (systemctl --root add-wants links under etc/)
      "etc/systemd/system/sockets.target.wants/askpw-varlink.socket",
      "usr/sbin/dropbear",
      "etc/dropbear/dropbear_ed25519_host_key",
      "root/.ssh/authorized_keys",
      "usr/lib/systemd/systemd-networkd",
      "usr/lib/systemd/systemd-networkd-wait-online",
      "etc/systemd/network/50-askpw-ssh.network",
      "usr/lib/systemd/system/askpw-ssh-dropbear.service",
      "usr/lib/askpw-e2e/report.d/ssh",
    ]
  ) {
    assert.ok(files.includes(file), `${file} in the initrd`);
  }
  assert.ok(
    files.some((file) => /\/virtio_net\.ko(\.\w+)?$/.test(file)),
    "the virtio_net driver in the initrd",
  );
});

/** A free TCP port on 127.0.0.1 for QEMU's forward (free when asked; QEMU binds it next). */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

const FORWARD_FAILED = "Could not set up host forwarding rule";

/**
 * Starts QEMU with SSH forwarded from a free port. The port is free when
 * chosen, but QEMU binds it a moment later: should another process take it
 * in between, QEMU says so and exits before the guest runs, and another port
 * is tried (three at most).
 */
async function startWithSsh(
  initrd: string,
  root: LuksDisk,
  append: string,
  name: string,
): Promise<{ vm: SerialSession; port: number }> {
  for (let attempt = 1;; attempt++) {
    const port = freePort();
    const vm = new SerialSession(
      qemuArguments(initrd, [root], append, { sshHostPort: port }),
      consoleLog(name),
    );
    try {
      // The kernel's banner comes only once QEMU has set up its forwards.
      await vm.waitFor(new RegExp(`${FORWARD_FAILED}|Linux version`), 120);
    } catch (error) {
      await vm[Symbol.asyncDispose]();
      throw error;
    }
    if (!vm.output.includes(FORWARD_FAILED)) return { vm, port };
    await vm[Symbol.asyncDispose]();
    if (attempt === 3) throw new Error(`QEMU could not forward 3 free ports:\n${vm.output}`);
  }
}

function consoleLog(name: string): string {
  // Console logs stay for a look after a failure (build/ is git-ignored).
  const logs = new URL("../../build/boot-logs/", import.meta.url).pathname;
  Deno.mkdirSync(logs, { recursive: true });
  return `${logs}remote-${name}.log`;
}

function unprefixed(lines: string, prefix: string): string {
  return lines.split("\n").filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length)).join("\n");
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The root was unlocked and mounted. */
function assertUnlocked(e2e: string, disk: LuksDisk): void {
  assert.match(e2e, new RegExp(`^E2E: mapped: .*${mapperName(disk)}`, "m"));
  assert.match(e2e, new RegExp(`^E2E: root marker: ${disk.marker}$`, "m"));
}

Deno.test({
  ...options,
  name: "remote A: a Varlink client in the initrd asks through io.systemd.AskPassword; " +
    "askpw-varlink.service is socket-activated, the answer typed at askpw's prompt reaches it",
}, async () => {
  const { root, initrd } = await setUp();
  const append = kernelCommandLine(root, [], ["askpw.e2e.varlink"]);
  await using vm = new SerialSession(qemuArguments(initrd, [root], append), consoleLog("varlink"));
  const timings: Record<string, number> = {};
  // The client's unit runs before cryptsetup-pre.target: its question comes first.
  const questionEnd = await vm.waitFor(VARLINK_PROMPT, TIMEOUT_SECONDS);
  timings.varlinkPromptSeconds = seconds(vm.elapsed);
  const question = vm.output.slice(0, questionEnd);
  assert.doesNotMatch(question, PROMPT, "the Varlink question is asked before cryptsetup's");
  // askpw's summary line names the service that wrote the ask file for the client.
  assert.match(
    question,
    // deno-lint-ignore no-control-regex
    /[^\n]*asked by askpw-varlink\.service(\x1b\[0m)?\r?\n(?:\x1b\[[0-9;]*m)*Varlink question:$/,
  );
  // Let the agent finish switching the terminal to no-echo before typing.
  await new Promise((resolve) => setTimeout(resolve, 500));
  await vm.type(`${VARLINK_ANSWER}\r`);
  const promptEnd = await vm.waitFor(PROMPT, TIMEOUT_SECONDS, questionEnd);
  timings.promptSeconds = seconds(vm.elapsed);
  await new Promise((resolve) => setTimeout(resolve, 500));
  await vm.type(`${PASSPHRASE}\r`);
  await vm.waitFor(/UNLOCK-OK/, TIMEOUT_SECONDS, promptEnd);
  timings.unlockSeconds = seconds(vm.elapsed);
  await vm.exit(120);
  measurements.varlink = timings;

  const e2e = reportLines(vm.output);
  const varlink = unprefixed(e2e, "E2E-VARLINK: ");
  // Socket activation: the socket listened, the service did not run until the first call.
  assert.match(varlink, /^socket before the first call: active, service inactive$/m);
  // SocketMode=0666, root's: anyone may connect (Ask checks who calls).
  assert.match(varlink, /^socket file: srw-rw-rw- 0 0$/m);
  assert.match(varlink, /^unit askpw-varlink\.socket: active\/success$/m);
  assert.match(varlink, /^unit askpw-varlink\.service: active\/success$/m);
  assert.match(varlink, /^askpw-varlink\.service triggered by: askpw-varlink\.socket$/m);
  assert.match(varlink, /^unit askpw-e2e-varlink\.service: active\/success$/m);
  const serverLog = unprefixed(e2e, "E2E-VARLINK-LOG: ");
  assert.match(serverLog, /^Serving io\.systemd\.AskPassword on the socket systemd passed$/m);
  assert.match(serverLog, /^Varlink: Ask from PID \d+, uid 0 answered$/m);
  // GetInfo, and GetInterfaceDescription as the reference library parsed it.
  assert.match(varlink, /^info exit status: 0$/m);
  const info = JSON.parse(/^info: (.*)$/m.exec(varlink)![1]);
  assert.equal(info.product, "askpw");
  // Sorted, with io.systemd (its System errors), as systemd 262's own server lists them.
  assert.deepEqual(info.interfaces, [
    "io.systemd",
    "io.systemd.AskPassword",
    "org.varlink.service",
  ]);
  assert.match(varlink, /^describe exit status: 0$/m);
  const described = JSON.parse(/^describe: (.*)$/m.exec(varlink)![1]);
  assert.deepEqual(described, {
    // The client lowercases the name for the library (tests/varlink_client/main.go).
    name: "io.systemd.askpassword",
    methods: { Ask: ASK_METHOD },
    errors: ["NoPasswordAvailable", "TimeoutReached"],
    types: ["EchoMode"],
  });
  // Exactly what was typed, seen by its length and hash.
  assert.match(varlink, /^ask exit status: 0$/m);
  assert.equal(
    /^ask answer: (.*)$/m.exec(varlink)?.[1],
    `${VARLINK_ANSWER.length} bytes, sha256 ${await sha256(VARLINK_ANSWER)}`,
    varlink,
  );
  // An ordinary ask file, answered on the console like cryptsetup's after it.
  const log = unprefixed(e2e, "E2E-LOG: ");
  const request =
    /^New request (\S+): "Varlink question:", Id="askpw-e2e:varlink", PID \d+; asked by askpw-varlink\.service, \/usr\/lib\/askpw\/deno, pidfs ID none; kind password$/m
      .exec(log);
  assert.ok(request, log);
  assert.match(log, new RegExp(`^Answered ${escape(request[1])} from console /dev/ttyS0$`, "m"));
  assert.equal([...log.matchAll(/^Answered \S+ from console \/dev\/ttyS0$/gm)].length, 2, log);
  assert.equal([...vm.output.matchAll(PROMPTS)].length, 1, "one passphrase prompt");
  // Typed without echo: neither answer is anywhere on the console.
  assert.ok(!vm.output.includes(VARLINK_ANSWER), "the Varlink answer stays off the console");
  assert.ok(!vm.output.includes(PASSPHRASE), "the passphrase stays off the console");
  assertUnlocked(e2e, root);
});

/** What an ssh command on the host gave. */
interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
  /** How long it ran. */
  seconds: number;
}

/**
 * An SSH connection to the initrd through QEMU's forward on `port`, the host
 * key checked against the generated one.
 */
class InitrdSsh {
  readonly #fixture: Fixture;
  readonly #port: number;
  readonly #knownHosts: string;

  constructor(fixture: Fixture, port: number) {
    this.#fixture = fixture;
    this.#port = port;
    this.#knownHosts = `${fixture.dir}/known_hosts-${port}`;
    Deno.writeTextFileSync(this.#knownHosts, `[127.0.0.1]:${port} ${fixture.hostKey}\n`);
  }

  /**
   * Runs `command` in the initrd, stdin from `inputFile` (else none); killed
   * after `timeoutSeconds`, or when `signal` aborts.
   */
  async run(
    command: string[],
    inputFile?: string,
    timeoutSeconds = 200,
    signal?: AbortSignal,
  ): Promise<SshResult> {
    const started = performance.now();
    const child = new Deno.Command("ssh", {
      args: [
        "-F",
        "/dev/null",
        "-i",
        this.#fixture.clientKey,
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        `UserKnownHostsFile=${this.#knownHosts}`,
        "-o",
        "GlobalKnownHostsFile=/dev/null",
        "-o",
        "UpdateHostKeys=no",
        // Covers the TCP connection and the SSH handshake.
        "-o",
        "ConnectTimeout=15",
        "-o",
        "LogLevel=ERROR",
        "-p",
        String(this.#port),
        "root@127.0.0.1",
        ...command,
      ],
      stdin: inputFile === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const kill = () => {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(kill, timeoutSeconds * 1000);
    signal?.addEventListener("abort", kill, { once: true });
    if (inputFile !== undefined) {
      const file = await Deno.open(inputFile);
      // ssh's stdin is the file, as `ssh … < passphrase-file`; closed at its end.
      file.readable.pipeTo(child.stdin).catch(() => {});
    }
    const { code, stdout, stderr } = await child.output();
    clearTimeout(timer);
    signal?.removeEventListener("abort", kill);
    const decoder = new TextDecoder();
    return {
      code,
      stdout: decoder.decode(stdout),
      stderr: decoder.decode(stderr),
      seconds: seconds((performance.now() - started) / 1000),
    };
  }

  /**
   * Tries `ssh … true` until it succeeds (dropbear answers once the initrd's
   * network is up), one try a second at most, for `timeoutSeconds` from now
   * or until `signal` aborts.
   *
   * @returns The tries made.
   * @throws Error naming the last failure when the time is up or the wait aborted.
   */
  async waitReachable(timeoutSeconds: number, signal: AbortSignal): Promise<number> {
    const deadline = performance.now() + timeoutSeconds * 1000;
    let last: SshResult | undefined;
    for (let tries = 1;; tries++) {
      last = await this.run(["true"], undefined, 30, signal);
      if (last.code === 0) return tries;
      if (performance.now() > deadline || signal.aborted) {
        throw new Error(
          `ssh did not reach the initrd in ${timeoutSeconds} s (${tries} tries); last: ` +
            `exit ${last.code}: ${last.stderr.trim()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** One outcome of `askpw reply --json`. */
interface ReplyOutcome {
  path: string;
  id: string | null;
  kind: string;
  disk: { volume: string | null; device: string | null } | null;
  outcome: string;
  reason: string;
}

/** `askpw reply --json`'s output for the root disk: one request, as expected but for the verdict. */
function assertReply(
  result: SshResult,
  disk: LuksDisk,
  code: number,
  outcome: string,
  reason: string,
): ReplyOutcome {
  assert.equal(result.code, code, `ssh … askpw reply: ${result.stdout}${result.stderr}`);
  const outcomes = JSON.parse(result.stdout) as ReplyOutcome[];
  assert.equal(outcomes.length, 1, result.stdout);
  assert.match(outcomes[0].path, /^\/run\/systemd\/ask-password\/ask\.\S+$/);
  assert.deepEqual({ ...outcomes[0], path: undefined }, {
    path: undefined,
    id: `cryptsetup:/dev/disk/by-uuid/${disk.uuid}`,
    kind: "passphrase",
    disk: { volume: mapperName(disk), device: "/dev/vda" },
    outcome,
    reason,
  });
  return outcomes[0];
}

/** The console from `from` on: askpw took its prompt back ("(withdrawn)" on the next line). */
function assertWithdrawn(output: string, from: number, until?: number): void {
  assert.match(
    output.slice(from, until),
    // deno-lint-ignore no-control-regex
    /^[^\n]*?(\x1b\[0m)?\(withdrawn\)\r?$/m,
    "askpw's console prompt withdrawn",
  );
}

/**
 * Boots with SSH (`askpw.e2e.ssh`) and a forward from a free port; `body`
 * drives the boot. SSH is tried from QEMU's start on.
 */
async function sshBoot(
  name: string,
  body: (vm: SerialSession, ssh: InitrdSsh, reachable: Promise<number>) => Promise<void>,
): Promise<{ output: string; e2e: string }> {
  const fixture = await setUp();
  const { root, initrd } = fixture;
  const append = kernelCommandLine(root, [], ["askpw.e2e.ssh"]);
  const started = await startWithSsh(initrd, root, append, name);
  await using vm = started.vm;
  const port = started.port;
  const ssh = new InitrdSsh(fixture, port);
  // No probe outlives its boot.
  const probing = new AbortController();
  const reachable = ssh.waitReachable(SSH_REACHABLE_SECONDS, probing.signal)
    .then(() => seconds(vm.elapsed));
  // Rejections are awaited by `body`; none may go unhandled meanwhile.
  reachable.catch(() => {});
  try {
    await body(vm, ssh, reachable);
    await vm.exit(120);
  } finally {
    probing.abort();
    await reachable.catch(() => {});
  }
  return { output: vm.output, e2e: reportLines(vm.output) };
}

/** dropbear and networkd ran, and every SSH session authenticated with the test's key. */
function assertSshServer(e2e: string): void {
  const ssh = unprefixed(e2e, "E2E-SSH: ");
  assert.match(ssh, /^unit systemd-networkd\.service: active\/success$/m);
  assert.match(ssh, /^unit systemd-networkd-wait-online\.service: active\/success$/m);
  assert.match(ssh, /^unit askpw-ssh-dropbear\.service: active\/success$/m);
  assert.match(
    unprefixed(e2e, "E2E-SSH-NETWORK: "),
    /^\w+: DHCPv4 address 10\.0\.2\.15\/24 acquired from 10\.0\.2\.2$/m,
  );
  assert.match(
    unprefixed(e2e, "E2E-SSH-LOG: "),
    /Pubkey auth succeeded for 'root' with ssh-ed25519/,
  );
}

Deno.test({
  ...options,
  name: "remote B1 (boot scenario 10): ssh into the initrd, askpw reply --json answers the " +
    "root passphrase; accepted, askpw's console prompt withdrawn, the root unlocks",
}, async () => {
  const fixture = await setUp();
  const passphraseFile = `${fixture.dir}/passphrase`;
  await Deno.writeTextFile(passphraseFile, `${PASSPHRASE}\n`, { mode: 0o600 });
  const timings: Record<string, number> = {};
  let promptEnd = 0;
  let reply: SshResult | undefined;
  const { output, e2e } = await sshBoot("ssh", async (vm, ssh, reachable) => {
    promptEnd = await vm.waitFor(PROMPT, TIMEOUT_SECONDS);
    timings.promptSeconds = seconds(vm.elapsed);
    timings.sshReachableSeconds = await reachable;
    reply = await ssh.run(["askpw", "reply", "--json", "--wait=120"], passphraseFile);
    timings.replySeconds = reply.seconds;
    await vm.waitFor(/UNLOCK-OK/, TIMEOUT_SECONDS, promptEnd);
    timings.unlockSeconds = seconds(vm.elapsed);
  });
  measurements.ssh = timings;
  console.log(`askpw reply --json over ssh printed:\n${reply!.stdout}`);
  const answered = assertReply(reply!, fixture.root, 0, "accepted", "the asker finished");
  assertWithdrawn(output, promptEnd);
  // askpw saw its request go (answered elsewhere) and answered nothing itself.
  const log = unprefixed(e2e, "E2E-LOG: ");
  assert.match(
    log,
    new RegExp(`^Withdrawing ${escape(answered.path)}: its ask file vanished$`, "m"),
  );
  assert.doesNotMatch(log, /^Answered /m);
  assert.equal([...output.matchAll(PROMPTS)].length, 1, "one prompt");
  assert.ok(!output.includes(PASSPHRASE), "the passphrase stays off the console");
  assertSshServer(e2e);
  assertUnlocked(e2e, fixture.root);
});

Deno.test({
  ...options,
  name: "remote B2: ssh askpw reply with a wrong passphrase: exit 1, not accepted (a retry " +
    "came); then the right one over ssh: accepted, the root unlocks",
}, async () => {
  const fixture = await setUp();
  const wrongFile = `${fixture.dir}/wrong-passphrase`;
  const rightFile = `${fixture.dir}/right-passphrase`;
  await Deno.writeTextFile(wrongFile, `${WRONG_PASSPHRASE}\n`, { mode: 0o600 });
  await Deno.writeTextFile(rightFile, `${PASSPHRASE}\n`, { mode: 0o600 });
  const timings: Record<string, number> = {};
  const prompts: number[] = [];
  let wrong: SshResult | undefined;
  let right: SshResult | undefined;
  const { output, e2e } = await sshBoot("ssh-wrong-then-right", async (vm, ssh, reachable) => {
    prompts.push(await vm.waitFor(PROMPT, TIMEOUT_SECONDS));
    timings.promptSeconds = seconds(vm.elapsed);
    timings.sshReachableSeconds = await reachable;
    wrong = await ssh.run(["askpw", "reply", "--json", "--wait=120"], wrongFile);
    timings.wrongReplySeconds = wrong.seconds;
    // systemd-cryptsetup asks again: askpw prompts for the retry.
    prompts.push(await vm.waitFor(PROMPT, TIMEOUT_SECONDS, prompts[0]));
    timings.secondPromptSeconds = seconds(vm.elapsed);
    right = await ssh.run(["askpw", "reply", "--json", "--wait=120"], rightFile);
    timings.rightReplySeconds = right.seconds;
    await vm.waitFor(/UNLOCK-OK/, TIMEOUT_SECONDS, prompts[1]);
    timings.unlockSeconds = seconds(vm.elapsed);
  });
  measurements.sshWrongThenRight = timings;
  console.log(`wrong passphrase, askpw reply --json printed:\n${wrong!.stdout}`);
  console.log(`right passphrase, askpw reply --json printed:\n${right!.stdout}`);
  const first = assertReply(
    wrong!,
    fixture.root,
    1,
    "not accepted",
    "a retry for the same disk came",
  );
  const second = assertReply(right!, fixture.root, 0, "accepted", "the asker finished");
  assert.notEqual(first.path, second.path, "the retry is another request");
  assertWithdrawn(output, prompts[0], prompts[1]);
  assertWithdrawn(output, prompts[1]);
  const log = unprefixed(e2e, "E2E-LOG: ");
  for (const answered of [first, second]) {
    assert.match(
      log,
      new RegExp(`^Withdrawing ${escape(answered.path)}: its ask file vanished$`, "m"),
    );
  }
  assert.doesNotMatch(log, /^Answered /m);
  // The wrong passphrase came from afar: askpw's retry prompt says it all the same.
  assert.match(
    output.slice(prompts[0], prompts[1] + 200),
    /The previous passphrase was not accepted \(attempt 2\)\.\r?\n([^\n]*\r?\n)?[^\n]*Please enter passphrase/,
  );
  assert.match(log, new RegExp(`^New request ${escape(second.path)}: .*, attempt 2;`, "m"));
  assert.equal([...output.matchAll(PROMPTS)].length, 2, "two prompts");
  assert.ok(!output.includes(WRONG_PASSPHRASE), "no passphrase on the console");
  assert.ok(!output.includes(PASSPHRASE), "no passphrase on the console");
  assertSshServer(e2e);
  assertUnlocked(e2e, fixture.root);
});
