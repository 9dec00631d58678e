/**
 * `org.varlink.service`, which every Varlink server serves: `GetInfo` (who
 * serves, and which interfaces) and `GetInterfaceDescription`, answered from
 * the interfaces a server was given.
 *
 * @module
 */
import { VERSION } from "../version.ts";
import { checkParameterTypes, type VarlinkField } from "./varlink_parameters.ts";
import type { VarlinkInterface } from "./varlink_method.ts";

/** The interface's name. */
export const SERVICE_INTERFACE = "org.varlink.service";

const SERVICE_DESCRIPTION = `# The Varlink service interface
interface org.varlink.service

method GetInfo() -> (
  vendor: string,
  product: string,
  version: string,
  url: string,
  interfaces: []string
)

method GetInterfaceDescription(interface: string) -> (description: string)

error InterfaceNotFound (interface: string)
error MethodNotFound (method: string)
error MethodNotImplemented (method: string)
error InvalidParameter (parameter: string)
error PermissionDenied ()
error ExpectedMore ()
`;

const GET_INTERFACE_DESCRIPTION_FIELDS: readonly VarlinkField[] = [
  { name: "interface", type: "string", optional: false },
];

/** What `org.varlink.service` tells about the server it is part of. */
export interface ServedInterfaces {
  /** The names of every interface served (this one included), sorted as systemd sorts them. */
  names(): string[];
  /** An interface's description, when it is served. */
  description(name: string): string | undefined;
}

/**
 * `org.varlink.service` for a server that serves `served`.
 *
 * @example Usage
 * ```ts
 * import { varlinkServiceInterface } from "./varlink_service_interface.ts";
 * const service = varlinkServiceInterface({
 *   names: () => ["org.varlink.service"],
 *   description: () => undefined,
 * });
 * service.methods.has("GetInfo"); // true
 * ```
 * @param served The interfaces served.
 * @returns The interface, with its two methods.
 */
export function varlinkServiceInterface(served: ServedInterfaces): VarlinkInterface {
  return {
    name: SERVICE_INTERFACE,
    description: SERVICE_DESCRIPTION,
    methods: new Map([
      ["GetInfo", (call) => {
        checkParameterTypes(call.parameters, []);
        call.reply({
          vendor: "askpw",
          product: "askpw",
          version: VERSION,
          url: "https://github.com/askpw/askpw",
          interfaces: served.names(),
        });
      }],
      ["GetInterfaceDescription", (call) => {
        checkParameterTypes(call.parameters, GET_INTERFACE_DESCRIPTION_FIELDS);
        const wanted = call.parameters.interface as string;
        const description = served.description(wanted);
        if (description === undefined) {
          call.error(`${SERVICE_INTERFACE}.InterfaceNotFound`, { interface: wanted });
        } else {
          call.reply({ description });
        }
      }],
    ]),
  };
}
