// Replacing a file so that a crash or power loss leaves either the old content or the new, never a
// torn or empty file: write a temporary file beside it, fsync it, rename it over the target, then
// fsync the directory so the rename itself is durable. One helper, sync and async, for every file
// the hub rewrites (routes, connection file, CA, D2C metadata, storage endpoint blobs).
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

export interface AtomicWriteOptions {
  /** The file's permission bits, set exactly (no umask) also when the target existed with others (0o600 for secrets); by default 0o666 less the umask. */
  mode?: number;
}

function tempName(file: string): string {
  return `${file}.tmp-${process.pid}`;
}

/** Writes `data` to `file` atomically and durably (see the top of this file). */
export function writeFileAtomicSync(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const mode = options.mode ?? 0o666;
  const tmp = tempName(file);
  try {
    const fd = fs.openSync(tmp, 'w', mode);
    try {
      if (options.mode !== undefined) fs.fchmodSync(fd, mode); // open's mode is masked by the umask
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  syncDirSync(path.dirname(file));
}

/** The async form of writeFileAtomicSync. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const mode = options.mode ?? 0o666;
  const tmp = tempName(file);
  try {
    const h = await fsp.open(tmp, 'w', mode);
    try {
      if (options.mode !== undefined) await h.chmod(mode);
      await h.writeFile(data);
      await h.sync();
    } finally {
      await h.close();
    }
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
  await syncDir(path.dirname(file));
}

function syncDirSync(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // some file systems (and Windows) refuse a directory fsync; the rename is still atomic
  }
}

/** Makes a directory's entries (a new or renamed file) durable; best effort where unsupported. */
export async function syncDir(dir: string): Promise<void> {
  try {
    const h = await fsp.open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // as in syncDirSync
  }
}
