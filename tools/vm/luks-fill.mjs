// Encrypts a plain file-system image into the data segment of a LUKS2 image,
// without device-mapper (the build host has none), with 512-byte sectors and
// the plain64 IV (the little-endian sector number): aes-xts-plain64 for a
// 64-byte volume key, aes-cbc-plain64 for a 32-byte one. Node's crypto has
// AES-XTS; Deno's node:crypto does not, hence a Node script.
// Usage: node luks-fill.mjs LUKS_IMAGE PLAIN_IMAGE VOLUME_KEY_FILE DATA_OFFSET
import { createCipheriv } from "node:crypto";
import { closeSync, openSync, readFileSync, readSync, writeSync } from "node:fs";

const [luksImage, plainImage, keyFile, offsetText] = process.argv.slice(2);
const key = readFileSync(keyFile);
if (key.length !== 64 && key.length !== 32) throw new Error("expected a 64- or 32-byte volume key");
const algorithm = key.length === 64 ? "aes-256-xts" : "aes-256-cbc";
const SECTOR = 512;
const source = openSync(plainImage, "r");
const target = openSync(luksImage, "r+");
const chunk = Buffer.alloc(SECTOR * 2048);
const tweak = Buffer.alloc(16);
let position = Number(offsetText);
let sector = 0n;
for (;;) {
  const count = readSync(source, chunk, 0, chunk.length, null);
  if (count === 0) break;
  for (let at = 0; at < count; at += SECTOR) {
    tweak.fill(0);
    tweak.writeBigUInt64LE(sector++, 0);
    const cipher = createCipheriv(algorithm, key, tweak).setAutoPadding(false);
    const sealed = Buffer.concat([cipher.update(chunk.subarray(at, at + SECTOR)), cipher.final()]);
    writeSync(target, sealed, 0, SECTOR, position);
    position += SECTOR;
  }
}
closeSync(source);
closeSync(target);
console.log(`luks-fill: encrypted ${sector} sectors`);
