// Message N of a message file as the IotMessage a send command sends: parsed at send time (so a
// `ttl` becomes absolute-expiry-time = now + ttl), body bytes as the file defines them (compact
// JSON, a string's UTF-8, or decoded base64). Refused when the file itself is broken around that
// message (syntax, wrong types, invalid ttl or base64, unknown keys): what would be sent is then
// not what the file says. Message rules (characters, size, expiry) are the hub's to judge.
import type { IotMessage } from '../../core/message/model';
import { parseMessageFile, type MessageFile } from './messageFile';

export type SendableMessage =
  | { ok: true; message: IotMessage; file: MessageFile }
  | { ok: false; error: string };

export function sendableMessage(text: string, messageIndex: number, now: Date = new Date()): SendableMessage {
  const file = parseMessageFile(text, { now });
  const chosen = file.messages.find((m) => m.index === messageIndex);
  if (!chosen) {
    const why = file.fileDiagnostics[0]?.message;
    const count = file.messages.length;
    return { ok: false, error: `the file has no message ${messageIndex + 1}${why ? `: ${why}` : ` (it holds ${count} message${count === 1 ? '' : 's'})`}.` };
  }
  // A missing direction is fine: the command says which way the message goes.
  const blocking = file.fileDiagnostics.filter((d) => d.severity === 'error' && d.rule !== 'missing-direction'
    && (d.messageIndex === undefined || d.messageIndex === messageIndex));
  const first = blocking[0];
  if (first) {
    const more = blocking.length > 1 ? ` ${blocking.length - 1} more problem${blocking.length > 2 ? 's' : ''} too.` : '';
    return { ok: false, error: `message ${messageIndex + 1}: ${first.code} ${first.message}${more} Fix the file first.` };
  }
  return { ok: true, message: chosen.message, file };
}
