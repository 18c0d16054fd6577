// Opening a D2C partition's segments after a start or a crash: every record is verified (CRC,
// sequence), a torn tail of the last segment (never acknowledged) is truncated with a warning, and
// corruption in acknowledged data is an error that modifies nothing. A zero-filled preallocated
// tail is not data. See docs/hub-storage.md for the durability argument.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { HubLogger } from '../contracts';
import { HubStorageError, errorText } from '../state/storageError';
import { SEGMENT_HEADER_BYTES, checkFrame, decodeSegmentHeader, peekFrame } from './recordCodec';
import { INDEX_STRIDE, READ_CHUNK_BYTES, isSegmentFileName, newSegment, type Segment } from './segment';

/** The largest frame a legal D2C message produces: 256 KB plus generous room for metadata. */
export const MAX_RECORD_FRAME_BYTES = 512 * 1024;

export interface RecoveryOptions {
  partition: number;
  dir: string;
  log: HubLogger;
  /** A write is at most this plus one record, which bounds what a crash can leave torn. */
  maxBatchBytes: number;
}

/** Reads and verifies every segment of the partition directory, in order (creating the directory). */
export async function recoverSegments(o: RecoveryOptions): Promise<Segment[]> {
  await fsp.mkdir(o.dir, { recursive: true });
  const names = (await fsp.readdir(o.dir)).filter(isSegmentFileName).sort();
  const segments: Segment[] = [];
  for (let i = 0; i < names.length; i++) {
    const seg = await scanSegment(o, path.join(o.dir, names[i]!), i === names.length - 1);
    if (seg === undefined) continue;
    const prev = segments[segments.length - 1];
    if (prev !== undefined && (seg.baseSequenceNumber !== prev.durableNextSeq || seg.baseOffset !== prev.baseOffset + prev.durableSize - SEGMENT_HEADER_BYTES)) {
      throw new HubStorageError('corrupt', seg.file,
        `D2C log file ${seg.file} does not continue ${prev.file} (expected sequence number ${prev.durableNextSeq}, found ${seg.baseSequenceNumber}). ` +
        'The hub did not modify either file. Move the partition directory aside to start this partition empty, or restore the missing segment.');
    }
    segments.push(seg);
  }
  return segments;
}

/** Reads a whole segment, verifying every record; truncates a torn tail of the last segment. */
async function scanSegment(o: RecoveryOptions, file: string, isLast: boolean): Promise<Segment | undefined> {
  const handle = await fsp.open(file, 'r+').catch((e: unknown) => {
    throw new HubStorageError('io', file, `Cannot open D2C log file ${file}: ${errorText(e)}`, { cause: e });
  });
  try {
    const size = (await handle.stat()).size;
    const headerBuf = Buffer.alloc(SEGMENT_HEADER_BYTES);
    const { bytesRead } = await handle.read(headerBuf, 0, SEGMENT_HEADER_BYTES, 0);
    const header = bytesRead === SEGMENT_HEADER_BYTES ? decodeSegmentHeader(headerBuf) : undefined;
    if (header === undefined) {
      if (isLast && size <= SEGMENT_HEADER_BYTES) {
        // A crash while creating the segment: the header is written and synced before any record,
        // so this file never held an acknowledged record.
        o.log.warn(`D2C partition ${o.partition}: removing ${file}, a segment whose creation was interrupted by a crash (it holds no records)`);
        await handle.close();
        await fsp.unlink(file);
        return undefined;
      }
      throw new HubStorageError('corrupt', file,
        `D2C log file ${file} has an invalid header, so it is not a readable log segment. The hub did not modify it. ` +
        'Move it (or the whole partition directory) aside to continue without it, or restore it from a backup.');
    }
    const seg = newSegment(o.dir, header.baseSequenceNumber, header.baseOffset, header.prevLastOffset, header.prevLastTime);
    seg.file = file;
    seg.created = true;
    let pos = SEGMENT_HEADER_BYTES;
    let buf = Buffer.alloc(0);
    let bufStart = pos;
    let expectSeq = header.baseSequenceNumber;
    for (;;) {
      if (pos >= size) break;
      let rel = pos - bufStart;
      let check = checkFrame(buf, rel);
      if (!check.ok && check.needMore !== undefined && pos + check.needMore <= size) {
        // Refill from `pos` with at least what the frame needs.
        const want = Math.min(size - pos, Math.max(READ_CHUNK_BYTES, check.needMore));
        buf = Buffer.allocUnsafe(want);
        const r = await handle.read(buf, 0, want, pos);
        buf = buf.subarray(0, r.bytesRead);
        bufStart = pos;
        rel = 0;
        check = checkFrame(buf, rel);
      }
      let problem: string | undefined;
      if (!check.ok) problem = check.reason;
      else {
        const peek = peekFrame(buf, rel);
        if (peek.sequenceNumber !== expectSeq) problem = `sequence number ${peek.sequenceNumber} where ${expectSeq} was expected`;
        else {
          const offset = seg.baseOffset + pos - SEGMENT_HEADER_BYTES;
          const i = expectSeq - seg.baseSequenceNumber;
          if (i % INDEX_STRIDE === 0) {
            seg.indexPos.push(pos);
            seg.indexTime.push(peek.enqueuedTime);
          }
          if (seg.firstTime < 0) seg.firstTime = peek.enqueuedTime;
          seg.lastTime = peek.enqueuedTime;
          seg.lastOffset = offset;
          expectSeq++;
          pos += check.frameLength;
          continue;
        }
      }
      // Where the data really ends: a preallocated tail is all zeros (never a valid record).
      const dataEnd = (await lastNonZeroByte(handle, pos, size)) + 1;
      if (dataEnd <= pos) {
        seg.allocatedSize = size; // clean end followed by preallocated space
        break;
      }
      // Only the last write can be torn, and a write is at most maxBatchBytes plus one record.
      const tornWindow = o.maxBatchBytes + MAX_RECORD_FRAME_BYTES;
      if (isLast && dataEnd - pos <= tornWindow) {
        o.log.warn(
          `D2C partition ${o.partition}: truncating ${dataEnd - pos} bytes at the end of ${file} (${problem}). ` +
          'This is the write that was in progress when the hub stopped abruptly; its messages were never acknowledged.');
        await handle.truncate(pos);
        await handle.sync();
        break;
      }
      throw new HubStorageError('corrupt', file,
        `D2C log file ${file} is corrupt at byte ${pos} (${problem}), before data that was acknowledged. The hub did not modify it. ` +
        `To keep the ${expectSeq - seg.baseSequenceNumber} records before that point, copy the file aside and truncate it to ${pos} bytes; ` +
        'or move the partition directory aside to start the partition empty.');
    }
    seg.durableSize = pos;
    seg.allocatedSize = Math.max(pos, seg.allocatedSize);
    seg.durableNextSeq = expectSeq;
    return seg;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Index of the last non-zero byte in [from, size), or from - 1 when that range is all zeros. */
async function lastNonZeroByte(handle: fsp.FileHandle, from: number, size: number): Promise<number> {
  const chunk = Buffer.allocUnsafe(Math.min(1024 * 1024, Math.max(1, size - from)));
  let end = size;
  while (end > from) {
    const start = Math.max(from, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    for (let i = bytesRead - 1; i >= 0; i--) if (chunk[i] !== 0) return start + i;
    end = start;
  }
  return from - 1;
}
