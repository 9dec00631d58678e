/**
 * A program that serves plymouthd's abstract socket without being plymouthd:
 * the impostor an unprivileged local user could start, or a broken daemon.
 * It acknowledges pings, answers prompts with `--password`, answers `c` with
 * `--cached-empties` empty passwords, and with `--multiple` answers a prompt
 * with several answers. Every request it receives is printed to stdout as one
 * JSON line, so a test can tell what askpw revealed to it.
 *
 * Usage: deno run --allow-ffi fake_plymouthd_server.ts [--password=P]
 *        [--cached-empties=N] [--multiple]
 *
 * @module
 */
import { takePlymouthRequests } from "./plymouth_requests.ts";
import { parseArgs } from "node:util";
import { closeFd, readFd, writeSome } from "../../src/ffi/file_descriptor.ts";
import { acceptConnection, listenStream } from "../../src/ffi/stream_socket.ts";
import { realUserId } from "../../src/ffi/process.ts";
import { Reactor, Readiness } from "../../src/reactor/reactor.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    password: { type: "string", default: "impostor-password" },
    "cached-empties": { type: "string", default: "0" },
    multiple: { type: "boolean", default: false },
  },
});
const encoder = new TextEncoder();

function frame(type: number, payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(5 + payload.length);
  bytes[0] = type;
  new DataView(bytes.buffer).setUint32(1, payload.length, true);
  bytes.set(payload, 5);
  return bytes;
}

function answer(type: number): Uint8Array<ArrayBuffer> {
  if (type === 0x50) return new Uint8Array([0x06]); // ping → ACK
  if (type === 0x63) { // cached passwords
    const empties = Number(values["cached-empties"]);
    return empties > 0 ? frame(0x09, new Uint8Array(empties)) : new Uint8Array([0x05]);
  }
  if (type === 0x2a || type === 0x57) { // password, question
    const password = encoder.encode(values.password);
    if (!values.multiple) return frame(0x02, password);
    return frame(0x09, new Uint8Array([...password, 0, ...password, 0]));
  }
  return new Uint8Array([0x06]);
}

const reactor = new Reactor();
const listener = listenStream("@/org/freedesktop/plymouthd");
console.log(JSON.stringify({ listening: true, uid: realUserId() }));
reactor.watch(listener, Readiness.IN, () => {
  for (;;) {
    const client = acceptConnection(listener);
    if (client === null) return;
    console.log(JSON.stringify({ connection: true }));
    let pending = new Uint8Array(0);
    const chunk = new Uint8Array(4096);
    const watch = reactor.watch(client, Readiness.IN, () => {
      const count = readFd(client, chunk);
      if (count === null) return;
      if (count === 0) {
        watch.close();
        closeFd(client);
        return;
      }
      pending = new Uint8Array([...pending, ...chunk.subarray(0, count)]);
      const taken = takePlymouthRequests(pending);
      pending = taken.rest;
      for (const { type, request, argument } of taken.requests) {
        console.log(JSON.stringify({ request, argument }));
        writeSome(client, answer(type));
      }
    });
  }
});
