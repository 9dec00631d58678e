/**
 * askpw(8), the manual page, made from the same text as `askpw --help` and the
 * subcommands' `--help` (the usage constants in src/cli/), so that the two
 * never disagree. Writes roff (man macros) to stdout; tools/deb.sh runs it:
 *
 * ```sh
 * deno run --allow-ffi tools/man_page.ts [--date=YYYY-MM-DD] > askpw.8
 * ```
 *
 * --allow-ffi because src/cli/varlink_command.ts, where `askpw varlink
 * --help` lives, loads libc when imported. The date defaults to
 * $SOURCE_DATE_EPOCH's, else today's.
 *
 * How the help text is read: its first line is "askpw[ COMMAND] — summary";
 * then blocks separated by empty lines. A block with lines indented by two
 * spaces is a list ("  TERM   description", continued by deeper-indented
 * lines) under the heading its unindented lines make ("Options:"); a block
 * without is a paragraph. Help paragraphs that state exit statuses go to
 * EXIT STATUS; the rest stays with its command.
 *
 * @module
 */
import { ASK_USAGE } from "../src/cli/parse_ask_command_line.ts";
import { USAGE } from "../src/cli/parse_command_line.ts";
import { REPLY_USAGE } from "../src/cli/parse_reply_command_line.ts";
import { SYSTEM_VARLINK_SOCKET, VARLINK_USAGE } from "../src/cli/varlink_command.ts";
import { SYSTEM_ASK_DIRECTORY } from "../src/protocol/ask_directory.ts";
import { VERSION } from "../src/version.ts";

/** One "  TERM   description" item of a help list. */
export interface HelpEntry {
  /** The term: a command line or an option, e.g. `--console=DEVICE`. */
  term: string;
  /** Its description (continuation lines joined), possibly empty. */
  text: string;
}

/** A block of help text: a paragraph, or a list with its heading. */
export interface HelpBlock {
  /** The unindented lines, joined (a list's heading without its final colon). */
  text: string;
  /** The indented items; empty for a paragraph. */
  entries: HelpEntry[];
}

/** A help text, taken apart. */
export interface HelpText {
  /** The command it is about: `askpw` or `askpw ask`. */
  name: string;
  /** The text after the dash on the first line. */
  summary: string;
  /** The blocks after the first line. */
  blocks: HelpBlock[];
}

/**
 * Takes a help text apart (see the module documentation for the format).
 *
 * @example Usage
 * ```ts
 * import { parseHelp } from "./man_page.ts";
 * const help = parseHelp("askpw x — does x\n\nOptions:\n  --y    Does y\n");
 * // help.blocks[0]: { text: "Options", entries: [{ term: "--y", text: "Does y" }] }
 * ```
 * @param help The text `--help` prints.
 * @returns Its name, summary and blocks.
 * @throws {Error} When the first line has no " — " or an item has no term.
 */
export function parseHelp(help: string): HelpText {
  const [first, ...rest] = help.trimEnd().split("\n");
  const dash = first.indexOf(" — ");
  if (dash < 0) throw new Error(`help text without "name — summary": ${first}`);
  const blocks: HelpBlock[] = [];
  for (const chunk of rest.join("\n").split(/\n\s*\n/)) {
    const lines = chunk.split("\n").filter((line) => line.trim() !== "");
    if (lines.length === 0) continue;
    const lead: string[] = [];
    const entries: HelpEntry[] = [];
    for (const line of lines) {
      if (!line.startsWith("  ")) {
        if (entries.length > 0) throw new Error(`unindented line inside a list: ${line}`);
        lead.push(line.trim());
      } else if (!line.startsWith("   ")) {
        const item = /^ {2}(\S.*?)(?: {2,}(.*))?$/.exec(line);
        if (!item) throw new Error(`list item without a term: ${line}`);
        entries.push({ term: item[1], text: item[2] ?? "" });
      } else {
        const last = entries.at(-1);
        if (!last) throw new Error(`continuation line before any item: ${line}`);
        last.text = `${last.text} ${line.trim()}`.trim();
      }
    }
    const text = lead.join(" ");
    blocks.push({ text: entries.length > 0 ? text.replace(/:$/, "") : text, entries });
  }
  return { name: first.slice(0, dash), summary: first.slice(dash + 3), blocks };
}

/**
 * Escapes text for roff: backslashes, hyphen-minus signs (`\-`, so that
 * options and paths copy as typed), and every character beyond ASCII as a
 * `\[uXXXX]` glyph (groff reads its input as Latin-1 unless told otherwise).
 *
 * @example Usage
 * ```ts
 * import { roffEscape } from "./man_page.ts";
 * roffEscape("a\\b --c — d"); // "a\\eb \\-\\-c \\[u2014] d"
 * ```
 * @param text Plain text.
 * @returns Text safe inside a roff line (not yet at its start: see {@linkcode roffLine}).
 */
export function roffEscape(text: string): string {
  let escaped = "";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === "\\") escaped += "\\e";
    else if (char === "-") escaped += "\\-";
    else if (code < 0x20 || code > 0x7e) {
      escaped += `\\[u${code.toString(16).toUpperCase().padStart(4, "0")}]`;
    } else escaped += char;
  }
  return escaped;
}

/**
 * One roff text line: escaped, and protected with `\&` when it would start
 * with a control character (`.` or `'`), which would make it a request.
 *
 * @example Usage
 * ```ts
 * import { roffLine } from "./man_page.ts";
 * roffLine(".hidden"); // "\\&.hidden"
 * ```
 * @param text Plain text (one line; leading and trailing spaces are dropped).
 * @returns The roff line.
 */
export function roffLine(text: string): string {
  const escaped = roffEscape(text.trim().replace(/\s+/g, " "));
  return /^[.']/.test(escaped) ? `\\&${escaped}` : escaped;
}

/**
 * A macro argument in double quotes (inside which a double quote is `\(dq`).
 *
 * @param text Plain text.
 * @returns The quoted argument.
 */
function roffArgument(text: string): string {
  return `"${roffEscape(text).replaceAll('"', "\\(dq")}"`;
}

/**
 * A command line or option in man-page style: literal parts bold,
 * metavariables (DEVICE, SEC) italic, brackets, bars and commas roman.
 *
 * @example Usage
 * ```ts
 * import { formatTerm } from "./man_page.ts";
 * formatTerm("--console=DEVICE"); // "\\fB\\-\\-console=\\fR\\fIDEVICE\\fR"
 * ```
 * @param term The term as the help text writes it.
 * @returns A roff line with font escapes.
 */
export function formatTerm(term: string): string {
  // Fonts: B(old) literal, I(talic) metavariable, R(oman) punctuation, S(pace).
  const segments: { font: "B" | "I" | "R" | "S"; text: string }[] = [];
  for (const piece of term.split(/([[\]|,]|\.\.\.|\s+)/)) {
    if (piece === "") continue;
    if (/^\s+$/.test(piece)) segments.push({ font: "S", text: " " });
    else if (/^([[\]|,]|\.\.\.)$/.test(piece)) segments.push({ font: "R", text: piece });
    else {
      // A metavariable is a whole word of capitals (DEVICE), not the A of AskPassword.
      for (const part of piece.split(/((?<![A-Za-z])[A-Z][A-Z_]*[A-Z](?![A-Za-z]))/)) {
        if (part !== "") segments.push({ font: /^[A-Z_]+$/.test(part) ? "I" : "B", text: part });
      }
    }
  }
  // "askpw list": one bold run, spaces between bold words included.
  segments.forEach((segment, index) => {
    if (segment.font !== "S") return;
    const bold = segments[index - 1]?.font === "B" && segments[index + 1]?.font === "B";
    segment.font = bold ? "B" : "R";
  });
  let line = "";
  let run: { font: string; text: string } | undefined;
  const flush = () => {
    if (!run) return;
    const text = roffEscape(run.text);
    line += run.font === "R" ? text : `\\f${run.font}${text}\\fR`;
  };
  for (const segment of segments) {
    if (run && run.font === segment.font) run.text += segment.text;
    else {
      flush();
      run = { ...segment };
    }
  }
  flush();
  return /^[.']/.test(line) ? `\\&${line}` : line;
}

/** Ends a sentence-like fragment with a full stop unless it has one. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** A paragraph's lines. */
function paragraph(text: string): string[] {
  return [".PP", roffLine(text)];
}

/** A tagged list: `.TP`, the term, its description. */
function entryList(entries: readonly HelpEntry[]): string[] {
  return entries.flatMap((entry) => [
    ".TP",
    formatTerm(entry.term),
    ...(entry.text ? [roffLine(sentence(entry.text))] : []),
  ]);
}

/** Synopsis lines, one per line of output. */
function synopsis(entries: readonly HelpEntry[]): string[] {
  return entries.flatMap((entry, index) => [
    ...(index > 0 ? [".br"] : []),
    formatTerm(entry.term),
  ]);
}

/** The block with this heading; throws when there is none. */
function blockNamed(help: HelpText, heading: string): HelpBlock {
  const block = help.blocks.find((block) => block.entries.length > 0 && block.text === heading);
  if (!block) throw new Error(`${help.name} --help has no "${heading}:" list`);
  return block;
}

/** Whether a help paragraph is about exit statuses. */
function aboutExitStatus(block: HelpBlock): boolean {
  return block.entries.length === 0 && /exit status/i.test(block.text);
}

/** What `askpw`'s own commands exit with (src/cli/main.ts). */
const EXIT_STATUSES: readonly HelpEntry[] = [
  { term: "0", text: "Success" },
  { term: "1", text: "A failure (one line on stderr)" },
  { term: "2", text: "A usage error (one line on stderr)" },
  { term: "130", text: "A query was aborted with Ctrl-C" },
];

const DESCRIPTION = [
  "askpw is a password agent for systemd's ask-password protocol, built for the initrd. " +
  "When systemd-cryptsetup, or anything else that uses systemd-ask-password, " +
  `puts a request into ${SYSTEM_ASK_DIRECTORY}, askpw asks the person through ` +
  "Plymouth while the splash screen runs and on every console it does not draw on, " +
  "failing over live between them, and sends the answer back on the asker's socket.",
  "The package adds askpw to the initrds that dracut builds: its dracut module 90askpw " +
  "installs askpw with the systemd units that run askpw watch in the initrd " +
  "(askpw-agent.service, and askpw-agent.path for when a request comes first) " +
  "and, where systemd is older than 258, askpw-varlink.socket. " +
  "systemd's own password agents stay in the initrd, but answer only when askpw is " +
  "disabled with rd.askpw=0 or has failed.",
  "After the switch to the real root, askpw is the running system's agent too: " +
  "askpw-agent.path (enabled by the package's preset) starts askpw watch when a request " +
  "comes, in place of systemd's console and Plymouth agents, which answer again when askpw " +
  "is disabled (systemctl disable askpw-agent.path), has failed, or askpw=0 is on the kernel " +
  "command line. Each user's systemd --user runs askpw watch --user for that user's requests.",
];

const KERNEL_COMMAND_LINE: readonly HelpEntry[] = [
  { term: "rd.askpw=0", text: "askpw stands aside; systemd's own agents answer" },
  { term: "rd.askpw.debug", text: "askpw logs debug lines" },
  { term: "askpw=0", text: "In the running system: askpw stands aside; systemd's agents answer" },
];

const FILES: readonly HelpEntry[] = [
  { term: "/usr/bin/askpw", text: "The command (a launcher script)" },
  {
    term: "/usr/lib/askpw/",
    text: "The Deno runtime (deno) and askpw's bundle (askpw.js), or the compiled askpw",
  },
  { term: SYSTEM_ASK_DIRECTORY, text: "Where password requests (ask files) appear" },
  {
    term: SYSTEM_VARLINK_SOCKET,
    text: "The io.systemd.AskPassword Varlink socket",
  },
  {
    term: "/run/askpw/",
    text: "askpw's state; the Deno runtime's cache goes there too, so nothing is written " +
      "outside /run",
  },
  { term: "/usr/lib/dracut/modules.d/90askpw/", text: "The dracut module" },
  {
    term: "/usr/lib/dracut/dracut.conf.d/90-askpw.conf",
    text: "Adds the module to every initrd that dracut builds",
  },
  {
    term: "/usr/lib/systemd/system/askpw-agent.path",
    text: "Starts askpw-agent.service (askpw watch) in the running system when a request comes",
  },
  {
    term: "/usr/lib/systemd/user/askpw-agent.path",
    text: "Starts askpw watch --user in each user's systemd --user when that user's request comes",
  },
  {
    term: "/usr/lib/systemd/system-preset/80-askpw.preset",
    text: "Enables the system units; /usr/lib/systemd/user-preset/80-askpw.preset the user units",
  },
];

const SEE_ALSO = [
  "systemd-ask-password(1)",
  "systemd-tty-ask-password-agent(1)",
  "systemd-cryptsetup@.service(8)",
  "crypttab(5)",
  "dracut(8)",
  "dracut.conf(5)",
  "plymouth(8)",
];

/**
 * The whole manual page.
 *
 * @example Usage
 * ```ts
 * import { manPage } from "./man_page.ts";
 * const roff = manPage("2026-12-02"); // starts with '.TH "ASKPW" "8" …'
 * ```
 * @param date The date for the page's footer (YYYY-MM-DD).
 * @returns The page in roff, ending with a newline.
 */
export function manPage(date: string): string {
  const main = parseHelp(USAGE);
  const subcommands = [ASK_USAGE, REPLY_USAGE, VARLINK_USAGE].map(parseHelp);
  const usage = blockNamed(main, "Usage");
  const lines: string[] = [
    `.\\" askpw(8), generated by tools/man_page.ts from askpw's --help texts: do not edit.`,
    `.TH "ASKPW" "8" ${roffArgument(date)} ${roffArgument(`askpw ${VERSION}`)} ` +
    `"System Administration"`,
    // Left-aligned, no hyphenation: options and paths must stay whole.
    ".ad l",
    ".nh",
    ".SH NAME",
    `${roffEscape(main.name)} \\- ${roffEscape(main.summary)}`,
    ".SH SYNOPSIS",
    ...synopsis(usage.entries),
    ".SH DESCRIPTION",
    ...DESCRIPTION.flatMap(paragraph),
    ...main.blocks.filter((block) => block.entries.length === 0 && !aboutExitStatus(block))
      .flatMap((block) => paragraph(block.text)),
    ".SH COMMANDS",
    ...entryList(usage.entries),
  ];
  for (const help of subcommands) {
    lines.push(`.SS ${roffArgument(help.name)}`);
    lines.push(".PP", `\\fB${roffEscape(help.name)}\\fR ${roffLine(sentence(help.summary))}`);
    lines.push(".PP", ...synopsis(blockNamed(help, "Usage").entries));
    for (const block of help.blocks) {
      if (block.entries.length === 0) {
        if (!aboutExitStatus(block)) lines.push(...paragraph(block.text));
      } else if (block.text !== "Usage") {
        lines.push(...paragraph(`${block.text}:`), ...entryList(block.entries));
      }
    }
  }
  lines.push(".SH OPTIONS");
  lines.push(...entryList(blockNamed(main, "Options").entries));
  for (const block of main.blocks) {
    if (block.entries.length === 0 || ["Usage", "Options"].includes(block.text)) continue;
    // "Modes (without one, …)": the title, then what the parenthesis says.
    const titled = /^([^(]+?) \((.*)\)$/.exec(block.text);
    lines.push(`.SS ${roffArgument(titled ? titled[1] : block.text)}`);
    if (titled) {
      const note = titled[2];
      lines.push(...paragraph(sentence(note[0].toUpperCase() + note.slice(1))));
    }
    lines.push(...entryList(block.entries));
  }
  lines.push(
    ".SH KERNEL COMMAND LINE",
    ".PP",
    "rd.askpw options are read in the initrd, askpw=0 in the running system.",
  );
  lines.push(...entryList(KERNEL_COMMAND_LINE));
  lines.push(
    ".SH EXIT STATUS",
    ".PP",
    "askpw, and each command whose statuses are not given below:",
  );
  lines.push(...entryList(EXIT_STATUSES));
  for (const help of [main, ...subcommands]) {
    for (const block of help.blocks.filter(aboutExitStatus)) {
      const text = block.text.replace(/^exit status:\s*/i, "");
      lines.push(".PP", `\\fB${roffEscape(help.name)}\\fR: ${roffLine(text)}`);
    }
  }
  lines.push(".SH FILES", ...entryList(FILES));
  lines.push(
    ".SH SEE ALSO",
    SEE_ALSO.map((page) => {
      const [, name, section] = /^(.*)\((\w+)\)$/.exec(page)!;
      return `\\fB${roffEscape(name)}\\fR(${section})`;
    }).join(",\n"),
  );
  return `${lines.join("\n")}\n`;
}

/** `--date=` or $SOURCE_DATE_EPOCH's date or today's, as YYYY-MM-DD. */
function pageDate(args: readonly string[]): string {
  const option = args.find((arg) => arg.startsWith("--date="));
  if (option) {
    const date = option.slice("--date=".length);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`--date= wants YYYY-MM-DD: ${date}`);
    return date;
  }
  const epoch = Deno.env.get("SOURCE_DATE_EPOCH");
  const time = epoch ? new Date(Number(epoch) * 1000) : new Date();
  return time.toISOString().slice(0, 10);
}

if (import.meta.main) {
  await Deno.stdout.write(new TextEncoder().encode(manPage(pageDate(Deno.args))));
}
