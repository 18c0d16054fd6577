// A storage endpoint's writer: reads the endpoint's durable staging log (a D2C log of its own,
// where the message already was when the device got its PUBACK) and writes it out in batches as
// files under `<dataDir>/storage/<container>/`, per partition, when a batch reaches the endpoint's
// size or its batch frequency has passed. A file is written whole (temp file, fsync, rename) before
// the checkpoint (next sequence number per partition) moves past it, so a crash or a failed write
// re-writes a batch rather than losing one: at-least-once, like every routed endpoint. A failing
// disk holds back nothing else: the writer retries with backoff and catches up from the log.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../state/atomicWrite';
import type { Clock, ClockTimer, D2cEvent, HubLogger } from '../contracts';
import type { FileD2cLog } from '../d2c/d2cLog';
import { DEFAULT_FILE_NAME_FORMAT, type StorageEndpointConfig } from './routingConfig';
import { encodeAvroFile, encodeJsonFile, expandFileName } from './storageFormat';
import { errorText } from '../../core/errorText';

/** Writes one file durably; tests replace it to inject a failing disk. */
export type StorageFileWriter = (file: string, data: Buffer) => Promise<void>;

export async function writeFileDurably(file: string, data: Buffer): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, data);
}

export interface StorageWriterOptions {
  endpoint: StorageEndpointConfig;
  hubName: string;
  /** The endpoint's staging log. */
  log: FileD2cLog;
  /** Where the files go: `<dataDir>/storage/<container>`. */
  containerDir: string;
  /** The checkpoint file (next sequence number per partition). */
  checkpointFile: string;
  clock: Clock;
  logger: HubLogger;
  writeFile?: StorageFileWriter;
}

export interface StorageEndpointStatus {
  healthy: boolean;
  lastError?: string;
  filesWritten: number;
  /** Messages in the staging log not yet in a file. */
  backlog: number;
}

const READ_PAGE = 500;
const MIN_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

interface PartitionState {
  partition: number;
  /** First sequence number not yet in a file. */
  next: number;
  /** When the oldest unwritten message of the current batch was seen (batch frequency counts from it). */
  batchStartedAt: number | undefined;
  timer: ClockTimer | undefined;
  running: boolean;
  again: boolean;
  failures: number;
}

export class StorageWriter {
  private readonly partitions: PartitionState[] = [];
  private readonly writeFile: StorageFileWriter;
  private unsubscribe: (() => void) | undefined;
  private closed = false;
  private filesWritten = 0;
  private lastError: string | undefined;
  private checkpointWrite: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<void>>();

  private constructor(private readonly o: StorageWriterOptions) {
    this.writeFile = o.writeFile ?? writeFileDurably;
  }

  static async start(o: StorageWriterOptions): Promise<StorageWriter> {
    const w = new StorageWriter(o);
    const saved = await readCheckpoint(o.checkpointFile);
    for (let p = 0; p < o.log.partitionCount; p++) {
      const beginning = await o.log.resolveStart(p, 'earliest');
      let next = saved[p] ?? beginning;
      if (next < beginning) {
        o.logger.warn(`Storage endpoint "${o.endpoint.name}", partition ${p}: messages ${next}..${beginning - 1} left the staging log (retention) before they were written to files.`);
        next = beginning;
      }
      w.partitions.push({ partition: p, next, batchStartedAt: undefined, timer: undefined, running: false, again: false, failures: 0 });
    }
    w.unsubscribe = o.log.onAppended((partition) => w.kick(partition));
    for (const s of w.partitions) w.kick(s.partition);
    return w;
  }

  status(): StorageEndpointStatus {
    let backlog = 0;
    for (const s of this.partitions) backlog += Math.max(0, this.o.log.partitionInfo(s.partition).lastEnqueuedSequenceNumber + 1 - s.next);
    const out: StorageEndpointStatus = { healthy: this.lastError === undefined, filesWritten: this.filesWritten, backlog };
    if (this.lastError !== undefined) out.lastError = this.lastError;
    return out;
  }

  /** Writes every batch now, whatever its age (used on close and by tests). */
  async flushAll(): Promise<void> {
    await Promise.all(this.partitions.map(async (s) => {
      while (s.running) await new Promise((resolve) => setTimeout(resolve, 5));
      await this.runPartition(s, true);
    }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    for (const s of this.partitions) if (s.timer !== undefined) this.o.clock.clearTimeout(s.timer);
    await Promise.allSettled([...this.inFlight]);
    await this.checkpointWrite.catch(() => undefined);
  }

  private kick(partition: number): void {
    const s = this.partitions[partition];
    if (s === undefined || this.closed) return;
    const run = this.runPartition(s, false);
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  private get frequencyMs(): number {
    return (this.o.endpoint.batchFrequencyInSeconds ?? 300) * 1000;
  }

  private get maxChunk(): number {
    return this.o.endpoint.maxChunkSizeInBytes ?? 314_572_800;
  }

  private async runPartition(s: PartitionState, force: boolean): Promise<void> {
    if (s.running) {
      s.again = true;
      return;
    }
    s.running = true;
    try {
      do {
        s.again = false;
        await this.writeDue(s, force);
      } while (s.again && !this.closed);
    } finally {
      s.running = false;
    }
  }

  /** Writes every batch that is full, or old enough (or all, when forced); arms the timer for the rest. */
  private async writeDue(s: PartitionState, force: boolean): Promise<void> {
    for (;;) {
      if (this.closed && !force) return;
      const last = this.o.log.partitionInfo(s.partition).lastEnqueuedSequenceNumber;
      if (last < s.next) {
        s.batchStartedAt = undefined;
        return;
      }
      const now = this.o.clock.now();
      s.batchStartedAt ??= now;
      const batch = await this.collect(s, now - s.batchStartedAt >= this.frequencyMs || force);
      if (batch === undefined) {
        this.armTimer(s);
        return;
      }
      try {
        await this.writeBatch(s, batch);
      } catch (e) {
        s.failures++;
        const text = errorText(e);
        if (this.lastError === undefined || s.failures === 1) {
          this.o.logger.warn(`Storage endpoint "${this.o.endpoint.name}" could not write a file (${text}); messages stay in its log and are written when it recovers.`);
        }
        this.lastError = text;
        this.armRetry(s);
        return;
      }
    }
  }

  /**
   * The next batch: events from `s.next` on, up to the size limit. Undefined when the batch is
   * neither full nor due (`due`), so it waits for more messages or its time.
   */
  private async collect(s: PartitionState, due: boolean): Promise<D2cEvent[] | undefined> {
    const events: D2cEvent[] = [];
    let bytes = 0;
    let from = s.next;
    for (;;) {
      const page = await this.o.log.read(s.partition, from, READ_PAGE);
      if (page.length === 0) break;
      for (const e of page) {
        const size = e.body.byteLength + 200;
        if (events.length > 0 && bytes + size > this.maxChunk) return events;
        events.push(e);
        bytes += size;
      }
      from = page[page.length - 1]!.sequenceNumber + 1;
    }
    return due && events.length > 0 ? events : undefined;
  }

  private async writeBatch(s: PartitionState, events: D2cEvent[]): Promise<void> {
    const encoding = this.o.endpoint.encoding ?? 'avro';
    const data = encoding === 'avro' ? await encodeAvroFile(events) : encodeJsonFile(events);
    const relative = expandFileName(this.o.endpoint.fileNameFormat ?? DEFAULT_FILE_NAME_FORMAT, this.o.hubName, s.partition, events[0]!.enqueuedTime);
    const file = await this.freeName(path.join(this.o.containerDir, ...relative.split('/')));
    await this.writeFile(file, data);
    // Healthy again before the backlog shrinks, so a reader never sees "caught up" but "failing".
    s.failures = 0;
    this.lastError = undefined;
    this.filesWritten++;
    s.next = events[events.length - 1]!.sequenceNumber + 1;
    s.batchStartedAt = undefined;
    await this.saveCheckpoint();
  }

  /** A batch in the same minute as an earlier one gets `_1`, `_2`, ... rather than replacing it. */
  private async freeName(file: string): Promise<string> {
    for (let n = 0; ; n++) {
      const candidate = n === 0 ? file : `${file}_${n}`;
      try {
        await fsp.access(candidate);
      } catch {
        return candidate;
      }
    }
  }

  private saveCheckpoint(): Promise<void> {
    const positions: Record<string, number> = {};
    for (const s of this.partitions) positions[String(s.partition)] = s.next;
    const write = this.checkpointWrite.catch(() => undefined).then(() => writeFileDurably(this.o.checkpointFile, Buffer.from(JSON.stringify({ version: 1, next: positions }))));
    this.checkpointWrite = write;
    return write;
  }

  private armTimer(s: PartitionState): void {
    if (s.timer !== undefined || this.closed || s.batchStartedAt === undefined) return;
    const wait = Math.max(0, s.batchStartedAt + this.frequencyMs - this.o.clock.now());
    s.timer = this.o.clock.setTimeout(() => {
      s.timer = undefined;
      this.kick(s.partition);
    }, wait + 1);
  }

  private armRetry(s: PartitionState): void {
    if (s.timer !== undefined) this.o.clock.clearTimeout(s.timer);
    if (this.closed) return;
    const wait = Math.min(MAX_RETRY_MS, MIN_RETRY_MS * 2 ** Math.min(10, s.failures - 1));
    s.timer = this.o.clock.setTimeout(() => {
      s.timer = undefined;
      this.kick(s.partition);
    }, wait);
  }
}

async function readCheckpoint(file: string): Promise<Record<number, number>> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const parsed = JSON.parse(text) as { next?: Record<string, unknown> };
    const out: Record<number, number> = {};
    for (const [k, v] of Object.entries(parsed.next ?? {})) if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) out[Number(k)] = v;
    return out;
  } catch {
    // A torn checkpoint (it is written atomically, so only by hand): start from the log's beginning, re-writing rather than losing.
    return {};
  }
}
