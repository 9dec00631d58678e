/**
 * A process that looks like systemd-cryptsetup to askpw: its command line is
 * `/usr/lib/systemd/systemd-cryptsetup attach <volume> <source> …` (a tiny C
 * program built once per test run, named systemd-cryptsetup, that waits for
 * a signal), so requests written as systemd-cryptsetup writes them can name
 * it as their asker (`PID=`) where the real thing cannot run (FIDO2, PKCS#11).
 *
 * @module
 */
import type { PrivateNamespace } from "./private_namespace.ts";

let built: Promise<string> | undefined;

/** Builds the stand-in (once) and returns its path, …/systemd-cryptsetup. */
function standIn(): Promise<string> {
  built ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "askpw-standin-" });
    const source = `${dir}/standin.c`;
    await Deno.writeTextFile(source, "#include <unistd.h>\nint main(void) { for (;;) pause(); }\n");
    const binary = `${dir}/systemd-cryptsetup`;
    const { code, stderr } = await new Deno.Command("cc", {
      args: ["-O2", "-o", binary, source],
      stderr: "piped",
    }).output();
    if (code !== 0) throw new Error(`cc failed: ${new TextDecoder().decode(stderr)}`);
    await Deno.chmod(dir, 0o755);
    return binary;
  })();
  return built;
}

/** A running stand-in. */
export class CryptsetupStandIn implements AsyncDisposable {
  readonly process: Deno.ChildProcess;

  private constructor(process: Deno.ChildProcess) {
    this.process = process;
  }

  /**
   * Starts `systemd-cryptsetup attach VOLUME SOURCE none OPTIONS` in the namespace.
   *
   * @param namespace Where.
   * @param volume The volume name.
   * @param source The source device.
   * @param options The crypttab options (e.g. `fido2-device=auto`).
   * @returns The stand-in.
   */
  static async start(
    namespace: PrivateNamespace,
    volume: string,
    source: string,
    options = "luks",
  ): Promise<CryptsetupStandIn> {
    const binary = await standIn();
    const process = namespace.command(binary, ["attach", volume, source, "none", options], {
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    return new CryptsetupStandIn(process);
  }

  /** Its PID, for the ask file's PID=. */
  get pid(): number {
    return this.process.pid;
  }

  /** Stops it. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.process.kill("SIGKILL");
    await this.process.status;
  }
}
