// The body's three views. The core decides how the body reads (BOM, content-encoding, charset,
// JSON content type); this only shapes that into what each view shows.
import type { BodyViewKind } from './protocol';
import { decode } from './coreAdapter';
import { errorText } from '../core/errorText';

export type TextView = { ok: true; text: string; encoding: string } | { ok: false; reason: string };
export type JsonView = { ok: true; pretty: string } | { ok: false; reason: string };

export interface BodyModel {
  byteLength: number;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  text: TextView;
  json: JsonView;
  /** JSON for JSON content, text for other decodable text, hex for binary. */
  defaultView: BodyViewKind;
}

export function buildBodyModel(body: Uint8Array, contentType: string | undefined, contentEncoding: string | undefined): BodyModel {
  const decoded = decode(body, contentType, contentEncoding);
  const text: TextView = decoded.kind === 'binary' || decoded.text === undefined
    ? { ok: false, reason: decoded.binaryReason ?? 'the body is not text' }
    : { ok: true, text: decoded.text, encoding: decoded.encoding ?? 'utf-8' };
  let json: JsonView;
  if (decoded.kind === 'json') {
    json = { ok: true, pretty: JSON.stringify(decoded.json, null, 2) };
  } else if (!text.ok) {
    json = { ok: false, reason: `The body is not text (${text.reason}), so it is not JSON.` };
  } else if (decoded.jsonError !== undefined) {
    json = { ok: false, reason: `content-type says JSON but the body does not parse: ${decoded.jsonError}` };
  } else {
    // Text the core did not treat as JSON (e.g. content-type text/plain) may still be JSON.
    json = tryPretty(text.text);
  }
  const defaultView: BodyViewKind = body.length === 0 ? 'text' : decoded.kind === 'json' ? 'json' : text.ok ? 'text' : 'hex';
  return { byteLength: body.length, contentType, contentEncoding, text, json, defaultView };
}

function tryPretty(text: string): JsonView {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return { ok: false, reason: 'The body is not JSON.' };
  try {
    return { ok: true, pretty: JSON.stringify(JSON.parse(text), null, 2) };
  } catch (e) {
    return { ok: false, reason: `The body is not valid JSON: ${errorText(e)}` };
  }
}

/** Which view to show: the user's choice if it can be shown, else the default. */
export function effectiveView(model: BodyModel, chosen: BodyViewKind | undefined): BodyViewKind {
  if (chosen === 'json' && !model.json.ok) return model.defaultView;
  if (chosen === 'text' && !model.text.ok) return 'hex';
  return chosen ?? model.defaultView;
}
