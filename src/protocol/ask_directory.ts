/**
 * The directories askers drop requests into: the system one, and the
 * per-user one of systemd v257+ when `$XDG_RUNTIME_DIR` is set.
 *
 * @module
 */
import { linkStatus } from "../ffi/file_status.ts";

/** Where systemd's askers put their requests as root. */
export const SYSTEM_ASK_DIRECTORY = "/run/systemd/ask-password";

/** A directory of ask files and who may write requests into it. */
export interface AskDirectory {
  /** Absolute path without trailing slash. */
  path: string;
  /** Owner every ask file and reply socket in it must have. */
  ownerUid: number;
  /** `"system"` for /run/systemd/ask-password, `"user"` for the per-user one. */
  kind: "system" | "user";
}

/**
 * Resolves (and creates, 0755, when missing) the directories to watch: the
 * system directory always, the per-user directory when `$XDG_RUNTIME_DIR` is set.
 *
 * @example Usage
 * ```ts
 * import { askDirectories } from "./ask_directory.ts";
 * const directories = await askDirectories(undefined);
 * ```
 * @param runtimeDirectory The value of `$XDG_RUNTIME_DIR`, if any.
 * @param options `create: false` only resolves directories that exist.
 * @returns The directories, system first.
 * @throws {Deno.errors.PermissionDenied} When a directory cannot be created.
 */
export async function askDirectories(
  runtimeDirectory: string | undefined,
  options: { create?: boolean } = {},
): Promise<AskDirectory[]> {
  const create = options.create ?? true;
  if (create) await Deno.mkdir(SYSTEM_ASK_DIRECTORY, { recursive: true, mode: 0o755 });
  const directories: AskDirectory[] = [{ path: SYSTEM_ASK_DIRECTORY, ownerUid: 0, kind: "system" }];
  if (runtimeDirectory && runtimeDirectory.startsWith("/")) {
    const path = `${runtimeDirectory.replace(/\/+$/, "")}/systemd/ask-password`;
    if (path !== SYSTEM_ASK_DIRECTORY) {
      if (create) await Deno.mkdir(path, { recursive: true, mode: 0o755 });
      const status = linkStatus(path);
      if (status) directories.push({ path, ownerUid: status.uid, kind: "user" });
    }
  }
  return directories;
}

/**
 * Lists the names in `directory` that may be requests: those starting with
 * `ask.` that are not directories. Symlinks are listed so that opening them
 * with O_NOFOLLOW fails loudly (a log line) rather than silently; the caller
 * checks the type anyway, since some file systems report none.
 *
 * @example Usage
 * ```ts
 * import { listAskFileNames, SYSTEM_ASK_DIRECTORY } from "./ask_directory.ts";
 * const names = listAskFileNames({ path: SYSTEM_ASK_DIRECTORY, ownerUid: 0, kind: "system" });
 * ```
 * @param directory The directory.
 * @returns The names, sorted.
 */
export function listAskFileNames(directory: AskDirectory): string[] {
  const names: string[] = [];
  try {
    for (const entry of Deno.readDirSync(directory.path)) {
      if (!entry.name.startsWith("ask.")) continue;
      if (entry.isDirectory) continue;
      names.push(entry.name);
    }
  } catch {
    // A directory that vanished holds no requests.
  }
  return names.sort();
}
