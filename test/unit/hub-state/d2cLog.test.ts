// The D2C log on real files: append/read, start positions, partition info, restart, retention,
// torn-tail recovery and corruption reporting.
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/hub/clock';
import type { D2cEvent } from '../../../src/hub/contracts';
import { FileD2cLog, type D2cLogOptions } from '../../../src/hub/d2c/d2cLog';
import { crc32 } from '../../../src/hub/d2c/crc32';
import { fnv1a32, partitionForDevice } from '../../../src/hub/d2c/partitioner';
import { createD2cStamp, decodeFrame, encodeRecord, encodeSegmentHeader, FRAME_HEADER_BYTES } from '../../../src/hub/d2c/recordCodec';
import type { SystemProperties } from '../../../src/core/message/model';
import { HubStorageError } from '../../../src/hub/state/storageError';
import { captureLogger, tempDir, text } from './helpers';

const T0 = Date.UTC(2026, 5, 1, 12);

async function withLog<T>(opts: Partial<D2cLogOptions> & { dir: string }, fn: (log: FileD2cLog, o: D2cLogOptions) => Promise<T>): Promise<T> {
  const o: D2cLogOptions = { partitionCount: 1, retentionMs: 24 * 3600_000, clock: new ManualClock(T0), log: captureLogger(), ...opts };
  const log = await FileD2cLog.open(o);
  try {
    return await fn(log, o);
  } finally {
    await log.close();
  }
}

function append(log: FileD2cLog, deviceId: string, body: string, extra: { messageId?: string } = {}): Promise<D2cEvent> {
  return log.append({
    deviceId,
    systemProperties: { ...extra, connectionDeviceId: deviceId },
    applicationProperties: [{ name: 'temp', value: '21' }],
    body: Buffer.from(body),
  });
}

/** Where the data of a segment file ends (everything after is the zero-filled reserve). */
function dataEndOf(bytes: Buffer): number {
  let i = bytes.length - 1;
  while (i >= 0 && bytes[i] === 0) i--;
  return i + 1;
}

function writeAt(file: string, position: number, data: Buffer): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, data, 0, data.length, position);
  } finally {
    closeSync(fd);
  }
}

function segmentFiles(dir: string, partition = 0): string[] {
  const p = join(dir, `partition-${partition}`);
  return readdirSync(p).filter((f) => f.endsWith('.seg')).sort().map((f) => join(p, f));
}

void describe('D2C log', () => {
  void it('assigns partitions with a stable FNV-1a hash', () => {
    // Fixed expectations: changing the hash would move existing devices between partitions.
    assert.equal(fnv1a32('a'), 0xe40c292c, 'the published FNV-1a 32-bit test vector');
    assert.deepEqual(['dev1', 'dev2', 'dev3', 'sensor-42', 'a'].map((d) => partitionForDevice(d, 4)), [3, 2, 1, 0, 0]);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 1000; i++) counts[partitionForDevice(`device-${i}`, 4)]!++;
    for (const c of counts) assert.ok(c > 200 && c < 300, `uneven spread ${counts.join(',')}`);
    assert.equal(partitionForDevice('dev1', 4), partitionForDevice('dev1', 4));
  });

  void it('appends with sequence numbers, byte offsets and enqueued times, and reads them back', async () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    try {
      await withLog({ dir: dir.path, partitionCount: 4, clock }, async (log) => {
        const notified: [number, number][] = [];
        const off = log.onAppended((p, s) => notified.push([p, s]));
        const part = log.partitionFor('dev1');
        assert.equal(log.partitionCount, 4);
        const info0 = log.partitionInfo(part);
        assert.deepEqual(info0, { partition: part, beginningSequenceNumber: -1, lastEnqueuedSequenceNumber: -1, lastEnqueuedOffset: '-1', lastEnqueuedTime: 0, isEmpty: true });
        const a = await append(log, 'dev1', 'one', { messageId: 'm1' });
        clock.advance(5);
        const [b, c] = await Promise.all([append(log, 'dev1', 'two'), append(log, 'dev1', 'three')]);
        off();
        assert.deepEqual([a.sequenceNumber, b!.sequenceNumber, c!.sequenceNumber], [0, 1, 2]);
        assert.equal(a.offset, '0');
        assert.ok(Number(b!.offset) > Number(a.offset) && Number(c!.offset) > Number(b!.offset));
        assert.equal(a.enqueuedTime, T0);
        assert.equal(a.systemProperties.enqueuedTimeUtc, new Date(T0).toISOString());
        assert.equal(b!.enqueuedTime, T0 + 5);
        assert.equal(a.partition, part);
        assert.ok(notified.length >= 2 && notified.every(([p]) => p === part));
        assert.deepEqual(notified[notified.length - 1], [part, 2]);
        const read = await log.read(part, 0, 10);
        assert.deepEqual(read.map((e) => text(e.body)), ['one', 'two', 'three']);
        assert.equal(read[0]!.systemProperties.messageId, 'm1');
        assert.deepEqual(read[0]!.applicationProperties, [{ name: 'temp', value: '21' }]);
        assert.deepEqual((await log.read(part, 1, 1)).map((e) => e.sequenceNumber), [1]);
        assert.deepEqual(await log.read(part, 3, 10), []);
        const info = log.partitionInfo(part);
        assert.deepEqual(info, { partition: part, beginningSequenceNumber: 0, lastEnqueuedSequenceNumber: 2, lastEnqueuedOffset: c!.offset, lastEnqueuedTime: T0 + 5, isEmpty: false });
        assert.throws(() => log.partitionInfo(4), RangeError);
      });
    } finally {
      dir.remove();
    }
  });

  void it('resolves start positions like Event Hubs (offset/sequence inclusive or exclusive, enqueued time exclusive)', async () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    try {
      await withLog({ dir: dir.path, clock }, async (log) => {
        const events: D2cEvent[] = [];
        for (let i = 0; i < 10; i++) {
          events.push(await append(log, 'd', `e${i}`));
          clock.advance(1000);
        }
        assert.equal(await log.resolveStart(0, 'earliest'), 0);
        assert.equal(await log.resolveStart(0, 'latest'), 10);
        assert.equal(await log.resolveStart(0, { sequenceNumber: 4, inclusive: true }), 4);
        assert.equal(await log.resolveStart(0, { sequenceNumber: 4, inclusive: false }), 5);
        assert.equal(await log.resolveStart(0, { offset: events[6]!.offset, inclusive: true }), 6);
        assert.equal(await log.resolveStart(0, { offset: events[6]!.offset, inclusive: false }), 7);
        // An offset inside a record starts at the next record.
        assert.equal(await log.resolveStart(0, { offset: String(Number(events[6]!.offset) + 3), inclusive: true }), 7);
        assert.equal(await log.resolveStart(0, { offset: '-1', inclusive: false }), 0);
        assert.equal(await log.resolveStart(0, { offset: '999999999', inclusive: true }), 10);
        await assert.rejects(log.resolveStart(0, { offset: 'abc', inclusive: true }), RangeError);
        assert.equal(await log.resolveStart(0, { enqueuedTime: events[3]!.enqueuedTime }), 4, 'enqueued time filter is exclusive');
        assert.equal(await log.resolveStart(0, { enqueuedTime: events[3]!.enqueuedTime - 1 }), 3);
        assert.equal(await log.resolveStart(0, { enqueuedTime: 0 }), 0);
        assert.equal(await log.resolveStart(0, { enqueuedTime: clock.now() }), 10);
      });
    } finally {
      dir.remove();
    }
  });

  void it('rolls segments, keeps offsets monotonic, reads old events from disk and continues after restart', async () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    const opts = { dir: dir.path, clock, segmentBytes: 4096, tailCacheEvents: 16 };
    try {
      const first = await withLog(opts, async (log) => {
        const out: D2cEvent[] = [];
        for (let i = 0; i < 200; i++) out.push(await append(log, 'd', `body-${i}-${'x'.repeat(i % 50)}`));
        assert.ok(segmentFiles(dir.path).length > 5, 'several segments');
        const offsets = out.map((e) => Number(e.offset));
        assert.ok(offsets.every((o, i) => i === 0 || o > offsets[i - 1]!));
        const all = await log.read(0, 0, 500);
        assert.deepEqual(all.map((e) => text(e.body)), out.map((e) => text(e.body)));
        assert.deepEqual(all.map((e) => e.offset), out.map((e) => e.offset));
        assert.deepEqual((await log.read(0, 150, 5)).map((e) => e.sequenceNumber), [150, 151, 152, 153, 154]);
        return out;
      });
      await withLog(opts, async (log) => {
        assert.equal(log.partitionInfo(0).lastEnqueuedSequenceNumber, 199);
        assert.equal(log.partitionInfo(0).lastEnqueuedOffset, first[199]!.offset);
        const again = await log.read(0, 0, 500);
        assert.deepEqual(again.map((e) => [e.sequenceNumber, e.offset, e.enqueuedTime, text(e.body)]), first.map((e) => [e.sequenceNumber, e.offset, e.enqueuedTime, text(e.body)]));
        const next = await append(log, 'd', 'after restart');
        assert.equal(next.sequenceNumber, 200);
        assert.ok(Number(next.offset) > Number(first[199]!.offset));
        assert.equal(await log.resolveStart(0, { offset: first[120]!.offset, inclusive: true }), 120);
        assert.equal(await log.resolveStart(0, { enqueuedTime: T0 - 1 }), 0);
      });
    } finally {
      dir.remove();
    }
  });

  void it('the tail cache drops events older than its maximum age on a timer; they are then read from the file', async () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    try {
      await withLog({ dir: dir.path, clock, tailCacheMaxAgeMs: 10_000 }, async (log) => {
        const old = [];
        for (let i = 0; i < 5; i++) old.push(await append(log, 'd', `old-${i}`));
        clock.advance(6_000);
        const fresh = await append(log, 'd', 'fresh');
        assert.equal(log.cachedEvents, 6);
        clock.advance(5_000); // the trim timer (every 5 s) runs at T0 + 10 s: nothing is 10 s old yet
        assert.equal(log.cachedEvents, 6);
        clock.advance(5_000); // T0 + 15 s: the five old events are past 10 s, the fresh one is not
        assert.equal(log.cachedEvents, 1);
        clock.advance(10_000);
        assert.equal(log.cachedEvents, 0);
        const all = await log.read(0, 0, 10);
        assert.deepEqual(all.map((e) => [e.sequenceNumber, e.offset, text(e.body)]), [...old, fresh].map((e) => [e.sequenceNumber, e.offset, text(e.body)]));
        const next = await append(log, 'd', 'after trim');
        assert.equal(next.sequenceNumber, 6);
        assert.deepEqual((await log.read(0, 5, 10)).map((e) => text(e.body)), ['fresh', 'after trim']);
      });
    } finally {
      dir.remove();
    }
  });

  void it('reuses write arenas under steady load without corrupting cached or returned events', async () => {
    const dir = tempDir();
    try {
      await withLog({ dir: dir.path }, async (log) => {
        // 12 MB of distinct 1 KB bodies through one partition: 12 arenas without reuse.
        const bodyOf = (i: number): Buffer => Buffer.alloc(1000, `#${i}:`);
        const returned: D2cEvent[] = [];
        for (let round = 0; round < 48; round++) {
          const batch = await Promise.all(Array.from({ length: 256 }, (_, j) => {
            const i = round * 256 + j;
            return log.append({ deviceId: 'd', systemProperties: { messageId: `m${i}` }, applicationProperties: [], body: bodyOf(i) });
          }));
          returned.push(batch[0]!);
          // The newest events come from the cache, whose frames sit in reused arenas.
          const tail = await log.read(0, batch[0]!.sequenceNumber, 256);
          assert.deepEqual(tail.map((e) => bodyOf(e.sequenceNumber).equals(e.body)), tail.map(() => true));
          assert.equal(tail.length, 256);
        }
        const stats = log.arenaStats;
        assert.ok(stats.allocated <= 6, `expected reuse, allocated ${stats.allocated} arenas for 12 MB`);
        // Events handed out by append() own their bodies: reusing an arena does not change them.
        for (const e of returned) assert.ok(bodyOf(e.sequenceNumber).equals(e.body), `event ${e.sequenceNumber} changed`);
        // And everything reads back intact from the file.
        const all = await log.read(0, 0, 48 * 256);
        assert.equal(all.length, 48 * 256);
        assert.ok(all.every((e) => bodyOf(e.sequenceNumber).equals(e.body)));
      });
    } finally {
      dir.remove();
    }
  });

  void it('a partition whose writes fail does not stall the others under concurrent load', async () => {
    const dir = tempDir();
    try {
      await withLog({ dir: dir.path, partitionCount: 4 }, async (log) => {
        const ids = [0, 1, 2, 3].map((p) => {
          for (let i = 0; ; i++) if (log.partitionFor(`dev${i}`) === p) return `dev${i}`;
        });
        // Partition 2 loses its directory before its first segment exists: creating it fails
        // (ENOENT, which even root gets) while the other partitions commit.
        rmSync(join(dir.path, 'partition-2'), { recursive: true, force: true });
        const results = await Promise.allSettled(Array.from({ length: 2000 }, (_, i) => append(log, ids[i % 4]!, `m${i}`)));
        const failed = results.filter((r) => r.status === 'rejected');
        assert.equal(failed.length, 500);
        for (const r of failed) assert.ok(r.reason instanceof HubStorageError && /partition-2/.test(r.reason.message), String(r.reason));
        for (const p of [0, 1, 3]) {
          const read = await log.read(p, 0, 1000);
          assert.deepEqual(read.map((e) => text(e.body)), Array.from({ length: 500 }, (_, k) => `m${4 * k + p}`));
        }
        // And the healthy partitions keep accepting appends after the failure.
        assert.equal((await append(log, ids[3]!, 'after')).sequenceNumber, 500);
      });
    } finally {
      dir.remove();
    }
  });

  void it('readers racing to open a segment share one handle; reads racing retention leave no handle open', async () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    const opts = { dir: dir.path, clock, retentionMs: 3600_000, segmentBytes: 2048 };
    // This process's open files under the data dir (a leaked handle on a deleted segment reads "... (deleted)").
    const openFiles = (): string[] => readdirSync('/proc/self/fd').flatMap((fd) => {
      try {
        const target = readlinkSync(`/proc/self/fd/${fd}`);
        return target.startsWith(dir.path) ? [target] : [];
      } catch {
        return [];
      }
    });
    try {
      await withLog(opts, async (log) => {
        for (let i = 0; i < 40; i++) await append(log, 'd', `old-${i}-${'y'.repeat(40)}`);
        clock.advance(30 * 60_000);
        await append(log, 'd', 'recent');
      });
      const first = segmentFiles(dir.path)[0]!;
      assert.ok(segmentFiles(dir.path).length > 3, 'several segments');
      await withLog(opts, async (log) => {
        const reads = await Promise.all(Array.from({ length: 5 }, () => log.read(0, 0, 5)));
        for (const r of reads) assert.deepEqual(r.map((e) => e.sequenceNumber), [0, 1, 2, 3, 4]);
        assert.equal(openFiles().filter((f) => f === first).length, 1, 'five readers, one read handle');
      });
      await withLog(opts, async (log) => {
        clock.advance(40 * 60_000); // everything but "recent" is past retention
        const racing = Promise.all([log.read(0, 0, 100), log.read(0, 20, 100), log.read(0, 35, 100)]);
        await log.applyRetention();
        for (const r of await racing) {
          const seqs = r.map((e) => e.sequenceNumber);
          assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'in order or fewer, never an error');
        }
        assert.deepEqual(openFiles().filter((f) => f.endsWith('(deleted)')), [], 'no handle left on a deleted segment');
      });
      assert.deepEqual(openFiles(), [], 'closing the log closes every handle');
    } finally {
      dir.remove();
    }
  });

  void it('applies retention by deleting whole old segments; sequence numbers continue', async () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    const hour = 3600_000;
    const opts = { dir: dir.path, clock, retentionMs: hour, segmentBytes: 2048 };
    try {
      await withLog(opts, async (log) => {
        for (let i = 0; i < 40; i++) await append(log, 'd', `old-${i}-${'y'.repeat(40)}`);
        clock.advance(30 * 60_000);
        const recent = await append(log, 'd', 'recent');
        assert.equal(recent.sequenceNumber, 40);
        clock.advance(40 * 60_000); // the first 40 are now 70 minutes old, "recent" 40 minutes
        // A reader of old events racing with retention gets events in order or fewer, never an error.
        const racing = log.read(0, 0, 100);
        await log.applyRetention();
        const raced = (await racing).map((e) => e.sequenceNumber);
        assert.deepEqual(raced, [...raced].sort((x, y) => x - y));
        const info = log.partitionInfo(0);
        assert.equal(info.beginningSequenceNumber, 40);
        assert.equal(info.isEmpty, false);
        assert.equal(await log.resolveStart(0, 'earliest'), 40);
        assert.deepEqual((await log.read(0, 0, 100)).map((e) => text(e.body)), ['recent']);
        clock.advance(hour);
        await log.applyRetention();
        const empty = log.partitionInfo(0);
        assert.equal(empty.isEmpty, true);
        assert.equal(empty.lastEnqueuedSequenceNumber, 40);
        assert.equal(empty.lastEnqueuedOffset, recent.offset);
        assert.equal(empty.beginningSequenceNumber, 41);
        assert.deepEqual(await log.read(0, 0, 100), []);
        assert.equal(segmentFiles(dir.path).length, 1);
      });
      await withLog(opts, async (log) => {
        const info = log.partitionInfo(0);
        assert.equal(info.isEmpty, true);
        assert.equal(info.lastEnqueuedSequenceNumber, 40);
        const e = await append(log, 'd', 'later');
        assert.equal(e.sequenceNumber, 41);
        assert.equal(log.partitionInfo(0).beginningSequenceNumber, 41);
      });
    } finally {
      dir.remove();
    }
  });

  void it('truncates a torn tail (a crash mid-write) with a warning and keeps every complete record', async () => {
    const dir = tempDir();
    try {
      const written = await withLog({ dir: dir.path }, async (log) => {
        const out: D2cEvent[] = [];
        for (let i = 0; i < 20; i++) out.push(await append(log, 'd', `r${i}`));
        return out;
      });
      const file = segmentFiles(dir.path)[0]!;
      const whole = readFileSync(file);
      // The segment is preallocated: data, then zeros up to the reserved size.
      const dataEnd = dataEndOf(whole);
      assert.ok(whole.length > dataEnd + 1024 * 1024, 'space reserved ahead of the data');
      // Half of a record frame where the next write would go, as a crash in the middle of write() leaves it.
      const lastStart = Number(written[19]!.offset) + 44;
      writeAt(file, dataEnd, whole.subarray(lastStart, lastStart + 15));
      // The torn bytes end where the last non-zero byte is (a frame's own trailing zeros look like reserve).
      const torn = dataEndOf(readFileSync(file)) - dataEnd;
      assert.ok(torn > 0 && torn <= 15);
      const log1 = captureLogger();
      await withLog({ dir: dir.path, log: log1 }, async (log) => {
        assert.match(log1.text(), new RegExp(`warn: .*truncating ${torn} bytes at the end of .*never acknowledged`));
        assert.equal(statSync(file).size, dataEnd);
        assert.deepEqual((await log.read(0, 0, 100)).map((e) => text(e.body)), written.map((e) => text(e.body)));
        assert.equal((await append(log, 'd', 'next')).sequenceNumber, 20);
      });
      // A zero-filled tail (reserved space, or a length extended but never written) is a clean end.
      const log2 = captureLogger();
      await withLog({ dir: dir.path, log: log2 }, async (log) => {
        assert.doesNotMatch(log2.text(), /truncating/);
        assert.equal(log.partitionInfo(0).lastEnqueuedSequenceNumber, 20);
      });
      // A record cut short (its end never reached the disk).
      const end = dataEndOf(readFileSync(file));
      truncateSync(file, end - 3);
      await withLog({ dir: dir.path }, async (log) => {
        assert.equal(log.partitionInfo(0).lastEnqueuedSequenceNumber, 19, 'only the cut record is gone');
        assert.equal((await append(log, 'd', 'again')).sequenceNumber, 20);
      });
      // Without preallocation the same rules hold for a file that simply grows.
      const plain = tempDir();
      try {
        await withLog({ dir: plain.path, preallocateBytes: 0 }, async (log) => {
          for (let i = 0; i < 5; i++) await append(log, 'd', `p${i}`);
        });
        const pf = segmentFiles(plain.path)[0]!;
        const size = statSync(pf).size;
        assert.equal(dataEndOf(readFileSync(pf)), size);
        writeAt(pf, size, Buffer.from([9, 9, 9, 9, 9, 9, 9]));
        const log3 = captureLogger();
        await withLog({ dir: plain.path, preallocateBytes: 0, log: log3 }, async (log) => {
          assert.match(log3.text(), /truncating 7 bytes/);
          assert.equal(log.partitionInfo(0).lastEnqueuedSequenceNumber, 4);
        });
      } finally {
        plain.remove();
      }
    } finally {
      dir.remove();
    }
  });

  void it('appends made over many event-loop turns and segment rolls resolve once each, in sequence order', async () => {
    const dir = tempDir();
    try {
      await withLog({ dir: dir.path, segmentBytes: 64 * 1024 }, async (log) => {
        const order: number[] = [];
        const all: Promise<void>[] = [];
        // Appends in many event-loop turns while a write is in flight, across segment rolls.
        for (let turn = 0; turn < 40; turn++) {
          for (let j = 0; j < 25; j++) all.push(append(log, 'd', `t${turn}-${j}-${'x'.repeat(200)}`).then((e) => { order.push(e.sequenceNumber); }));
          await new Promise((r) => setImmediate(r));
        }
        await Promise.all(all);
        assert.deepEqual(order, Array.from({ length: 1000 }, (_, i) => i));
        const read = await log.read(0, 0, 2000);
        assert.equal(read.length, 1000);
        assert.ok(segmentFiles(dir.path).length > 3, 'the appends spanned several segments');
      });
    } finally {
      dir.remove();
    }
  });

  void it('reserves space ahead while a segment fills, never past the segment size, and trims it when the segment closes', async () => {
    const dir = tempDir();
    try {
      const segmentBytes = 1024 * 1024;
      const preallocateBytes = 128 * 1024;
      const sizes: Array<{ size: number; dataEnd: number }> = [];
      await withLog({ dir: dir.path, segmentBytes, preallocateBytes }, async (log) => {
        for (let round = 0; round < 30; round++) {
          await Promise.all(Array.from({ length: 40 }, (_, j) => append(log, 'd', `r${round}-${j}-${'b'.repeat(1000)}`)));
          const file = segmentFiles(dir.path).at(-1)!;
          const bytes = readFileSync(file);
          sizes.push({ size: bytes.length, dataEnd: dataEndOf(bytes) });
        }
        const read = await log.read(0, 0, 2000);
        assert.equal(read.length, 1200);
        assert.equal(text(read[1199]!.body), `r29-39-${'b'.repeat(1000)}`);
      });
      // The reserve runs beside the writes, so any one look may catch it mid-fill; over the run it
      // stays ahead of the data, and a segment never reserves more than its size.
      assert.ok(sizes.filter((s) => s.size > s.dataEnd).length >= sizes.length / 2, `reserve ahead: ${JSON.stringify(sizes)}`);
      for (const s of sizes) assert.ok(s.size <= segmentBytes + 64 * 1024, `reserved ${s.size} bytes for a ${segmentBytes}-byte segment`);
      const files = segmentFiles(dir.path);
      assert.ok(files.length >= 2, 'the appends rolled the segment');
      for (const f of files.slice(0, -1)) assert.equal(statSync(f).size, dataEndOf(readFileSync(f)), `${f} trimmed once closed`);
      // Everything survives a reopen (a reserve still zero where no record went is a clean end).
      const log2 = captureLogger();
      await withLog({ dir: dir.path, segmentBytes, preallocateBytes, log: log2 }, async (log) => {
        assert.doesNotMatch(log2.text(), /truncating|corrupt/);
        assert.equal(log.partitionInfo(0).lastEnqueuedSequenceNumber, 1199);
      });
    } finally {
      dir.remove();
    }
  });

  void it('accepts a zero tail on an older segment (a crash before its reserve was trimmed)', async () => {
    const dir = tempDir();
    try {
      const opts = { dir: dir.path, segmentBytes: 2048 };
      await withLog(opts, async (log) => {
        for (let i = 0; i < 60; i++) await append(log, 'd', `s${i}-${'q'.repeat(40)}`);
      });
      const files = segmentFiles(dir.path);
      assert.ok(files.length >= 3);
      assert.equal(statSync(files[0]!).size, dataEndOf(readFileSync(files[0]!)), 'closed segments are trimmed');
      writeAt(files[0]!, statSync(files[0]!).size, Buffer.alloc(8192));
      const log = captureLogger();
      await withLog({ ...opts, log }, async (l) => {
        assert.equal(log.text(), '');
        assert.deepEqual((await l.read(0, 0, 100)).map((e) => e.sequenceNumber), Array.from({ length: 60 }, (_, i) => i));
      });
    } finally {
      dir.remove();
    }
  });

  void it('reports corruption before acknowledged data as an error naming the file, and changes nothing', async () => {
    const dir = tempDir();
    try {
      await withLog({ dir: dir.path, segmentBytes: 4096, maxBatchBytes: 1024 }, async (log) => {
        for (let i = 0; i < 100; i++) await append(log, 'd', `record-${i}-${'z'.repeat(30)}`);
      });
      const files = segmentFiles(dir.path);
      assert.ok(files.length >= 3);
      const victim = files[1]!;
      const bytes = readFileSync(victim);
      bytes[200] = bytes[200]! ^ 0xff;
      writeFileSync(victim, bytes);
      const before = readFileSync(victim);
      await assert.rejects(FileD2cLog.open({ dir: dir.path, partitionCount: 1, retentionMs: 86400_000, clock: new ManualClock(T0), log: captureLogger(), maxBatchBytes: 1024 }), (e: unknown) => {
        assert.ok(e instanceof HubStorageError);
        assert.equal(e.kind, 'corrupt');
        assert.equal(e.path, victim);
        assert.match(e.message, /is corrupt at byte \d+ .*did not modify it.*truncate it to \d+ bytes/);
        return true;
      });
      assert.deepEqual(readFileSync(victim), before, 'the file is untouched');
    } finally {
      dir.remove();
    }
  });

  void it('rejects a damaged meta.json and keeps the original partition count', async () => {
    const dir = tempDir();
    try {
      await withLog({ dir: dir.path, partitionCount: 2 }, async () => undefined);
      const log = captureLogger();
      await withLog({ dir: dir.path, partitionCount: 8, log }, async (l) => {
        assert.equal(l.partitionCount, 2);
        assert.match(log.text(), /created with 2 partitions/);
      });
      writeFileSync(join(dir.path, 'meta.json'), '{oops');
      await assert.rejects(withLog({ dir: dir.path }, async () => undefined), /meta\.json is not valid/);
    } finally {
      dir.remove();
    }
  });
  void it('reads records of the older format (version 1, enqueuedTimeUtc inside the metadata); stamps its own enqueued time', async () => {
    const dir = tempDir();
    try {
      const partDir = join(dir.path, 'partition-0');
      mkdirSync(partDir, { recursive: true });
      writeFileSync(join(dir.path, 'meta.json'), JSON.stringify({ version: 1, partitionCount: 1 }));
      // A version-1 record as an earlier hub wrote it.
      const { frame } = encodeRecord(0, T0 - 1000, { deviceId: 'old', systemProperties: { messageId: 'v1', enqueuedTimeUtc: '2026-06-01T11:59:59.000Z' }, applicationProperties: [] }, Buffer.from('legacy'));
      frame[FRAME_HEADER_BYTES] = 1;
      frame.writeUInt32LE(crc32(frame.subarray(FRAME_HEADER_BYTES)), 4);
      writeFileSync(join(partDir, `${'0'.padStart(20, '0')}.seg`), Buffer.concat([encodeSegmentHeader({ baseSequenceNumber: 0, baseOffset: 0, prevLastOffset: -1, prevLastTime: -1 }), frame]));
      await withLog({ dir: dir.path }, async (log) => {
        // A caller's enqueuedTimeUtc is not kept: the log stamps the time.
        const fresh = await log.append({ deviceId: 'new', systemProperties: { messageId: 'v2', enqueuedTimeUtc: '1999-01-01T00:00:00.000Z' }, applicationProperties: [], body: Buffer.from('now') });
        assert.equal(fresh.systemProperties.enqueuedTimeUtc, new Date(T0).toISOString());
        const read = await log.read(0, 0, 10);
        assert.deepEqual(read.map((e) => [e.systemProperties.messageId, e.systemProperties.enqueuedTimeUtc, text(e.body)]), [
          ['v1', '2026-06-01T11:59:59.000Z', 'legacy'],
          ['v2', new Date(T0).toISOString(), 'now'],
        ]);
      });
    } finally {
      dir.remove();
    }
  });
  void it('a connection stamp is serialised once and wins over what the sender set', () => {
    const stamp = createD2cStamp({ connectionDeviceId: 'dev1', connectionAuthMethod: '{"scope":"device","type":"sas"}', messageSource: 'Telemetry' });
    const decode = (systemProperties: SystemProperties): SystemProperties => {
      const { frame } = encodeRecord(0, T0, { deviceId: 'dev1', systemProperties, stamp, applicationProperties: [{ name: 'a"b', value: 'ü' }] }, Buffer.from('x'));
      const r = decodeFrame(frame, 0);
      assert.deepEqual(r.applicationProperties, [{ name: 'a"b', value: 'ü' }]);
      return r.systemProperties;
    };
    const stamped = { connectionDeviceId: 'dev1', connectionAuthMethod: '{"scope":"device","type":"sas"}', messageSource: 'Telemetry', enqueuedTimeUtc: new Date(T0).toISOString() };
    assert.deepEqual(decode({}), stamped);
    assert.deepEqual(decode({ messageId: 'm"1', contentType: 'application/json' }), { messageId: 'm"1', contentType: 'application/json', ...stamped });
    // A sender claiming another identity is overridden.
    assert.deepEqual(decode({ messageId: 'm', connectionDeviceId: 'spoof' }), { messageId: 'm', ...stamped });
  });

});
