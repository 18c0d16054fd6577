import { errorText } from '../errorText';
// Decides how to show a message body: as JSON, as text, or as binary (hex). Used by the inspector
// webview and the monitor, so it uses only TextDecoder (no Buffer).

export type BodyKind = 'json' | 'text' | 'binary';

export interface DecodedBody {
  kind: BodyKind;
  /** The decoded text, for 'json' and 'text'. */
  text?: string;
  /** The parsed value, for 'json'. */
  json?: unknown;
  /** The character encoding used (`utf-8`, `utf-16le`, `utf-16be`, `utf-32le`, `utf-32be`), for 'json' and 'text'. */
  encoding?: string;
  /** Set when the content type says JSON but the text does not parse; kind is then 'text'. */
  jsonError?: string;
  /** Why the body is shown as binary. */
  binaryReason?: string;
}

type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be';

function fromBom(b: Uint8Array): { encoding: Encoding; skip: number } | undefined {
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: 'utf-8', skip: 3 };
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) return { encoding: 'utf-32le', skip: 4 };
  if (b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff) return { encoding: 'utf-32be', skip: 4 };
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return { encoding: 'utf-16le', skip: 2 };
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return { encoding: 'utf-16be', skip: 2 };
  return undefined;
}

function family(e: Encoding): string {
  return e.slice(0, 6);
}

/** Maps a content-encoding or charset label to an encoding; `utf-16`/`utf-32` mean little-endian (as .NET and Windows write them). */
function fromLabel(label: string | undefined): Encoding | undefined {
  if (label === undefined) return undefined;
  const l = label.trim().toLowerCase().replace(/^"|"$/g, '');
  switch (l) {
    case 'utf-8': case 'utf8': case 'us-ascii': case 'ascii': return 'utf-8';
    case 'utf-16': case 'utf16': case 'utf-16le': case 'unicode': return 'utf-16le';
    case 'utf-16be': return 'utf-16be';
    case 'utf-32': case 'utf32': case 'utf-32le': return 'utf-32le';
    case 'utf-32be': return 'utf-32be';
    default: return undefined;
  }
}

function charsetOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const m = /;\s*charset\s*=\s*("?[^;"]+"?)/i.exec(contentType);
  return m?.[1];
}

function decodeUtf32(b: Uint8Array, littleEndian: boolean): string | undefined {
  if (b.length % 4 !== 0) return undefined;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let out = '';
  for (let i = 0; i < b.length; i += 4) {
    const cp = view.getUint32(i, littleEndian);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
    out += String.fromCodePoint(cp);
  }
  return out;
}

function decodeAs(b: Uint8Array, encoding: Encoding): string | undefined {
  if (encoding === 'utf-32le' || encoding === 'utf-32be') return decodeUtf32(b, encoding === 'utf-32le');
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(b);
  } catch {
    return undefined;
  }
}

function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const mime = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return mime === 'application/json' || mime === 'text/json' || mime.endsWith('+json');
}

// Control characters other than tab, line feed, carriage return and form feed mean "not text".
const CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/;

/**
 * Chooses the encoding from a byte-order mark, then `contentEncoding`, then the content type's
 * charset, else UTF-8. A body that does not decode, or holds control characters, is binary. Text
 * is parsed as JSON when the content type says JSON, or when there is no content type and the
 * text starts with `{` or `[`.
 */
export function decodeBody(body: Uint8Array, contentType?: string, contentEncoding?: string): DecodedBody {
  const labelled = fromLabel(contentEncoding) ?? fromLabel(charsetOf(contentType));
  // A BOM settles the byte order, but only within the labelled family: the UTF-32LE bytes of
  // U+10FFFE start FE FF, which must not be read as a UTF-16BE BOM.
  const sniffed = fromBom(body);
  const bom = sniffed === undefined || labelled === undefined || family(sniffed.encoding) === family(labelled) ? sniffed : undefined;
  const encoding: Encoding = bom?.encoding ?? labelled ?? 'utf-8';
  const text = decodeAs(body.subarray(bom?.skip ?? 0), encoding);
  if (text === undefined) return { kind: 'binary', binaryReason: `the body is not valid ${encoding.toUpperCase()}` };
  if (CONTROL.test(text)) return { kind: 'binary', binaryReason: 'the body contains control characters' };
  const saysJson = isJsonContentType(contentType);
  const trimmed = text.trimStart();
  const looksJson = contentType === undefined && (trimmed.startsWith('{') || trimmed.startsWith('['));
  if (saysJson || looksJson) {
    try {
      return { kind: 'json', text, json: JSON.parse(text) as unknown, encoding };
    } catch (e) {
      const result: DecodedBody = { kind: 'text', text, encoding };
      if (saysJson) result.jsonError = errorText(e);
      return result;
    }
  }
  return { kind: 'text', text, encoding };
}
