/**
 * The sound a prompt makes when it appears (`--beep`, `rd.askpw.beep=1`), for
 * a person who cannot see that the boot waits: a short high tone from the
 * virtual terminal's speaker (KDMKTONE), and a longer low one when the
 * previous answer was not accepted; on a serial line, where the person's own
 * terminal makes the sound, one BEL or two.
 *
 * @module
 */
import { closeFd, openFile, OpenFlags } from "../ffi/file_descriptor.ts";
import { isVirtualTerminal, soundTone } from "../ffi/virtual_terminal.ts";

/** Which cue: a new prompt, or a prompt after a wrong answer. */
export type SoundCue = "prompt" | "retry";

/** The VT tones: a short A5 for a prompt, a long, low E4 after a wrong answer. */
export const TONES: Readonly<Record<SoundCue, { hertz: number; milliseconds: number }>> = {
  prompt: { hertz: 880, milliseconds: 150 },
  retry: { hertz: 330, milliseconds: 500 },
};

const BELLS: Readonly<Record<SoundCue, Uint8Array<ArrayBuffer>>> = {
  prompt: new Uint8Array([0x07]),
  retry: new Uint8Array([0x07, 0x07]),
};

/**
 * Sounds `cue` on a terminal: the VT's tone when `fd` is a virtual terminal
 * (nothing to write then), else the BEL bytes for the caller to write with
 * the prompt.
 *
 * @example Usage
 * ```ts
 * import { soundCue } from "./sound_cue.ts";
 * const fd = 3; // a descriptor of the caller's
 * const write: (bytes: Uint8Array) => void = () => {};
 * const bells = soundCue(fd, true, "prompt");
 * if (bells) write(bells);
 * ```
 * @param fd The terminal.
 * @param virtualTerminal Whether it is a VT.
 * @param cue Which sound.
 * @returns BEL bytes to write, or `undefined` when the VT sounded the tone.
 */
export function soundCue(
  fd: number,
  virtualTerminal: boolean,
  cue: SoundCue,
): Uint8Array<ArrayBuffer> | undefined {
  if (!virtualTerminal) return BELLS[cue].slice();
  const { hertz, milliseconds } = TONES[cue];
  try {
    soundTone(fd, hertz, milliseconds);
  } catch {
    // No speaker to drive (or no right to): the cue is a nicety.
  }
  return undefined;
}

/**
 * Sounds `cue` on the foreground virtual terminal (/dev/tty0), for a prompt
 * that plymouthd draws.
 *
 * @example Usage
 * ```ts
 * import { soundCueOnConsole } from "./sound_cue.ts";
 * soundCueOnConsole("retry");
 * ```
 * @param cue Which sound.
 * @param device The VT device, `/dev/tty0` unless a test says otherwise.
 * @returns Whether a VT took the tone.
 */
export function soundCueOnConsole(cue: SoundCue, device = "/dev/tty0"): boolean {
  let fd: number;
  try {
    fd = openFile(
      device,
      OpenFlags.O_WRONLY | OpenFlags.O_NOCTTY | OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC,
    );
  } catch {
    return false;
  }
  try {
    if (!isVirtualTerminal(fd)) return false;
    soundCue(fd, true, cue);
    return true;
  } finally {
    closeFd(fd);
  }
}
