/**
 * The asker's socket hardening, tried against the running kernel and
 * reported one line each (`SOCKETS: key=value`): which options it has, what
 * happens to a reply from another uid, to a reply carrying a descriptor, and
 * to root's reply. Run on the host (Linux 6.18: every option) and inside the
 * boot test's VM (Debian's 6.1: none of SO_PASSRIGHTS, SO_PASSPIDFD, pidfs).
 *
 * Usage (as root): deno run --allow-all socket_checks.ts [SETPRIV [SENDER]]
 * (SENDER: send_datagram.ts, or a bundle of it where there is no source tree).
 *
 * @module
 */
import { ReplySocket } from "../../src/asker/reply_socket.ts";
import { SystemCallError } from "../../src/ffi/errno.ts";
import { closeFd, openFile, OpenFlags } from "../../src/ffi/file_descriptor.ts";
import { pidfsInodeId } from "../../src/ffi/pidfs.ts";
import { openPidfd } from "../../src/ffi/process.ts";
import { sendDatagram } from "../../src/ffi/datagram_socket.ts";
import { sendWithDescriptors } from "../../src/ffi/ancillary_messages.ts";

const setpriv = Deno.args[0] ?? "setpriv";
const report = (key: string, value: string) => console.log(`SOCKETS: ${key}=${value}`);
const encoder = new TextEncoder();

const directory = Deno.makeTempDirSync({ prefix: "askpw-socket-checks-" });
try {
  const self = openPidfd(Deno.pid)!;
  report("pidfs", pidfsInodeId(self)?.toString() ?? "none");
  closeFd(self);

  using socket = ReplySocket.open(directory);
  report("SO_PASSRIGHTS", socket.features.refusesDescriptors ? "0" : "unsupported");
  report("SO_PASSPIDFD", socket.features.receivesPidfds ? "1" : "unsupported");
  const mode = Deno.statSync(socket.path).mode! & 0o777;
  report("socket-mode", mode.toString(8));

  // Another uid: the socket is 0600, so open it up as a careless asker
  // would, and let nobody send (the kernel then attaches uid 65534).
  Deno.chmodSync(socket.path, 0o666);
  Deno.chmodSync(directory, 0o755);
  const sender = Deno.args[1] ?? new URL("./send_datagram.ts", import.meta.url).pathname;
  const nobody = await new Deno.Command(setpriv, {
    args: [
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      "--",
      Deno.execPath(),
      "run",
      "--allow-ffi",
      "--no-config",
      sender,
      socket.path,
      "+from-nobody",
    ],
    env: { DENO_DIR: `${directory}/deno-dir` },
    stdout: "null",
    stderr: "inherit",
  }).output();
  report("nobody-sent", nobody.code === 0 ? "yes" : `no (${nobody.code})`);
  report("nobody-reply", judged(socket.receive()));

  // Root, with a descriptor attached.
  const marker = `${directory}/passed-descriptor-marker`;
  Deno.writeTextFileSync(marker, "x");
  const passed = openFile(marker, OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC);
  try {
    sendWithDescriptors(socket.path, encoder.encode("+with-descriptor"), [passed]);
    report("descriptor-send", "delivered");
    report("descriptor-reply", judged(socket.receive()));
    const leaked = [...Deno.readDirSync("/proc/self/fd")].some((entry) => {
      try {
        return Deno.readLinkSync(`/proc/self/fd/${entry.name}`) === marker &&
          Number(entry.name) !== passed;
      } catch {
        return false;
      }
    });
    report("descriptor-left-open", leaked ? "yes" : "no");
  } catch (error) {
    report(
      "descriptor-send",
      error instanceof SystemCallError ? `refused (${error.code})` : String(error),
    );
  } finally {
    closeFd(passed);
  }

  // Root, plainly: the answer.
  sendDatagram(socket.path, encoder.encode("+from-root\0"));
  report("root-reply", judged(socket.receive()));
} finally {
  Deno.removeSync(directory, { recursive: true });
}

function judged(datagrams: ReturnType<ReplySocket["receive"]>): string {
  if (datagrams.length === 0) return "nothing received";
  return datagrams.map((datagram) => {
    if (datagram.kind === "ignored") return `ignored (${datagram.reason})`;
    if (datagram.kind === "cancel") return "cancel";
    const text = datagram.passwords.map((password) => new TextDecoder().decode(password));
    const sender = datagram.sender.identity?.pidfdId !== undefined ? ", sender pidfd" : "";
    return `accepted ${JSON.stringify(text)}${sender}`;
  }).join("; ");
}
