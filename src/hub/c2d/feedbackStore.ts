// C2D delivery feedback. Records are written in the same transaction as the queue change that
// caused them (so a crash loses neither), then grouped into batches of up to 64 records or
// whatever arrived within `batchMs`, like IoT Hub's feedback messages. Batches stay until a
// service receiver acknowledges them.
import type { Database } from 'node-sqlite3-wasm';
import type { Clock, ClockTimer, FeedbackBatch, FeedbackRecord, FeedbackStore, HubLogger, QueueEvent } from '../contracts';
import type { SqliteStore } from '../state/sqliteStore';
import type { TypedEvents } from '../state/typedEvents';
import { errorText } from '../../core/errorText';

export const FEEDBACK_MAX_RECORDS_PER_BATCH = 64;
export const FEEDBACK_CONTENT_TYPE = 'application/vnd.microsoft.iothub.feedback.json';

interface PendingRow { id: number; record: string }
interface BatchRow { batch_id: number; enqueued_time_utc: string; records: string }

export class SqliteFeedbackStore implements FeedbackStore {
  private readonly batches: FeedbackBatch[] = [];
  /** Committed records not yet in a batch, with their row ids in feedback_pending. */
  private pending: { id: number; record: FeedbackRecord }[] = [];
  private lastPendingId = 0;
  private nextBatchId: number;
  private timer: ClockTimer | undefined;
  private closed = false;

  constructor(
    private readonly store: SqliteStore,
    private readonly clock: Clock,
    private readonly log: HubLogger,
    private readonly events: TypedEvents<QueueEvent>,
    private readonly hubName: string,
    private readonly batchMs: number,
  ) {
    for (const row of store.db.all('SELECT * FROM feedback_batches ORDER BY batch_id') as unknown as BatchRow[]) {
      this.batches.push({
        batchId: Number(row.batch_id),
        enqueuedTimeUtc: row.enqueued_time_utc,
        userId: hubName,
        contentType: FEEDBACK_CONTENT_TYPE,
        records: JSON.parse(row.records) as FeedbackRecord[],
      });
    }
    const storedNext = Number(store.getMeta('nextFeedbackBatchId') ?? '1');
    const last = this.batches[this.batches.length - 1]?.batchId ?? 0;
    this.nextBatchId = Math.max(storedNext, last + 1);
    for (const row of store.db.all('SELECT id, record FROM feedback_pending ORDER BY id') as unknown as PendingRow[]) {
      this.pending.push({ id: Number(row.id), record: JSON.parse(row.record) as FeedbackRecord });
    }
    // Rows inserted inside a write op get ids from AUTOINCREMENT; remember the highest we know.
    this.lastPendingId = this.pending[this.pending.length - 1]?.id ?? 0;
    if (this.pending.length > 0) this.schedule();
  }

  read(afterBatchId = 0, max = 100): FeedbackBatch[] {
    const out: FeedbackBatch[] = [];
    for (const b of this.batches) {
      if (b.batchId > afterBatchId) out.push(b);
      if (out.length >= max) break;
    }
    return out;
  }

  async acknowledge(batchId: number): Promise<void> {
    let n = 0;
    while (n < this.batches.length && this.batches[n]!.batchId <= batchId) n++;
    if (n === 0) return;
    this.batches.splice(0, n);
    await this.store.write((db) => {
      db.run('DELETE FROM feedback_batches WHERE batch_id <= ?', [batchId]);
    });
  }

  /**
   * Called inside a queue write op: stores the record in the same transaction. `committed` must
   * be called with the returned id after that transaction commits.
   */
  insertPending(db: Database, record: FeedbackRecord): number {
    const r = db.run('INSERT INTO feedback_pending (record) VALUES (?)', [JSON.stringify(record)]);
    return Number(r.lastInsertRowid);
  }

  committed(id: number, record: FeedbackRecord): void {
    this.pending.push({ id, record });
    this.lastPendingId = Math.max(this.lastPendingId, id);
    if (this.pending.length >= FEEDBACK_MAX_RECORDS_PER_BATCH) this.flushNow();
    else this.schedule();
  }

  private schedule(): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.flushNow();
    }, this.batchMs);
  }

  /** Turns pending records into batches of at most 64 (fire and forget; errors are logged). */
  flushNow(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.pending.length > 0) {
      const take = this.pending.splice(0, FEEDBACK_MAX_RECORDS_PER_BATCH);
      const batch: FeedbackBatch = {
        batchId: this.nextBatchId++,
        enqueuedTimeUtc: new Date(this.clock.now()).toISOString(),
        userId: this.hubName,
        contentType: FEEDBACK_CONTENT_TYPE,
        records: take.map((t) => t.record),
      };
      const ids = take.map((t) => t.id);
      this.batches.push(batch);
      this.store.write((db) => {
        db.run('INSERT INTO feedback_batches (batch_id, enqueued_time_utc, records) VALUES (?,?,?)', [batch.batchId, batch.enqueuedTimeUtc, JSON.stringify(batch.records)]);
        db.run("INSERT INTO meta (key, value) VALUES ('nextFeedbackBatchId', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [String(this.nextBatchId)]);
        db.run(`DELETE FROM feedback_pending WHERE id IN (${ids.map(() => '?').join(',')})`, ids);
      }).then(
        () => this.events.emit({ type: 'feedback', batch }),
        (e: unknown) => this.log.error(`Storing a feedback batch failed: ${errorText(e)}`),
      );
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
