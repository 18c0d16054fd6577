// One D2C message as a monitor received it from an Event Hubs-compatible endpoint, decoded into
// the extension's message model: every system property the device set, every stamp IoT Hub added
// (enqueued time, connection device/module id, auth method and generation, message source), the
// Event Hubs position (partition, sequence number, offset) and the application properties, with
// the body byte for byte. `decodeEvent` reads only the shape @azure/event-hubs hands out (no SDK
// import), so it runs anywhere, a worker included. No vscode import.
import type { ApplicationProperty, SystemProperties } from '../core/message/model';

export interface MonitoredMessage {
  /** Position in this monitor (1, 2, ...): unique per monitor, in arrival order. */
  seq: number;
  deviceId: string;
  moduleId?: string;
  partitionId: string;
  /** Event Hubs position (both stamped by the hub). */
  sequenceNumber: number;
  offset: string;
  /** ISO 8601 UTC, when the hub stored it. */
  enqueuedTimeUtc: string;
  /** Sender's properties and IoT Hub's stamps, as the model names them. */
  systemProperties: SystemProperties;
  /** Annotations and properties the model has no name for (e.g. `dt-dataschema`), kept as text. */
  otherProperties: Record<string, string>;
  applicationProperties: ApplicationProperty[];
  body: Uint8Array;
}

/** The part of @azure/event-hubs' ReceivedEventData the monitor reads. */
export interface ReceivedEventLike {
  body: unknown;
  properties?: Record<string, unknown>;
  offset: string | number;
  sequenceNumber: number;
  enqueuedTimeUtc: Date;
  partitionKey?: string | null;
  /** Buffer is a Uint8Array: no Node type here, the webview (no Node types) imports this file through protocol.ts. */
  messageId?: string | number | Uint8Array;
  correlationId?: string | number | Uint8Array;
  contentType?: string;
  systemProperties?: Record<string, unknown>;
}

/** System-property keys of ReceivedEventData mapped to the model's names (string values). */
const STRING_STAMPS: ReadonlyArray<readonly [string, keyof SystemProperties]> = [
  ['iothub-connection-device-id', 'connectionDeviceId'],
  ['iothub-connection-module-id', 'connectionModuleId'],
  ['iothub-connection-auth-method', 'connectionAuthMethod'],
  ['iothub-connection-auth-generation-id', 'connectionAuthGenerationId'],
  ['iothub-message-source', 'messageSource'],
  ['iothub-creation-time-utc', 'creationTimeUtc'],
  ['contentEncoding', 'contentEncoding'],
  ['content-encoding', 'contentEncoding'],
  ['to', 'to'],
  ['subject', 'subject'],
];
/** Read above (or from the event itself): not repeated among `otherProperties`. */
const HANDLED = new Set<string>([
  ...STRING_STAMPS.map(([k]) => k), 'iothub-enqueuedtime', 'absoluteExpiryTime', 'userId', 'messageId', 'correlationId', 'contentType',
  'x-opt-sequence-number', 'x-opt-offset', 'x-opt-enqueued-time', 'x-opt-partition-key',
]);

function asBytes(x: unknown): Uint8Array | undefined {
  if (x instanceof Uint8Array) return x;
  if (x instanceof ArrayBuffer) return new Uint8Array(x);
  // The SDK's convertDatesToNumbers turns a Buffer inside systemProperties into an index-keyed object.
  if (typeof x === 'object' && x !== null && !Array.isArray(x)) {
    const values = Object.values(x as Record<string, unknown>);
    if (values.length > 0 && values.every((v) => typeof v === 'number' && v >= 0 && v <= 255)) return Uint8Array.from(values as number[]);
    const data = (x as { type?: unknown; data?: unknown });
    if (data.type === 'Buffer' && Array.isArray(data.data)) return Uint8Array.from(data.data as number[]);
  }
  return undefined;
}

const utf8 = new TextDecoder('utf-8');

/** A property value as text: strings unchanged, bytes as UTF-8, times as ISO 8601, the rest JSON. */
export function propertyText(x: unknown): string {
  if (typeof x === 'string') return x;
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint') return String(x);
  if (x instanceof Date) return x.toISOString();
  const bytes = asBytes(x);
  if (bytes) return utf8.decode(bytes);
  if (x === null || x === undefined) return '';
  return JSON.stringify(x);
}

function isoTime(x: unknown): string | undefined {
  if (typeof x === 'number' && Number.isFinite(x)) return new Date(x).toISOString();
  if (x instanceof Date) return x.toISOString();
  if (typeof x === 'string' && x !== '') return x;
  return undefined;
}

/** The body's bytes; the monitor subscribes with skipParsingBodyAsJson, so this is a Buffer, but any shape is kept. */
export function bodyBytes(body: unknown): Uint8Array {
  if (body === undefined || body === null) return new Uint8Array();
  if (body instanceof Uint8Array) return body;
  const bytes = asBytes(body);
  if (bytes) return bytes;
  return new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));
}

/** The device a message came from: the stamp IoT Hub adds (authenticated), never a sender-set property. */
export function stampedDeviceId(ev: ReceivedEventLike): string | undefined {
  const id = ev.systemProperties?.['iothub-connection-device-id'];
  return typeof id === 'string' ? id : undefined;
}

export function decodeEvent(ev: ReceivedEventLike, partitionId: string, seq: number): MonitoredMessage {
  const sp: SystemProperties = {};
  const other: Record<string, string> = {};
  const raw = ev.systemProperties ?? {};
  if (ev.messageId !== undefined) sp.messageId = propertyText(ev.messageId);
  if (ev.correlationId !== undefined) sp.correlationId = propertyText(ev.correlationId);
  if (ev.contentType !== undefined) sp.contentType = ev.contentType;
  for (const [key, name] of STRING_STAMPS) {
    const v = raw[key];
    if (v !== undefined && v !== null) sp[name] = propertyText(v);
  }
  const userId = raw['userId'];
  if (userId !== undefined && userId !== null) sp.userId = propertyText(userId);
  const expiry = isoTime(raw['absoluteExpiryTime']);
  if (expiry !== undefined) sp.expiryTimeUtc = expiry;
  const enqueuedTimeUtc = isoTime(raw['iothub-enqueuedtime']) ?? ev.enqueuedTimeUtc.toISOString();
  sp.enqueuedTimeUtc = enqueuedTimeUtc;
  sp.sequenceNumber = String(ev.sequenceNumber);
  for (const [k, v] of Object.entries(raw)) {
    if (!HANDLED.has(k) && v !== undefined && v !== null) other[k] = propertyText(v);
  }
  const applicationProperties: ApplicationProperty[] = Object.entries(ev.properties ?? {}).map(([name, value]) => ({ name, value: propertyText(value) }));
  const deviceId = sp.connectionDeviceId ?? (typeof ev.partitionKey === 'string' ? ev.partitionKey : '');
  const out: MonitoredMessage = {
    seq,
    deviceId,
    partitionId,
    sequenceNumber: ev.sequenceNumber,
    offset: String(ev.offset),
    enqueuedTimeUtc,
    systemProperties: sp,
    otherProperties: other,
    applicationProperties,
    body: bodyBytes(ev.body),
  };
  if (sp.connectionModuleId !== undefined) out.moduleId = sp.connectionModuleId;
  return out;
}

/** Body plus properties as IoT Hub counts a message's size (names and values, UTF-8). */
export function messageSize(m: MonitoredMessage): number {
  let n = m.body.byteLength;
  for (const p of m.applicationProperties) n += utf8Length(p.name) + utf8Length(p.value);
  return n;
}

const encoder = new TextEncoder();
function utf8Length(s: string): number {
  return encoder.encode(s).byteLength;
}
