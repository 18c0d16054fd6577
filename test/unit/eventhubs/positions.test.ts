// Start positions through the real EventHubConsumerClient: earliest, latest, offset and sequence
// number (inclusive and exclusive), enqueued time; across all partitions and on one partition.
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { earliestEventPosition, latestEventPosition, type ReceivedEventData } from '@azure/event-hubs';
import type { D2cEvent } from '../../../src/hub/contracts';
import { collect, quietFor, startTestHub, waitFor, type TestHub } from './helpers';

/** After the expected events: how long nothing more (a repeat, an event before the start position) may arrive. */
const NOTHING_MORE_MS = 400;
const text = (e: ReceivedEventData): string => Buffer.from(e.body as Uint8Array).toString('utf8');

void describe('Event Hubs endpoint: start positions', () => {
  let hub: TestHub;
  /** Three devices per partition, found with the log's own partitioner. */
  const devices: string[][] = [[], [], [], []];
  const batchA: D2cEvent[] = [];
  const batchB: D2cEvent[] = [];
  let between = 0;

  before(async () => {
    hub = await startTestHub({ hubName: 'pos-hub', partitionCount: 4 });
    for (let i = 0; devices.some((d) => d.length < 3); i++) {
      const id = `pos-dev-${i}`;
      const p = hub.state.d2c.partitionFor(id);
      if (devices[p]!.length < 3) devices[p]!.push(id);
    }
    for (const [p, ids] of devices.entries()) for (const id of ids) batchA.push(await hub.append(id, `A ${p} ${id}`));
    // A time strictly after batch A's enqueued times and strictly before batch B's (millisecond clock).
    const lastA = Math.max(...batchA.map((e) => e.enqueuedTime));
    await waitFor(() => Date.now() > lastA + 1, 1_000, 'the clock to pass batch A');
    between = lastA + 1;
    for (const [p, ids] of devices.entries()) for (const id of ids) batchB.push(await hub.append(id, `B ${p} ${id}`));
  });
  after(async () => {
    await hub.close();
  });

  void test('earliest, all partitions: every event once, in sequence order per partition', async () => {
    const client = hub.client();
    const r = await collect((h, o) => client.subscribe(h, o), 24, { startPosition: earliestEventPosition });
    await quietFor(NOTHING_MORE_MS);
    await r.subscription.close();
    assert.equal(r.events.length, 24);
    for (let p = 0; p < 4; p++) {
      const seqs = r.events.filter((_, i) => r.partitions[i] === String(p)).map((e) => e.sequenceNumber);
      assert.deepEqual(seqs, [0, 1, 2, 3, 4, 5], `partition ${p}`);
    }
    assert.deepEqual(new Set(r.events.map(text)), new Set([...batchA, ...batchB].map((e) => Buffer.from(e.body).toString())));
  });

  void test('earliest, one partition', async () => {
    const client = hub.client();
    const r = await collect((h, o) => client.subscribe('2', h, o), 6, { startPosition: earliestEventPosition });
    await quietFor(NOTHING_MORE_MS);
    await r.subscription.close();
    assert.equal(r.events.length, 6);
    assert.ok(r.partitions.every((p) => p === '2'));
    assert.ok(r.events.every((e) => text(e).includes(' 2 ')));
  });

  void test('offset, inclusive and exclusive, one partition', async () => {
    const client = hub.client();
    const pivot = batchA.filter((e) => e.partition === 1)[2]!; // the third event of partition 1
    const inc = await collect((h, o) => client.subscribe('1', h, o), 4, { startPosition: { offset: pivot.offset, isInclusive: true } });
    await quietFor(NOTHING_MORE_MS);
    await inc.subscription.close();
    assert.deepEqual(inc.events.map((e) => e.sequenceNumber), [2, 3, 4, 5]);
    assert.equal(inc.events[0]!.offset, pivot.offset);
    const exc = await collect((h, o) => client.subscribe('1', h, o), 3, { startPosition: { offset: pivot.offset } });
    await quietFor(NOTHING_MORE_MS);
    await exc.subscription.close();
    assert.deepEqual(exc.events.map((e) => e.sequenceNumber), [3, 4, 5]);
  });

  void test('sequence number, inclusive and exclusive, all partitions (a per-partition map)', async () => {
    const client = hub.client();
    const start = { '0': { sequenceNumber: 4, isInclusive: true }, '1': { sequenceNumber: 4 }, '2': { sequenceNumber: 0, isInclusive: true }, '3': { sequenceNumber: 5 } };
    const r = await collect((h, o) => client.subscribe(h, o), 2 + 1 + 6 + 0, { startPosition: start });
    await quietFor(NOTHING_MORE_MS);
    await r.subscription.close();
    const by = (p: string): number[] => r.events.filter((_, i) => r.partitions[i] === p).map((e) => e.sequenceNumber);
    assert.deepEqual(by('0'), [4, 5]);
    assert.deepEqual(by('1'), [5]);
    assert.deepEqual(by('2'), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(by('3'), []);
  });

  void test('offset, inclusive and exclusive, all partitions (a per-partition map)', async () => {
    const client = hub.client();
    const of = (p: number, seq: number): string => [...batchA, ...batchB].find((e) => e.partition === p && e.sequenceNumber === seq)!.offset;
    const start = {
      '0': { offset: of(0, 2), isInclusive: true }, // 2..5
      '1': { offset: of(1, 2) }, // exclusive: 3..5
      '2': { offset: of(2, 5) }, // exclusive of the last event: nothing
      '3': { offset: of(3, 5), isInclusive: true }, // just the last event
    };
    const r = await collect((h, o) => client.subscribe(h, o), 4 + 3 + 0 + 1, { startPosition: start });
    await quietFor(NOTHING_MORE_MS);
    await r.subscription.close();
    assert.deepEqual(r.errors, []);
    const by = (p: string): ReceivedEventData[] => r.events.filter((_, i) => r.partitions[i] === p);
    assert.deepEqual(by('0').map((e) => e.sequenceNumber), [2, 3, 4, 5]);
    assert.equal(by('0')[0]!.offset, of(0, 2));
    assert.deepEqual(by('1').map((e) => e.sequenceNumber), [3, 4, 5]);
    assert.deepEqual(by('2').map((e) => e.sequenceNumber), []);
    assert.deepEqual(by('3').map((e) => e.sequenceNumber), [5]);
    assert.equal(by('3')[0]!.offset, of(3, 5));
    assert.equal(r.events.length, 8);
    r.events.forEach((e, i) => assert.ok(text(e).includes(` ${r.partitions[i]!} `), `${text(e)} on partition ${r.partitions[i]!}`));
  });

  void test('enqueued time: only events enqueued after it', async () => {
    const client = hub.client();
    const r = await collect((h, o) => client.subscribe(h, o), 12, { startPosition: { enqueuedOn: new Date(between) } });
    await quietFor(NOTHING_MORE_MS);
    await r.subscription.close();
    assert.equal(r.events.length, 12);
    assert.ok(r.events.every((e) => text(e).startsWith('B ')), r.events.map(text).join(','));
    const single = await collect((h, o) => client.subscribe('3', h, o), 3, { startPosition: { enqueuedOn: between } });
    await quietFor(NOTHING_MORE_MS);
    await single.subscription.close();
    assert.deepEqual(single.events.map((e) => e.sequenceNumber), [3, 4, 5]);
  });

  void test('latest: nothing old, then exactly what is appended after the receivers attached', async () => {
    const client = hub.client();
    // Earlier tests closed their subscriptions; wait until the endpoint holds only the four new receivers.
    await waitFor(() => hub.endpoint.stats().receivers === 0, 10_000, 'earlier receivers gone');
    const r = collect((h, o) => client.subscribe(h, o), 4, { startPosition: latestEventPosition });
    await waitFor(() => hub.endpoint.stats().receivers === 4, 10_000, 'four latest receivers');
    const fresh: D2cEvent[] = [];
    for (let p = 0; p < 4; p++) fresh.push(await hub.append(devices[p]![0]!, `C ${p}`));
    const got = await r;
    await quietFor(NOTHING_MORE_MS);
    await got.subscription.close();
    assert.deepEqual(got.events.map(text).sort(), ['C 0', 'C 1', 'C 2', 'C 3']);
    assert.deepEqual(got.events.map((e) => e.sequenceNumber), got.events.map(() => 6));
  });

  void test('latest, one partition: only its new events, none of another partition', async () => {
    const client = hub.client();
    // Stands alone: whatever earlier tests appended, partition 1's next sequence numbers are read from the log.
    const next = hub.state.d2c.partitionInfo(1).lastEnqueuedSequenceNumber + 1;
    await waitFor(() => hub.endpoint.stats().receivers === 0, 10_000, 'earlier receivers gone');
    const r = collect((h, o) => client.subscribe('1', h, o), 2, { startPosition: latestEventPosition });
    await waitFor(() => hub.endpoint.stats().receivers === 1, 10_000, 'a latest receiver on partition 1');
    const wanted = [await hub.append(devices[1]![0]!, 'D 1 a'), await hub.append(devices[3]![0]!, 'D 3 a'), await hub.append(devices[1]![1]!, 'D 1 b'), await hub.append(devices[3]![1]!, 'D 3 b')]
      .filter((e) => e.partition === 1);
    const got = await r;
    await quietFor(NOTHING_MORE_MS);
    await got.subscription.close();
    assert.deepEqual(got.errors, []);
    assert.deepEqual(got.events.map(text), ['D 1 a', 'D 1 b']);
    assert.ok(got.partitions.every((p) => p === '1'));
    assert.deepEqual(got.events.map((e) => e.sequenceNumber), wanted.map((e) => e.sequenceNumber));
    assert.deepEqual(got.events.map((e) => e.sequenceNumber), [next, next + 1]);
  });
});
