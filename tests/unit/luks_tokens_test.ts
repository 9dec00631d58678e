import assert from "node:assert/strict";
import { luksTokenTypes, parseLuksTokenTypes } from "../../src/request/luks_tokens.ts";
import { clevisAskpassPids, otherAgentsFor } from "../../src/request/other_agents.ts";
import { CLEVIS_TOKEN, importToken, makeLuksImage } from "../helpers/luks_image.ts";

Deno.test("luksTokenTypes: the token types of a real LUKS2 header (cryptsetup token import)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const image = `${dir}/disk.img`;
    await makeLuksImage(image);
    assert.deepEqual(luksTokenTypes(image), []);
    await importToken(image, CLEVIS_TOKEN);
    assert.deepEqual(luksTokenTypes(image), ["clevis"]);
    await importToken(image, { type: "systemd-recovery", keyslots: ["0"] });
    assert.deepEqual(luksTokenTypes(image), ["clevis", "systemd-recovery"]);
    await Deno.writeTextFile(`${dir}/token.json`, JSON.stringify(CLEVIS_TOKEN));
    assert.deepEqual(luksTokenTypes(`${dir}/token.json`), [], "no LUKS2 magic");
    assert.deepEqual(luksTokenTypes(`${dir}/missing`), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseLuksTokenTypes: no magic, LUKS1, broken JSON and a short header give none", () => {
  const header = new Uint8Array(8192);
  header.set([0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe, 0, 2]);
  new DataView(header.buffer).setBigUint64(8, 8192n, false);
  header.set(new TextEncoder().encode('{"tokens":{"1":{"type":"b"},"0":{"type":"a"}}}'), 4096);
  assert.deepEqual(parseLuksTokenTypes(header), ["a", "b"], "in token order");
  header.set(new TextEncoder().encode("{broken"), 4096);
  assert.deepEqual(parseLuksTokenTypes(header), []);
  header[7] = 1;
  assert.deepEqual(parseLuksTokenTypes(header), [], "LUKS1");
  assert.deepEqual(parseLuksTokenTypes(header.subarray(0, 100)), []);
});

Deno.test("otherAgentsFor: clevis when the disk has a clevis token and clevis-luks-askpass runs", async () => {
  const proc = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${proc}/42`);
    await Deno.writeTextFile(`${proc}/42/comm`, "bash\n");
    await Deno.mkdir(`${proc}/self`);
    const clevis = (device: string) => device === "/dev/vda2" ? ["clevis"] : ["systemd-tpm2"];
    const notInstalled = () => false;
    assert.deepEqual(
      otherAgentsFor("/dev/vda2", { tokenTypes: clevis, proc, clevisInstalled: notInstalled }),
      [],
    );
    assert.deepEqual(
      otherAgentsFor("/dev/vda2", { tokenTypes: clevis, proc, clevisInstalled: () => true }),
      [{ name: "clevis" }],
      "installed, its path unit not started yet",
    );
    await Deno.mkdir(`${proc}/321`);
    await Deno.writeTextFile(`${proc}/321/comm`, "clevis-luks-ask\n");
    assert.deepEqual(clevisAskpassPids(proc), [321]);
    assert.deepEqual(otherAgentsFor("/dev/vda2", { tokenTypes: clevis, proc }), [
      { name: "clevis", pid: 321 },
    ]);
    assert.deepEqual(otherAgentsFor("/dev/vdb", { tokenTypes: clevis, proc }), [], "no token");
    assert.deepEqual(otherAgentsFor(undefined, { tokenTypes: clevis, proc }), [], "no disk");
  } finally {
    await Deno.remove(proc, { recursive: true });
  }
});
