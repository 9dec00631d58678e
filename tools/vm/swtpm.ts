/**
 * A software TPM 2.0 (swtpm) for the host's tools and for QEMU, and the TPM2
 * enrolment of a LUKS disk against it.
 *
 * @module
 */

import { existsSync } from "./_paths.ts";
import type { LuksDisk } from "./luks_disk.ts";
import { run } from "./run.ts";

/**
 * A software TPM 2.0 (swtpm) over one state directory, run as a child
 * process (never --daemon, so that it is known by its own PID and stopped
 * by it). Start it {@linkcode Swtpm.forHost} for the host's TPM tools, or
 * {@linkcode Swtpm.forQemu} for a VM; only one swtpm may use a state
 * directory at a time (swtpm locks it), so stop the one before starting the
 * next.
 */
export class Swtpm implements AsyncDisposable {
  #child: Deno.ChildProcess;
  #socket: string;

  private constructor(child: Deno.ChildProcess, socket: string) {
    this.#child = child;
    this.#socket = socket;
  }

  /**
   * Starts swtpm on `stateDir` for host tools, already initialised and
   * started up (TPM2_Startup), its sockets in `socketDir`.
   *
   * @throws Error when swtpm exits or its socket does not appear in 30 s.
   */
  static forHost(stateDir: string, socketDir: string): Promise<Swtpm> {
    const socket = `${socketDir}/swtpm.sock`;
    return Swtpm.#start(
      [
        "--server",
        `type=unixio,path=${socket}`,
        // libtss2-tcti-swtpm finds the control channel at <path>.ctrl.
        "--ctrl",
        `type=unixio,path=${socket}.ctrl`,
        "--flags",
        "not-need-init,startup-clear",
      ],
      stateDir,
      socket,
      `${socketDir}/swtpm-host.log`,
    );
  }

  /**
   * Starts swtpm on `stateDir` for one QEMU run: QEMU connects to its
   * control socket (pass {@linkcode Swtpm.controlSocket} as
   * qemu.ts's `QemuOptions.tpmControlSocket`), initialises it, and the
   * guest's firmware starts it up. swtpm ends when QEMU disconnects.
   *
   * @throws Error when swtpm exits or its socket does not appear in 30 s.
   */
  static forQemu(stateDir: string, socketDir: string): Promise<Swtpm> {
    const socket = `${socketDir}/swtpm-qemu.ctrl`;
    return Swtpm.#start(
      ["--ctrl", `type=unixio,path=${socket}`, "--terminate"],
      stateDir,
      socket,
      `${socketDir}/swtpm-qemu.log`,
    );
  }

  static async #start(
    args: string[],
    stateDir: string,
    socket: string,
    logPath: string,
  ): Promise<Swtpm> {
    await Deno.mkdir(stateDir, { recursive: true });
    await Deno.remove(socket).catch(() => {});
    const child = new Deno.Command("swtpm", {
      args: [
        "socket",
        "--tpm2",
        "--tpmstate",
        `dir=${stateDir}`,
        "--log",
        `file=${logPath},level=2`,
        ...args,
      ],
      // Its messages go to the --log file, beside its sockets.
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const tpm = new Swtpm(child, socket);
    let exited: Deno.CommandStatus | undefined;
    child.status.then((status) => exited = status);
    const deadline = performance.now() + 30_000;
    // swtpm listens once its socket file exists; nothing else announces it.
    while (!existsSync(socket)) {
      if (exited || performance.now() > deadline) {
        const status = exited;
        await tpm.stop();
        const log = await Deno.readTextFile(logPath).catch(() => "(no log)");
        throw new Error(
          `swtpm ${status ? `exited (${status.code})` : "did not listen within 30 s"} on ` +
            `${stateDir}: ${log}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return tpm;
  }

  /** The TCTI host tools reach it through (`-T`, `--tpm2-device=`): `swtpm:path=…`. */
  get tcti(): string {
    return `swtpm:path=${this.#socket}`;
  }

  /** The control socket QEMU connects to (for {@linkcode Swtpm.forQemu}). */
  get controlSocket(): string {
    return this.#socket;
  }

  /**
   * Stops swtpm (SIGTERM: it saves its state) and waits for it to exit, so
   * that the next swtpm can take the state directory.
   */
  async stop(): Promise<Deno.CommandStatus> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // already gone
    }
    return await this.#child.status;
  }

  /** Stops swtpm if it still runs. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/**
 * Raises swtpm's dictionary-attack limits (100 failures, no lockout time),
 * so that the wrong PINs a test types cannot lock the TPM: swtpm's default
 * is a 1000 s lockout after 3 failures. The setting stays in the state
 * directory.
 */
export async function relaxDictionaryAttackLimits(tpm: Swtpm): Promise<void> {
  await run("tpm2_dictionarylockout", [
    "-T",
    tpm.tcti,
    "--setup-parameters",
    "--max-tries=100",
    "--recovery-time=0",
    "--lockout-recovery-time=0",
  ]);
}

/**
 * Enrols `disk` with a TPM2 key sealed by `tpm` and protected by `pin`
 * (systemd-cryptenroll --tpm2-with-pin=yes), bound to no PCR: what QEMU's
 * firmware measures does not matter. `passphrase` unlocks the existing slot.
 */
export async function enrollTpm2WithPin(
  disk: LuksDisk,
  passphrase: string,
  tpm: Swtpm,
  pin: string,
): Promise<void> {
  await run("systemd-cryptenroll", [
    `--tpm2-device=${tpm.tcti}`,
    "--tpm2-with-pin=yes",
    "--tpm2-pcrs=",
    disk.path,
  ], { env: { PASSWORD: passphrase, NEWPIN: pin } });
}
