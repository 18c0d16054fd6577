// What a storage endpoint writes: IoT Hub's file naming (`{iothub}/{partition}/{YYYY}/{MM}/{DD}/
// {HH}/{mm}` by default) and its two encodings. Avro files are Avro object container files with
// IoT Hub's record schema (EnqueuedTimeUtc, Properties, SystemProperties, Body), readable by any
// Avro reader; JSON files hold one JSON object per line with the same four fields, the body as
// JSON when the message says it is UTF-8 JSON and as base64 otherwise (what IoT Hub does).
import * as avro from 'avsc';
import type { D2cEvent } from '../contracts';

/** IoT Hub's Avro schema for messages routed to storage. */
export const IOT_HUB_AVRO_SCHEMA = {
  type: 'record',
  name: 'Message',
  namespace: 'Microsoft.Azure.Devices',
  fields: [
    { name: 'EnqueuedTimeUtc', type: 'string' },
    { name: 'Properties', type: { type: 'map', values: 'string' } },
    { name: 'SystemProperties', type: { type: 'map', values: 'string' } },
    { name: 'Body', type: ['null', 'bytes'] },
  ],
} as const;

const avroType = avro.Type.forSchema(IOT_HUB_AVRO_SCHEMA as unknown as avro.Schema);

/** The names IoT Hub's storage files use for system properties (camelCase, as in its samples). */
const STORED_SYSTEM_NAMES: Record<string, string> = {
  connectionAuthGenerationId: 'connectionDeviceGenerationId',
  enqueuedTimeUtc: 'enqueuedTime',
};

interface StoredRecord {
  EnqueuedTimeUtc: string;
  Properties: Record<string, string>;
  SystemProperties: Record<string, string>;
  Body: Buffer | null;
}

function storedRecord(event: D2cEvent): StoredRecord {
  const properties: Record<string, string> = {};
  for (const p of event.applicationProperties) properties[p.name] = p.value;
  const system: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.systemProperties)) {
    if (typeof v === 'string') system[STORED_SYSTEM_NAMES[k] ?? k] = v;
  }
  system['enqueuedTime'] ??= new Date(event.enqueuedTime).toISOString();
  return {
    EnqueuedTimeUtc: new Date(event.enqueuedTime).toISOString(),
    Properties: properties,
    SystemProperties: system,
    Body: Buffer.from(event.body.buffer, event.body.byteOffset, event.body.byteLength),
  };
}

/** One Avro object container file (null codec) holding the events. */
export function encodeAvroFile(events: readonly D2cEvent[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const encoder = new avro.streams.BlockEncoder(avroType, { codec: 'null' });
    encoder.on('data', (c: Buffer) => chunks.push(c));
    encoder.on('error', reject);
    encoder.on('end', () => resolve(Buffer.concat(chunks)));
    for (const e of events) encoder.write(storedRecord(e));
    encoder.end();
  });
}

function isUtf8Json(event: D2cEvent): boolean {
  const type = event.systemProperties.contentType?.toLowerCase() ?? '';
  const encoding = event.systemProperties.contentEncoding?.toLowerCase() ?? '';
  return type.startsWith('application/json') && (encoding === 'utf-8' || encoding === 'utf8');
}

/** JSON lines: one object per event. */
export function encodeJsonFile(events: readonly D2cEvent[]): Buffer {
  const lines: string[] = [];
  for (const e of events) {
    const r = storedRecord(e);
    let body: unknown = r.Body === null ? null : r.Body.toString('base64');
    if (r.Body !== null && isUtf8Json(e)) {
      try {
        body = JSON.parse(r.Body.toString('utf8'));
      } catch {
        // not valid JSON after all: keep the bytes, as base64
      }
    }
    lines.push(JSON.stringify({ EnqueuedTimeUtc: r.EnqueuedTimeUtc, Properties: r.Properties, SystemProperties: r.SystemProperties, Body: body }));
  }
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** The relative file path for a batch: the format's tokens filled from the batch's first enqueued time (UTC). */
export function expandFileName(format: string, hubName: string, partition: number, time: number): string {
  const d = new Date(time);
  return format
    .replaceAll('{iothub}', hubName)
    .replaceAll('{partition}', String(partition))
    .replaceAll('{YYYY}', String(d.getUTCFullYear()))
    .replaceAll('{MM}', pad(d.getUTCMonth() + 1))
    .replaceAll('{DD}', pad(d.getUTCDate()))
    .replaceAll('{HH}', pad(d.getUTCHours()))
    .replaceAll('{mm}', pad(d.getUTCMinutes()));
}
