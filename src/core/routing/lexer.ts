// Splits a routing condition into tokens. Names written with `$` may contain `-`
// (`$iothub-enqueuedtime`, `$dt-dataschema`); plain names are identifiers, so `a-b` is a
// subtraction. Tokens other languages use (`==`, `&&`, `||`, `!`) are returned as `bad` tokens
// so the parser can say what IoT Hub writes instead. Never throws: a broken token is `bad`.

export type TokenKind =
  | 'number' | 'string' | 'ident' | 'dollar'
  | '(' | ')' | ',' | '.' | '[' | ']'
  | '=' | '!=' | '<>' | '<' | '<=' | '>' | '>='
  | '+' | '-' | '*' | '/' | '%'
  | 'bad' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  readonly start: number;
  readonly end: number;
  /** Identifier text, `$` name without the `$`, or a string literal's decoded value. */
  readonly text: string;
  readonly number?: number;
  /** For `bad` tokens: what went wrong and what to write instead. */
  readonly problem?: string;
}

const isIdentStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isIdentPart = (c: number): boolean => isIdentStart(c) || isDigit(c);
const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
export const isBlank = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

export class Lexer {
  pos = 0;
  constructor(readonly text: string) {}

  skipBlanks(): void {
    const t = this.text;
    while (this.pos < t.length && isBlank(t.charCodeAt(this.pos))) this.pos++;
  }

  next(): Token {
    this.skipBlanks();
    const t = this.text;
    const start = this.pos;
    if (start >= t.length) return { kind: 'eof', start, end: start, text: '' };
    const c = t.charCodeAt(start);
    const tok = (kind: TokenKind, len: number, extra: Partial<Token> = {}): Token => {
      this.pos = start + len;
      return { kind, start, end: start + len, text: t.slice(start, start + len), ...extra };
    };
    const two = t.slice(start, start + 2);
    if (isIdentStart(c)) {
      let i = start + 1;
      while (i < t.length && isIdentPart(t.charCodeAt(i))) i++;
      return tok('ident', i - start);
    }
    if (c === 36 /* $ */) {
      let i = start + 1;
      if (i < t.length && isIdentStart(t.charCodeAt(i))) {
        i++;
        while (i < t.length && (isIdentPart(t.charCodeAt(i)) || t.charCodeAt(i) === 45 /* - */)) i++;
        // A trailing '-' belongs to a subtraction, not to the name.
        while (t.charCodeAt(i - 1) === 45) i--;
        const len = i - start;
        return tok('dollar', len, { text: t.slice(start + 1, i) });
      }
      return tok('bad', 1, { problem: "'$' must be followed by a property name, as in $contentType or $body.temperature" });
    }
    if (isDigit(c) || (c === 46 && isDigit(t.charCodeAt(start + 1)))) return this.number(start);
    if (c === 39 || c === 34) return this.string(start, c);
    switch (two) {
      case '!=': case '<>': case '<=': case '>=': return tok(two, 2);
      case '==': return tok('bad', 2, { problem: "IoT Hub compares with a single '=', not '=='" });
      case '&&': return tok('bad', 2, { problem: "IoT Hub writes AND, not '&&'" });
      case '||': return tok('bad', 2, { problem: "IoT Hub routing queries have no '||' operator: write OR for a logical or, CONCAT(x, y) to join strings" });
      default: break;
    }
    const ch = t[start] as string;
    if ('()=<>+-*/%,.[]'.includes(ch)) return tok(ch as TokenKind, 1);
    if (ch === '!') return tok('bad', 1, { problem: "IoT Hub writes NOT, not '!'" });
    if (ch === '&') return tok('bad', 1, { problem: "IoT Hub writes AND, not '&'" });
    if (ch === '|') return tok('bad', 1, { problem: "IoT Hub writes OR, not '|'" });
    const cp = t.codePointAt(start) ?? c;
    const len = cp > 0xffff ? 2 : 1;
    return tok('bad', len, { problem: `Unexpected character '${String.fromCodePoint(cp)}' (U+${cp.toString(16).toUpperCase().padStart(4, '0')})` });
  }

  private number(start: number): Token {
    const t = this.text;
    let i = start;
    if (t.charCodeAt(i) === 48 && (t[i + 1] === 'x' || t[i + 1] === 'X')) {
      i += 2;
      const digits = i;
      while (i < t.length && isHex(t.charCodeAt(i))) i++;
      this.pos = i;
      if (i === digits) return { kind: 'bad', start, end: i, text: t.slice(start, i), problem: "A hexadecimal number needs digits after '0x'" };
      return { kind: 'number', start, end: i, text: t.slice(start, i), number: Number.parseInt(t.slice(digits, i), 16) };
    }
    while (i < t.length && isDigit(t.charCodeAt(i))) i++;
    if (t.charCodeAt(i) === 46 && isDigit(t.charCodeAt(i + 1))) {
      i++;
      while (i < t.length && isDigit(t.charCodeAt(i))) i++;
    }
    if (t[i] === 'e' || t[i] === 'E') {
      let j = i + 1;
      if (t[j] === '+' || t[j] === '-') j++;
      if (isDigit(t.charCodeAt(j))) {
        while (j < t.length && isDigit(t.charCodeAt(j))) j++;
        i = j;
      }
    }
    this.pos = i;
    if (i < t.length && isIdentPart(t.charCodeAt(i))) {
      let j = i;
      while (j < t.length && isIdentPart(t.charCodeAt(j))) j++;
      this.pos = j;
      return { kind: 'bad', start, end: j, text: t.slice(start, j), problem: `'${t.slice(start, j)}' is not a number or a name: a name cannot start with a digit` };
    }
    const text = t.slice(start, i);
    const n = Number(text);
    if (!Number.isFinite(n)) return { kind: 'bad', start, end: i, text, problem: `The number ${text} is too large` };
    return { kind: 'number', start, end: i, text, number: n };
  }

  private string(start: number, quote: number): Token {
    const t = this.text;
    let i = start + 1;
    let value = '';
    while (i < t.length) {
      const c = t.charCodeAt(i);
      if (c === quote) {
        this.pos = i + 1;
        return { kind: 'string', start, end: i + 1, text: value };
      }
      if (c === 92 /* \ */) {
        const e = t[i + 1];
        if (e === "'" || e === '"' || e === '\\') { value += e; i += 2; continue; }
        if (e === 'u') {
          const hex = t.slice(i + 2, i + 6);
          if (/^[0-9a-fA-F]{4}$/.test(hex)) { value += String.fromCharCode(Number.parseInt(hex, 16)); i += 6; continue; }
        }
        this.pos = Math.min(t.length, i + 2);
        return {
          kind: 'bad', start: i, end: this.pos, text: t.slice(i, this.pos),
          problem: `Invalid escape '${t.slice(i, this.pos)}' in a string: IoT Hub allows \\', \\", \\\\ and \\uXXXX`,
        };
      }
      value += t[i];
      i++;
    }
    this.pos = t.length;
    return { kind: 'bad', start, end: t.length, text: t.slice(start), problem: `Unterminated string: add the closing ${String.fromCharCode(quote)}` };
  }
}
