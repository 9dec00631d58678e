/**
 * Keeps track of plymouthd: whether it answers, and which terminals it holds
 * open (those are the consoles it draws on, which askpw's text prompts must
 * leave alone while it lives).
 *
 * @module
 */
import { closeFd } from "../ffi/file_descriptor.ts";
import { linkTarget } from "../ffi/file_path.ts";
import { identifyProcess } from "../request/asker_identity.ts";
import { processHasExited } from "../ffi/process.ts";
import { ChangeSignal } from "../agent/change_signal.ts";
import type { Logger } from "../log/log.ts";
import { AbortScope } from "../reactor/abort_scope.ts";
import { type Reactor, Readiness, type Watch } from "../reactor/reactor.ts";
import { PLYMOUTH_SOCKET, PlymouthConnection } from "./connection.ts";
import { PlymouthRequest } from "./protocol.ts";

/** How often plymouthd is pinged to notice it starting (its death is noticed at once). */
const PING_INTERVAL_MS = 1000;

/** plymouthd's state, refreshed by pings. */
export class PlymouthMonitor {
  /** Whether plymouthd answered the last ping. */
  alive = false;
  /** plymouthd's PID while alive. */
  pid = 0;
  /** Terminal devices plymouthd holds open while alive. */
  terminals: ReadonlySet<string> = new Set();
  #changes = new ChangeSignal();
  #poke = new ChangeSignal();
  #socket: string;
  #log: Logger;
  #reactor: Reactor;
  /** The impostor last logged, so one keeps causing one log line. */
  #impostor = "";
  /** A plymouthd that broke the protocol: not used again while this PID serves. */
  #distrusted = 0;
  /** plymouthd's pidfd (SO_PEERPIDFD) in the reactor: its exit is noticed at once. */
  #exitWatch: { pid: number; pidfd: number; watch: Watch } | undefined;

  /**
   * Creates the monitor; call {@linkcode PlymouthMonitor.run} to start it.
   *
   * @param log Where changes are logged.
   * @param reactor Waits for plymouthd's replies and the next ping.
   * @param socket plymouthd's address.
   */
  constructor(log: Logger, reactor: Reactor, socket: string = PLYMOUTH_SOCKET) {
    this.#log = log;
    this.#reactor = reactor;
    this.#socket = socket;
  }

  /** plymouthd's address. */
  get socket(): string {
    return this.#socket;
  }

  /**
   * Whether plymouthd draws on `device` right now.
   *
   * @param device A terminal device path.
   * @returns True while plymouthd lives and holds it open.
   */
  drives(device: string): boolean {
    if (!this.alive) return false;
    return this.terminals.has(device) || this.terminals.has(linkTarget(device) ?? device);
  }

  /**
   * Waits until plymouthd's state changes (or `signal` aborts).
   *
   * @param signal Ends the wait.
   */
  changed(signal: AbortSignal): Promise<void> {
    return this.#changes.wait(signal);
  }

  /**
   * Stops using the plymouthd with `pid`, which broke the protocol (e.g. sent
   * several answers to one prompt): the consoles ask instead until another
   * plymouthd serves the socket.
   *
   * @param pid The misbehaving daemon's PID.
   * @param reason What it did, for the log.
   */
  distrust(pid: number, reason: string): void {
    if (this.#distrusted === pid) return;
    this.#distrusted = pid;
    this.#log.warning(`Not using plymouthd (PID ${pid}) any more: ${reason}`);
    if (this.alive && this.pid === pid) {
      // At once: the consoles it seemed to draw on take over now.
      this.alive = false;
      this.pid = 0;
      this.terminals = new Set();
      this.#changes.notify();
    }
  }

  /** Asks for a fresh check now (e.g. after a connection broke). */
  poke(): void {
    this.#poke.notify();
  }

  /**
   * Checks plymouthd once.
   *
   * @param signal Ends the check early.
   */
  async refresh(signal: AbortSignal): Promise<void> {
    // Its pidfd knows before any ping does.
    if (this.#exitWatch && processHasExited(this.#exitWatch.pidfd)) {
      this.#onExit(this.#exitWatch.pid);
    }
    let alive = false;
    let pid = 0;
    const dial = PlymouthConnection.open(this.#reactor, this.#socket);
    if (dial.kind === "impostor") {
      const { pid: impostorPid, uid } = dial.peer;
      const who = `${impostorPid}:${uid}`;
      if (who !== this.#impostor) {
        this.#impostor = who;
        this.#log.warning(
          `Refusing ${this.#socket}: it is served by PID ${impostorPid} as uid ${uid}, ` +
            "not root, so it is not plymouthd; the consoles keep asking",
        );
      }
    } else if (dial.kind === "connected") {
      this.#impostor = "";
      using connection = dial.connection;
      try {
        const reply = await connection.request(PlymouthRequest.PING, undefined, signal, 2000);
        alive = reply.kind === "ack" && connection.peer.pid !== this.#distrusted;
        pid = alive ? connection.peer.pid : 0;
        if (alive && this.#exitWatch?.pid !== pid) this.#watchExit(connection);
      } catch {
        alive = false;
      }
    }
    const terminals = alive ? openTerminals(pid) : new Set<string>();
    const changed = alive !== this.alive || pid !== this.pid ||
      [...terminals].join() !== [...this.terminals].join();
    this.alive = alive;
    this.pid = pid;
    this.terminals = terminals;
    if (changed) {
      this.#log.info(
        alive
          ? `plymouthd (PID ${pid}) answers; it draws on ${
            [...terminals].join(", ") || "no terminal"
          }`
          : "plymouthd does not answer; the consoles prompt",
      );
      this.#changes.notify();
    }
  }

  /**
   * Refreshes every second, and at once after {@linkcode PlymouthMonitor.poke}, until `signal` aborts.
   *
   * @param signal Stops the monitor.
   */
  async run(signal: AbortSignal): Promise<void> {
    try {
      await this.#run(signal);
    } finally {
      this.#stopExitWatch();
    }
  }

  /** Identifies plymouthd through its pidfd and learns of its exit through it. */
  #watchExit(connection: PlymouthConnection): void {
    this.#stopExitWatch();
    const pid = connection.peer.pid;
    const pidfd = connection.peerPidfd();
    if (pidfd === undefined) {
      this.#log.debug(`plymouthd (PID ${pid}): no SO_PEERPIDFD on this kernel; pings tell its end`);
      return;
    }
    const identity = identifyProcess(pid, pidfd);
    this.#log.debug(
      `plymouthd (PID ${pid}) is ${identity?.exe ?? "an unknown executable"}, unit ${
        identity?.unit ?? "none"
      }, pidfs ID ${identity?.pidfdId ?? "none"}`,
    );
    const watch = this.#reactor.watch(pidfd, Readiness.IN, () => this.#onExit(pid));
    this.#exitWatch = { pid, pidfd, watch };
  }

  #onExit(pid: number): void {
    this.#stopExitWatch();
    if (this.pid !== pid) return;
    this.#log.info(`plymouthd (PID ${pid}) exited; the consoles prompt`);
    this.alive = false;
    this.pid = 0;
    this.terminals = new Set();
    this.#changes.notify();
  }

  #stopExitWatch(): void {
    if (!this.#exitWatch) return;
    this.#exitWatch.watch.close();
    closeFd(this.#exitWatch.pidfd);
    this.#exitWatch = undefined;
  }

  async #run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.refresh(signal);
      using nap = new AbortScope(signal);
      await Promise.race([
        this.#poke.wait(nap.signal),
        this.#reactor.sleep(PING_INTERVAL_MS, nap.signal),
      ]);
    }
  }
}

/** The terminal devices among a process's open files (/proc/<pid>/fd). */
function openTerminals(pid: number): Set<string> {
  const terminals = new Set<string>();
  for (let fd = 0; fd < 256; fd++) {
    const target = linkTarget(`/proc/${pid}/fd/${fd}`);
    if (target && /^\/dev\/(tty\w*|pts\/\d+|console|hvc\d+)$/.test(target)) terminals.add(target);
  }
  return terminals;
}
