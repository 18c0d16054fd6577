// Decodes and parses a message body for `$body` conditions, with IoT Hub's rule: the body is
// queried only when the content type is `application/json` and the content encoding is UTF-8,
// UTF-16 or UTF-32 (both matched ignoring case); otherwise, or when the bytes are not valid JSON,
// every `$body` reference is undefined and so every body condition is false.
// Uses only web-standard APIs so the inspector webview can run it too.
import { LazyJson } from './lazyJson';
import { errorText } from '../errorText';

/** `doc.lookup(path)` reads one value; `doc.value` parses everything. */
export type ParsedBody = { readonly ok: true; readonly doc: LazyJson } | { readonly ok: false; readonly reason: string };

export interface BodySource {
  readonly systemProperties: Readonly<Record<string, string | undefined>>;
  readonly body: Uint8Array;
}

function prop(sp: Readonly<Record<string, string | undefined>>, a: string, b: string): string | undefined {
  return sp[a] ?? sp[b];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf16le = new TextDecoder('utf-16le', { fatal: true });
const utf16be = new TextDecoder('utf-16be', { fatal: true });

function decodeUtf32(bytes: Uint8Array): string | undefined {
  if (bytes.length % 4 !== 0) return undefined;
  let little = true;
  let i = 0;
  if (bytes.length >= 4) {
    if (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0xfe && bytes[3] === 0xff) { little = false; i = 4; }
    else if (bytes[0] === 0xff && bytes[1] === 0xfe && bytes[2] === 0 && bytes[3] === 0) i = 4;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: string[] = [];
  for (; i < bytes.length; i += 4) {
    const cp = view.getUint32(i, little);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
    parts.push(String.fromCodePoint(cp));
  }
  return parts.join('');
}

/** Decodes the body text for the given (lower-case) encoding; undefined when the bytes are invalid. */
export function decodeBodyText(bytes: Uint8Array, encoding: string): string | undefined {
  try {
    switch (encoding) {
      case 'utf-8': return utf8.decode(bytes); // drops a leading BOM
      case 'utf-16':
        if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return utf16be.decode(bytes.subarray(2));
        return utf16le.decode(bytes);
      case 'utf-32': return decodeUtf32(bytes);
      default: return undefined;
    }
  } catch {
    return undefined;
  }
}

export function parseRoutingBody(msg: BodySource): ParsedBody {
  const sp = msg.systemProperties;
  const contentType = prop(sp, 'contentType', 'content-type');
  if (contentType === undefined) return { ok: false, reason: 'the message has no content type (IoT Hub queries the body only when it is application/json)' };
  if (contentType.toLowerCase() !== 'application/json') return { ok: false, reason: `the content type is '${contentType}', not application/json` };
  const encoding = prop(sp, 'contentEncoding', 'content-encoding');
  if (encoding === undefined) return { ok: false, reason: 'the message has no content encoding (IoT Hub queries the body only in utf-8, utf-16 or utf-32)' };
  const enc = encoding.toLowerCase();
  if (enc !== 'utf-8' && enc !== 'utf-16' && enc !== 'utf-32') return { ok: false, reason: `the content encoding is '${encoding}', not utf-8, utf-16 or utf-32` };
  const text = decodeBodyText(msg.body, enc);
  if (text === undefined) return { ok: false, reason: `the body is not valid ${enc}` };
  const doc = LazyJson.from(text);
  if (doc !== undefined) return { ok: true, doc };
  let why = '';
  try { JSON.parse(text); } catch (e) { why = ` (${errorText(e)})`; }
  return { ok: false, reason: `the body is not valid JSON${why}` };
}
