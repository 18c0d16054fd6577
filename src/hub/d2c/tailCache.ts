// The tail cache of a D2C partition: the encoded frames of recently appended durable records,
// oldest first, as (arena, position, offset, length) in parallel arrays; entry 0 has sequence
// number `start`. Frames stay in the off-heap arenas they were encoded into and are decoded on
// read, so the cache adds no objects per event to the JS heap (decoded events kept for every
// append would be promoted to the old generation and dominate garbage collection under load).
import type { Arena } from './arenaPool';
import { FRAME_HEADER_BYTES } from './recordCodec';

export interface CacheLimits {
  tailCacheEvents: number;
  tailCacheBytes: number;
}

export class TailCache {
  private arenas: Arena[] = [];
  private positions: number[] = [];
  private offsets: number[] = [];
  /** Frame lengths (trimming needs them; reading them from the frames made a Buffer per entry). */
  private lengths: number[] = [];
  private bytes = 0;
  /** Sequence number of entry 0. */
  start: number;

  constructor(
    private readonly limits: CacheLimits,
    /** Called when an entry leaves the cache: it held one reference to its arena. */
    private readonly unref: (arena: Arena) => void,
    start: number,
  ) {
    this.start = start;
  }

  get length(): number {
    return this.positions.length;
  }

  /** Adds a durable record; the caller's reference to its arena passes to the cache entry. */
  add(sequenceNumber: number, arena: Arena, position: number, offset: number, length: number): void {
    if (this.positions.length === 0) this.start = sequenceNumber;
    this.arenas.push(arena);
    this.positions.push(position);
    this.offsets.push(offset);
    this.lengths.push(length);
    this.bytes += length;
    if (this.positions.length > this.limits.tailCacheEvents || this.bytes > this.limits.tailCacheBytes) {
      // Drop the older half at once so trimming is amortised O(1) per append.
      this.drop(Math.ceil(this.positions.length / 2));
    }
  }

  /** Drops the oldest `count` entries. */
  drop(count: number): void {
    for (let i = 0; i < count; i++) {
      this.bytes -= this.lengths[i]!;
      this.unref(this.arenas[i]!);
    }
    this.arenas.splice(0, count);
    this.positions.splice(0, count);
    this.offsets.splice(0, count);
    this.lengths.splice(0, count);
    this.start += count;
  }

  /** Drops entries enqueued before `cutoffTime`; returns how many. */
  dropOlderThan(cutoffTime: number): number {
    let n = 0;
    // A frame's payload starts with u8 version, f64 sequence number, f64 enqueued time.
    while (n < this.positions.length && this.frame(n).readDoubleLE(FRAME_HEADER_BYTES + 9) < cutoffTime) n++;
    if (n > 0) this.drop(n);
    return n;
  }

  /** A view from the start of entry `i`'s frame to the end of its arena (no copy). */
  frame(i: number): Buffer {
    const buf = this.arenas[i]!.buf;
    return Buffer.from(buf.buffer, buf.byteOffset + this.positions[i]!);
  }

  offset(i: number): number {
    return this.offsets[i]!;
  }
}
