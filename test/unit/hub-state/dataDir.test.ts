// Data-dir safety: exclusive lock, stale lock take-over after kill -9 (including the SQLite VFS
// lock directory), unwritable dirs, and corrupt files that must give clear errors and stay as
// they are.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openHubState } from '../../../src/hub/openHubState';
import { HubStorageError } from '../../../src/hub/state/storageError';
import { captureLogger, tempDir } from './helpers';

const ROOT = join(__dirname, '..', '..', '..');

function startHolder(dataDir: string): Promise<{ child: ChildProcess; pid: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'holdHub.ts'), dataDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (\d+)/.exec(out);
      if (m) resolve({ child, pid: Number(m[1]) });
    });
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('exit', (code) => reject(new Error(`holder exited with ${code}: ${err}`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

function storageError(kind: string, pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof HubStorageError, `expected HubStorageError, got ${String(e)}`);
    assert.equal(e.kind, kind);
    assert.match(e.message, pattern);
    return true;
  };
}

void describe('data dir safety', () => {
  void it('refuses a data dir held by a live process, then takes over its stale locks after kill -9', async () => {
    const dir = tempDir();
    const { child, pid } = await startHolder(dir.path);
    try {
      assert.ok(existsSync(join(dir.path, 'hub.lock')));
      assert.ok(statSync(join(dir.path, 'hub.db.lock')).isDirectory(), 'the wasm VFS holds its lock directory');
      await assert.rejects(openHubState({ dataDir: dir.path }), storageError('locked', new RegExp(`data dir .* is in use by process ${pid}`, 'i')));
      child.kill('SIGKILL');
      await killed(child);
      assert.ok(existsSync(join(dir.path, 'hub.lock')), 'kill -9 leaves the lock file');
      assert.ok(existsSync(join(dir.path, 'hub.db.lock')), 'and the VFS lock directory');
      const log = captureLogger();
      const hub = await openHubState({ dataDir: dir.path, log, feedbackBatchMs: 10 });
      try {
        assert.match(log.text(), new RegExp(`stale lock .*process ${pid}`));
        assert.match(log.text(), /Removed .*hub\.db\.lock/);
        assert.ok(hub.registry.get('held'));
        const queued = hub.c2d.peek('held');
        assert.deepEqual(queued.map((m) => m.messageId), ['kept']);
        assert.equal(queued[0]!.state, 'Enqueued', 'a message locked at the crash is back in the queue');
        assert.equal(queued[0]!.deliveryCount, 1, 'its delivery count is kept');
        // The feedback record that was committed but not yet batched at the kill is batched now (10 ms batches).
        const batched = Date.now() + 5_000;
        while (hub.feedback.read().length === 0 && Date.now() < batched) await new Promise((resolve) => setTimeout(resolve, 10));
        assert.deepEqual(hub.feedback.read().flatMap((b) => b.records.map((r) => [r.originalMessageId, r.statusCode])), [['done', 'Success']]);
        assert.equal(JSON.parse(readFileSync(join(dir.path, 'hub.lock'), 'utf8')).pid, process.pid);
        await assert.rejects(openHubState({ dataDir: dir.path }), storageError('locked', /already open in this process/));
      } finally {
        await hub.close();
      }
      assert.ok(!existsSync(join(dir.path, 'hub.lock')), 'close releases the lock');
      assert.ok(!existsSync(join(dir.path, 'hub.db.lock')));
    } finally {
      child.kill('SIGKILL');
      await killed(child);
      dir.remove();
    }
  });

  void it('handles half-written lock files: fresh ones mean "opening", old ones are stale', async () => {
    const dir = tempDir();
    try {
      const lock = join(dir.path, 'hub.lock');
      writeFileSync(lock, '');
      await assert.rejects(openHubState({ dataDir: dir.path }), storageError('locked', /is being opened by another process/));
      const old = new Date(Date.now() - 60_000);
      utimesSync(lock, old, old);
      const log = captureLogger();
      const hub = await openHubState({ dataDir: dir.path, log });
      await hub.close();
      assert.match(log.text(), /Taking over .*hub\.lock: it is unreadable/);
      // A lock from another machine (shared folder) is never taken over.
      writeFileSync(lock, JSON.stringify({ pid: 1234, host: 'elsewhere', startedAt: 'x' }));
      await assert.rejects(openHubState({ dataDir: dir.path }), storageError('locked', /in use by process 1234 on host elsewhere/));
    } finally {
      dir.remove();
    }
  });

  void it('gives a clear error for a data dir that cannot be created or written', async () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, 'a-file');
      writeFileSync(file, 'not a directory');
      await assert.rejects(openHubState({ dataDir: join(file, 'hub') }), storageError('unwritable', /Cannot create the hub data dir .*a-file\/hub \(ENOTDIR\)/));
      const ro = join(dir.path, 'readonly');
      mkdirSync(ro);
      chmodSync(ro, 0o555);
      if (process.getuid?.() !== 0) {
        await assert.rejects(openHubState({ dataDir: ro }), storageError('unwritable', /not writable \(EACCES\)/));
      } else if (existsSync('/usr/sbin/runuser')) {
        // Permission bits do not stop root: try as `nobody` in a child process.
        chmodSync(dir.path, 0o755);
        const r = spawnSync('/usr/sbin/runuser', ['-u', 'nobody', '--', process.execPath, '--import', 'tsx', join(__dirname, 'fixtures', 'openDataDir.ts'), ro], {
          cwd: ROOT, encoding: 'utf8', env: { ...process.env, HOME: dir.path },
        });
        assert.match(r.stdout, /HubStorageError: The hub data dir .*readonly is not writable \(EACCES\)/, r.stderr);
      }
      chmodSync(ro, 0o755);
    } finally {
      dir.remove();
    }
  });

  void it('reports a corrupt database with the file name and what to do, and leaves it alone', async () => {
    const dir = tempDir();
    try {
      const hub = await openHubState({ dataDir: dir.path });
      await hub.registry.create({ deviceId: 'x' });
      await hub.close();
      const db = join(dir.path, 'hub.db');
      const garbage = Buffer.alloc(8192, 0x5a);
      writeFileSync(db, garbage);
      await assert.rejects(openHubState({ dataDir: dir.path }), storageError('corrupt', /hub\.db is corrupt .*did not modify it.*move it aside/i));
      assert.deepEqual(readFileSync(db), garbage);
      assert.ok(!existsSync(join(dir.path, 'hub.lock')), 'a failed open releases the lock');
    } finally {
      dir.remove();
    }
  });

  void it('reports a corrupt D2C segment through openHubState without touching it', async () => {
    const dir = tempDir();
    try {
      const hub = await openHubState({ dataDir: dir.path, partitionCount: 1, d2cSegmentBytes: 2048 });
      for (let i = 0; i < 60; i++) await hub.d2c.append({ deviceId: 'd', systemProperties: {}, applicationProperties: [], body: Buffer.alloc(100, i) });
      await hub.close();
      const seg = join(dir.path, 'd2c', 'partition-0', '00000000000000000000.seg');
      const bytes = readFileSync(seg);
      bytes.writeUInt32LE(0xffffffff, 44); // the first record's length
      writeFileSync(seg, bytes);
      await assert.rejects(openHubState({ dataDir: dir.path }), storageError('corrupt', /00000000000000000000\.seg is corrupt at byte 44/));
      assert.deepEqual(readFileSync(seg), bytes);
    } finally {
      dir.remove();
    }
  });
});
