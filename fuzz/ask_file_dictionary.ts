/**
 * The vocabulary of the ask-file generator, as byte strings (see
 * `byte_strings.ts`): keys, values that sit on the edges of systemd's value
 * parsers, line terminators, and raw byte sequences that UTF-8 validators
 * disagree about.
 *
 * @module
 */
import { utf8 } from "./byte_strings.ts";

/** systemd's LONG_LINE_MAX (1 MiB): the parser refuses lines of this length or more. */
export const LINE_LIMIT = 1024 * 1024;

/** The UTF-8 byte order mark. */
export const BOM = "\xef\xbb\xbf";

/** The keys of an `[Ask]` section, as systemd writes them. */
export const ASK_KEYS = [
  "PID",
  "Socket",
  "AcceptCached",
  "Echo",
  "NotAfter",
  "Silent",
  "Message",
  "Icon",
  "Id",
] as const;

/** One of {@linkcode ASK_KEYS}. */
export type AskKey = typeof ASK_KEYS[number];

/** Keys systemd ignores: unknown, misspelt, padded inside, or non-ASCII. */
export const UNKNOWN_KEYS: readonly string[] = [
  "Keyname",
  "X-Vendor",
  "Messages",
  "Mess age",
  "PIDs",
  "Sock",
  "NotBefore",
  "Ask",
  "[Ask]",
  utf8("Méssage"),
  utf8("Mеssage"), // Cyrillic е
  "Message\\",
  "Id;",
  "#Message",
];

/**
 * Every end-of-line form: the parser counts each of these as one line end
 * (systemd's read_line()), so they are where split bugs hide.
 */
export const LINE_TERMINATORS: readonly string[] = [
  "\n",
  "\r",
  "\0",
  "\r\n",
  "\n\r",
  "\n\0",
  "\r\0",
  "\r\n\0",
  "\n\r\0",
];

/** Two line ends in a row: an empty line, which ends a continuation. */
export const DOUBLE_TERMINATORS: readonly string[] = [
  "\n\n",
  "\r\r",
  "\0\n",
  "\0\0",
  "\n\r\n",
  "\n\0\r",
  "\r\n\r\n",
];

/** Whitespace the conf-parser strips, and some it does not (\v, \f, NBSP). */
export const WHITESPACE: readonly string[] = [" ", "\t", "  ", " \t ", "\v", "\f", "\xc2\xa0"];

/** Section names: the real one, case variants, unsafe and glob ones. */
export const SECTION_NAMES: readonly string[] = [
  "Ask",
  "ask",
  "ASK",
  "aSK",
  "Other",
  "Ask2",
  "A*",
  "Ask]",
  "[Ask",
  "",
  " Ask ",
  "Ask\\",
  'Ask"',
  "Ask'",
  "Ask\x7f",
  "Ask\t",
  "Ask\x01",
  utf8("Äsk"),
  utf8("Ask\u202e"),
];

/** UINT64 and PID edge values, spelt in every base systemd's safe_atou64() knows. */
export const NUMBERS: readonly string[] = [
  "0",
  "1",
  "42",
  "9391",
  "2147483647",
  "2147483648",
  "4294967295",
  "4294967296",
  "9223372036854775807",
  "9223372036854775808",
  "18446744073709551615",
  "18446744073709551616",
  "99999999999999999999999",
  "000000000000000000000000000000000018446744073709551615",
  "-0",
  "-1",
  "-18446744073709551615",
  "+7",
  "+-7",
  "--1",
  "0x1",
  "0X7fffffffffffffff",
  "0xffffffffffffffff",
  "0x10000000000000000",
  "0x",
  "0xg",
  "0b101",
  "0B1",
  "0b",
  "0b2",
  "0b -1",
  "0o777",
  "0O17",
  "0o",
  "0777",
  "08",
  "01777777777777777777777",
  "02000000000000000000000",
  "0b1111111111111111111111111111111111111111111111111111111111111111",
  "0b10000000000000000000000000000000000000000000000000000000000000000",
  " 12",
  "\t12",
  "\v-1",
  "\f5",
  "1 2",
  "12abc",
  "1e3",
  "1.0",
  "1_000",
  utf8("١٢٣"), // Arabic-Indic digits
  utf8("１２"), // full-width digits
  "",
];

/** Boolean spellings, true, false, and neither. */
export const BOOLEANS: readonly string[] = [
  "1",
  "0",
  "yes",
  "no",
  "y",
  "n",
  "true",
  "false",
  "t",
  "f",
  "on",
  "off",
  "YES",
  "No",
  "TRUE",
  "oFf",
  "2",
  "-1",
  "ye",
  "yess",
  "tru",
  "o",
  "",
  utf8("yeſ"), // long s: folds to "yes" only under Unicode case folding
  utf8("ｙｅｓ"),
];

/** Socket= values: plausible, unsafe (quotes, backslash, control), relative, abstract. */
export const SOCKETS: readonly string[] = [
  "/run/systemd/ask-password/sck.1",
  "/run/systemd/ask-password//sck.792dd030805b17ba",
  "/run/systemd/ask-password/sck.dead",
  "/run/systemd/ask-password/../sck.1",
  "/run/user/1000/systemd/ask-password/sck.2",
  "/tmp/sck",
  "/",
  "sck.relative",
  "@abstract",
  '/run/systemd/ask-password/sck"q',
  "/run/systemd/ask-password/sck'q",
  "/run/systemd/ask-password/sck\\q",
  "/run/systemd/ask-password/sck\x01",
  "/run/systemd/ask-password/sck\x7f",
  "/run/systemd/ask-password/sck*?[x]",
  utf8("/run/systemd/ask-password/sck.é"),
  utf8("/run/systemd/ask-password/sck.\u2028"),
  "/run/systemd/ask-password/" + "a".repeat(300),
  "",
];

/** Texts for Message=, Icon= and Id=: quotes, escapes, bidi, C0/C1 controls, emoji. */
export const TEXTS: readonly string[] = [
  "Please enter passphrase for disk root:",
  'Hello "world" \\ test',
  "drive-harddisk",
  "cryptsetup:/dev/sda5",
  "cryptsetup:\\x2fdev\\x2fsda5",
  "Message=inside a message",
  "a=b=c",
  "[Ask]",
  "#not a comment",
  ";not a comment either",
  "trailing backslash \\",
  "two backslashes \\\\",
  "\x1b[2J\x1b[31mred\x1b]0;title\x07",
  "bell\x07 backspace\x08 tab\t vt\v ff\f del\x7f",
  utf8("C1 \u009b31m \u0085 next line"),
  utf8("bidi \u202eevil\u202c \u2066x\u2069"),
  utf8("line sep \u2028 para sep \u2029"),
  utf8("bom \ufeff inside"),
  utf8("🔐 Passphrase for ☃ → ✓:"),
  utf8("ümlaut ß ẞ ſ"),
  utf8("replacement \ufffd character"),
  "%s%n%x%08x",
  "$(reboot) `id` ${HOME}",
  "",
  " ",
];

/**
 * Raw byte sequences at the edges of UTF-8: invalid, overlong, surrogates,
 * noncharacters (which systemd refuses but TextDecoder accepts), out of
 * range, truncated, and a few valid ones for contrast.
 */
export const UTF8_EDGES: readonly string[] = [
  "\x80", // lone continuation byte
  "\xbf",
  "\xc0\x80", // overlong NUL
  "\xc0\xaf", // overlong '/'
  "\xc1\xbf",
  "\xe0\x80\xaf", // overlong '/' in three bytes
  "\xe0\x9f\xbf",
  "\xf0\x80\x80\x80",
  "\xf0\x8f\xbf\xbf",
  "\xed\xa0\x80", // U+D800, a surrogate
  "\xed\xbf\xbf", // U+DFFF
  "\xed\xa0\xbd\xed\xb4\x90", // CESU-8 surrogate pair
  "\xef\xb7\x90", // U+FDD0, noncharacter
  "\xef\xb7\xaf", // U+FDEF
  "\xef\xbf\xbe", // U+FFFE
  "\xef\xbf\xbf", // U+FFFF
  "\xf0\x9f\xbf\xbe", // U+1FFFE
  "\xf4\x8f\xbf\xbf", // U+10FFFF, noncharacter
  "\xf4\x90\x80\x80", // above U+10FFFF
  "\xf5\x80\x80\x80",
  "\xf8\x88\x80\x80\x80", // five-byte form
  "\xfc\x84\x80\x80\x80\x80", // six-byte form
  "\xfe",
  "\xff",
  "\xe2\x82", // truncated three-byte
  "\xf0\x9f\x94", // truncated four-byte
  "\xc3", // truncated two-byte
  "\xc3\xa9", // é, valid
  "\xef\xbf\xbd", // U+FFFD, valid
  "\xef\xbb\xbf", // U+FEFF, valid
  "\xf0\x9f\x94\x90", // 🔐, valid
  "\xef\xb7\xb0", // U+FDF0, valid (just past the noncharacter block)
];

/** Tokens spliced into files by the mutator. */
export const MUTATION_TOKENS: readonly string[] = [
  "[Ask]",
  "[Ask]\n",
  "[Ask",
  "[",
  "]",
  "=",
  "==",
  "\\",
  "\\\n",
  "\\\r\n",
  "\\\0",
  "\\\\\n",
  "\n",
  "\r",
  "\0",
  "\r\n",
  "\n\r\0",
  "#",
  ";",
  "\n#",
  "\n;",
  " ",
  "\t",
  "\v",
  BOM,
  "Socket=/run/systemd/ask-password/sck.1",
  "\nSocket=/run/systemd/ask-password/sck.1\n",
  "\nSocket=\n",
  "PID=",
  "PID=1",
  "NotAfter=18446744073709551615",
  "NotAfter=18446744073709551616",
  "Message=",
  "Echo=1",
  "Silent=yes",
  "AcceptCached=on",
  "Icon=",
  "Id=",
  "0x",
  "0b",
  "0o",
  "-",
  "+",
  '"',
  "'",
  "\x1b[",
  ...UTF8_EDGES,
];
