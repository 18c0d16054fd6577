// A JSON document validated in one pass but materialised only where a condition looks.
// `JSON.parse` of a 1 KB telemetry body builds every number and string in it; a route condition
// reads one or two of them. `LazyJson.from` checks the whole text against the JSON grammar
// (RFC 8259, exactly what JSON.parse accepts, so "not valid JSON" means the same thing) without
// building anything, and `lookup` walks a `$body` path over the text, parsing only the value found.
// Duplicate keys resolve to the last occurrence, as JSON.parse does. `value` gives the fully parsed
// document when a caller (explain, the editor) wants all of it.
import type { PathSegment } from './ast';

const enum C { Space = 32, Tab = 9, Lf = 10, Cr = 13, Quote = 34, Backslash = 92, Comma = 44, Colon = 58, LBrace = 123, RBrace = 125, LBracket = 91, RBracket = 93, Minus = 45, Dot = 46, Zero = 48, Nine = 57 }

function skipWs(t: string, i: number): number {
  if (t.charCodeAt(i) > C.Space) return i; // the common case: no blank at all (device JSON is mostly minified)
  for (;;) {
    const c = t.charCodeAt(i);
    if (c === C.Space || c === C.Lf || c === C.Cr || c === C.Tab) i++;
    else return i;
  }
}

const isDigit = (c: number): boolean => c >= C.Zero && c <= C.Nine;
const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/** A run of string characters that need no checking: the regex engine skips long strings far faster than a loop. */
const PLAIN_RUN = /[^"\\\x00-\x1f]*/y;

/** Index after the string starting (at its quote) at `i`, or -1. */
function scanString(t: string, i: number): number {
  i++;
  for (let n = 0; ; n++) {
    if (n === 16) { // a long string: let the regex engine find its end
      PLAIN_RUN.lastIndex = i;
      PLAIN_RUN.test(t);
      i = PLAIN_RUN.lastIndex;
    }
    const c = t.charCodeAt(i);
    if (c === C.Quote) return i + 1;
    if (c === C.Backslash) {
      const e = t.charCodeAt(i + 1);
      if (e === 117 /* u */) {
        if (!(isHex(t.charCodeAt(i + 2)) && isHex(t.charCodeAt(i + 3)) && isHex(t.charCodeAt(i + 4)) && isHex(t.charCodeAt(i + 5)))) return -1;
        i += 6;
      } else if (e === C.Quote || e === C.Backslash || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) {
        i += 2;
      } else {
        return -1;
      }
      continue;
    }
    if (!(c >= 32)) return -1; // a control character, or the end of the text (NaN)
    i++;
  }
}

function scanNumber(t: string, i: number): number {
  if (t.charCodeAt(i) === C.Minus) i++;
  let c = t.charCodeAt(i);
  if (c === C.Zero) i++;
  else if (c > C.Zero && c <= C.Nine) { do i++; while (isDigit(t.charCodeAt(i))); }
  else return -1;
  if (t.charCodeAt(i) === C.Dot) {
    i++;
    if (!isDigit(t.charCodeAt(i))) return -1;
    do i++; while (isDigit(t.charCodeAt(i)));
  }
  c = t.charCodeAt(i);
  if (c === 101 || c === 69) {
    i++;
    c = t.charCodeAt(i);
    if (c === 43 || c === C.Minus) i++;
    if (!isDigit(t.charCodeAt(i))) return -1;
    do i++; while (isDigit(t.charCodeAt(i)));
  }
  return i;
}

/** Index after the value starting at or after `i` (blanks skipped), or -1 when invalid. */
function scanValue(t: string, i: number): number {
  i = skipWs(t, i);
  const c = t.charCodeAt(i);
  switch (c) {
    case C.Quote: return scanString(t, i);
    case C.LBrace: {
      i = skipWs(t, i + 1);
      if (t.charCodeAt(i) === C.RBrace) return i + 1;
      for (;;) {
        if (t.charCodeAt(i) !== C.Quote) return -1;
        i = scanString(t, i);
        if (i < 0) return -1;
        i = skipWs(t, i);
        if (t.charCodeAt(i) !== C.Colon) return -1;
        i = scanValue(t, i + 1);
        if (i < 0) return -1;
        i = skipWs(t, i);
        const d = t.charCodeAt(i);
        if (d === C.Comma) { i = skipWs(t, i + 1); continue; }
        return d === C.RBrace ? i + 1 : -1;
      }
    }
    case C.LBracket: {
      i = skipWs(t, i + 1);
      if (t.charCodeAt(i) === C.RBracket) return i + 1;
      for (;;) {
        i = scanValue(t, i);
        if (i < 0) return -1;
        i = skipWs(t, i);
        const d = t.charCodeAt(i);
        if (d === C.Comma) { i++; continue; }
        return d === C.RBracket ? i + 1 : -1;
      }
    }
    case 116: return t.startsWith('true', i) ? i + 4 : -1;
    case 102: return t.startsWith('false', i) ? i + 5 : -1;
    case 110: return t.startsWith('null', i) ? i + 4 : -1;
    default: return scanNumber(t, i);
  }
}

/**
 * `scanValue` for the root object, recording each member as three numbers: its key's start and end
 * (quotes included) and its value's start. Kept as offsets, not a map of decoded keys: building the
 * strings cost more than the few lookups a condition makes.
 */
function scanRootObject(t: string, i: number, members: number[]): number {
  i = skipWs(t, i + 1);
  if (t.charCodeAt(i) === C.RBrace) return i + 1;
  for (;;) {
    if (t.charCodeAt(i) !== C.Quote) return -1;
    const keyStart = i;
    i = scanString(t, i);
    if (i < 0) return -1;
    const keyEnd = i;
    i = skipWs(t, i);
    if (t.charCodeAt(i) !== C.Colon) return -1;
    const valueStart = skipWs(t, i + 1);
    i = scanValue(t, valueStart);
    if (i < 0) return -1;
    members.push(keyStart, keyEnd, valueStart);
    i = skipWs(t, i);
    const d = t.charCodeAt(i);
    if (d === C.Comma) { i = skipWs(t, i + 1); continue; }
    return d === C.RBrace ? i + 1 : -1;
  }
}

/** The decoded key of the string at `[start, end)` (quotes included). */
function keyText(t: string, start: number, end: number): string {
  const raw = t.slice(start + 1, end - 1);
  return raw.includes('\\') ? (JSON.parse(t.slice(start, end)) as string) : raw;
}

/** Parses the (valid) value at `[start, end)`, cheaply for the common primitives. */
function materialise(t: string, start: number, end: number): unknown {
  const c = t.charCodeAt(start);
  if (c === C.Quote) {
    const raw = t.slice(start + 1, end - 1);
    return raw.includes('\\') ? JSON.parse(t.slice(start, end)) : raw;
  }
  if (c === 116) return true;
  if (c === 102) return false;
  if (c === 110) return null;
  if (c === C.Minus || isDigit(c)) return Number(t.slice(start, end));
  return JSON.parse(t.slice(start, end));
}

export class LazyJson {
  private parsed: { value: unknown } | undefined;
  /**
   * Primitive values of top-level members already looked up: a message's routes often read the
   * same `$body.name` (five of the benchmark's ten routes read `$body.temperature`).
   */
  private rootValues: Map<string, string | number | boolean | null | undefined> | undefined;

  private constructor(readonly text: string, private readonly start: number, private readonly rootMembers: number[] | undefined) {}

  /** The document, or undefined when `text` is not valid JSON. */
  static from(text: string): LazyJson | undefined {
    const start = skipWs(text, 0);
    let end: number;
    let rootMembers: number[] | undefined;
    try {
      if (text.charCodeAt(start) === C.LBrace) {
        // Validate the root object here, noting where each member's value starts: conditions
        // mostly read top-level properties, which then cost one map lookup instead of a scan.
        rootMembers = [];
        end = scanRootObject(text, start, rootMembers);
      } else {
        end = scanValue(text, start);
      }
    } catch {
      // Nesting deep enough to exhaust the scanner's stack: let JSON.parse decide.
      let value: unknown;
      try { value = JSON.parse(text); } catch { return undefined; }
      const doc = new LazyJson(text, start, undefined);
      doc.parsed = { value };
      return doc;
    }
    if (end < 0 || skipWs(text, end) !== text.length) return undefined;
    return new LazyJson(text, start, rootMembers);
  }

  /** The whole document parsed (once). */
  get value(): unknown {
    if (this.parsed === undefined) this.parsed = { value: JSON.parse(this.text) as unknown };
    return this.parsed.value;
  }

  /** The value at `path`, or undefined when a step does not exist. */
  lookup(path: readonly PathSegment[]): unknown {
    if (this.parsed !== undefined) return walkParsed(this.parsed.value, path);
    const t = this.text;
    let pos = this.start;
    let s = 0;
    const first = path[0];
    if (this.rootMembers !== undefined && first !== undefined && first.kind === 'name') {
      const single = path.length === 1;
      const known = single ? this.rootValues : undefined;
      if (known !== undefined) {
        const v = known.get(first.name);
        if (v !== undefined || known.has(first.name)) return v;
      }
      const at = rootMember(t, this.rootMembers, first.name);
      if (at < 0) {
        if (single) (this.rootValues ??= new Map()).set(first.name, undefined);
        return undefined;
      }
      if (single) {
        const v = materialise(t, at, scanValue(t, at));
        // Objects and arrays are parsed afresh for each lookup, as before: a caller may keep one.
        if (v === null || typeof v !== 'object') (this.rootValues ??= new Map()).set(first.name, v as string | number | boolean | null);
        return v;
      }
      pos = at;
      s = 1;
    }
    for (; s < path.length; s++) {
      const seg = path[s] as PathSegment;
      const c = t.charCodeAt(pos);
      if (seg.kind === 'name') {
        if (c !== C.LBrace) return undefined;
        let i = skipWs(t, pos + 1);
        let found = -1;
        if (t.charCodeAt(i) !== C.RBrace) {
          for (;;) {
            const keyEnd = scanString(t, i);
            const valueStart = skipWs(t, skipWs(t, keyEnd) + 1);
            // Same length and same text for the common case of a key with no escapes.
            const raw = keyEnd - i - 2 === seg.name.length && t.startsWith(seg.name, i + 1) && !seg.name.includes('\\');
            if (raw || (t.slice(i + 1, keyEnd - 1).includes('\\') && keyText(t, i, keyEnd) === seg.name)) {
              found = valueStart; // keep looking: the last duplicate wins, as in JSON.parse
            }
            i = skipWs(t, scanValue(t, valueStart));
            if (t.charCodeAt(i) === C.Comma) { i = skipWs(t, i + 1); continue; }
            break;
          }
        }
        if (found < 0) return undefined;
        pos = found;
      } else {
        if (c !== C.LBracket) return undefined;
        let i = skipWs(t, pos + 1);
        if (t.charCodeAt(i) === C.RBracket) return undefined;
        for (let k = 0; k < seg.index; k++) {
          i = skipWs(t, scanValue(t, i));
          if (t.charCodeAt(i) !== C.Comma) return undefined;
          i = skipWs(t, i + 1);
        }
        pos = i;
      }
    }
    return materialise(t, pos, scanValue(t, pos));
  }
}

/** The value start of the root member named `name` (the last duplicate wins, as in JSON.parse), or -1. */
function rootMember(t: string, members: readonly number[], name: string): number {
  for (let m = members.length - 3; m >= 0; m -= 3) {
    const keyStart = members[m] as number;
    const keyEnd = members[m + 1] as number;
    if (keyEnd - keyStart - 2 === name.length && t.startsWith(name, keyStart + 1) && !name.includes('\\')) return members[m + 2] as number;
    // An escaped key is longer in the text than decoded; only such a key needs decoding to compare.
    if (keyEnd - keyStart - 2 > name.length && t.slice(keyStart + 1, keyEnd - 1).includes('\\') && keyText(t, keyStart, keyEnd) === name) return members[m + 2] as number;
  }
  return -1;
}

/** The same walk over an already parsed value (own properties only). */
export function walkParsed(value: unknown, path: readonly PathSegment[]): unknown {
  let v = value;
  for (let i = 0; i < path.length; i++) {
    if (v === null || typeof v !== 'object') return undefined;
    const seg = path[i] as PathSegment;
    if (seg.kind === 'index') {
      if (!Array.isArray(v)) return undefined;
      v = v[seg.index];
    } else {
      if (Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, seg.name)) return undefined;
      v = (v as Record<string, unknown>)[seg.name];
    }
  }
  return v;
}
