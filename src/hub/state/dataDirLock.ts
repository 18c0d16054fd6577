// An exclusive lock on a hub data dir: `hub.lock` holds the owner's pid and host. A lock whose
// process is gone (kill -9, power loss) is stale and is taken over; a live owner gets a clear
// error. Only one hub may own a data dir because the D2C log and the database assume a single
// writer.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { HubLogger } from '../contracts';
import { HubStorageError, errnoCode, errorText } from './storageError';
import { isProcessAlive } from './processAlive';

export const LOCK_FILE_NAME = 'hub.lock';

interface LockContent { pid: number; host: string; startedAt: string }

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

function readLock(file: string): LockContent | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockContent>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') {
      return { pid: parsed.pid, host: parsed.host, startedAt: String(parsed.startedAt ?? '') };
    }
  } catch {
    // unreadable or half-written: decided by age below
  }
  return undefined;
}

/**
 * Moves the stale lock aside atomically, then checks that what was moved is the lock judged stale:
 * if another hub took the lock over in between, its fresh lock is put back and we report it.
 */
function removeStaleLock(file: string, judged: LockContent | undefined, dataDir: string): void {
  const aside = `${file}.stale-${process.pid}-${Date.now()}`;
  try {
    fs.renameSync(file, aside);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return; // someone else removed it: retry the create
    throw new HubStorageError('unwritable', file, `Cannot remove the stale lock ${file}: ${errorText(e)}`, { cause: e });
  }
  const moved = readLock(aside);
  const same = judged === undefined ? moved === undefined : moved !== undefined && moved.pid === judged.pid && moved.startedAt === judged.startedAt;
  if (same) {
    fs.rmSync(aside, { force: true });
    return;
  }
  fs.renameSync(aside, file);
  throw new HubStorageError('locked', dataDir, `Data dir ${dataDir} was just taken by process ${moved?.pid ?? '?'}. Stop that hub or use another data dir.`);
}

/** Creates the data dir if needed, checks it is writable, and takes the lock. */
export function acquireDataDirLock(dataDir: string, log: HubLogger): DataDirLock {
  try {
    fs.mkdirSync(dataDir, { recursive: true });
  } catch (e) {
    throw new HubStorageError('unwritable', dataDir,
      `Cannot create the hub data dir ${dataDir} (${errnoCode(e) ?? errorText(e)}). Choose another data dir or fix the path and its permissions.`, { cause: e });
  }
  const file = path.join(dataDir, LOCK_FILE_NAME);
  const own: LockContent = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = fs.openSync(file, 'wx', 0o644);
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'EEXIST') {
        const holder = readLock(file);
        if (holder === undefined) {
          // A lock file with no readable content: an owner may be writing it right now, unless it is old.
          let ageMs = 0;
          try {
            ageMs = Date.now() - fs.statSync(file).mtimeMs;
          } catch {
            continue; // vanished meanwhile: retry
          }
          if (ageMs < 5000) {
            throw new HubStorageError('locked', dataDir, `Data dir ${dataDir} is being opened by another process (its ${LOCK_FILE_NAME} is being written). Try again in a moment.`);
          }
          log.warn(`Taking over ${file}: it is unreadable and ${Math.round(ageMs / 1000)} s old (left by a crashed hub)`);
        } else if (holder.host !== os.hostname()) {
          throw new HubStorageError('locked', dataDir,
            `Data dir ${dataDir} is in use by process ${holder.pid} on host ${holder.host}. Stop that hub, or if it is gone, delete ${file}.`);
        } else if (holder.pid === process.pid) {
          throw new HubStorageError('locked', dataDir, `Data dir ${dataDir} is already open in this process (pid ${holder.pid}). Close the other hub first.`);
        } else if (isProcessAlive(holder.pid)) {
          throw new HubStorageError('locked', dataDir,
            `Data dir ${dataDir} is in use by process ${holder.pid} (since ${holder.startedAt}). Stop that hub or use another data dir.`);
        } else {
          log.warn(`Taking over the stale lock of data dir ${dataDir}: process ${holder.pid} that held it is no longer running`);
        }
        removeStaleLock(file, holder, dataDir);
        continue;
      }
      throw new HubStorageError('unwritable', dataDir,
        `The hub data dir ${dataDir} is not writable (${code ?? errorText(e)}). Choose another data dir or fix its permissions.`, { cause: e });
    }
    try {
      fs.writeSync(fd, JSON.stringify(own));
      fs.fsyncSync(fd);
    } catch (e) {
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
      throw new HubStorageError('unwritable', dataDir, `Cannot write ${file} (${errnoCode(e) ?? errorText(e)}). Is the disk full or read-only?`, { cause: e });
    }
    fs.closeSync(fd);
    let released = false;
    return {
      file,
      release(): void {
        if (released) return;
        released = true;
        // Only remove it if it is still ours (never someone else's lock).
        const holder = readLock(file);
        if (holder !== undefined && holder.pid === own.pid && holder.startedAt === own.startedAt) fs.rmSync(file, { force: true });
      },
    };
  }
  throw new HubStorageError('locked', dataDir, `Could not take the lock ${file} (another process keeps re-creating it).`);
}
