// The character sets IoT Hub allows in application properties, message ids and device ids
// (see shared/design/IOT_HUB_FACTS.md). Pure functions: used by the validators, the language
// server's live diagnostics and the inspector webview.

/** A named set of allowed characters: ASCII letters and digits plus `symbols`. */
export interface AllowedCharset {
  /** The extra ASCII symbols allowed besides letters and digits, in documentation order. */
  readonly symbols: string;
  /** Human text for messages, e.g. "ASCII letters, digits and ! # $ ...". */
  readonly description: string;
}

function charset(symbols: string, extra = ''): AllowedCharset {
  const listed = [...symbols].join(' ');
  return { symbols, description: `ASCII letters, digits and ${listed}${extra}` };
}

/** Application property names and values (every C2D message, and D2C over HTTPS). */
export const APP_PROPERTY_ALLOWED: AllowedCharset = charset("!#$%&'*+-.^_`|~");

/** `message-id`: at most 128 characters from this set. */
export const MESSAGE_ID_ALLOWED: AllowedCharset = charset("-:.+%_#*?!(),=@;$'");

/**
 * Device and module ids. IoT Hub's registry documentation lists the symbols below; some pages
 * also list `:` and `;`, so those are tolerated (the tolerant choice, see the facts doc).
 */
export const DEVICE_ID_ALLOWED: AllowedCharset = charset("-.+%_#*?!(),=@$'", ' (and : ; are tolerated)');
const DEVICE_ID_TOLERATED = ':;';

function isAsciiAlphanumeric(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function isSingleAllowed(ch: string, symbols: string): boolean {
  // `ch` must be exactly one UTF-16 unit: anything longer (a surrogate pair) is outside ASCII.
  if (ch.length !== 1) return false;
  return isAsciiAlphanumeric(ch.charCodeAt(0)) || symbols.includes(ch);
}

export function isAllowedPropertyChar(ch: string): boolean {
  return isSingleAllowed(ch, APP_PROPERTY_ALLOWED.symbols);
}

export function isAllowedMessageIdChar(ch: string): boolean {
  return isSingleAllowed(ch, MESSAGE_ID_ALLOWED.symbols);
}

export function isAllowedDeviceIdChar(ch: string): boolean {
  return isSingleAllowed(ch, DEVICE_ID_ALLOWED.symbols) || isSingleAllowed(ch, DEVICE_ID_TOLERATED);
}

export interface InvalidRange {
  /** UTF-16 offset of the first code unit of the character. */
  start: number;
  /** UTF-16 offset just after the character (start + 1, or start + 2 for a surrogate pair). */
  end: number;
  /** The character itself. */
  text: string;
}

/**
 * Every character of `s` that `allowed` rejects, one range per character (never merged), so an
 * editor can underline each and a message can name each. A surrogate pair is one character
 * (a range of 2 code units); a lone surrogate is one character of 1 code unit.
 */
export function findInvalidRanges(s: string, allowed: (ch: string) => boolean): InvalidRange[] {
  const out: InvalidRange[] = [];
  let i = 0;
  while (i < s.length) {
    const code = s.charCodeAt(i);
    let len = 1;
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) len = 2;
    }
    const text = s.slice(i, i + len);
    if (!allowed(text)) out.push({ start: i, end: i + len, text });
    i += len;
  }
  return out;
}

/** `'°' (U+00B0)`; control and space characters are shown by code point only. */
export function describeCharacter(text: string): string {
  const cp = text.codePointAt(0) ?? 0;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  const invisible = cp <= 0x20 || (cp >= 0x7f && cp <= 0xa0) || (cp >= 0xd800 && cp <= 0xdfff) || /\s/u.test(text);
  if (invisible) return cp === 0x20 ? `a space (${hex})` : hex;
  return `'${text}' (${hex})`;
}
