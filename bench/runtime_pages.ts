/**
 * Which pages of the Deno binary one askpw start touches, as at boot: a
 * request is pending, askpw as installed (`tools/install.sh`, with the cache
 * the dracut module prepares) starts in `watch --console=PTY` mode, and once
 * its prompt shows, the pages of the binary that are mapped in its page
 * tables (`/proc/PID/pagemap`, bit 63) are counted. The kernel maps up to
 * 64 KiB around each fault (fault-around), so this is an upper bound of what
 * was read.
 *
 * For a compressed image of the runtime (the dracut module's squashfs or
 * EROFS packing) what matters is how many compression blocks hold such a
 * page: each is decompressed whole. Prints, per block size, how many blocks a
 * start needs and how many megabytes that decompresses. Needs root.
 *
 * Usage: deno run -A bench/runtime_pages.ts [--rounds=N]
 *
 * @module
 */
import { PrivateNamespace } from "../tests/helpers/private_namespace.ts";
import { PtyConsole } from "../tests/helpers/pty_console.ts";
import { RecordingAsker } from "../tests/helpers/recording_asker.ts";
import { installAskpw } from "./installed_askpw.ts";

const rounds = Number(Deno.args.find((arg) => arg.startsWith("--rounds="))?.slice(9) ?? 3);
const PAGE = 4096;
/** EROFS's physical clusters (the module's -C65536), squashfs's blocks (-b 1M), between. */
const BLOCKS = [65536, 131072, 262144, 1048576];

/** The file pages of `binary` mapped in process `pid`'s page tables (page numbers). */
function mappedPages(pid: number, binary: string): Set<number> {
  const pages = new Set<number>();
  using pagemap = Deno.openSync(`/proc/${pid}/pagemap`);
  for (const line of Deno.readTextFileSync(`/proc/${pid}/maps`).split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 6 || fields[5] !== binary) continue;
    const [start, end] = fields[0].split("-").map((hex) => parseInt(hex, 16));
    const fileOffset = parseInt(fields[2], 16);
    const count = (end - start) / PAGE;
    const entries = new Uint8Array(count * 8);
    pagemap.seekSync((start / PAGE) * 8, Deno.SeekMode.Start);
    let read = 0;
    while (read < entries.length) {
      const n = pagemap.readSync(entries.subarray(read));
      if (n === null || n === 0) break;
      read += n;
    }
    const view = new DataView(entries.buffer);
    for (let index = 0; index < count; index++) {
      // Bit 63 of each 64-bit entry: the page is present.
      if (view.getUint32(index * 8 + 4, true) >>> 31) pages.add(fileOffset / PAGE + index);
    }
  }
  return pages;
}

const scratch = await Deno.makeTempDir({ prefix: "askpw-runtime-pages-" });
try {
  const { tree, lib, preparedCache } = await installAskpw(scratch);
  await Deno.rename(preparedCache, `${lib}/cache`);
  const binary = await Deno.realPath(`${lib}/deno`);
  const size = Deno.statSync(binary).size;
  await using namespace = await PrivateNamespace.create();
  console.log(`Deno: ${binary}, ${(size / 1e6).toFixed(1)} MB\n`);
  console.log(
    `| round | mapped at the prompt | ${
      BLOCKS.map((block) => `${block / 1024} KiB blocks needed`).join(" | ")
    } |`,
  );
  console.log(`|---|---:|${BLOCKS.map(() => "---:").join("|")}|`);
  for (let round = 1; round <= rounds; round++) {
    using pty = new PtyConsole();
    const message = `Pages ${round}:`;
    using _asker = RecordingAsker.create(namespace, { message });
    const state = `${scratch}/state-${round}`;
    const child = namespace.command(`${tree}/usr/bin/askpw`, ["watch", `--console=${pty.path}`], {
      env: { ASKPW_STATE_DIRECTORY: state, NO_COLOR: "1", TERM: "dumb" },
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    await pty.waitFor(message, 60_000);
    // nsenter execs askpw's launcher, which execs Deno: one PID throughout.
    const pages = mappedPages(child.pid, binary);
    child.kill("SIGKILL");
    await child.status;
    const cells = BLOCKS.map((block) => {
      const perBlock = block / PAGE;
      const needed = new Set([...pages].map((page) => Math.floor(page / perBlock))).size;
      const total = Math.ceil(size / block);
      return `${needed} of ${total} (${Math.round((100 * needed) / total)} %, ${
        (needed * block / 1e6).toFixed(0)
      } MB)`;
    });
    console.log(
      `| ${round} | ${(pages.size * PAGE / 1e6).toFixed(1)} MB (${
        Math.round((100 * pages.size * PAGE) / size)
      } %) | ${cells.join(" | ")} |`,
    );
  }
} finally {
  await Deno.remove(scratch, { recursive: true });
}
