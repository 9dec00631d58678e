/**
 * A Varlink call's parameters checked against its method's declared input,
 * as sd-varlink checks them before a method sees them; what is wrong is
 * answered `org.varlink.service.InvalidParameter`.
 *
 * @module
 */

const UINT64_MAX = 18446744073709551615n;

/** A parameter that is wrong: the reply is `org.varlink.service.InvalidParameter`. */
export class InvalidParameterError extends Error {
  /** The parameter's name. */
  readonly parameter: string;

  /**
   * Creates the error.
   *
   * @param parameter The parameter's name.
   */
  constructor(parameter: string) {
    super(`invalid parameter ${parameter}`);
    this.name = "InvalidParameterError";
    this.parameter = parameter;
  }
}

/** A field's type in a method's input, as the interface description declares it. */
export type VarlinkFieldType = "string" | "int" | "bool" | readonly string[];

/** One input field of a method: its name, its type, and whether it is optional (`?type`). */
export interface VarlinkField {
  /** The field's name. */
  name: string;
  /** `string`, `int`, `bool`, or an enum's values. */
  type: VarlinkFieldType;
  /** Declared `?type`: it may be missing or null. */
  optional: boolean;
}

const INT64_MIN = -(2n ** 63n);

/**
 * Checks a call's parameters against its method's declared input, in the
 * order systemd (sd-varlink) does before the method sees them: every declared
 * field in the declaration's order (a required one missing or null, a value
 * of the wrong type), then fields the method does not declare, in the call's
 * order. An `int` may also come as a string (read when the value is taken);
 * a JSON number that is no integer in [-2^63, 2^64) is refused.
 *
 * @example Usage
 * ```ts
 * import { checkParameterTypes, InvalidParameterError } from "./varlink_parameters.ts";
 * import assert from "node:assert/strict";
 *
 * const fields = [{ name: "interface", type: "string", optional: false }] as const;
 * checkParameterTypes({ interface: "io.systemd" }, fields);
 * assert.throws(() => checkParameterTypes({ other: 1 }, fields), InvalidParameterError);
 * ```
 * @param parameters The call's parameters.
 * @param fields The method's declared input fields.
 * @throws {InvalidParameterError} Naming the first parameter that is wrong.
 */
export function checkParameterTypes(
  parameters: Record<string, unknown>,
  fields: readonly VarlinkField[],
): void {
  for (const field of fields) {
    const value = parameters[field.name];
    if (value === undefined || value === null) {
      if (!field.optional) throw new InvalidParameterError(field.name);
      continue;
    }
    if (!hasType(value, field.type)) throw new InvalidParameterError(field.name);
  }
  const declared = new Set(fields.map((field) => field.name));
  for (const name of Object.keys(parameters)) {
    if (!declared.has(name)) throw new InvalidParameterError(name);
  }
}

function hasType(value: unknown, type: VarlinkFieldType): boolean {
  if (typeof type !== "string") return typeof value === "string" && type.includes(value);
  switch (type) {
    case "string":
      return typeof value === "string";
    case "bool":
      return typeof value === "boolean";
    case "int":
      if (typeof value === "string") return true;
      if (typeof value === "bigint") return value >= INT64_MIN && value <= UINT64_MAX;
      return typeof value === "number" && Number.isInteger(value) &&
        value >= Number(INT64_MIN) && value < 2 ** 64;
  }
}
