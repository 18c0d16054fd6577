// On-disk format of the D2C log (see docs/hub-storage.md).
//
// Segment file = 44-byte header, then records back to back.
//   header: magic "IHD2SEG1" | f64 baseSequenceNumber | f64 baseOffset | f64 prevLastOffset
//           | f64 prevLastTime | u32 crc32(first 40 bytes)          (little endian)
// Record frame = u32 payloadLength | u32 crc32(payload) | payload
//   payload: u8 version (2) | f64 sequenceNumber | f64 enqueuedTime | u32 metaLength
//            | meta (UTF-8 JSON) | body bytes
//   Version 2 leaves systemProperties.enqueuedTimeUtc out of the meta (it is the enqueuedTime
//   field, so decoding restores it); version 1 records, which carry it, still decode.
// A record's Event Hubs offset is `baseOffset + (filePosition - SEGMENT_HEADER_BYTES)`, so
// offsets are byte positions that keep growing across segments.
import type { ApplicationProperty, SystemProperties } from '../../core/message/model';
import type { D2cStamp } from '../contracts';
import { crc32 } from './crc32';

export const SEGMENT_MAGIC = Buffer.from('IHD2SEG1', 'ascii');
export const SEGMENT_HEADER_BYTES = 44;
export const FRAME_HEADER_BYTES = 8;
export const PAYLOAD_FIXED_BYTES = 21;
export const RECORD_VERSION = 2;
/** Oldest record version still read. */
export const OLDEST_RECORD_VERSION = 1;
/** Larger than any legal record (256 KB D2C limit plus metadata); a bigger length means corruption. */
export const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

export interface SegmentHeader {
  baseSequenceNumber: number;
  baseOffset: number;
  /** Offset of the last record before this segment, or -1. Lets an empty partition keep its history. */
  prevLastOffset: number;
  prevLastTime: number;
}

export function encodeSegmentHeader(h: SegmentHeader): Buffer {
  const buf = Buffer.alloc(SEGMENT_HEADER_BYTES);
  SEGMENT_MAGIC.copy(buf, 0);
  buf.writeDoubleLE(h.baseSequenceNumber, 8);
  buf.writeDoubleLE(h.baseOffset, 16);
  buf.writeDoubleLE(h.prevLastOffset, 24);
  buf.writeDoubleLE(h.prevLastTime, 32);
  buf.writeUInt32LE(crc32(buf.subarray(0, 40)), 40);
  return buf;
}

/** Returns undefined when the bytes are not a valid header (torn or foreign). */
export function decodeSegmentHeader(buf: Buffer): SegmentHeader | undefined {
  if (buf.length < SEGMENT_HEADER_BYTES) return undefined;
  if (!buf.subarray(0, 8).equals(SEGMENT_MAGIC)) return undefined;
  if (buf.readUInt32LE(40) !== crc32(buf.subarray(0, 40))) return undefined;
  return {
    baseSequenceNumber: buf.readDoubleLE(8),
    baseOffset: buf.readDoubleLE(16),
    prevLastOffset: buf.readDoubleLE(24),
    prevLastTime: buf.readDoubleLE(32),
  };
}

/** What a record stores besides its sequence number, time and body (enqueuedTimeUtc is derived). */
export interface RecordMeta {
  deviceId: string;
  moduleId?: string;
  systemProperties: SystemProperties;
  /** Stamped properties, merged over systemProperties. */
  stamp?: D2cStamp;
  applicationProperties: ApplicationProperty[];
}

type MetaJson = [string, string | null, SystemProperties, [string, string][]];

export interface EncodedRecord {
  frame: Buffer;
  /** The body as a view into `frame` (so the tail cache holds one buffer per record). */
  body: Buffer;
}

/**
 * Properties stamped on every message of one connection (connection device id, auth method and
 * generation, message source), serialised once: re-serialising them per message (the auth method
 * is a JSON string full of quotes to escape) was a measurable share of the D2C hot path.
 */
export function createD2cStamp(properties: SystemProperties): D2cStamp {
  return { properties: { ...properties }, json: JSON.stringify(properties).slice(1, -1) };
}

/** The stored view of a record's system properties: the sender's with the stamp over them. */
export function stampedProperties(meta: RecordMeta): SystemProperties {
  return meta.stamp === undefined ? meta.systemProperties : { ...meta.systemProperties, ...meta.stamp.properties };
}

/**
 * The last metadata per system-properties object, as UTF-8 JSON. The MQTT front door reuses one
 * parsed property bag while a connection keeps publishing to the same topic (the common case:
 * devices repeat their bag), so the JSON is built and encoded once per bag instead of once per
 * message (and once, not once per log, for a message routed to several endpoints). Entries are
 * checked for the same device, module, stamp and application properties; the objects are never
 * mutated once parsed.
 */
const metaCache = new WeakMap<SystemProperties, { from: Omit<RecordMeta, 'systemProperties'>; bytes: Buffer }>();

/** The record metadata as UTF-8 JSON (never modified: frames copy it). */
function metaJsonBytes(meta: RecordMeta): Buffer {
  const hit = metaCache.get(meta.systemProperties);
  if (hit !== undefined && hit.from.applicationProperties === meta.applicationProperties && hit.from.stamp === meta.stamp
    && hit.from.deviceId === meta.deviceId && hit.from.moduleId === meta.moduleId) return hit.bytes;
  const text = buildMetaJsonText(meta);
  // Only the compared fields: the caller's object may also hold the message body.
  const from: Omit<RecordMeta, 'systemProperties'> = { deviceId: meta.deviceId, applicationProperties: meta.applicationProperties };
  if (meta.moduleId !== undefined) from.moduleId = meta.moduleId;
  if (meta.stamp !== undefined) from.stamp = meta.stamp;
  const bytes = Buffer.from(text, 'utf8');
  metaCache.set(meta.systemProperties, { from, bytes });
  return bytes;
}

function buildMetaJsonText(meta: RecordMeta): string {
  const pairs = meta.applicationProperties.map((p): [string, string] => [p.name, p.value]);
  const stamp = meta.stamp;
  const own = meta.systemProperties;
  let overlaps = false;
  if (stamp !== undefined) for (const k in stamp.properties) if (k in own) overlaps = true;
  if (stamp === undefined || overlaps || stamp.json === '') {
    const metaJson: MetaJson = [meta.deviceId, meta.moduleId ?? null, stampedProperties(meta), pairs];
    return JSON.stringify(metaJson);
  }
  const ownJson = JSON.stringify(own);
  const sys = ownJson === '{}' ? `{${stamp.json}}` : `${ownJson.slice(0, -1)},${stamp.json}}`;
  return `[${JSON.stringify(meta.deviceId)},${meta.moduleId === undefined ? 'null' : JSON.stringify(meta.moduleId)},${sys},${JSON.stringify(pairs)}]`;
}

/** Encodes one record into a fresh buffer. */
export function encodeRecord(sequenceNumber: number, enqueuedTime: number, meta: RecordMeta, body: Uint8Array): EncodedRecord {
  const prepared = prepareRecord(meta, body);
  const frame = Buffer.allocUnsafe(prepared.frameLength);
  writeRecord(frame, 0, sequenceNumber, enqueuedTime, prepared, body);
  return { frame, body: frame.subarray(prepared.frameLength - body.length) };
}

/** A record's metadata serialised and its frame size known, before choosing where it goes. */
export interface PreparedRecord {
  /** The metadata JSON as UTF-8 (shared by every record of the same cached metadata: copied, never changed). */
  meta: Buffer;
  frameLength: number;
}

export function prepareRecord(meta: RecordMeta, body: Uint8Array): PreparedRecord {
  const bytes = metaJsonBytes(meta);
  return { meta: bytes, frameLength: FRAME_HEADER_BYTES + PAYLOAD_FIXED_BYTES + bytes.length + body.length };
}

/**
 * Writes a prepared record's frame at `pos` of `target` (the partition log writes straight into
 * its 1 MB arenas, so a batch is usually one contiguous slice: no per-record buffer or copy).
 */
export function writeRecord(target: Buffer, pos: number, sequenceNumber: number, enqueuedTime: number, r: PreparedRecord, body: Uint8Array): void {
  const payloadLength = r.frameLength - FRAME_HEADER_BYTES;
  target.writeUInt32LE(payloadLength, pos);
  const p = pos + FRAME_HEADER_BYTES;
  target[p] = RECORD_VERSION;
  target.writeDoubleLE(sequenceNumber, p + 1);
  target.writeDoubleLE(enqueuedTime, p + 9);
  const metaBytes = r.meta.length;
  target.writeUInt32LE(metaBytes, p + 17);
  // A copy of bytes encoded once per property bag (the same bag is written to every endpoint's log).
  target.set(r.meta, p + PAYLOAD_FIXED_BYTES);
  target.set(body, p + PAYLOAD_FIXED_BYTES + metaBytes);
  // A plain Uint8Array view: Buffer#subarray's FastBuffer construction showed in D2C profiles.
  target.writeUInt32LE(crc32(new Uint8Array(target.buffer, target.byteOffset + p, payloadLength)), pos + 4);
}

export interface DecodedRecord extends RecordMeta {
  sequenceNumber: number;
  enqueuedTime: number;
  body: Buffer;
}

export type FrameCheck =
  | { ok: true; frameLength: number }
  | { ok: false; reason: string; needMore?: number };

/**
 * Checks the frame starting at `pos` in `buf` (which holds file bytes up to `buf.length`).
 * `needMore` means the frame claims more bytes than the buffer holds: the caller reads further
 * (or, at end of file, treats it as torn).
 */
export function checkFrame(buf: Buffer, pos: number): FrameCheck {
  if (buf.length - pos < FRAME_HEADER_BYTES) return { ok: false, reason: 'incomplete record header', needMore: FRAME_HEADER_BYTES };
  const len = buf.readUInt32LE(pos);
  if (len < PAYLOAD_FIXED_BYTES || len > MAX_PAYLOAD_BYTES) return { ok: false, reason: `invalid record length ${len}` };
  if (buf.length - pos < FRAME_HEADER_BYTES + len) return { ok: false, reason: 'incomplete record', needMore: FRAME_HEADER_BYTES + len };
  const payload = buf.subarray(pos + FRAME_HEADER_BYTES, pos + FRAME_HEADER_BYTES + len);
  if (crc32(payload) !== buf.readUInt32LE(pos + 4)) return { ok: false, reason: 'checksum mismatch' };
  const version = payload[0] ?? 0;
  if (version < OLDEST_RECORD_VERSION || version > RECORD_VERSION) return { ok: false, reason: `unknown record version ${payload[0] ?? '?'}` };
  const metaLen = payload.readUInt32LE(17);
  if (PAYLOAD_FIXED_BYTES + metaLen > len) return { ok: false, reason: 'invalid metadata length' };
  return { ok: true, frameLength: FRAME_HEADER_BYTES + len };
}

/** Sequence number and time without parsing the metadata (for index building). */
export function peekFrame(buf: Buffer, pos: number): { sequenceNumber: number; enqueuedTime: number } {
  return {
    sequenceNumber: buf.readDoubleLE(pos + FRAME_HEADER_BYTES + 1),
    enqueuedTime: buf.readDoubleLE(pos + FRAME_HEADER_BYTES + 9),
  };
}

/** Decodes a frame already validated by `checkFrame`. The body is copied out of `buf`. */
export function decodeFrame(buf: Buffer, pos: number): DecodedRecord {
  const p = pos + FRAME_HEADER_BYTES;
  const len = buf.readUInt32LE(pos);
  const metaLen = buf.readUInt32LE(p + 17);
  const metaStart = p + PAYLOAD_FIXED_BYTES;
  const meta = JSON.parse(buf.toString('utf8', metaStart, metaStart + metaLen)) as MetaJson;
  const body = Buffer.from(buf.subarray(metaStart + metaLen, p + len));
  const record: DecodedRecord = {
    sequenceNumber: buf.readDoubleLE(p + 1),
    enqueuedTime: buf.readDoubleLE(p + 9),
    deviceId: meta[0],
    systemProperties: meta[2],
    applicationProperties: meta[3].map(([name, value]) => ({ name, value })),
    body,
  };
  meta[2].enqueuedTimeUtc ??= new Date(record.enqueuedTime).toISOString();
  if (meta[1] !== null) record.moduleId = meta[1];
  return record;
}
