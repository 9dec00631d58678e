/**
 * Runs host programs for the test VM's builders (cryptsetup, dracut, swtpm's
 * tools, …) and fails loudly with their output.
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Runs a command, throwing with its output when it fails. */
export async function run(
  program: string,
  args: string[],
  options: { stdin?: string; cwd?: string; env?: Record<string, string> } = {},
): Promise<string> {
  const child = new Deno.Command(program, {
    args,
    cwd: options.cwd,
    env: options.env,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(encoder.encode(options.stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const output = decoder.decode(stdout) + decoder.decode(stderr);
  if (code !== 0) throw new Error(`${program} ${args.join(" ")} failed (${code}):\n${output}`);
  return decoder.decode(stdout);
}
