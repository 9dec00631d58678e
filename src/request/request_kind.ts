/**
 * What is being asked, and for which disk. systemd-cryptsetup's requests are
 * terse ("Please enter TPM2 PIN:", no `Id=`) and often do not say which disk
 * they are for; the kind comes from `Id=` and `Message=` (the exact texts of
 * systemd 252, see ../shared/docs/tpm2-unlock.md), the disk from `Id=` and
 * from the asker's command line (`systemd-cryptsetup attach <volume>
 * <source> <key file> <options>`). A question without `Id=` whose asker is
 * systemd's executor (`systemd-executor`, systemd 255+) is a PAM module's,
 * forwarded by systemd 258+'s PAM conversation for a unit with `PAMName=`
 * (its deadline 15 s, AcceptCached=1, `Echo=1` for `PAM_PROMPT_ECHO_ON`).
 *
 * @module
 */
import { resolvePath } from "../ffi/file_path.ts";
import type { AskerIdentity } from "./asker_identity.ts";

/** The kinds of question askpw tells apart. */
export type RequestKind =
  | "passphrase"
  | "recovery-key"
  | "token-pin"
  | "tpm2-pin"
  | "fido2-pin"
  | "pkcs11-pin"
  | "verification"
  | "question"
  | "pam-question"
  | "password";

/** The disk a request is for, as far as it can be known. */
export interface DiskIdentity {
  /** The volume's name (the dm device it becomes), e.g. `root`. */
  volume?: string;
  /** Its source device, symlinks resolved, e.g. `/dev/vda2`. */
  device?: string;
}

/** A request's kind and disk. */
export interface RequestClass {
  /** What is asked. */
  kind: RequestKind;
  /** For which disk; `undefined` when nothing says. */
  disk?: DiskIdentity;
}

/**
 * Which answers stand for each other: a wrong PIN is followed by another PIN
 * request (or the passphrase), a wrong passphrase by another passphrase
 * request; a password cached for one kind never answers another family.
 */
export type AnswerFamily = "pin" | "passphrase" | "password" | "question";

const LABELS: Record<RequestKind, string | undefined> = {
  "passphrase": "Passphrase",
  "recovery-key": "Recovery key",
  "token-pin": "LUKS2 token PIN",
  "tpm2-pin": "TPM2 PIN",
  "fido2-pin": "FIDO2 security token PIN",
  "pkcs11-pin": "PKCS#11 token PIN",
  "verification": "Passphrase again (verification)",
  "question": undefined,
  "pam-question": "PAM question",
  "password": undefined,
};

// systemd-cryptsetup 252's texts (src/shared/pkcs11-util.c for PKCS#11).
const PKCS11_MESSAGES = [
  /^Please enter PIN for security token '.*' in order to unlock /,
  /^PIN has been entered incorrectly previously, please enter correct PIN for security token /,
  /^Please enter correct PIN for security token '.*' in order to unlock .* \(final try\):/,
];

/**
 * Classifies a request.
 *
 * @example Usage
 * ```ts
 * import { classifyRequest } from "./request_kind.ts";
 * import type { AskRequest } from "../protocol/ask_request.ts";
 * const request = {} as AskRequest;
 * const { kind, disk } = classifyRequest(request, {
 *   pid: 42,
 *   commandLine: ["/usr/lib/systemd/systemd-cryptsetup", "attach", "root", "/dev/vda2", "none"],
 * });
 * ```
 * @param request The request (its Id=, Message=, Echo=, Silent=).
 * @param asker Who asks, when known: a systemd-cryptsetup asker names the disk.
 * @returns The kind and the disk.
 */
export function classifyRequest(
  request: { id?: string; message?: string; echo: boolean; silent: boolean },
  asker?: AskerIdentity,
): RequestClass {
  const message = request.message ?? "";
  const id = request.id ?? "";
  let kind: RequestKind;
  if (id.startsWith("cryptsetup-verification:")) kind = "verification";
  else if (id.startsWith("pkcs11:") || PKCS11_MESSAGES.some((text) => text.test(message))) {
    kind = "pkcs11-pin";
  } else if (message.startsWith("Please enter LUKS2 token PIN:")) kind = "token-pin";
  else if (message.startsWith("Please enter TPM2 PIN:")) kind = "tpm2-pin";
  else if (message.startsWith("Please enter security token PIN:")) kind = "fido2-pin";
  else if (id.startsWith("cryptsetup:")) {
    kind = message.startsWith("Please enter recovery key for disk ")
      ? "recovery-key"
      : "passphrase";
  } else if (!id && isExecutor(asker)) kind = "pam-question";
  else if (request.echo && !request.silent) kind = "question";
  else kind = "password";
  return { kind, disk: diskOf(id, asker) };
}

/** systemd's executor: the process that runs a unit's PAM conversation. */
function isExecutor(asker: AskerIdentity | undefined): boolean {
  const program = asker?.exe ?? asker?.commandLine?.[0];
  return program !== undefined && /(^|\/)systemd-executor$/.test(program);
}

/**
 * Whether typed answers of this kind are remembered for, and requests of it
 * answered from, the password cache. A PAM module's questions are not: each
 * asks something of its own ("Password:", then "Token code:"), though
 * systemd sends them with AcceptCached=1.
 *
 * @example Usage
 * ```ts
 * import { sharesCachedAnswers } from "./request_kind.ts";
 * sharesCachedAnswers("pam-question"); // false
 * ```
 * @param kind The kind.
 * @returns `false` for PAM questions.
 */
export function sharesCachedAnswers(kind: RequestKind): boolean {
  return kind !== "pam-question";
}

/**
 * The label shown for a kind, or `undefined` for the generic ones (the
 * asker's own text says it all).
 *
 * @example Usage
 * ```ts
 * import { kindLabel } from "./request_kind.ts";
 * kindLabel("tpm2-pin"); // "TPM2 PIN"
 * ```
 * @param kind The kind.
 * @returns The label.
 */
export function kindLabel(kind: RequestKind): string | undefined {
  return LABELS[kind];
}

/**
 * The family of a kind (see {@linkcode AnswerFamily}); `undefined` for a
 * verification, which repeats an answer on purpose.
 *
 * @example Usage
 * ```ts
 * import { answerFamily } from "./request_kind.ts";
 * answerFamily("fido2-pin"); // "pin"
 * ```
 * @param kind The kind.
 * @returns The family.
 */
export function answerFamily(kind: RequestKind): AnswerFamily | undefined {
  switch (kind) {
    case "token-pin":
    case "tpm2-pin":
    case "fido2-pin":
    case "pkcs11-pin":
      return "pin";
    case "passphrase":
    case "recovery-key":
      return "passphrase";
    case "password":
      return "password";
    case "question":
    case "pam-question":
      return "question";
    case "verification":
      return undefined;
  }
}

/**
 * The disk in words: `disk root (/dev/vda2)`, `disk root`, `disk /dev/vda2`.
 *
 * @example Usage
 * ```ts
 * import { describeDisk } from "./request_kind.ts";
 * describeDisk({ volume: "root", device: "/dev/vda2" }); // "disk root (/dev/vda2)"
 * ```
 * @param disk The disk.
 * @returns The words (not yet sanitized).
 */
export function describeDisk(disk: DiskIdentity): string {
  if (disk.volume && disk.device) return `disk ${disk.volume} (${disk.device})`;
  return `disk ${disk.volume ?? disk.device}`;
}

/** From the asker's command line first (it names the volume), then from Id=. */
function diskOf(id: string, asker?: AskerIdentity): DiskIdentity | undefined {
  const disk: DiskIdentity = {};
  const line = asker?.commandLine;
  const program = line?.[0]?.slice(line[0].lastIndexOf("/") + 1);
  if (line && program === "systemd-cryptsetup" && line[1] === "attach" && line.length >= 4) {
    disk.volume = line[2];
    disk.device = resolveDevice(line[3]);
  }
  const prefix = /^cryptsetup(-verification)?:/.exec(id);
  if (prefix && !disk.device) disk.device = resolveDevice(unescapeC(id.slice(prefix[0].length)));
  return disk.volume || disk.device ? disk : undefined;
}

/** A /dev/disk/by-… link as the node it points at, when it can be resolved. */
function resolveDevice(source: string): string {
  return source.startsWith("/dev/") ? resolvePath(source) ?? source : source;
}

/** systemd's cescape() undone: `\xNN`, `\\` and the C escapes. */
function unescapeC(text: string): string {
  const simple: Record<string, string> = {
    n: "\n",
    t: "\t",
    r: "\r",
    "\\": "\\",
    '"': '"',
    "'": "'",
  };
  return text.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (whole, code: string) => {
    if (code.length === 3) return String.fromCharCode(parseInt(code.slice(1), 16));
    return simple[code] ?? whole;
  });
}
