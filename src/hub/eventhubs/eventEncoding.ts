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
import { AmqpWriter, SECTION, encodedSymbol } from './amqpWriter';

/** Annotation keys, encoded once (they are the same on every event). */
const KEY = {
  sequenceNumber: encodedSymbol('x-opt-sequence-number'),
  offset: encodedSymbol('x-opt-offset'),
  enqueuedTime: encodedSymbol('x-opt-enqueued-time'),
  partitionKey: encodedSymbol('x-opt-partition-key'),
  deviceId: encodedSymbol('iothub-connection-device-id'),
  moduleId: encodedSymbol('iothub-connection-module-id'),
  authMethod: encodedSymbol('iothub-connection-auth-method'),
  generationId: encodedSymbol('iothub-connection-auth-generation-id'),
  creationTime: encodedSymbol('iothub-creation-time-utc'),
  hubEnqueuedTime: encodedSymbol('iothub-enqueuedtime'),
  messageSource: encodedSymbol('iothub-message-source'),
};

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
    w.raw(KEY.sequenceNumber);
    w.long(event.sequenceNumber);
    w.raw(KEY.offset);
    w.string(event.offset);
    w.raw(KEY.enqueuedTime);
    w.timestamp(event.enqueuedTime);
    w.raw(KEY.partitionKey);
    w.string(event.deviceId);
    w.raw(KEY.deviceId);
    w.string(event.deviceId);
    let n = 10;
    const moduleId = sp.connectionModuleId ?? event.moduleId;
    if (moduleId !== undefined) {
      w.raw(KEY.moduleId);
      w.string(moduleId);
      n += 2;
    }
    if (sp.connectionAuthMethod !== undefined) {
      w.raw(KEY.authMethod);
      w.string(sp.connectionAuthMethod);
      n += 2;
    }
    if (sp.connectionAuthGenerationId !== undefined) {
      w.raw(KEY.generationId);
      w.string(sp.connectionAuthGenerationId);
      n += 2;
    }
    if (sp.creationTimeUtc !== undefined) {
      w.raw(KEY.creationTime);
      w.string(sp.creationTimeUtc);
      n += 2;
    }
    w.raw(KEY.hubEnqueuedTime);
    w.timestamp(isoToMillis(sp.enqueuedTimeUtc) ?? event.enqueuedTime);
    w.raw(KEY.messageSource);
    w.string(sp.messageSource ?? 'Telemetry');
    return n + 4;
  });

  // Properties list, in field order; trailing absent fields are left out (AMQP allows it).
  const expiry = isoToMillis(sp.expiryTimeUtc);
  const last = expiry !== undefined ? 8
    : sp.contentEncoding !== undefined ? 7
      : sp.contentType !== undefined ? 6
        : sp.correlationId !== undefined ? 5
          : sp.subject !== undefined ? 3
            : sp.to !== undefined ? 2
              : sp.userId !== undefined ? 1
                : sp.messageId !== undefined ? 0 : -1;
  if (last >= 0) {
    w.descriptor(SECTION.properties);
    w.compound('list', () => {
      optionalString(w, sp.messageId);
      if (last >= 1) {
        if (sp.userId === undefined) w.null();
        else w.binary(Buffer.from(sp.userId, 'utf8'));
      }
      if (last >= 2) optionalString(w, sp.to);
      if (last >= 3) optionalString(w, sp.subject);
      if (last >= 4) w.null(); // reply-to
      if (last >= 5) optionalString(w, sp.correlationId);
      if (last >= 6) optionalSymbol(w, sp.contentType);
      if (last >= 7) optionalSymbol(w, sp.contentEncoding);
      if (last >= 8) w.timestamp(expiry!);
      return last + 1;
    });
  }

  const props = event.applicationProperties;
  if (props.length > 0) {
    w.descriptor(SECTION.applicationProperties);
    if (props.length === 1) {
      w.compound('map', () => {
        w.string(props[0]!.name);
        w.string(props[0]!.value);
        return 2;
      });
    } else {
      // A map may not repeat a key; IoT Hub collapses duplicates too (the last value wins here).
      const unique = new Map<string, string>();
      for (const p of props) unique.set(p.name, p.value);
      w.compound('map', () => {
        for (const [k, v] of unique) {
          w.string(k);
          w.string(v);
        }
        return unique.size * 2;
      });
    }
  }

  w.descriptor(SECTION.data);
  w.binary(event.body);
  return w.take();
}

function optionalString(w: AmqpWriter, s: string | undefined): void {
  if (s === undefined) w.null();
  else w.string(s);
}

function optionalSymbol(w: AmqpWriter, s: string | undefined): void {
  if (s === undefined) w.null();
  else w.symbol(s);
}

function isoToMillis(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
}
