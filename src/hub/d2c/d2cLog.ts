// The partitioned D2C event log behind the MQTT front door (writer) and the Event Hubs-compatible
// endpoint (reader). One PartitionLog per partition under `<dataDir>/d2c/partition-<n>/`.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Clock, ClockTimer, D2cAppend, D2cEvent, D2cLog, D2cStartPosition, HubLogger, PartitionInfo } from '../contracts';
import { HubStorageError } from '../state/storageError';
import { writeFileAtomic } from '../state/atomicWrite';
import { WriteGate } from './writeGate';
import { PartitionLog } from './partitionLog';
import type { RecordMeta } from './recordCodec';
import { partitionForDevice } from './partitioner';
import { errorText } from '../../core/errorText';

export interface D2cLogOptions {
  /** Directory that holds `meta.json` and one directory per partition. */
  dir: string;
  partitionCount: number;
  retentionMs: number;
  clock: Clock;
  log: HubLogger;
  /** Segment size before rolling to a new file (default 64 MB). */
  segmentBytes?: number;
  /** Largest single group-commit write (default 1 MB). */
  maxBatchBytes?: number;
  /** Zero-filled space reserved ahead of writes (default 8 MB; 0 disables). */
  preallocateBytes?: number;
  /**
   * Tail cache per partition (defaults 2,048 events / 2 MB, events at most 10 s old): enough for
   * consumers that keep up; laggards read the file, which the OS page cache holds anyway.
   */
  tailCacheEvents?: number;
  tailCacheBytes?: number;
  tailCacheMaxAgeMs?: number;
  /**
   * How many partitions' writes go to disk at once (default 1): a durable write costs about the
   * same CPU whatever its size, so partitions taking turns write fewer, larger batches.
   */
  concurrentWrites?: number;
}

/** How often cached events older than tailCacheMaxAgeMs are dropped. */
const CACHE_TRIM_INTERVAL_MS = 5_000;

interface D2cMeta { version: 1; partitionCount: number }

function recordMeta(input: D2cAppend): RecordMeta {
  const meta: RecordMeta = {
    deviceId: input.deviceId,
    systemProperties: input.systemProperties,
    applicationProperties: input.applicationProperties,
  };
  if (input.moduleId !== undefined) meta.moduleId = input.moduleId;
  if (input.stamp !== undefined) meta.stamp = input.stamp;
  return meta;
}

export class FileD2cLog implements D2cLog {
  private retentionTimer: ClockTimer | undefined;
  private cacheTrimTimer: ClockTimer | undefined;
  private retentionRunning: Promise<void> | undefined;
  private closed = false;
  private readonly partitionOf = new Map<string, number>();

  private constructor(
    private readonly partitions: PartitionLog[],
    private readonly o: D2cLogOptions,
  ) {}

  static async open(options: D2cLogOptions): Promise<FileD2cLog> {
    await fsp.mkdir(options.dir, { recursive: true });
    const partitionCount = await resolvePartitionCount(options);
    const segmentMaxAgeMs = Math.max(1000, Math.min(options.retentionMs / 8, 60 * 60 * 1000));
    const partitions: PartitionLog[] = [];
    const writeGate = new WriteGate(options.concurrentWrites ?? 1);
    try {
      for (let p = 0; p < partitionCount; p++) {
        partitions.push(await PartitionLog.open({
          partition: p,
          dir: path.join(options.dir, `partition-${p}`),
          clock: options.clock,
          log: options.log,
          segmentBytes: options.segmentBytes ?? 64 * 1024 * 1024,
          segmentMaxAgeMs,
          maxBatchBytes: options.maxBatchBytes ?? 1024 * 1024,
          preallocateBytes: options.preallocateBytes ?? 8 * 1024 * 1024,
          tailCacheEvents: options.tailCacheEvents ?? 2048,
          tailCacheBytes: options.tailCacheBytes ?? 2 * 1024 * 1024,
          writeGate,
        }));
      }
    } catch (e) {
      for (const p of partitions) await p.close();
      throw e;
    }
    const log = new FileD2cLog(partitions, { ...options, partitionCount });
    await log.runRetention();
    log.scheduleRetention();
    log.scheduleCacheTrim();
    return log;
  }

  get partitionCount(): number {
    return this.partitions.length;
  }

  partitionFor(deviceId: string): number {
    // Memoised: hashing encodes the id to bytes, once per message otherwise (the D2C hot path).
    let p = this.partitionOf.get(deviceId);
    if (p === undefined) {
      if (this.partitionOf.size >= 100_000) this.partitionOf.clear();
      p = partitionForDevice(deviceId, this.partitions.length);
      this.partitionOf.set(deviceId, p);
    }
    return p;
  }

  append(input: D2cAppend): Promise<D2cEvent> {
    return this.partitions[this.partitionFor(input.deviceId)]!.append(recordMeta(input), input.body);
  }

  appendThen(input: D2cAppend, done: (error: Error | undefined) => void): void {
    // The input has every field a record's metadata needs (no copy on the hot path).
    this.partitions[this.partitionFor(input.deviceId)]!.appendThen(input, input.body, done);
  }

  partitionInfo(partition: number): PartitionInfo {
    const i = this.get(partition).info();
    const isEmpty = i.beginning >= i.nextSeq;
    return {
      partition,
      beginningSequenceNumber: i.neverWritten ? -1 : isEmpty ? i.nextSeq : i.beginning,
      lastEnqueuedSequenceNumber: i.nextSeq - 1,
      lastEnqueuedOffset: i.lastOffset < 0 ? '-1' : String(i.lastOffset),
      lastEnqueuedTime: i.lastTime < 0 ? 0 : i.lastTime,
      isEmpty,
    };
  }

  async resolveStart(partition: number, position: D2cStartPosition): Promise<number> {
    const p = this.get(partition);
    const beginning = p.beginningSeq;
    const next = p.durableNextSeq;
    if (position === 'earliest') return Math.min(beginning, next);
    if (position === 'latest') return next;
    if ('sequenceNumber' in position) {
      const seq = position.inclusive ? position.sequenceNumber : position.sequenceNumber + 1;
      return Math.max(seq, Math.min(beginning, next));
    }
    if ('offset' in position) {
      // Event Hubs uses "-1" for "the start of the partition".
      if (position.offset === '-1') return Math.min(beginning, next);
      const offset = Number(position.offset);
      if (!Number.isSafeInteger(offset) || offset < 0) {
        throw new RangeError(`Invalid offset "${position.offset}": expected a non-negative decimal integer or "-1".`);
      }
      return p.seqForOffset(offset, position.inclusive);
    }
    return p.seqAfterTime(position.enqueuedTime);
  }

  read(partition: number, fromSequenceNumber: number, max: number): Promise<D2cEvent[]> {
    return this.get(partition).read(fromSequenceNumber, max);
  }

  onAppended(listener: (partition: number, lastSequenceNumber: number) => void): () => void {
    const offs = this.partitions.map((p) => p.onAppended(listener));
    return () => {
      for (const off of offs) off();
    };
  }

  /** Applies retention now (also runs on a timer); returns the number of events removed. */
  async applyRetention(): Promise<number> {
    const cutoff = this.o.clock.now() - this.o.retentionMs;
    let removed = 0;
    for (const p of this.partitions) removed += await p.applyRetention(cutoff);
    return removed;
  }

  /** Waits until every append made so far is durable (or failed). */
  async drain(): Promise<void> {
    await Promise.all(this.partitions.map((p) => p.drain()));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retentionTimer !== undefined) this.o.clock.clearTimeout(this.retentionTimer);
    if (this.cacheTrimTimer !== undefined) this.o.clock.clearTimeout(this.cacheTrimTimer);
    await this.retentionRunning;
    for (const p of this.partitions) await p.close();
  }

  private get(partition: number): PartitionLog {
    const p = this.partitions[partition];
    if (p === undefined || !Number.isInteger(partition)) {
      throw new RangeError(`Partition ${partition} does not exist (the hub has partitions 0..${this.partitions.length - 1}).`);
    }
    return p;
  }

  /** Drops cached events older than the cache's maximum age now (also runs on a timer). */
  trimTailCache(): number {
    const cutoff = this.o.clock.now() - (this.o.tailCacheMaxAgeMs ?? 10_000);
    let dropped = 0;
    for (const p of this.partitions) dropped += p.trimCache(cutoff);
    return dropped;
  }

  /** Events held in the tail caches, all partitions (for tests and stats). */
  get cachedEvents(): number {
    return this.partitions.reduce((n, p) => n + p.cachedEvents, 0);
  }

  /** Write arenas allocated and spare, all partitions (for tests and stats). */
  get arenaStats(): { allocated: number; spare: number } {
    return this.partitions.reduce((a, p) => {
      const s = p.arenaStats;
      return { allocated: a.allocated + s.allocated, spare: a.spare + s.spare };
    }, { allocated: 0, spare: 0 });
  }

  private scheduleCacheTrim(): void {
    if (this.closed) return;
    this.cacheTrimTimer = this.o.clock.setTimeout(() => {
      this.cacheTrimTimer = undefined;
      this.trimTailCache();
      this.scheduleCacheTrim();
    }, CACHE_TRIM_INTERVAL_MS);
  }

  private retentionIntervalMs(): number {
    return Math.max(1000, Math.min(this.o.retentionMs / 10, 60_000));
  }

  private scheduleRetention(): void {
    if (this.closed) return;
    this.retentionTimer = this.o.clock.setTimeout(() => {
      this.retentionTimer = undefined;
      const run = this.runRetention().finally(() => {
        this.retentionRunning = undefined;
        this.scheduleRetention();
      });
      this.retentionRunning = run;
    }, this.retentionIntervalMs());
  }

  private async runRetention(): Promise<void> {
    try {
      const removed = await this.applyRetention();
      if (removed > 0) this.o.log.debug(`D2C retention removed ${removed} events older than ${this.o.retentionMs} ms`);
    } catch (e) {
      this.o.log.warn(`D2C retention failed: ${errorText(e)}`);
    }
  }
}

/** The partition count is fixed when the log is first created; a different request is ignored with a warning. */
async function resolvePartitionCount(o: D2cLogOptions): Promise<number> {
  if (!Number.isInteger(o.partitionCount) || o.partitionCount < 1 || o.partitionCount > 32) {
    throw new RangeError(`partitionCount must be an integer from 1 to 32 (got ${o.partitionCount}).`);
  }
  const metaFile = path.join(o.dir, 'meta.json');
  let text: string | undefined;
  try {
    text = await fsp.readFile(metaFile, 'utf8');
  } catch {
    text = undefined;
  }
  if (text === undefined) {
    const meta: D2cMeta = { version: 1, partitionCount: o.partitionCount };
    await writeFileAtomic(metaFile, JSON.stringify(meta));
    return o.partitionCount;
  }
  let meta: Partial<D2cMeta>;
  try {
    meta = JSON.parse(text) as Partial<D2cMeta>;
  } catch {
    meta = {};
  }
  if (typeof meta.partitionCount !== 'number' || !Number.isInteger(meta.partitionCount) || meta.partitionCount < 1) {
    throw new HubStorageError('corrupt', metaFile,
      `${metaFile} is not valid (it should hold {"version":1,"partitionCount":N}). The hub did not modify it. ` +
      'Fix it by hand with the partition count the hub was created with (the number of partition-* directories next to it).');
  }
  if (meta.partitionCount !== o.partitionCount) {
    o.log.warn(`D2C log in ${o.dir} was created with ${meta.partitionCount} partitions; keeping that (requested ${o.partitionCount}). Use a new data dir to change it.`);
  }
  return meta.partitionCount;
}
