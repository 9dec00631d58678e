/**
 * One process of the parser fuzzer: hosts a worker thread that does the
 * work (`parser_fuzz_worker.ts`) and watches it.
 *
 * Why a process and a worker: a parse that hangs (a regular expression that
 * backtracks for minutes) cannot be interrupted — V8 does not stop it on
 * `worker.terminate()`, so the thread would burn a CPU until the process
 * ends. So the worker beats a heartbeat (the index of its current input in
 * shared memory, free of cost); when the index stays the same for longer
 * than `--hang-ms`, this process reports the input and exits, taking the
 * stuck thread with it, and the main fuzzer starts a fresh process.
 *
 * Protocol: one JSON {@linkcode ChildRequest} per line on stdin, one JSON
 * {@linkcode ChildMessage} per line on stdout. EOF on stdin ends the process.
 *
 * Usage: deno run --allow-read fuzz/parser_fuzz_child.ts --hang-ms=2000
 *
 * @module
 */
import type { ParserStats, WorkerRequest, WorkerResponse } from "./parser_fuzz_protocol.ts";

/** What the main fuzzer asks: a range of a run, or one saved input. */
export type ChildRequest =
  | { kind: "range"; seed: number; start: number; end: number }
  | { kind: "replay"; path: string };

/** What this process answers. After `hang` and `died` it exits. */
export type ChildMessage =
  | { kind: "range"; start: number; end: number; stats: ParserStats }
  | { kind: "replay"; outcome: string; problem: string | undefined; ms: number }
  | { kind: "hang"; index: number }
  | { kind: "died"; index: number; message: string };

const WATCHDOG_MS = 50;

if (import.meta.main) await serve();

async function serve(): Promise<void> {
  const hangMs = Number(Deno.args.find((arg) => arg.startsWith("--hang-ms="))?.slice(10) ?? 2000);
  const encoder = new TextEncoder();
  const send = (message: ChildMessage) =>
    Deno.stdout.writeSync(encoder.encode(`${JSON.stringify(message)}\n`));

  const heartbeatBuffer = new SharedArrayBuffer(4);
  const heartbeat = new Int32Array(heartbeatBuffer);
  Atomics.store(heartbeat, 0, -1);
  const worker = new Worker(new URL("./parser_fuzz_worker.ts", import.meta.url).href, {
    type: "module",
  });
  worker.postMessage({ kind: "start", heartbeat: heartbeatBuffer } satisfies WorkerRequest);
  worker.onmessage = (event: MessageEvent<WorkerResponse>) => send(event.data);
  worker.onerror = (event) => {
    // Something escaped the worker's own catch (stack overflow, out of memory).
    event.preventDefault();
    send({ kind: "died", index: Atomics.load(heartbeat, 0), message: event.message });
    Deno.exit(1);
  };

  let lastIndex = -1;
  let lastChange = performance.now();
  const watchdog = setInterval(() => {
    const index = Atomics.load(heartbeat, 0);
    const now = performance.now();
    if (index !== lastIndex) {
      lastIndex = index;
      lastChange = now;
    } else if (index >= 0 && now - lastChange > hangMs) {
      send({ kind: "hang", index });
      Deno.exit(0); // ends the stuck worker thread too
    }
  }, WATCHDOG_MS);

  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of Deno.stdin.readable) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const request = JSON.parse(buffered.slice(0, newline)) as ChildRequest;
      buffered = buffered.slice(newline + 1);
      worker.postMessage(
        (request.kind === "replay"
          ? { kind: "replay", bytes: Deno.readFileSync(request.path) }
          : request) satisfies WorkerRequest,
      );
    }
  }
  clearInterval(watchdog);
  worker.terminate();
}
