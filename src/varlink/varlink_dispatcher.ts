/**
 * Dispatch by method name: each call goes to the handler its interface
 * registered; `org.varlink.service` is always served. A method not served
 * (also of an interface not served, as systemd answers) is
 * `MethodNotFound`; a parameter a handler refuses is `InvalidParameter`; a
 * handler that fails is logged and answered `io.systemd.System` (EIO).
 *
 * @module
 */
import type { Logger } from "../log/log.ts";
import type { LogRateLimit } from "../log/log_rate_limit.ts";
import { InvalidParameterError } from "./varlink_parameters.ts";
import { linuxError, SYSTEM_ERROR } from "./systemd_interface.ts";
import { encodeError, encodeReply, type VarlinkCall } from "./varlink_message.ts";
import type {
  VarlinkCaller,
  VarlinkInterface,
  VarlinkMethod,
  VarlinkMethodCall,
} from "./varlink_method.ts";
import { SERVICE_INTERFACE, varlinkServiceInterface } from "./varlink_service_interface.ts";

/** What a dispatched call needs of its connection. */
export interface DispatchContext {
  /** Who calls. */
  caller: VarlinkCaller;
  /** Where lines a hostile caller could repeat go. */
  limitedLog: LogRateLimit;
  /** Aborted when the connection closes. */
  signal: AbortSignal;
  /** Writes a framed reply to the connection. */
  send(bytes: Uint8Array): void;
}

/** The methods of the interfaces served, by fully qualified name. */
export class VarlinkDispatcher {
  #methods = new Map<string, VarlinkMethod>();
  #descriptions = new Map<string, string>();
  #log: Logger;

  /**
   * Registers the interfaces' methods, and `org.varlink.service`'s.
   *
   * @example Usage
   * ```ts
   * import { VarlinkDispatcher } from "./varlink_dispatcher.ts";
   * import { systemdInterface } from "./systemd_interface.ts";
   * import { createLogger } from "../log/log.ts";
   * const dispatcher = new VarlinkDispatcher([systemdInterface], createLogger());
   * dispatcher.names(); // ["io.systemd", "org.varlink.service"]
   * ```
   * @param interfaces The interfaces served.
   * @param log Where a failing handler is logged.
   * @throws {TypeError} When two interfaces have the same name.
   */
  constructor(interfaces: readonly VarlinkInterface[], log: Logger) {
    this.#log = log;
    const service = varlinkServiceInterface({
      names: () => this.names(),
      description: (name) => this.#descriptions.get(name),
    });
    for (const served of [...interfaces, service]) {
      if (this.#descriptions.has(served.name)) {
        throw new TypeError(`Varlink interface ${served.name} registered twice`);
      }
      this.#descriptions.set(served.name, served.description);
      for (const [name, method] of served.methods) {
        this.#methods.set(`${served.name}.${name}`, method);
      }
    }
  }

  /**
   * The interfaces served, sorted as systemd's GetInfo lists them.
   *
   * @example Usage
   * ```ts
   * import { VarlinkDispatcher } from "./varlink_dispatcher.ts";
   * import { createLogger } from "../log/log.ts";
   * new VarlinkDispatcher([], createLogger()).names(); // ["org.varlink.service"]
   * ```
   * @returns Their names.
   */
  names(): string[] {
    return [...this.#descriptions.keys()].sort();
  }

  /**
   * Answers one call through its handler; never rejects. Replies to a
   * oneway call are dropped here.
   *
   * @example Usage
   * ```ts
   * import { VarlinkDispatcher } from "./varlink_dispatcher.ts";
   * import { parseCall } from "./varlink_message.ts";
   * import { LogRateLimit } from "../log/log_rate_limit.ts";
   * import { createLogger } from "../log/log.ts";
   * const log = createLogger();
   * using limitedLog = new LogRateLimit(log);
   * await new VarlinkDispatcher([], log).dispatch(
   *   parseCall(new TextEncoder().encode('{"method":"org.varlink.service.GetInfo"}')),
   *   {
   *     caller: { peer: undefined, sender: undefined, identity: undefined },
   *     limitedLog,
   *     signal: new AbortController().signal,
   *     send: (reply) => console.log(new TextDecoder().decode(reply)),
   *   },
   * );
   * ```
   * @param call The call, as parsed.
   * @param context Who calls, and where replies go.
   * @returns When the handler is done with it.
   */
  async dispatch(call: VarlinkCall, context: DispatchContext): Promise<void> {
    const send = (bytes: Uint8Array) => {
      if (!call.oneway) context.send(bytes);
    };
    const methodCall: VarlinkMethodCall = {
      ...call,
      caller: context.caller,
      limitedLog: context.limitedLog,
      signal: context.signal,
      reply: (parameters, options) => {
        if (options?.continues && !call.more) {
          throw new TypeError(`Varlink: ${call.method} was not called with more`);
        }
        send(encodeReply(parameters, options?.continues));
      },
      error: (name, parameters) => send(encodeError(name, parameters)),
      send,
    };
    try {
      try {
        const method = this.#methods.get(call.method);
        if (method) await method(methodCall);
        else methodCall.error(`${SERVICE_INTERFACE}.MethodNotFound`, { method: call.method });
      } catch (error) {
        if (!(error instanceof InvalidParameterError)) throw error;
        methodCall.error(`${SERVICE_INTERFACE}.InvalidParameter`, { parameter: error.parameter });
      }
    } catch (error) {
      this.#log.error(`Varlink: ${call.method} failed: ${(error as Error).message}`);
      methodCall.error(SYSTEM_ERROR, linuxError(5, "EIO"));
    }
  }
}
