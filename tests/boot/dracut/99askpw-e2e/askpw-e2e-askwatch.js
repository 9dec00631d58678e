// askpw.e2e.askwatch: records when each password request's ask file comes
// and goes in /run/systemd/ask-password, on CLOCK_MONOTONIC (µs since boot,
// the journal's monotonic clock), one line each in /run/askpw-e2e-askwatch:
//   watching at US | create ask.X at US | remove ask.X at US | …
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
for (;;) {
  try {
    if (Deno.statSync(directory).isDirectory) break;
  } catch {
    // not yet made
  }
  await new Promise((resolve) => setTimeout(resolve, 10));
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
