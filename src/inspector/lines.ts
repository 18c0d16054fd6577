// Display lines for the read-only text views: long lines are cut into fixed-width pieces so a
// virtualised list can give every row the same height (one 256 KB JSON string is one line).
export const DISPLAY_LINE_WIDTH = 200;

export interface DisplayLine {
  text: string;
  /** 1-based source line number; repeated for the continuation pieces of a long line. */
  line: number;
  continuation: boolean;
}

export function displayLines(text: string, width = DISPLAY_LINE_WIDTH): DisplayLine[] {
  const out: DisplayLine[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  lines.forEach((l, i) => {
    if (l.length <= width) { out.push({ text: l, line: i + 1, continuation: false }); return; }
    let at = 0;
    while (at < l.length) {
      let end = Math.min(l.length, at + width);
      // Keep surrogate pairs whole.
      const c = l.charCodeAt(end - 1);
      if (end < l.length && c >= 0xd800 && c <= 0xdbff) end += 1;
      out.push({ text: l.slice(at, end), line: i + 1, continuation: at > 0 });
      at = end;
    }
  });
  return out;
}
