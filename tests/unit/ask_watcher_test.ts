import assert from "node:assert/strict";
import { type AskDirectoryChange, AskDirectoryWatcher } from "../../src/request/ask_watcher.ts";
import { Reactor } from "../../src/reactor/reactor.ts";

async function collect(
  reactor: Reactor,
  changes: AskDirectoryChange[],
  count: number,
): Promise<void> {
  for (let i = 0; i < 200 && changes.length < count; i++) await reactor.sleep(10);
}

Deno.test("AskDirectoryWatcher: names arrive and depart one by one; others are ignored", async () => {
  const root = await Deno.makeTempDir({ prefix: "askpw-watch-" });
  try {
    await using reactor = new Reactor();
    const directory = { path: root, ownerUid: 0, kind: "system" as const };
    const changes: AskDirectoryChange[] = [];
    using _watcher = new AskDirectoryWatcher(
      [directory],
      reactor,
      (batch) => changes.push(...batch),
    );
    await Deno.writeTextFile(`${root}/tmp.1`, "x");
    await Deno.rename(`${root}/tmp.1`, `${root}/ask.1`);
    await Deno.writeTextFile(`${root}/sck.1`, "not a request");
    await Deno.remove(`${root}/ask.1`);
    await collect(reactor, changes, 2);
    assert.deepEqual(changes.map((change) => [change.kind, "name" in change ? change.name : ""]), [
      ["arrived", "ask.1"],
      ["departed", "ask.1"],
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("AskDirectoryWatcher: a removed directory is lost, then watched again when back", async () => {
  const root = await Deno.makeTempDir({ prefix: "askpw-watch-" });
  const path = `${root}/a/b/ask-password`;
  try {
    await Deno.mkdir(path, { recursive: true });
    await using reactor = new Reactor();
    const directory = { path, ownerUid: 0, kind: "system" as const };
    const changes: AskDirectoryChange[] = [];
    using watcher = new AskDirectoryWatcher(
      [directory],
      reactor,
      (batch) => changes.push(...batch),
    );
    assert.ok(watcher.isWatching(directory));
    await Deno.remove(`${root}/a`, { recursive: true });
    await collect(reactor, changes, 1);
    assert.deepEqual(changes.map((change) => change.kind), ["lost"]);
    assert.ok(!watcher.isWatching(directory));
    // Two levels come back; the watcher climbs down as each appears.
    await Deno.mkdir(path, { recursive: true });
    await collect(reactor, changes, 2);
    assert.deepEqual(changes.map((change) => change.kind), ["lost", "rescan"]);
    assert.ok(watcher.isWatching(directory));
    await Deno.writeTextFile(`${path}/ask.back`, "x");
    await collect(reactor, changes, 3);
    assert.deepEqual(changes.at(-1), { kind: "arrived", directory, name: "ask.back" });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("AskDirectoryWatcher: a directory that does not exist yet is waited for", async () => {
  const root = await Deno.makeTempDir({ prefix: "askpw-watch-" });
  const path = `${root}/later/ask-password`;
  try {
    await using reactor = new Reactor();
    const directory = { path, ownerUid: 0, kind: "system" as const };
    const changes: AskDirectoryChange[] = [];
    using watcher = new AskDirectoryWatcher(
      [directory],
      reactor,
      (batch) => changes.push(...batch),
    );
    assert.ok(!watcher.isWatching(directory));
    await Deno.mkdir(path, { recursive: true });
    await collect(reactor, changes, 1);
    assert.deepEqual(changes.map((change) => change.kind), ["rescan"]);
    assert.ok(watcher.isWatching(directory));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
