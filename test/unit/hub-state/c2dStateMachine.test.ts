// The C2D lifecycle as a pure state machine (src/hub/c2d/c2dLifecycle.ts): no SQLite, no timers.
// Each transition's memory state, the Change it asks the store to make, and the deadlines it announces.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { C2dLifecycle, snapshot, wantsFeedback } from '../../../src/hub/c2d/c2dLifecycle';

const T0 = Date.UTC(2026, 5, 1);
const body = { systemProperties: { messageId: 'm1', ack: 'full' as const }, applicationProperties: [{ name: 'k', value: 'v' }], body: new Uint8Array([1, 2]) };

function machine(maxDeliveries = 2): { m: C2dLifecycle; deadlines: Array<[number, string, number]> } {
  const deadlines: Array<[number, string, number]> = [];
  let n = 0;
  const m = new C2dLifecycle(maxDeliveries, (t, d, s) => deadlines.push([t, d, s]), () => `lock-${++n}`);
  return { m, deadlines };
}

void describe('C2D lifecycle state machine', () => {
  void it('enqueues with the next sequence number, IoT Hub stamps and an expiry deadline', () => {
    const { m, deadlines } = machine();
    const a = m.enqueue('d1', body, T0, T0 + 1000);
    const b = m.enqueue('d1', body, T0, T0 + 2000);
    assert.equal(a.msg.sequenceNumber, 1);
    assert.equal(b.msg.sequenceNumber, 2);
    assert.deepEqual(a.change, { kind: 'insert', msg: a.msg });
    assert.equal(a.msg.state, 'Enqueued');
    assert.equal(a.msg.messageId, 'm1');
    assert.equal(a.msg.systemProperties.to, '/devices/d1/messages/devicebound');
    assert.equal(a.msg.systemProperties.sequenceNumber, '1');
    assert.equal(a.msg.systemProperties.enqueuedTimeUtc, new Date(T0).toISOString());
    assert.deepEqual(deadlines, [[T0 + 1000, 'd1', 1], [T0 + 2000, 'd1', 2]]);
    assert.equal(m.depth('d1'), 2);
    assert.equal(m.depth('other'), 0);
  });

  void it('locks the oldest Enqueued message, counts the delivery and announces the lock timeout', () => {
    const { m, deadlines } = machine();
    m.enqueue('d1', body, T0, T0 + 10_000);
    m.enqueue('d1', body, T0, T0 + 10_000);
    const first = m.lockNext('d1', T0 + 5, 100);
    assert.ok(first !== undefined);
    assert.equal(first.msg.sequenceNumber, 1);
    assert.equal(first.msg.state, 'Invisible');
    assert.equal(first.msg.deliveryCount, 1);
    assert.equal(first.msg.lockToken, 'lock-1');
    assert.equal(first.msg.lockedUntil, T0 + 105);
    assert.equal(first.change.kind, 'update');
    assert.deepEqual(deadlines.at(-1), [T0 + 105, 'd1', 1]);
    assert.equal(m.lockNext('d1', T0 + 5, 100)?.msg.sequenceNumber, 2);
    assert.equal(m.lockNext('d1', T0 + 5, 100), undefined, 'nothing Enqueued is left');
    assert.equal(m.locked('d1', 'lock-1'), first.msg);
    assert.equal(m.locked('d1', 'no-such-lock'), undefined);
  });

  void it('complete and reject remove the message with their feedback outcome; the lock is then lost', () => {
    const { m } = machine();
    m.enqueue('d1', body, T0, T0 + 10_000);
    m.enqueue('d1', body, T0, T0 + 10_000);
    const a = m.lockNext('d1', T0, 100)!.msg;
    const b = m.lockNext('d1', T0, 100)!.msg;
    assert.deepEqual(m.complete(a), { kind: 'delete', msg: a, feedback: 'Success' });
    assert.equal(a.state, 'Completed');
    assert.equal(a.lockToken, undefined);
    assert.deepEqual(m.reject(b), { kind: 'delete', msg: b, feedback: 'Rejected' });
    assert.equal(b.state, 'DeadLettered');
    assert.equal(m.depth('d1'), 0);
    assert.equal(m.locked('d1', 'lock-1'), undefined);
  });

  void it('abandon returns the message to its place until the delivery count is used up', () => {
    const { m } = machine(2);
    m.enqueue('d1', body, T0, T0 + 10_000);
    m.enqueue('d1', body, T0, T0 + 10_000);
    const first = m.lockNext('d1', T0, 100)!.msg;
    assert.equal(m.abandon(first, T0).kind, 'update');
    assert.equal(first.state, 'Enqueued');
    assert.equal(m.lockNext('d1', T0, 100)!.msg, first, 'an abandoned message keeps its place at the head');
    assert.deepEqual(m.abandon(first, T0), { kind: 'delete', msg: first, feedback: 'DeliveryCountExceeded' });
    assert.equal(first.state, 'DeadLettered');
    assert.equal(m.depth('d1'), 1);
  });

  void it('sweep releases timed-out locks and dead-letters expired messages', () => {
    const { m } = machine(5);
    m.enqueue('d1', body, T0, T0 + 50);
    m.enqueue('d1', body, T0, T0 + 10_000);
    const locked = m.lockNext('d1', T0, 10)!.msg; // seq 1, lock until T0+10, expires T0+50
    assert.deepEqual(m.sweep('d1', T0 + 9), []);
    const released = m.sweep('d1', T0 + 20);
    assert.deepEqual(released.map((c) => c.kind), ['update']);
    assert.equal(locked.state, 'Enqueued');
    const expired = m.sweep('d1', T0 + 50);
    assert.deepEqual(expired, [{ kind: 'delete', msg: locked, feedback: 'Expired' }]);
    assert.equal(m.depth('d1'), 1);
    // A lock that times out after the expiry dead-letters instead of returning to the queue.
    const second = m.lockNext('d1', T0 + 60, 20_000)!.msg;
    assert.deepEqual(m.sweep('d1', T0 + 30_000), [{ kind: 'delete', msg: second, feedback: 'Expired' }]);
  });

  void it('purge dead-letters everything as Purged; dropQueue forgets the device', () => {
    const { m } = machine();
    m.enqueue('d1', body, T0, T0 + 10_000);
    m.enqueue('d1', body, T0, T0 + 10_000);
    m.lockNext('d1', T0, 100);
    assert.deepEqual(m.purge('d1').map((c) => c.kind === 'delete' && c.feedback), ['Purged', 'Purged']);
    assert.equal(m.depth('d1'), 0);
    m.enqueue('d1', body, T0, T0 + 10_000);
    assert.equal(m.dropQueue('d1'), 1);
    assert.equal(m.enqueue('d1', body, T0, T0 + 10_000).msg.sequenceNumber, 1, 'a dropped queue starts over');
  });

  void it('restore keeps sequence numbering after the highest stored message; undoInsert takes a refused insert back', () => {
    const { m, deadlines } = machine();
    const stored = snapshot({ ...m.enqueue('x', body, T0, T0 + 5).msg, deviceId: 'd1', sequenceNumber: 7 });
    m.restore(stored);
    assert.deepEqual(deadlines.at(-1), [T0 + 5, 'd1', 7]);
    const next = m.enqueue('d1', body, T0, T0 + 5);
    assert.equal(next.msg.sequenceNumber, 8);
    m.undoInsert(next.msg);
    assert.equal(m.depth('d1'), 1);
    assert.deepEqual([...m.liveDeadlines()].filter((d) => d.deviceId === 'd1'), [{ time: T0 + 5, deviceId: 'd1', seq: 7 }]);
  });

  void it('snapshots do not change with later transitions', () => {
    const { m } = machine();
    const { msg } = m.enqueue('d1', body, T0, T0 + 10_000);
    const before = snapshot(msg);
    m.lockNext('d1', T0, 100);
    assert.equal(before.state, 'Enqueued');
    assert.equal('lockToken' in before, false);
  });

  void it('feedback follows the ack mode', () => {
    assert.equal(wantsFeedback('full', 'Expired'), true);
    assert.equal(wantsFeedback('positive', 'Success'), true);
    assert.equal(wantsFeedback('positive', 'Rejected'), false);
    assert.equal(wantsFeedback('negative', 'Purged'), true);
    assert.equal(wantsFeedback('negative', 'Success'), false);
    assert.equal(wantsFeedback('none', 'Rejected'), false);
    assert.equal(wantsFeedback(undefined, 'Rejected'), false);
  });
});
