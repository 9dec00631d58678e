/**
 * askpw's version.
 *
 * @module
 */

/** The version printed by `askpw --version`. */
export const VERSION = "0.1.0";
