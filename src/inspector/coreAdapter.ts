// The inspector's only doorway into core validation and body decoding, so the inspector, the
// language service and the linter report the same problems from the same implementation.
import type { Direction, IotMessage } from '../core/message/model';
import type { ValidationResult } from '../core/message/problems';
import { decodeBody, type DecodedBody } from '../core/message/text';
import { validateMessage } from '../core/message/validation';
import { encodeText, encodingFromLabel, hasBom } from './bodyEncoding';

export function runValidation(msg: IotMessage, direction: Direction, now: Date, fromHub: boolean): ValidationResult {
  return validateMessage(msg, { direction, now, fromHub });
}

export function decode(body: Uint8Array, contentType: string | undefined, contentEncoding: string | undefined): DecodedBody {
  return decodeBody(body, contentType, contentEncoding);
}

/**
 * Bytes for edited body text: the encoding (and byte-order mark) the current body decoded with,
 * else the content-encoding label, else UTF-8.
 */
export function encodeBodyText(text: string, current: Uint8Array, contentType: string | undefined, contentEncoding: string | undefined): Uint8Array {
  const decoded = decodeBody(current, contentType, contentEncoding);
  const encoding = decoded.kind !== 'binary' && decoded.encoding ? encodingFromLabel(decoded.encoding) : encodingFromLabel(contentEncoding);
  return encodeText(text, encoding, current.length > 0 && hasBom(current, encoding));
}
