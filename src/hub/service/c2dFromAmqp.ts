// Turns a C2D message that a service back end sent over AMQP (azure-iothub's Client.send, or any
// AMQP client) into the hub's message model, with IoT Hub's mapping: `to` names the device,
// message and correlation ids may be AMQP uuids (16 bytes) or strings, `absolute_expiry_time` is
// the expiry, `user_id` is binary (UTF-8), `iothub-ack` and `iothub-creation-time-utc` travel as
// application properties but are system properties (as Microsoft's service SDKs send them), the
// subject (MQTT `$.sub`, the component) is the message annotation `dt-subject`, and the body is a
// data section.
// Anything that cannot be a C2D message is refused with a description saying what and why.
import type { Message } from 'rhea';
import type { ApplicationProperty, SystemProperties } from '../../core/message/model';
import { AmqpCondition, EndpointError } from '../eventhubs/amqpErrors';

export interface AmqpC2dMessage {
  deviceId: string;
  systemProperties: SystemProperties;
  applicationProperties: ApplicationProperty[];
  body: Uint8Array;
}

/** `/devices/{url-encoded id}/messages/devicebound` (the SDK's `to`). */
const TO_PATTERN = /^\/?devices\/([^/]+)\/messages\/devicebound\/?$/i;

/** An AMQP uuid arrives as 16 bytes; IoT Hub shows it in the usual 8-4-4-4-12 form. */
function formatUuid(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** message-id / correlation-id: string, uuid (16-byte Buffer), ulong (number/bigint) or binary. */
function messageIdText(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (Buffer.isBuffer(v)) return v.length === 16 ? formatUuid(v) : v.toString('utf8');
  throw new EndpointError(AmqpCondition.argumentError, `The ${field} must be a string, uuid, ulong or binary, not ${typeof v}.`);
}

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return String(v);
}

/** The body bytes: one or more data sections, or (tolerated) a string or binary amqp-value. */
function bodyBytes(body: unknown): Uint8Array {
  if (body === undefined || body === null) return new Uint8Array();
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (typeof body === 'object' && 'typecode' in body && (body as { typecode: unknown }).typecode === 0x75) {
    const section = body as unknown as { content: unknown; multiple?: boolean };
    const parts = section.multiple === true && Array.isArray(section.content) ? section.content : [section.content];
    return Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p as Uint8Array))));
  }
  throw new EndpointError(AmqpCondition.argumentError,
    'The C2D message body must be a data section (binary), as IoT Hub expects; an AMQP value or sequence body is not a device message.');
}

/** Maps an AMQP C2D message; throws EndpointError (argument-error) for one that cannot be sent. */
export function c2dFromAmqp(message: Message): AmqpC2dMessage {
  const to = text(message.to);
  const m = to === undefined ? null : TO_PATTERN.exec(to);
  if (m === null) {
    throw new EndpointError(AmqpCondition.argumentError,
      `The C2D message's "to" must be "/devices/{deviceId}/messages/devicebound"${to === undefined ? ' (it has none)' : `, not "${to.slice(0, 200)}"`}.`);
  }
  let deviceId: string;
  try {
    deviceId = decodeURIComponent(m[1]!);
  } catch {
    throw new EndpointError(AmqpCondition.argumentError, `The device id in "to" is not valid percent-encoding: "${m[1]!.slice(0, 200)}".`);
  }
  const sys: SystemProperties = {};
  const messageId = messageIdText(message.message_id, 'message-id');
  if (messageId !== undefined) sys.messageId = messageId;
  const correlationId = messageIdText(message.correlation_id, 'correlation-id');
  if (correlationId !== undefined) sys.correlationId = correlationId;
  const userId = text(message.user_id);
  if (userId !== undefined) sys.userId = userId;
  const expiry = message.absolute_expiry_time as unknown;
  if (expiry !== undefined && expiry !== null) {
    const t = expiry instanceof Date ? expiry.getTime() : Number(expiry);
    if (!Number.isFinite(t)) throw new EndpointError(AmqpCondition.argumentError, 'absolute-expiry-time is not a valid timestamp.');
    sys.expiryTimeUtc = new Date(t).toISOString();
  }
  const contentType = text(message.content_type);
  if (contentType !== undefined) sys.contentType = contentType;
  const contentEncoding = text(message.content_encoding);
  if (contentEncoding !== undefined) sys.contentEncoding = contentEncoding;
  const app: ApplicationProperty[] = [];
  const props = message.application_properties as Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null) continue;
    const lower = name.toLowerCase();
    const v = value instanceof Date ? value.toISOString() : text(value)!;
    if (lower === 'iothub-ack') sys.ack = v;
    else if (lower === 'iothub-creation-time-utc') sys.creationTimeUtc = v;
    else app.push({ name, value: v });
  }
  const subject = text((message.message_annotations as Record<string, unknown> | undefined)?.['dt-subject']);
  if (subject !== undefined) sys.subject = subject;
  return { deviceId, systemProperties: sys, applicationProperties: app, body: bodyBytes(message.body) };
}
