/**
 * Small LUKS2 images for tests of what askpw reads from a header: made by
 * cryptsetup itself (PBKDF2 with 1000 iterations, so in milliseconds), with
 * tokens imported as `cryptsetup token import` does.
 *
 * @module
 */
import assert from "node:assert/strict";

/**
 * Runs `program` and fails the test with its stderr when it fails.
 *
 * @param program The program.
 * @param args Its arguments.
 * @param stdin What it reads, when anything.
 */
export async function runChecked(program: string, args: string[], stdin?: string): Promise<void> {
  const child = new Deno.Command(program, {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const { code, stderr } = await child.output();
  assert.equal(code, 0, `${program} ${args.join(" ")}: ${new TextDecoder().decode(stderr)}`);
}

/**
 * A 20 MiB LUKS2 image at `path` (passphrase "secret").
 *
 * @param path Where.
 */
export async function makeLuksImage(path: string): Promise<void> {
  await Deno.writeFile(path, new Uint8Array(20 * 1024 * 1024));
  await runChecked("cryptsetup", [
    "luksFormat",
    "--type=luks2",
    "--batch-mode",
    "--pbkdf=pbkdf2",
    "--pbkdf-force-iterations=1000",
    "--key-file=-",
    path,
  ], "secret");
}

/**
 * Imports a token into the image's header.
 *
 * @param path The image.
 * @param token The token's JSON (its `type` and `keyslots`).
 */
export async function importToken(path: string, token: Record<string, unknown>): Promise<void> {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(file, JSON.stringify(token));
    await runChecked("cryptsetup", ["token", "import", "--json-file", file, path]);
  } finally {
    await Deno.remove(file);
  }
}

/** A clevis token as `clevis luks bind` leaves one (its JWE shortened). */
export const CLEVIS_TOKEN = { type: "clevis", keyslots: ["0"], jwe: { ciphertext: "x" } };
