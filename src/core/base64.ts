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
