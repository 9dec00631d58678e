// askpw.e2e.askwatch: records when each password request's ask file comes
// and goes in /run/systemd/ask-password, on CLOCK_MONOTONIC (µs since boot,
// the journal's monotonic clock), one line each in /run/askpw-e2e-askwatch:
//   watching at US
//   KIND ask.X at US                 (inotify's events, as Deno reports them)
// (The exact times of the removals come from the kernel's trace, set up by
// askpw-e2e-askwatch.sh; this shows how late inotify's watchers hear of them.)
// Plain JavaScript, run by askpw's own Deno runtime (askpw-e2e-askwatch.sh).
const libc = Deno.dlopen("libc.so.6", {
  clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
});
const CLOCK_MONOTONIC = 1;
const timespec = new BigInt64Array(2);
function monotonicMicroseconds() {
  libc.symbols.clock_gettime(CLOCK_MONOTONIC, timespec);
  return timespec[0] * 1000000n + timespec[1] / 1000n;
}
const directory = Deno.args[0] ?? "/run/systemd/ask-password";
const output = Deno.args[1] ?? "/run/askpw-e2e-askwatch";
const encoder = new TextEncoder();
const file = Deno.openSync(output, { append: true, create: true });
const write = (line) => file.writeSync(encoder.encode(line + "\n"));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

for (;;) {
  try {
    if (Deno.statSync(directory).isDirectory) break;
  } catch {
    // not yet made
  }
  await sleep(10);
}
const watcher = Deno.watchFs(directory, { recursive: false });
write(`watching at ${monotonicMicroseconds()}`);
for await (const event of watcher) {
  const at = monotonicMicroseconds();
  for (const path of event.paths) {
    const name = path.slice(path.lastIndexOf("/") + 1);
    if (name.startsWith("ask.")) write(`${event.kind} ${name} at ${at}`);
  }
}
