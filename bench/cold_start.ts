/**
 * `deno task bench` (third part): cold start to the first prompt, as at boot.
 * A request is already pending when the agent starts; measured is process
 * start → the prompt on the console (a pty), for:
 *
 * - the floor: `deno run` of a file that writes one prompt to the console,
 *   with an empty Deno cache;
 * - askpw as installed (`tools/install.sh`: the launcher, the Deno runtime and
 *   the bundle) with an empty Deno cache, as in an initrd without one;
 * - askpw with the cache the dracut module and the mkosi build prepare
 *   (`usr/lib/askpw/cache`, made by one `askpw --version`), which the
 *   launcher copies to its empty state directory, as at every boot;
 * - systemd-tty-ask-password-agent.
 *
 * All in `--watch --console=PTY` mode inside a private mount namespace, taken
 * in turn, round after round. Prints medians, 90th percentiles and the ratios
 * to the floor. Needs root.
 *
 * Usage: deno run -A bench/cold_start.ts [--rounds=N]
 *
 * @module
 */
import { PrivateNamespace } from "../tests/helpers/private_namespace.ts";
import { PtyConsole } from "../tests/helpers/pty_console.ts";
import { RecordingAsker } from "../tests/helpers/recording_asker.ts";
import { run } from "../tools/vm/run.ts";
import { installAskpw } from "./installed_askpw.ts";

const rounds = Number(Deno.args.find((arg) => arg.startsWith("--rounds="))?.slice(9) ?? 15);
const WARM_UP = 2;

type Variant = "floor" | "askpw, empty cache" | "askpw, prepared cache" | "systemd";
const VARIANTS: Variant[] = ["floor", "askpw, empty cache", "askpw, prepared cache", "systemd"];

const scratch = await Deno.makeTempDir({ prefix: "askpw-cold-start-" });
try {
  // askpw as a package installs it; the prepared cache as the dracut module makes it.
  const { tree, lib, preparedCache: prepared } = await installAskpw(scratch);
  const floor = `${scratch}/floor.js`;
  await Deno.writeTextFile(
    floor,
    `const c = Deno.openSync(Deno.args[0], { write: true });\n` +
      `c.writeSync(new TextEncoder().encode(Deno.args[1] + " "));\nc.close();\n`,
  );

  await using namespace = await PrivateNamespace.create();
  const samples = new Map<Variant, number[]>(VARIANTS.map((variant) => [variant, []]));

  const start = async (variant: Variant, round: number, consolePath: string, message: string) => {
    const state = `${scratch}/state-${round}-${VARIANTS.indexOf(variant)}`;
    await Deno.mkdir(state);
    if (variant === "askpw, prepared cache") {
      await run("cp", ["-a", prepared, `${lib}/cache`]);
    }
    const [program, args, env]: [string, string[], Record<string, string>] = variant === "floor"
      ? [
        `${lib}/deno`,
        ["run", "--quiet", "--no-config", "--no-lock", "--allow-all", floor, consolePath, message],
        { DENO_DIR: `${state}/deno` },
      ]
      : variant === "systemd"
      ? ["systemd-tty-ask-password-agent", ["--watch", `--console=${consolePath}`], {}]
      : [`${tree}/usr/bin/askpw`, ["watch", `--console=${consolePath}`], {
        ASKPW_STATE_DIRECTORY: state,
      }];
    return namespace.command(program, args, {
      env: { ...env, NO_COLOR: "1", TERM: "dumb", SYSTEMD_COLORS: "0" },
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  };

  for (let round = 0; round < WARM_UP + rounds; round++) {
    for (const variant of VARIANTS) {
      using pty = new PtyConsole();
      const message = `Cold ${round} ${variant.split(",")[0]}:`;
      using _asker = RecordingAsker.create(namespace, { message });
      const begun = performance.now();
      const child = await start(variant, round, pty.path, message);
      await pty.waitFor(message, 60_000);
      const shown = performance.now();
      child.kill("SIGKILL");
      await child.status;
      await Deno.remove(`${lib}/cache`, { recursive: true }).catch(() => {});
      if (round >= WARM_UP) samples.get(variant)!.push(shown - begun);
    }
  }

  const percentile = (values: number[], p: number) =>
    [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(p * values.length))];
  const floorMedian = percentile(samples.get("floor")!, 0.5);
  const systemdMedian = percentile(samples.get("systemd")!, 0.5);
  console.log(`\nprocess start → prompt, ${rounds} rounds (after ${WARM_UP}), times in ms\n`);
  console.log("| agent | median | p90 | median / floor | median − systemd's |");
  console.log("|---|---:|---:|---:|---:|");
  for (const variant of VARIANTS) {
    const values = samples.get(variant)!;
    const median = percentile(values, 0.5);
    console.log(
      `| ${variant} | ${median.toFixed(1)} | ${percentile(values, 0.9).toFixed(1)} | ${
        (median / floorMedian).toFixed(2)
      } | ${(median - systemdMedian).toFixed(1)} |`,
    );
  }
} finally {
  await Deno.remove(scratch, { recursive: true });
}
