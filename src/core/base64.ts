// The one base64 check for keys and bodies the hub and the extension accept: standard alphabet,
// whole 4-character groups, padding only at the end, the unused bits before it zero. Looser checks let through text that
// Buffer.from(..., 'base64') silently truncates or skips, so a bad key or body lost bytes unseen.
// Plain TypeScript (no Buffer): the webview uses it too.

// The character before the padding carries unused low bits, which must be zero (canonical form):
// 'AA/=' would decode to the bytes of 'AA8=' and so not round-trip.
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$/;

/** True when `text` is standard, padded base64 (the empty string is the encoding of no bytes). */
export function isStrictBase64(text: string): boolean {
  return STRICT_BASE64.test(text);
}

/** True when `text` is strict base64 of at least one byte (a key; an empty key is no key). */
export function isBase64Key(text: string): boolean {
  return text.length > 0 && STRICT_BASE64.test(text);
}

const ALPHABET = /[A-Za-z0-9+/]/;

/**
 * Why `text` is not strict base64, in words a user can act on (undefined when it is). Names the
 * first thing wrong and where (1-based character position in the value): whitespace, a character
 * outside the alphabet (base64url's `-` and `_` named as such), padding inside the text, a length
 * that is not whole 4-character groups, or unused bits set before the padding.
 */
export function base64Problem(text: string): string | undefined {
  if (isStrictBase64(text)) return undefined;
  const firstPad = text.indexOf('=');
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (/\s/.test(c)) return `character ${i + 1} is whitespace or a line break; write the base64 as one unbroken string`;
    if (c === '-' || c === '_') return `character ${i + 1} is '${c}', the base64url alphabet; standard base64 uses '${c === '-' ? '+' : '/'}' there`;
    if (c !== '=' && !ALPHABET.test(c)) return `character ${i + 1} ${JSON.stringify(c)} is not a base64 character (A-Z a-z 0-9 + /)`;
    if (c !== '=' && firstPad !== -1 && i > firstPad) return `'=' at character ${firstPad + 1} is padding, which only ends the text`;
  }
  const data = firstPad === -1 ? text.length : firstPad;
  const padding = text.length - data;
  if (data === 0) return 'it is only padding; the encoding of no bytes is the empty string';
  if (data % 4 === 1) return `${data} base64 character${data === 1 ? ' leaves' : 's leave'} one over after whole 4-character groups, which no bytes encode to (a character is missing or extra)`;
  const wanted = (4 - (data % 4)) % 4;
  if (padding !== wanted) {
    return wanted === 0
      ? `the text is whole 4-character groups without the ${padding === 1 ? "'='" : `${padding} '='`} at the end; remove the padding`
      : `it ends with ${padding === 0 ? 'no' : padding} '=' but needs ${wanted === 1 ? 'one' : 'two'} (padding makes whole 4-character groups)`;
  }
  return `its last character '${text[data - 1] ?? ''}' before the padding has unused bits set, so it decodes to the same bytes as different text; encode the bytes again`;
}
