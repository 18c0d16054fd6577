// Encodes a stored D2C event as the AMQP message IoT Hub's Event Hubs-compatible endpoint delivers,
// matching what @azure/event-hubs 6.x `fromRheaMessage` reads:
// - message annotations: x-opt-sequence-number (long), x-opt-offset (string), x-opt-enqueued-time
//   (timestamp), x-opt-partition-key, and the hub's iothub-* stamps (they surface as
//   `systemProperties` on a ReceivedEventData, with timestamps turned into numbers);
// - properties: message_id, correlation_id, content_type, content_encoding, user_id (binary),
//   to, subject, absolute_expiry_time (timestamp);
// - application properties: the sender's, names and values unchanged;
// - body: one data section holding exactly the stored bytes.
import { message as rheaMessage, types, type Message } from 'rhea';
import type { D2cEvent } from '../contracts';

/** Stamps IoT Hub adds that are message annotations (not AMQP properties) on the wire. */
const STRING_ANNOTATIONS = [
  ['connectionDeviceId', 'iothub-connection-device-id'],
  ['connectionModuleId', 'iothub-connection-module-id'],
  ['connectionAuthMethod', 'iothub-connection-auth-method'],
  ['connectionAuthGenerationId', 'iothub-connection-auth-generation-id'],
  ['messageSource', 'iothub-message-source'],
  ['creationTimeUtc', 'iothub-creation-time-utc'],
] as const;

export function encodeEvent(event: D2cEvent): Message {
  const sp = event.systemProperties;
  const annotations: Record<string, unknown> = {
    'x-opt-sequence-number': types.wrap_long(event.sequenceNumber),
    'x-opt-offset': event.offset,
    'x-opt-enqueued-time': types.wrap_timestamp(event.enqueuedTime),
    'x-opt-partition-key': event.deviceId,
  };
  annotations['iothub-connection-device-id'] = event.deviceId;
  if (event.moduleId !== undefined) annotations['iothub-connection-module-id'] = event.moduleId;
  for (const [key, wire] of STRING_ANNOTATIONS) {
    const v = sp[key];
    if (v !== undefined) annotations[wire] = v;
  }
  annotations['iothub-enqueuedtime'] = types.wrap_timestamp(isoToMillis(sp.enqueuedTimeUtc) ?? event.enqueuedTime);
  if (annotations['iothub-message-source'] === undefined) annotations['iothub-message-source'] = 'Telemetry';

  const msg: Message = {
    body: rheaMessage.data_section(Buffer.from(event.body.buffer, event.body.byteOffset, event.body.byteLength)),
    message_annotations: annotations,
  };
  if (sp.messageId !== undefined) msg.message_id = sp.messageId;
  if (sp.correlationId !== undefined) msg.correlation_id = sp.correlationId;
  if (sp.contentType !== undefined) msg.content_type = sp.contentType;
  if (sp.contentEncoding !== undefined) msg.content_encoding = sp.contentEncoding;
  if (sp.userId !== undefined) msg.user_id = Buffer.from(sp.userId, 'utf8') as unknown as string;
  if (sp.to !== undefined) msg.to = sp.to;
  if (sp.subject !== undefined) msg.subject = sp.subject;
  const expiry = isoToMillis(sp.expiryTimeUtc);
  if (expiry !== undefined) msg.absolute_expiry_time = new Date(expiry);
  if (event.applicationProperties.length > 0) {
    const props: Record<string, string> = {};
    for (const p of event.applicationProperties) props[p.name] = p.value;
    msg.application_properties = props;
  }
  return msg;
}

function isoToMillis(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
}
