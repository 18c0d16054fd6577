// Hex dump rows, produced only for the rows on screen: a 256 KB body is 16,384 rows, and building
// them all up front would cost more than the whole 200 ms render budget.
export const HEX_BYTES_PER_ROW = 16;

export interface HexRow {
  /** Byte offset of the row's first byte. */
  offset: number;
  offsetText: string;
  /** Two hex digits per byte, a wider gap after the eighth. Short last rows are padded. */
  hex: string;
  /** Printable ASCII as is, everything else as '.'. */
  ascii: string;
}

export function hexRowCount(byteLength: number): number {
  return Math.ceil(byteLength / HEX_BYTES_PER_ROW);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function hexRow(bytes: Uint8Array, row: number): HexRow {
  const offset = row * HEX_BYTES_PER_ROW;
  let hex = '';
  let ascii = '';
  for (let i = 0; i < HEX_BYTES_PER_ROW; i++) {
    if (i === 8) hex += ' ';
    const b = bytes[offset + i];
    if (b === undefined) { hex += '   '; continue; }
    hex += (HEX[b] ?? '??') + ' ';
    ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  }
  return { offset, offsetText: offset.toString(16).padStart(8, '0'), hex: hex.trimEnd(), ascii };
}

/** Rows [first, first + count) clipped to the body. */
export function hexRows(bytes: Uint8Array, first: number, count: number): HexRow[] {
  const total = hexRowCount(bytes.length);
  const from = Math.max(0, Math.min(first, total));
  const to = Math.max(from, Math.min(total, from + count));
  const rows: HexRow[] = [];
  for (let r = from; r < to; r++) rows.push(hexRow(bytes, r));
  return rows;
}
