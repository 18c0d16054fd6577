// Encodes a stored D2C event as the AMQP message IoT Hub's Event Hubs-compatible endpoint delivers,
// matching what @azure/event-hubs 6.x `fromRheaMessage` reads:
// - message annotations: x-opt-sequence-number (long), x-opt-offset (string), x-opt-enqueued-time
//   (timestamp), x-opt-partition-key, and the hub's iothub-* stamps (they surface as
//   `systemProperties` on a ReceivedEventData, with timestamps turned into numbers);
// - properties: message_id, user_id (binary), to, subject, correlation_id, content_type,
//   content_encoding, absolute_expiry_time (timestamp);
// - application properties: the sender's, names and values unchanged (string values);
// - body: one data section holding exactly the stored bytes.
// The bytes are written directly (amqpWriter.ts) and sent pre-encoded; see there for why.
import type { D2cEvent, PartitionInfo } from '../contracts';
import { AmqpWriter, SECTION } from './amqpWriter';

/** Stamps IoT Hub adds that are message annotations (not AMQP properties) on the wire, as strings. */
const STRING_ANNOTATIONS = [
  ['connectionModuleId', 'iothub-connection-module-id'],
  ['connectionAuthMethod', 'iothub-connection-auth-method'],
  ['connectionAuthGenerationId', 'iothub-connection-auth-generation-id'],
  ['creationTimeUtc', 'iothub-creation-time-utc'],
] as const;

/** Last-enqueued information for receivers that asked for runtime metrics (delivery annotations). */
export interface RuntimeInfo {
  info: PartitionInfo;
  retrievedAt: number;
}

export function encodeEvent(event: D2cEvent, writer: AmqpWriter, runtime?: RuntimeInfo): Buffer {
  const w = writer;
  const sp = event.systemProperties;
  if (runtime !== undefined) {
    w.descriptor(SECTION.deliveryAnnotations);
    w.compound('map', () => {
      w.symbol('last_enqueued_sequence_number');
      w.long(runtime.info.lastEnqueuedSequenceNumber);
      w.symbol('last_enqueued_offset');
      w.string(runtime.info.lastEnqueuedOffset);
      w.symbol('last_enqueued_time_utc');
      w.timestamp(runtime.info.lastEnqueuedTime);
      w.symbol('runtime_info_retrieval_time_utc');
      w.timestamp(runtime.retrievedAt);
      return 8;
    });
  }

  w.descriptor(SECTION.messageAnnotations);
  w.compound('map', () => {
    let n = 0;
    const str = (key: string, value: string): void => {
      w.symbol(key);
      w.string(value);
      n += 2;
    };
    w.symbol('x-opt-sequence-number');
    w.long(event.sequenceNumber);
    str('x-opt-offset', event.offset);
    w.symbol('x-opt-enqueued-time');
    w.timestamp(event.enqueuedTime);
    n += 4;
    str('x-opt-partition-key', event.deviceId);
    str('iothub-connection-device-id', event.deviceId);
    if (event.moduleId !== undefined && sp.connectionModuleId === undefined) str('iothub-connection-module-id', event.moduleId);
    for (const [key, wire] of STRING_ANNOTATIONS) {
      const v = sp[key];
      if (v !== undefined) str(wire, v);
    }
    w.symbol('iothub-enqueuedtime');
    w.timestamp(isoToMillis(sp.enqueuedTimeUtc) ?? event.enqueuedTime);
    n += 2;
    str('iothub-message-source', sp.messageSource ?? 'Telemetry');
    return n;
  });

  const expiry = isoToMillis(sp.expiryTimeUtc);
  // Properties list fields in order; trailing absent fields are left out (AMQP allows it).
  const fields: (((() => void) | undefined))[] = [
    sp.messageId === undefined ? undefined : () => w.string(sp.messageId!),
    sp.userId === undefined ? undefined : () => w.binary(Buffer.from(sp.userId!, 'utf8')),
    sp.to === undefined ? undefined : () => w.string(sp.to!),
    sp.subject === undefined ? undefined : () => w.string(sp.subject!),
    undefined, // reply-to
    sp.correlationId === undefined ? undefined : () => w.string(sp.correlationId!),
    sp.contentType === undefined ? undefined : () => w.symbol(sp.contentType!),
    sp.contentEncoding === undefined ? undefined : () => w.symbol(sp.contentEncoding!),
    expiry === undefined ? undefined : () => w.timestamp(expiry),
  ];
  let last = fields.length - 1;
  while (last >= 0 && fields[last] === undefined) last--;
  if (last >= 0) {
    w.descriptor(SECTION.properties);
    w.compound('list', () => {
      for (let i = 0; i <= last; i++) {
        const write = fields[i];
        if (write === undefined) w.null();
        else write();
      }
      return last + 1;
    });
  }

  if (event.applicationProperties.length > 0) {
    // A map may not repeat a key; IoT Hub collapses duplicates too (the last value wins here).
    const props = new Map<string, string>();
    for (const p of event.applicationProperties) props.set(p.name, p.value);
    w.descriptor(SECTION.applicationProperties);
    w.compound('map', () => {
      for (const [k, v] of props) {
        w.string(k);
        w.string(v);
      }
      return props.size * 2;
    });
  }

  w.descriptor(SECTION.data);
  w.binary(event.body);
  return w.take();
}

function isoToMillis(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
}
