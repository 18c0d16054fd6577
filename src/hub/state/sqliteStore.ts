// The hub's SQLite database (node-sqlite3-wasm: real SQLite compiled to WebAssembly, so no native
// module for Electron to reject). Holds the registry, C2D queues, feedback, consumer groups and
// policies. The domain keeps its working state in memory and writes through here; `write` groups
// every change made in one turn of the event loop into one transaction (group commit), and
// resolves only once that transaction is durable.
//
// Durability without blocking: the wasm VFS fsyncs synchronously, which would stall the event
// loop (MQTT, D2C) ~0.5 ms per commit. So the database runs WAL with synchronous=NORMAL (SQLite
// itself syncs only around checkpoints, which keeps the database file safe) and after each COMMIT
// we fdatasync the WAL file on the thread pool before resolving the batch's callers: the same
// guarantee as synchronous=FULL (a resolved write survives power loss), at ~0.06 ms of event-loop
// time per commit instead of ~0.5 ms. If WAL is unavailable we fall back to synchronous=FULL.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Database } from 'node-sqlite3-wasm';
import type { HubLogger } from '../contracts';
import { HubStorageError, errnoCode, errorText } from './storageError';

export const DATABASE_FILE_NAME = 'hub.db';
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS policies (
  key_name TEXT PRIMARY KEY, primary_key TEXT NOT NULL, secondary_key TEXT NOT NULL, rights TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS devices (
  device_id TEXT PRIMARY KEY, generation_id TEXT NOT NULL, etag_version INTEGER NOT NULL,
  status TEXT NOT NULL, status_reason TEXT, status_updated_time TEXT NOT NULL,
  primary_key TEXT NOT NULL, secondary_key TEXT NOT NULL,
  connection_state_updated_time TEXT NOT NULL, last_activity_time TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS c2d_sequences (device_id TEXT PRIMARY KEY, next_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS c2d_messages (
  device_id TEXT NOT NULL, seq INTEGER NOT NULL, state TEXT NOT NULL, delivery_count INTEGER NOT NULL,
  enqueued_time INTEGER NOT NULL, expiry_time INTEGER NOT NULL, lock_token TEXT, locked_until INTEGER,
  system_properties TEXT NOT NULL, application_properties TEXT NOT NULL, body BLOB NOT NULL,
  PRIMARY KEY (device_id, seq));
CREATE TABLE IF NOT EXISTS feedback_pending (id INTEGER PRIMARY KEY AUTOINCREMENT, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feedback_batches (
  batch_id INTEGER PRIMARY KEY, enqueued_time_utc TEXT NOT NULL, records TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS consumer_groups (name TEXT PRIMARY KEY, created_time TEXT NOT NULL);
`;

type WriteOp = (db: Database) => void;

interface QueuedWrite { op: WriteOp; resolve: () => void; reject: (e: unknown) => void }

export class SqliteStore {
  private queue: QueuedWrite[] = [];
  private scheduled = false;
  private failed: Error | undefined;
  private closed = false;
  private walHandle: Promise<fs.promises.FileHandle> | undefined;
  /** Resolves when every batch committed so far has been made durable and its callers resolved. */
  private lastDurable: Promise<void> = Promise.resolve();

  private constructor(readonly db: Database, readonly file: string, private readonly log: HubLogger, private readonly syncWal: boolean) {}

  /** Opens (creating if needed) `<dataDir>/hub.db`. The caller must hold the data-dir lock. */
  static open(dataDir: string, log: HubLogger): SqliteStore {
    const file = path.join(dataDir, DATABASE_FILE_NAME);
    removeStaleVfsLock(file, log);
    let db: Database | undefined;
    try {
      db = new Database(file);
      // EXCLUSIVE locking lets WAL work without shared memory (which the wasm VFS lacks) and
      // keeps the VFS lock for the whole session; our data-dir lock already excludes others.
      db.exec('PRAGMA locking_mode=EXCLUSIVE');
      const mode = db.get('PRAGMA journal_mode=WAL') as { journal_mode?: string } | null;
      const wal = mode?.journal_mode === 'wal';
      if (!wal) log.warn(`SQLite did not switch ${file} to WAL (mode ${String(mode?.journal_mode)}); committing with synchronous=FULL`);
      db.exec(wal ? 'PRAGMA synchronous=NORMAL' : 'PRAGMA synchronous=FULL');
      const check = db.all('PRAGMA quick_check') as { quick_check?: string }[];
      const problems = check.map((r) => r.quick_check).filter((v) => v !== 'ok');
      if (problems.length > 0) throw new Error(`integrity check failed: ${problems.slice(0, 3).join('; ')}`);
      db.exec(SCHEMA);
      const v = db.get("SELECT value FROM meta WHERE key = 'schemaVersion'") as { value?: string } | null;
      if (v === null) db.run("INSERT INTO meta (key, value) VALUES ('schemaVersion', ?)", [String(SCHEMA_VERSION)]);
      else if (Number(v.value) > SCHEMA_VERSION) {
        throw new HubStorageError('corrupt', file, `${file} was written by a newer version of the hub (schema ${v.value}); this version understands schema ${SCHEMA_VERSION}. Upgrade, or use another data dir.`);
      }
      return new SqliteStore(db, file, log, wal);
    } catch (e) {
      try {
        db?.close();
      } catch {
        // already failing
      }
      if (e instanceof HubStorageError) throw e;
      const text = errorText(e);
      if (/not a database|malformed|integrity check|corrupt/i.test(text)) {
        throw new HubStorageError('corrupt', file,
          `The hub database ${file} is corrupt (${text}). The hub did not modify it. ` +
          `Restore it from a backup, or move it aside (e.g. rename it to ${DATABASE_FILE_NAME}.corrupt) to start with an empty registry and empty C2D queues; D2C messages are kept separately and are not affected.`, { cause: e });
      }
      if (/readonly|read-only|permission|EACCES|EROFS|unable to open/i.test(text)) {
        throw new HubStorageError('unwritable', file, `Cannot open the hub database ${file} for writing (${text}). Check the data dir's permissions and free space.`, { cause: e });
      }
      if (/busy|locked/i.test(text)) {
        throw new HubStorageError('locked', file, `The hub database ${file} is locked by another process (${text}). Is another hub using this data dir?`, { cause: e });
      }
      throw new HubStorageError('io', file, `Cannot open the hub database ${file}: ${text}`, { cause: e });
    }
  }

  /** Queues a change; resolves once it is committed durably together with the rest of its batch. */
  write(op: WriteOp): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the hub database is closed'));
    if (this.failed !== undefined) return Promise.reject(this.failed);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.commit());
      }
    });
  }

  /** Commits whatever is queued now (also used by close). */
  private commit(): void {
    this.scheduled = false;
    const batch = this.queue.splice(0);
    if (batch.length === 0) return;
    const failedOps = new Map<QueuedWrite, unknown>();
    try {
      this.db.exec('BEGIN IMMEDIATE');
      for (const w of batch) {
        try {
          w.op(this.db);
        } catch (e) {
          // A failing statement (a bug, not I/O) fails only its own caller; the rest commits.
          failedOps.set(w, e);
          this.log.error(`Hub database write failed: ${errorText(e)}`);
        }
      }
      this.db.exec('COMMIT');
    } catch (e) {
      try {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
      } catch {
        // nothing more to do
      }
      this.failed = new HubStorageError('io', this.file, `Committing to the hub database ${this.file} failed: ${errorText(e)}. The hub stops accepting changes until restarted.`, { cause: e });
      this.log.error(this.failed.message);
      for (const w of batch) w.reject(this.failed);
      return;
    }
    const settle = (): void => {
      for (const w of batch) {
        const err = failedOps.get(w);
        if (err === undefined) w.resolve();
        else w.reject(err);
      }
    };
    if (!this.syncWal) {
      settle();
      return;
    }
    // Start this batch's fdatasync now, but settle batches in commit order.
    const synced = this.fdatasyncWal();
    const previous = this.lastDurable;
    this.lastDurable = Promise.all([previous, synced]).then(settle, (e: unknown) => {
      if (this.failed === undefined) {
        this.failed = new HubStorageError('io', `${this.file}-wal`, `Syncing the hub database journal ${this.file}-wal failed: ${errorText(e)}. The hub stops accepting changes until restarted.`, { cause: e });
        this.log.error(this.failed.message);
      }
      for (const w of batch) w.reject(this.failed);
    });
  }

  private async fdatasyncWal(): Promise<void> {
    this.walHandle ??= fs.promises.open(`${this.file}-wal`, 'r+');
    const handle = await this.walHandle;
    await handle.datasync();
  }

  /** Commits pending writes now (synchronously). */
  flush(): void {
    if (this.queue.length > 0) this.commit();
  }

  /**
   * Resolves once nothing is queued, every commit is durable and the callers' continuations ran
   * (tests and shutdown use it; writes queued meanwhile are waited for too).
   */
  async idle(): Promise<void> {
    for (;;) {
      const durable = this.lastDurable;
      await durable;
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.queue.length === 0 && !this.scheduled && durable === this.lastDurable) return;
    }
  }

  /** Makes everything committed so far durable, blocking (for the few writes made while opening). */
  syncBlocking(): void {
    if (!this.syncWal) return;
    const fd = fs.openSync(`${this.file}-wal`, 'r+');
    try {
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Commits what is queued, waits until it is durable, and closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    await this.lastDurable;
    this.db.close();
    const handle = this.walHandle;
    this.walHandle = undefined;
    if (handle !== undefined) await (await handle).close();
  }

  /** Closes without waiting (error paths while opening). */
  closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  getMeta(key: string): string | undefined {
    const row = this.db.get('SELECT value FROM meta WHERE key = ?', [key]) as { value?: string } | null;
    return row?.value;
  }
}

/**
 * node-sqlite3-wasm's VFS locks with a `<db>.lock` directory that it removes on close; a killed
 * process leaves it behind and the next open would get SQLITE_BUSY forever. We hold the data-dir
 * lock, so no other live process can be using the database: the directory is stale.
 */
function removeStaleVfsLock(dbFile: string, log: HubLogger): void {
  const lockDir = `${dbFile}.lock`;
  try {
    if (!fs.statSync(lockDir).isDirectory()) return;
  } catch {
    return;
  }
  try {
    fs.rmdirSync(lockDir);
    log.warn(`Removed ${lockDir}, a database lock left behind by a hub that did not shut down cleanly`);
  } catch (e) {
    throw new HubStorageError('unwritable', lockDir, `Cannot remove the stale database lock ${lockDir} (${errnoCode(e) ?? errorText(e)}). Remove it by hand.`, { cause: e });
  }
}
