// Maps offsets inside a decoded JSON string to offsets in the document. The core reports a
// problem at UTF-16 offsets of the decoded value; the editor must underline the characters as
// written, where `\u00b0` is six source characters for one decoded unit and `\"` is two.

/**
 * Source offset of each decoded UTF-16 unit of the string literal that starts (with its opening
 * quote) at `literalStart` and spans `literalLength` characters. The array has one more entry than
 * the decoded string: the last is the offset of the closing quote (or the literal's end when the
 * string is unterminated), so `[offsets[s], offsets[e])` is the source of decoded `[s, e)`.
 */
export function decodedToSourceOffsets(text: string, literalStart: number, literalLength: number): number[] {
  const offsets: number[] = [];
  const end = Math.min(text.length, literalStart + literalLength);
  let i = literalStart + 1;
  while (i < end) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */ && i === end - 1) break;
    offsets.push(i);
    if (ch === 0x5c /* \ */) {
      // `\uXXXX` is one decoded unit written in six characters; every other escape in two.
      i += text.charCodeAt(i + 1) === 0x75 /* u */ ? 6 : 2;
    } else {
      i += 1;
    }
  }
  offsets.push(Math.min(i, end));
  return offsets;
}

export interface OffsetRange {
  start: number;
  end: number;
}

/** Document range of decoded `[start, end)` inside the string literal at `literalStart`. */
export function sourceRangeInString(
  text: string,
  literalStart: number,
  literalLength: number,
  decoded: OffsetRange,
): OffsetRange {
  const offsets = decodedToSourceOffsets(text, literalStart, literalLength);
  const last = offsets.length - 1;
  const at = (i: number): number => offsets[Math.max(0, Math.min(i, last))] ?? literalStart;
  return { start: at(decoded.start), end: at(decoded.end) };
}

/** A JSON string literal (with quotes) whose decoded value is `value`. */
export function jsonStringLiteral(value: string): string {
  return JSON.stringify(value);
}
