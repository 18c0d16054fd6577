// C2D queue lifecycle with a ManualClock: TTL, lock timeout, delivery count, depth limit,
// complete/reject/abandon, purge, and feedback per ack mode with batching.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../../src/hub/clock';
import { HubError, type FeedbackRecord, type QueueEvent } from '../../../src/hub/contracts';
import type { SystemProperties } from '../../../src/core/message/model';
import { HubValidationError } from '../../../src/hub/state/hubErrors';
import { openHubState, type LocalHubState } from '../../../src/hub/openHubState';
import { captureLogger, tempDir, text } from './helpers';

const HOUR = 60 * 60 * 1000;


function hubErrorWith(code: string, status: number, number?: string): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof HubError, `expected HubError, got ${String(e)}`);
    assert.equal(e.errorCode, code);
    assert.equal(e.httpStatus, status);
    if (number !== undefined) assert.match(e.message, new RegExp(number));
    return true;
  };
}

void describe('C2D queues', () => {
  let dir: ReturnType<typeof tempDir>;
  let clock: ManualClock;
  let hub: LocalHubState;
  let events: QueueEvent[];

  const send = (id: string, sys: SystemProperties = {}, body = 'hello') =>
    hub.c2d.send(id, { systemProperties: sys, applicationProperties: [{ name: 'k', value: 'v' }], body: Buffer.from(body) });
  const records = (): FeedbackRecord[] => hub.feedback.read(0, 1000).flatMap((b) => b.records);

  beforeEach(async () => {
    dir = tempDir();
    clock = new ManualClock(Date.UTC(2026, 5, 1));
    hub = await openHubState({ dataDir: dir.path, clock, log: captureLogger(), c2dMaxDeliveryCount: 3, feedbackBatchMs: 500 });
    await hub.registry.create({ deviceId: 'd1' });
    await hub.registry.create({ deviceId: 'd2' });
    events = [];
    hub.c2d.events.subscribe((e) => events.push(e));
  });
  afterEach(async () => {
    await hub.close();
    dir.remove();
  });

  void it('enqueues with hub-stamped properties and per-device sequence numbers', async () => {
    const a = await send('d1', { messageId: 'm-1', correlationId: 'c' });
    const b = await send('d1');
    const c = await send('d2');
    assert.equal(a.state, 'Enqueued');
    assert.equal(a.sequenceNumber, 1);
    assert.equal(b.sequenceNumber, 2);
    assert.equal(c.sequenceNumber, 1);
    assert.equal(a.messageId, 'm-1');
    assert.equal(b.messageId, undefined, 'the hub does not invent message ids');
    assert.equal(a.systemProperties.to, '/devices/d1/messages/devicebound');
    assert.equal(a.systemProperties.correlationId, 'c');
    assert.equal(a.expiryTime, clock.now() + HOUR, 'default TTL is one hour');
    assert.equal(hub.c2d.depth('d1'), 2);
    assert.deepEqual(events.filter((e) => e.type === 'c2dEnqueued').map((e) => e.type === 'c2dEnqueued' && e.depth), [1, 2, 1]);
  });

  void it('announces a sent message as deliverable before its commit, and a delivery started then is written after the insert', async () => {
    const seen: string[] = [];
    let locked: Promise<unknown> | undefined;
    const off = hub.c2d.onDeliverable((deviceId) => {
      seen.push(deviceId);
      assert.equal(events.length, 0, 'no committed event yet');
      locked = hub.c2d.receive(deviceId);
    });
    const sent = await send('d1', { messageId: 'early' });
    off();
    assert.deepEqual(seen, ['d1']);
    const delivered = await locked as { messageId?: string; state: string; lockToken?: string } | undefined;
    assert.equal(delivered?.messageId, 'early');
    assert.equal(delivered?.state, 'Invisible');
    assert.equal(sent.sequenceNumber, 1);
    // The insert and the lock reached the database in that order: the message survives a restart.
    await hub.close();
    hub = await openHubState({ dataDir: dir.path, clock, log: captureLogger(), c2dMaxDeliveryCount: 3, feedbackBatchMs: 500 });
    const [back] = hub.c2d.peek('d1');
    assert.equal(back?.messageId, 'early');
    assert.equal(back?.state, 'Enqueued', 'a lock does not survive a restart');
    assert.equal(back?.deliveryCount, 1);
  });

  void it('each event carries the queue depth as of its own change, even when the next change came before the commit', async () => {
    await send('d1', { messageId: 'a' });
    const locked = await hub.c2d.receive('d1');
    // Completed in the same turn as the receive: both changes commit together.
    await hub.c2d.complete('d1', locked!.lockToken!);
    const changed = events.filter((e) => e.type === 'c2dStateChanged');
    assert.deepEqual(changed.map((e) => e.type === 'c2dStateChanged' && [e.message.state, e.depth]), [['Invisible', 1], ['Completed', 0]]);
  });

  void it('receive locks the oldest message; complete removes it with Success feedback (ack positive)', async () => {
    await send('d1', { messageId: 'm1', ack: 'positive' }, 'first');
    await send('d1', { messageId: 'm2' }, 'second');
    const got = await hub.c2d.receive('d1');
    assert.ok(got);
    assert.equal(text(got.body), 'first');
    assert.equal(got.state, 'Invisible');
    assert.equal(got.deliveryCount, 1);
    assert.ok(got.lockToken);
    assert.equal(got.lockedUntil, clock.now() + 60_000);
    const second = await hub.c2d.receive('d1');
    assert.equal(text(second!.body), 'second');
    assert.equal(await hub.c2d.receive('d1'), undefined, 'nothing left to lock');
    await hub.c2d.complete('d1', got.lockToken);
    assert.deepEqual(hub.c2d.peek('d1').map((m) => m.messageId), ['m2']);
    await assert.rejects(hub.c2d.complete('d1', got.lockToken), hubErrorWith('DeviceMessageLockLost', 412));
    const last = events[events.length - 1]!;
    assert.equal(last.type, 'c2dStateChanged');
    assert.ok(last.type === 'c2dStateChanged' && last.message.state === 'Completed' && last.depth === 1);
    clock.advance(500);
    await hub.settled();
    assert.deepEqual(records().map((r) => [r.originalMessageId, r.statusCode, r.deviceId]), [['m1', 'Success', 'd1']]);
    assert.equal(records()[0]!.deviceGenerationId, hub.registry.get('d1')!.generationId);
  });

  void it('reject dead-letters; abandon re-enqueues keeping the delivery count', async () => {
    await send('d1', { messageId: 'r', ack: 'negative' });
    await send('d1', { messageId: 'a', ack: 'positive' });
    const r = await hub.c2d.receive('d1');
    await hub.c2d.reject('d1', r!.lockToken!);
    const a = await hub.c2d.receive('d1');
    assert.equal(a!.messageId, 'a');
    await hub.c2d.abandon('d1', a!.lockToken!);
    const peek = hub.c2d.peek('d1');
    assert.equal(peek.length, 1);
    assert.equal(peek[0]!.state, 'Enqueued');
    assert.equal(peek[0]!.deliveryCount, 1);
    assert.equal(peek[0]!.lockToken, undefined);
    const again = await hub.c2d.receive('d1');
    assert.equal(again!.deliveryCount, 2);
    assert.notEqual(again!.lockToken, a!.lockToken);
    await assert.rejects(hub.c2d.abandon('d1', a!.lockToken!), hubErrorWith('DeviceMessageLockLost', 412));
    await hub.settled(); // a delivery's state change commits (and is announced) after receive returns
    const changes = events.filter((e) => e.type === 'c2dStateChanged').map((e) => e.type === 'c2dStateChanged' ? `${e.message.messageId}:${e.message.state}` : '');
    assert.deepEqual(changes, ['r:Invisible', 'r:DeadLettered', 'a:Invisible', 'a:Enqueued', 'a:Invisible']);
    clock.advance(500);
    await hub.settled();
    assert.deepEqual(records().map((x) => [x.originalMessageId, x.statusCode]), [['r', 'Rejected']]);
  });

  void it('a lock times out back to Enqueued and the old token is lost', async () => {
    await send('d1', { messageId: 'm' });
    const got = await hub.c2d.receive('d1');
    clock.advance(59_999);
    assert.equal(hub.c2d.peek('d1')[0]!.state, 'Invisible');
    clock.advance(1);
    assert.equal(hub.c2d.peek('d1')[0]!.state, 'Enqueued', 'the lock timer returned it');
    await hub.settled();
    await assert.rejects(hub.c2d.complete('d1', got!.lockToken!), hubErrorWith('DeviceMessageLockLost', 412));
    const custom = await hub.c2d.receive('d1', 5_000);
    assert.equal(custom!.lockedUntil, clock.now() + 5_000);
    assert.equal(custom!.deliveryCount, 2);
  });

  void it('dead-letters after maxDeliveryCount deliveries (DeliveryCountExceeded feedback)', async () => {
    await send('d1', { messageId: 'x', ack: 'full' });
    for (let i = 1; i <= 3; i++) {
      const m = await hub.c2d.receive('d1');
      assert.equal(m!.deliveryCount, i);
      if (i < 3) await hub.c2d.abandon('d1', m!.lockToken!);
      else clock.advance(60_000); // the third one times out
    }
    assert.equal(hub.c2d.depth('d1'), 0);
    assert.equal(await hub.c2d.receive('d1'), undefined);
    await hub.settled();
    clock.advance(500);
    await hub.settled();
    assert.deepEqual(records().map((r) => [r.originalMessageId, r.statusCode, r.description]), [['x', 'DeliveryCountExceeded', 'Message delivery count exceeded']]);
  });

  void it('expires by TTL (timer and lazily), honours expiryTimeUtc and caps TTL at 48 hours', async () => {
    await send('d1', { messageId: 'default', ack: 'negative' });
    await hub.c2d.send('d1', { systemProperties: { messageId: 'short', ack: 'full' }, applicationProperties: [], body: new Uint8Array() }, { ttlMs: 10_000 });
    const exp = new Date(clock.now() + 2 * HOUR).toISOString();
    const explicit = await send('d1', { messageId: 'explicit', expiryTimeUtc: exp, ack: 'positive' });
    assert.equal(explicit.expiryTime, Date.parse(exp));
    const capped = await hub.c2d.send('d2', { systemProperties: {}, applicationProperties: [], body: new Uint8Array() }, { ttlMs: 100 * HOUR });
    assert.equal(capped.expiryTime, clock.now() + 48 * HOUR);
    const far = await send('d2', { expiryTimeUtc: new Date(clock.now() + 96 * HOUR).toISOString() });
    assert.equal(far.expiryTime, clock.now() + 48 * HOUR);
    clock.advance(10_000);
    assert.deepEqual(hub.c2d.peek('d1').map((m) => m.messageId), ['default', 'explicit']);
    clock.advance(HOUR);
    assert.deepEqual(hub.c2d.peek('d1').map((m) => m.messageId), ['explicit']);
    clock.advance(HOUR);
    assert.equal(hub.c2d.depth('d1'), 0);
    await hub.settled();
    clock.advance(500);
    await hub.settled();
    // 'explicit' had ack positive, so its expiry produces no feedback.
    assert.deepEqual(records().map((r) => [r.originalMessageId, r.statusCode]), [['short', 'Expired'], ['default', 'Expired']]);
    await assert.rejects(send('d1', { expiryTimeUtc: new Date(clock.now() - 1000).toISOString() }), hubErrorWith('ArgumentInvalid', 400));
  });

  void it('holds at most 50 messages: the 51st fails with 403004, even when sent concurrently', async () => {
    for (let i = 0; i < 50; i++) await send('d1', { messageId: `m${i}` });
    await assert.rejects(send('d1'), hubErrorWith('DeviceMaximumQueueDepthExceeded', 403, '403004'));
    assert.equal(hub.c2d.depth('d1'), 50);
    const results = await Promise.allSettled(Array.from({ length: 51 }, (_, i) => send('d2', { messageId: `c${i}` })));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 50);
    assert.equal(results.filter((r) => r.status === 'rejected').length, 1);
    // Completing one makes room again.
    const m = await hub.c2d.receive('d1');
    await hub.c2d.complete('d1', m!.lockToken!);
    await send('d1');
    assert.equal(hub.c2d.depth('d1'), 50);
  });

  void it('purge removes Enqueued and Invisible messages and returns the count, with Purged feedback for negative/full', async () => {
    await send('d1', { messageId: 'n', ack: 'negative' });
    await send('d1', { messageId: 'f', ack: 'full' });
    await send('d1', { messageId: 'p', ack: 'positive' });
    await send('d1', { messageId: 'none' });
    await hub.c2d.receive('d1');
    assert.equal(await hub.c2d.purge('d1'), 4);
    assert.equal(hub.c2d.depth('d1'), 0);
    assert.equal(await hub.c2d.purge('d1'), 0);
    assert.deepEqual(events.filter((e) => e.type === 'c2dPurged'), [{ type: 'c2dPurged', deviceId: 'd1', count: 4 }]);
    clock.advance(500);
    await hub.settled();
    assert.deepEqual(records().map((r) => [r.originalMessageId, r.statusCode]), [['n', 'Purged'], ['f', 'Purged']]);
  });

  void it('validates: unknown device 404, oversize 413 and bad properties 400', async () => {
    await assert.rejects(send('ghost'), hubErrorWith('DeviceNotFound', 404, '404001'));
    await assert.rejects(hub.c2d.receive('ghost'), hubErrorWith('DeviceNotFound', 404));
    const big = Buffer.alloc(64 * 1024 + 1);
    await assert.rejects(hub.c2d.send('d1', { systemProperties: {}, applicationProperties: [], body: big }), (e: unknown) => {
      assert.ok(e instanceof HubValidationError);
      assert.equal(e.httpStatus, 413);
      assert.equal(e.errorCode, 'MessageTooLarge');
      assert.match(e.message, /IOT113 .*\(413002\)$/);
      return true;
    });
    // Too large and with a bad property name: the size answers (IoT Hub checks it first), every problem is kept.
    await assert.rejects(hub.c2d.send('d1', { systemProperties: {}, applicationProperties: [{ name: 'bad name', value: 'v' }], body: big }), (e: unknown) => {
      assert.ok(e instanceof HubValidationError);
      assert.equal(e.httpStatus, 413);
      assert.deepEqual(e.problems.map((p) => p.rule).sort(), ['invalid-character', 'message-too-large']);
      return true;
    });
    // Exactly 64 KB including property bytes is allowed.
    const fits = Buffer.alloc(64 * 1024 - 2);
    await hub.c2d.send('d1', { systemProperties: {}, applicationProperties: [{ name: 'a', value: 'b' }], body: fits });
    await assert.rejects(hub.c2d.send('d1', { systemProperties: {}, applicationProperties: [{ name: 'bad name', value: 'v' }], body: new Uint8Array() }), (e: unknown) => {
      assert.ok(e instanceof HubValidationError);
      assert.equal(e.httpStatus, 400);
      assert.deepEqual(e.problems.map((p) => p.rule), ['invalid-character']);
      assert.match(e.message, /IOT101 .*'bad name'/);
      return true;
    });
    await assert.rejects(hub.c2d.send('d1', { systemProperties: { ack: 'sometimes' }, applicationProperties: [], body: new Uint8Array() }), hubErrorWith('ArgumentInvalid', 400));
    assert.equal(hub.c2d.depth('d1'), 1);
  });

  void it('batches feedback: 64 records at once, the rest after the batch window; acknowledge removes', async () => {
    const feedbackEvents: number[] = [];
    hub.c2d.events.subscribe((e) => {
      if (e.type === 'feedback') feedbackEvents.push(e.batch.records.length);
    });
    for (let i = 0; i < 35; i++) {
      await send('d1', { messageId: `a${i}`, ack: 'positive' });
      await send('d2', { messageId: `b${i}`, ack: 'full' });
      for (const d of ['d1', 'd2']) {
        const m = await hub.c2d.receive(d);
        await hub.c2d.complete(d, m!.lockToken!);
      }
    }
    await hub.settled();
    assert.deepEqual(hub.feedback.read().map((b) => b.records.length), [64]);
    clock.advance(500);
    await hub.settled();
    const batches = hub.feedback.read();
    assert.deepEqual(batches.map((b) => b.records.length), [64, 6]);
    assert.deepEqual(feedbackEvents, [64, 6]);
    assert.equal(batches[0]!.userId, 'local-hub');
    assert.equal(batches[0]!.contentType, 'application/vnd.microsoft.iothub.feedback.json');
    assert.ok(batches[1]!.batchId > batches[0]!.batchId);
    assert.deepEqual(hub.feedback.read(batches[0]!.batchId).map((b) => b.batchId), [batches[1]!.batchId]);
    await hub.feedback.acknowledge(batches[0]!.batchId);
    assert.deepEqual(hub.feedback.read().map((b) => b.batchId), [batches[1]!.batchId]);
  });
});
