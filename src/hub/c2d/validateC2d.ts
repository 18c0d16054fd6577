// C2D message checks applied at send time (IoT Hub rejects these with 400).
// TODO(core): replace with `validateMessage(msg, { direction: 'c2d' })` from
// src/core/message/validation.ts once the core helper lands it; until then these are the same
// rules from IOT_HUB_FACTS.md, reduced to error sentences.
import { ACK_MODES, type ApplicationProperty, type SystemProperties } from '../../core/message/model';
import { C2D_MAX_MESSAGE_BYTES, MESSAGE_ID_MAX_LENGTH } from '../../core/message/limits';

const PROPERTY_CHARS = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]*$/;
const MESSAGE_ID_CHARS = /^[A-Za-z0-9\-:.+%_#*?!(),=@;$']*$/;
const STAMPED: (keyof SystemProperties)[] = [
  'enqueuedTimeUtc', 'sequenceNumber', 'connectionDeviceId', 'connectionModuleId', 'connectionAuthGenerationId',
  'connectionAuthMethod', 'messageSource', 'lockToken', 'deliveryCount',
];

export function c2dSizeBytes(sys: SystemProperties, app: ApplicationProperty[], body: Uint8Array): number {
  let n = body.length;
  for (const v of Object.values(sys)) if (typeof v === 'string') n += Buffer.byteLength(v, 'utf8');
  for (const p of app) n += Buffer.byteLength(p.name, 'utf8') + Buffer.byteLength(p.value, 'utf8');
  return n;
}

export function c2dProblems(sys: SystemProperties, app: ApplicationProperty[], body: Uint8Array, now: number): string[] {
  const problems: string[] = [];
  const size = c2dSizeBytes(sys, app, body);
  if (size > C2D_MAX_MESSAGE_BYTES) problems.push(`The message is ${size} bytes; the C2D limit is ${C2D_MAX_MESSAGE_BYTES} bytes (body plus property names and values).`);
  if (sys.messageId !== undefined) {
    if (sys.messageId.length > MESSAGE_ID_MAX_LENGTH) problems.push(`message-id is ${sys.messageId.length} characters; the limit is ${MESSAGE_ID_MAX_LENGTH}.`);
    if (!MESSAGE_ID_CHARS.test(sys.messageId)) problems.push(`message-id "${sys.messageId}" has characters outside ASCII letters, digits and - : . + % _ # * ? ! ( ) , = @ ; $ '.`);
  }
  if (sys.ack !== undefined && !(ACK_MODES as readonly string[]).includes(sys.ack)) problems.push(`iothub-ack "${sys.ack}" is not one of none, positive, negative, full.`);
  if (sys.expiryTimeUtc !== undefined) {
    const t = Date.parse(sys.expiryTimeUtc);
    if (Number.isNaN(t)) problems.push(`absolute-expiry-time "${sys.expiryTimeUtc}" is not an ISO 8601 UTC time.`);
    else if (t <= now) problems.push(`absolute-expiry-time ${sys.expiryTimeUtc} is already in the past.`);
  }
  for (const k of STAMPED) if (sys[k] !== undefined) problems.push(`System property ${k} is set by the hub and cannot be sent.`);
  const seen = new Map<string, number>();
  app.forEach((p, i) => {
    if (p.name === '') problems.push(`Application property #${i + 1} has an empty name.`);
    if (!PROPERTY_CHARS.test(p.name)) problems.push(`Application property name "${p.name}" has characters outside ASCII letters, digits and ! # $ % & ' * + - . ^ _ \` | ~.`);
    if (!PROPERTY_CHARS.test(p.value)) problems.push(`The value of application property "${p.name}" has characters outside ASCII letters, digits and ! # $ % & ' * + - . ^ _ \` | ~.`);
    const key = p.name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) problems.push(`Application property "${p.name}" duplicates #${first + 1} (names are case-insensitive).`);
    else seen.set(key, i);
  });
  return problems;
}
