// Reading a D2C partition's segment files: records from a sequence number (via the sparse index),
// and the lookups by offset and by enqueued time that Event Hubs positions need. Retention may
// delete a segment while a read awaits; the reader then continues from what still exists.
import type { D2cEvent } from '../contracts';
import { HubStorageError } from '../state/storageError';
import { SEGMENT_HEADER_BYTES, checkFrame, decodeFrame, peekFrame } from './recordCodec';
import { INDEX_STRIDE, READ_CHUNK_BYTES, readHandle, type Segment } from './segment';

/** What the reader sees of the partition (live: retention changes the segment list). */
export interface SegmentList {
  readonly partition: number;
  /** Oldest first; the array itself changes as retention deletes and writes roll segments. */
  readonly segments: readonly Segment[];
  beginningSeq(): number;
  durableNextSeq(): number;
}

export function eventFromFrame(partition: number, r: ReturnType<typeof decodeFrame>, offset: number): D2cEvent {
  const e: D2cEvent = {
    partition,
    sequenceNumber: r.sequenceNumber,
    offset: String(offset),
    enqueuedTime: r.enqueuedTime,
    deviceId: r.deviceId,
    systemProperties: r.systemProperties,
    applicationProperties: r.applicationProperties,
    body: r.body,
  };
  if (r.moduleId !== undefined) e.moduleId = r.moduleId;
  return e;
}

export class SegmentReader {
  constructor(private readonly p: SegmentList) {}

  /** Appends to `out` the durable records [from, end) found on disk, in order. */
  async readFromDisk(from: number, end: number, out: D2cEvent[]): Promise<void> {
    let seq = from;
    while (seq < end) {
      // Retention may delete segments while a read awaits: re-resolve the segment every time.
      if (seq < this.p.beginningSeq()) seq = this.p.beginningSeq();
      if (seq >= end) break;
      const seg = this.p.segments[this.segmentIndexFor(seq)]!;
      if (seg.durableNextSeq <= seq) break;
      const k = Math.floor((seq - seg.baseSequenceNumber) / INDEX_STRIDE);
      const startPos = seg.indexPos[k]!;
      let cur = seg.baseSequenceNumber + k * INDEX_STRIDE;
      const before = seq;
      try {
        await this.scanFrom(seg, startPos, (buf, rel, pos) => {
          if (cur >= seq) {
            out.push(eventFromFrame(this.p.partition, decodeFrame(buf, rel), seg.baseOffset + pos - SEGMENT_HEADER_BYTES));
            seq++;
          }
          cur++;
          return seq < end;
        });
      } catch (e) {
        if (this.p.segments.includes(seg)) throw e;
        continue; // the segment was removed by retention meanwhile
      }
      if (seq === before) break;
    }
  }

  /** First sequence number whose offset is >= (inclusive) or > (exclusive) `offset`. */
  async seqForOffset(offset: number, inclusive: boolean): Promise<number> {
    const target = inclusive ? offset : offset + 1;
    for (const seg of [...this.p.segments]) {
      if (seg.durableNextSeq === seg.baseSequenceNumber || !this.p.segments.includes(seg)) continue;
      if (seg.lastOffset < target) continue;
      const targetPos = target - seg.baseOffset + SEGMENT_HEADER_BYTES;
      let k = 0;
      while (k + 1 < seg.indexPos.length && seg.indexPos[k + 1]! <= targetPos) k++;
      let cur = seg.baseSequenceNumber + k * INDEX_STRIDE;
      let found = -1;
      await this.scanLive(seg, seg.indexPos[k]!, (_buf, _rel, pos) => {
        if (pos >= targetPos) {
          found = cur;
          return false;
        }
        cur++;
        return true;
      });
      if (found >= 0) return found;
    }
    return this.p.durableNextSeq();
  }

  /** First sequence number with enqueuedTime > `time` (Event Hubs' enqueued-time filter is exclusive). */
  async seqAfterTime(time: number): Promise<number> {
    for (const seg of [...this.p.segments]) {
      if (seg.durableNextSeq === seg.baseSequenceNumber || !this.p.segments.includes(seg)) continue;
      if (seg.lastTime <= time) continue;
      let k = 0;
      while (k + 1 < seg.indexTime.length && seg.indexTime[k + 1]! <= time) k++;
      let cur = seg.baseSequenceNumber + k * INDEX_STRIDE;
      let found = -1;
      await this.scanLive(seg, seg.indexPos[k]!, (buf, rel) => {
        if (peekFrame(buf, rel).enqueuedTime > time) {
          found = cur;
          return false;
        }
        cur++;
        return true;
      });
      if (found >= 0) return found;
    }
    return this.p.durableNextSeq();
  }

  private segmentIndexFor(seq: number): number {
    const segments = this.p.segments;
    let lo = 0;
    let hi = segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segments[mid]!.baseSequenceNumber <= seq) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * Calls `visit` for each durable record from file position `startPos` of `seg` onward (up to
   * the segment's durable end) until it returns false.
   */
  private async scanFrom(seg: Segment, startPos: number, visit: (buf: Buffer, rel: number, pos: number) => boolean): Promise<boolean> {
    const handle = await readHandle(seg);
    let pos = startPos;
    const limit = seg.durableSize;
    while (pos < limit) {
      const want = Math.min(limit - pos, READ_CHUNK_BYTES);
      let buf = Buffer.allocUnsafe(want);
      const r = await handle.read(buf, 0, want, pos);
      buf = buf.subarray(0, r.bytesRead);
      let rel = 0;
      for (;;) {
        let check = checkFrame(buf, rel);
        if (!check.ok && check.needMore !== undefined && rel === 0 && pos + check.needMore <= limit) {
          buf = Buffer.allocUnsafe(check.needMore);
          const r2 = await handle.read(buf, 0, check.needMore, pos);
          buf = buf.subarray(0, r2.bytesRead);
          check = checkFrame(buf, 0);
        }
        if (!check.ok) {
          if (check.needMore !== undefined && rel > 0) break; // continue with a fresh read at `pos`
          throw new HubStorageError('corrupt', seg.file, `D2C log file ${seg.file} became unreadable at byte ${pos} (${check.reason}) while the hub was running.`);
        }
        if (!visit(buf, rel, pos)) return false;
        rel += check.frameLength;
        pos += check.frameLength;
        if (rel >= buf.length) break;
      }
    }
    return true;
  }

  /** scanFrom for lookups: a segment deleted by retention meanwhile simply has no answer. */
  private async scanLive(seg: Segment, startPos: number, visit: (buf: Buffer, rel: number, pos: number) => boolean): Promise<void> {
    try {
      await this.scanFrom(seg, startPos, visit);
    } catch (e) {
      if (this.p.segments.includes(seg)) throw e;
    }
  }
}
