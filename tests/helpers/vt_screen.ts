/**
 * What a Linux virtual terminal shows, read as a person sees it: the rows of
 * /dev/vcsuN (each cell a UTF-32 code point) cut at /dev/vcsaN's width.
 *
 * @module
 */

/**
 * VT `number`'s rows, right-trimmed.
 *
 * @param number The VT (1 for /dev/tty1).
 * @returns One string per row.
 */
export function screenRows(number = 1): string[] {
  const header = new Uint8Array(4);
  const attributes = Deno.openSync(`/dev/vcsa${number}`);
  try {
    attributes.readSync(header);
  } finally {
    attributes.close();
  }
  const [rows, columns] = [header[0]!, header[1]!];
  const cells = Deno.readFileSync(`/dev/vcsu${number}`);
  const view = new DataView(cells.buffer, cells.byteOffset, cells.byteLength);
  const lines: string[] = [];
  for (let row = 0; row < rows; row++) {
    let line = "";
    for (let column = 0; column < columns; column++) {
      const offset = (row * columns + column) * 4;
      const code = offset + 4 <= cells.length ? view.getUint32(offset, true) : 0x20;
      line += code > 0 && code < 0x110000 ? String.fromCodePoint(code) : " ";
    }
    lines.push(line.trimEnd());
  }
  return lines;
}
