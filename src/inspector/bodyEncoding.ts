// Encodes edited body text back to bytes in the encoding the body was decoded with (the core
// decides that from BOM, content-encoding and charset), so editing a UTF-16 body keeps it UTF-16.
// Decoding is the core's job (src/core/message/text.ts); this is only its inverse for edits.

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be';

/** The core's encoding names plus the labels content-encoding may carry. */
export function encodingFromLabel(label: string | undefined): TextEncodingName {
  switch ((label ?? '').trim().toLowerCase()) {
    case 'utf-16': case 'utf16': case 'utf-16le': case 'unicode': return 'utf-16le';
    case 'utf-16be': return 'utf-16be';
    case 'utf-32': case 'utf32': case 'utf-32le': return 'utf-32le';
    case 'utf-32be': return 'utf-32be';
    default: return 'utf-8';
  }
}

const BOMS: Record<TextEncodingName, number[]> = {
  'utf-8': [0xef, 0xbb, 0xbf],
  'utf-16le': [0xff, 0xfe],
  'utf-16be': [0xfe, 0xff],
  'utf-32le': [0xff, 0xfe, 0x00, 0x00],
  'utf-32be': [0x00, 0x00, 0xfe, 0xff],
};

export function hasBom(bytes: Uint8Array, encoding: TextEncodingName): boolean {
  const bom = BOMS[encoding];
  return bytes.length >= bom.length && bom.every((b, i) => bytes[i] === b);
}

export function encodeText(text: string, encoding: TextEncodingName, withBom = false): Uint8Array {
  const bom = withBom ? BOMS[encoding] : [];
  if (encoding === 'utf-8') {
    const body = new TextEncoder().encode(text);
    if (!withBom) return body;
    const out = new Uint8Array(bom.length + body.length);
    out.set(bom);
    out.set(body, bom.length);
    return out;
  }
  if (encoding === 'utf-16le' || encoding === 'utf-16be') {
    const out = new Uint8Array(bom.length + text.length * 2);
    out.set(bom);
    const view = new DataView(out.buffer);
    for (let i = 0; i < text.length; i++) view.setUint16(bom.length + i * 2, text.charCodeAt(i), encoding === 'utf-16le');
    return out;
  }
  const cps = Array.from(text, (ch) => ch.codePointAt(0) ?? 0xfffd);
  const out = new Uint8Array(bom.length + cps.length * 4);
  out.set(bom);
  const view = new DataView(out.buffer);
  cps.forEach((cp, i) => view.setUint32(bom.length + i * 4, cp, encoding === 'utf-32le'));
  return out;
}
