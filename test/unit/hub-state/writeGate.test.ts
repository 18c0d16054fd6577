// The write gate that makes D2C partitions take turns at the disk: capacity, order, and that the
// real log keeps at most that many writes in flight while every record lands in order.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/hub/clock';
import { FileD2cLog } from '../../../src/hub/d2c/d2cLog';
import { WriteGate } from '../../../src/hub/d2c/writeGate';
import { captureLogger, tempDir } from './helpers';

/** Counts FileHandle writes in flight at once (every FileHandle shares one prototype). */
async function countConcurrentWrites<T>(dir: string, fn: () => Promise<T>): Promise<{ result: T; max: number; writes: number }> {
  const probe = await fsp.open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { write: (...a: unknown[]) => Promise<unknown> };
  await probe.close();
  const original = proto.write;
  let now = 0;
  let max = 0;
  let writes = 0;
  proto.write = async function (this: unknown, ...args: unknown[]) {
    now++;
    writes++;
    max = Math.max(max, now);
    try {
      return await original.apply(this, args);
    } finally {
      now--;
    }
  };
  try {
    return { result: await fn(), max, writes };
  } finally {
    proto.write = original;
  }
}

void describe('D2C write gate', () => {
  void it('admits up to its capacity at once, then one waiter per release, first come first served', async () => {
    const gate = new WriteGate(2);
    const a = gate.tryEnter();
    const b = gate.tryEnter();
    assert.ok(a && b);
    assert.equal(gate.tryEnter(), undefined, 'full');
    const order: string[] = [];
    const c = gate.enter().then((r) => (order.push('c'), r));
    const d = gate.enter().then((r) => (order.push('d'), r));
    a();
    a(); // a second release of the same slot does nothing
    const releaseC = await c;
    assert.deepEqual(order, ['c']);
    assert.equal(gate.tryEnter(), undefined, 'the released slot went to the waiter, not to a newcomer');
    b();
    const releaseD = await d;
    assert.deepEqual(order, ['c', 'd']);
    releaseC();
    releaseD();
    const e = gate.tryEnter();
    const f = gate.tryEnter();
    assert.ok(e && f, 'both slots free again');
    assert.throws(() => new WriteGate(0), RangeError);
  });

  void it('four partitions write one at a time by default, losing and reordering nothing', async () => {
    const dir = tempDir();
    try {
      const devices = Array.from({ length: 40 }, (_, i) => `gate-${i}`);
      const run = async (concurrentWrites: number | undefined, sub: string): Promise<{ max: number; writes: number }> => {
        const o = { dir: join(dir.path, sub), partitionCount: 4, retentionMs: 3600_000, clock: new ManualClock(Date.UTC(2026, 5, 1)), log: captureLogger(),
          // No reserve: its zero-fill writes run beside the data writes by design and would be counted.
          preallocateBytes: 0, ...(concurrentWrites === undefined ? {} : { concurrentWrites }) };
        const log = await FileD2cLog.open(o);
        try {
          // Round 0 creates each partition's segment file (its header write is not a batch).
          await Promise.all(devices.map((d) => log.append({ deviceId: d, systemProperties: { messageId: `${d}-0` }, applicationProperties: [], body: Buffer.alloc(512) })));
          const { max, writes } = await countConcurrentWrites(dir.path, async () => {
            // Messages keep arriving while writes are under way, as from many devices with several in flight.
            const acks: Array<Promise<unknown>> = [];
            for (let round = 1; round < 20; round++) {
              for (const d of devices) acks.push(log.append({ deviceId: d, systemProperties: { messageId: `${d}-${round}` }, applicationProperties: [], body: Buffer.alloc(512, round) }));
              await new Promise((r) => setTimeout(r, 1));
            }
            await Promise.all(acks);
          });
          // Every message, and each device's in the order it was sent.
          let total = 0;
          for (let p = 0; p < 4; p++) {
            const events = await log.read(p, 0, 10_000);
            total += events.length;
            const byDevice = new Map<string, number[]>();
            for (const e of events) byDevice.set(e.deviceId, [...(byDevice.get(e.deviceId) ?? []), Number(String(e.systemProperties.messageId).split('-').at(-1))]);
            for (const [d, rounds] of byDevice) assert.deepEqual(rounds, [...rounds].sort((x, y) => x - y), `${d} in order`);
          }
          assert.equal(total, devices.length * 20);
          return { max, writes };
        } finally {
          await log.close();
        }
      };
      const one = await run(undefined, 'default');
      assert.equal(one.max, 1, 'one partition write in flight at a time');
      const four = await run(4, 'four');
      assert.ok(four.max > 1, `with concurrentWrites 4 partitions write side by side (max ${four.max})`);
      assert.ok(one.writes < four.writes, `taking turns, partitions write fewer, larger batches (${one.writes} writes against ${four.writes})`);
    } finally {
      dir.remove();
    }
  });
});
