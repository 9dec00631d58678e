/**
 * Sends one datagram to an AF_UNIX socket as whoever runs it (tests run it
 * through setpriv as another uid). Exit 0 when sent, 1 otherwise.
 *
 * Usage: deno run --allow-ffi send_datagram.ts SOCKET TEXT
 *
 * @module
 */
import { sendDatagram } from "../../src/ffi/datagram_socket.ts";

const [path, text] = Deno.args;
try {
  sendDatagram(path, new TextEncoder().encode(text));
} catch (error) {
  console.error(`send_datagram: ${(error as Error).message}`);
  Deno.exit(1);
}
