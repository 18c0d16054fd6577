// Close and reopen: every durable thing comes back as it was (C2D messages with state, delivery
// count, expiry and sequence numbers; unbatched and batched feedback; D2C events; the registry),
// and the ManualClock behaves as the lifecycle tests assume.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/hub/clock';
import { openHubState } from '../../../src/hub/openHubState';
import { captureLogger, tempDir, text } from './helpers';

void describe('restart persistence', () => {
  void it('brings back queues, feedback, D2C and the registry after close and reopen', async () => {
    const dir = tempDir();
    const clock = new ManualClock(Date.UTC(2026, 2, 3));
    const options = { dataDir: dir.path, clock, feedbackBatchMs: 1000, hubName: 'my-hub' };
    try {
      let hub = await openHubState({ ...options, log: captureLogger() });
      const device = await hub.registry.create({ deviceId: 'dev', status: 'disabled', statusReason: 'testing' });
      await hub.c2d.send('dev', { systemProperties: { messageId: 'a', ack: 'full' }, applicationProperties: [{ name: 'x', value: '1' }], body: Buffer.from('A') });
      await hub.c2d.send('dev', { systemProperties: { messageId: 'b', ack: 'positive' }, applicationProperties: [], body: Buffer.from('B') }, { ttlMs: 5000 });
      await hub.c2d.send('dev', { systemProperties: { messageId: 'c' }, applicationProperties: [], body: Buffer.from('C') });
      const a = await hub.c2d.receive('dev');
      await hub.c2d.abandon('dev', a!.lockToken!);
      const a2 = await hub.c2d.receive('dev'); // locked (Invisible) at shutdown
      assert.equal(a2!.deliveryCount, 2);
      const b = await hub.c2d.receive('dev');
      await hub.c2d.complete('dev', b!.lockToken!); // Success feedback, not yet batched
      const events = [];
      for (let i = 0; i < 5; i++) events.push(await hub.d2c.append({ deviceId: 'dev', systemProperties: { messageId: `d${i}` }, applicationProperties: [], body: Buffer.from(`d${i}`) }));
      const before = hub.c2d.peek('dev');
      await hub.close();

      hub = await openHubState({ ...options, log: captureLogger() });
      try {
        assert.deepEqual(hub.registry.get('dev'), { ...device, cloudToDeviceMessageCount: 2 });
        const after = hub.c2d.peek('dev');
        assert.deepEqual(after.map((m) => [m.messageId, m.state, m.deliveryCount, m.sequenceNumber, m.expiryTime, text(m.body)]), [
          ['a', 'Enqueued', 2, 1, before[0]!.expiryTime, 'A'],
          ['c', 'Enqueued', 0, 3, before[1]!.expiryTime, 'C'],
        ]);
        assert.deepEqual(after[0]!.applicationProperties, [{ name: 'x', value: '1' }]);
        assert.equal(after[0]!.systemProperties.to, '/devices/dev/messages/devicebound');
        // Sequence numbers continue; feedback still pending at close was batched by close.
        const d = await hub.c2d.send('dev', { systemProperties: {}, applicationProperties: [], body: new Uint8Array() });
        assert.equal(d.sequenceNumber, 4);
        const batches = hub.feedback.read();
        assert.equal(batches.length, 1);
        assert.equal(batches[0]!.userId, 'my-hub');
        assert.deepEqual(batches[0]!.records.map((r) => [r.originalMessageId, r.statusCode]), [['b', 'Success']]);
        const stored = await hub.d2c.read(hub.d2c.partitionFor('dev'), 0, 10);
        assert.deepEqual(stored.map((e) => [e.sequenceNumber, e.offset, e.systemProperties.messageId, text(e.body)]), events.map((e) => [e.sequenceNumber, e.offset, e.systemProperties.messageId, text(e.body)]));
        // Delivery continues where it stopped: 'a' was delivered twice, the limit (10) is not reached.
        const again = await hub.c2d.receive('dev');
        assert.equal(again!.messageId, 'a');
        assert.equal(again!.deliveryCount, 3);
      } finally {
        await hub.close();
      }
      hub = await openHubState({ ...options, log: captureLogger() });
      try {
        assert.equal(hub.feedback.read().length, 1, 'batches stay until acknowledged');
        await hub.feedback.acknowledge(hub.feedback.read()[0]!.batchId);
      } finally {
        await hub.close();
      }
      hub = await openHubState({ ...options, log: captureLogger() });
      try {
        assert.deepEqual(hub.feedback.read(), []);
      } finally {
        await hub.close();
      }
    } finally {
      dir.remove();
    }
  });
});

void describe('ManualClock', () => {
  void it('fires due timers in time order with now() at each due time, including timers they schedule', () => {
    const clock = new ManualClock(1000);
    const fired: [string, number][] = [];
    clock.setTimeout(() => fired.push(['b', clock.now()]), 20);
    clock.setTimeout(() => {
      fired.push(['a', clock.now()]);
      clock.setTimeout(() => fired.push(['a+5', clock.now()]), 5);
    }, 10);
    const cancelled = clock.setTimeout(() => fired.push(['x', clock.now()]), 15);
    clock.setTimeout(() => fired.push(['c', clock.now()]), 20);
    clock.clearTimeout(cancelled);
    clock.advance(19);
    assert.deepEqual(fired, [['a', 1010], ['a+5', 1015]]);
    assert.equal(clock.now(), 1019);
    clock.advance(100);
    assert.deepEqual(fired.slice(2), [['b', 1020], ['c', 1020]]);
    assert.equal(clock.now(), 1119);
    assert.equal(clock.pendingTimers, 0);
  });
});
