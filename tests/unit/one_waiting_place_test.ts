/**
 * A structural rule of askpw: it blocks in one place only. Deno runs
 * `nonblocking` FFI calls on a pool of 32 threads; one blocking wait per
 * request exhausted it at 35 pending requests. So in src/, only the reactor
 * (through epoll.ts) may make a blocking call, and nothing may use the
 * poll(2)-on-a-thread helper that tests and tools use.
 */
import assert from "node:assert/strict";

const SRC = new URL("../../src/", import.meta.url).pathname;

function sources(dir: string): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}${entry.name}`;
    if (entry.isDirectory) files.push(...sources(`${path}/`));
    else if (entry.name.endsWith(".ts")) files.push(path);
  }
  return files;
}

Deno.test("src/: the only blocking FFI call is epoll_wait, made by the reactor", () => {
  const libc = Deno.readTextFileSync(`${SRC}ffi/libc.ts`);
  const blocking = [...libc.matchAll(/(\w+): \{\s*name: "(\w+)",[^}]*?nonblocking: true/g)]
    .map((match) => match[1]);
  assert.deepEqual(blocking.sort(), ["epoll_wait_blocking", "poll_blocking"]);
  for (const file of sources(SRC)) {
    const text = Deno.readTextFileSync(file);
    const relative = file.slice(SRC.length);
    if (relative !== "ffi/epoll.ts" && relative !== "ffi/libc.ts") {
      assert.ok(!text.includes("epoll_wait_blocking"), `${relative} calls epoll_wait`);
    }
    if (relative !== "ffi/poll.ts" && relative !== "ffi/libc.ts") {
      assert.ok(!/\bwaitForEvents\b|poll_blocking/.test(text), `${relative} blocks in poll`);
    }
    if (relative !== "reactor/reactor.ts" && relative !== "ffi/epoll.ts") {
      assert.ok(!/\bnew Epoll\(|\.wait\(-1\)/.test(text), `${relative} runs its own loop`);
    }
  }
});

Deno.test("src/: no timers of Deno's own, except the forced exits (after SIGTERM, at the end)", () => {
  for (const file of sources(SRC)) {
    const relative = file.slice(SRC.length);
    const text = Deno.readTextFileSync(file).replace(/^\s*\*.*$/gm, "");
    const uses = text.match(/\bset(Timeout|Interval)\(/g) ?? [];
    const allowed = relative === "cli/agent_command.ts" || relative === "cli/program.ts" ? 1 : 0;
    assert.ok(uses.length <= allowed, `${relative} uses ${uses.length} JavaScript timer(s)`);
  }
});
