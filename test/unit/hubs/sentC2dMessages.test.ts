// The C2D messages sent from this window with their outcome (src/hubs/sentC2dMessages.ts), fed by
// real hubs' change events: the local hub (queue events and feedback) and the Azure implementation
// (feedback only: IoT Hub tells a service nothing about a queued message) against a real local hub;
// then the replay of a change that comes before the send's reply, and the bounds, with plain data.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LocalHubClient } from '../../../src/hub/client/localHubClient';
import type { SentMessage } from '../../../src/hub/client/messageSender';
import { AzureHubConnection } from '../../../src/hubs/azure/azureHubConnection';
import type { FeedbackRecordView, HubConnection } from '../../../src/hubs/hubConnection';
import { LocalHubConnection } from '../../../src/hubs/local/localHubConnection';
import { SENT_PER_DEVICE, SentC2dMessages, describeSentC2d, type SentC2dEntry } from '../../../src/hubs/sentC2dMessages';
import { eventually, startTestHub, type TestHub } from '../hub/testHub';
import { azureStyle, trustOf } from './azureTestHub';

const time = (iso: string): string => iso.slice(11, 19);
const outcome = (e: SentC2dEntry | undefined): string => (e ? describeSentC2d(e, time).text : '(none)');

/** Sends as the send commands do, and records it. */
async function send(hub: HubConnection, log: SentC2dMessages, deviceId: string, messageId: string, ack: string): Promise<SentC2dEntry> {
  const sent = await hub.sender.sendC2d(deviceId, { direction: 'c2d', systemProperties: { messageId, ack }, applicationProperties: [], body: Buffer.from('x') });
  const entry = log.recordSent(hub, sent, ack);
  assert.ok(entry);
  return entry;
}

describe('sent C2D messages on the local hub (queue events and feedback)', () => {
  let t: TestHub;
  let client: LocalHubClient;
  const hub = new LocalHubConnection();
  const log = new SentC2dMessages();
  const feedbackSeen: FeedbackRecordView[] = [];

  before(async () => {
    t = await startTestHub();
    client = LocalHubClient.fromConnectionString(t.hub.connectionInfo.hubConnectionString, { ca: t.ca });
    hub.attach(t.hub.connectionInfo, client);
    hub.onDidChange((c) => log.observe(hub.id, c));
    log.onDidChange((c) => { if (c.feedback) feedbackSeen.push(c.feedback); });
    for (const id of ['dev-a', 'dev-b', 'dev-c']) await hub.createDevice(id);
  });
  after(async () => {
    hub.dispose();
    client.close();
    await t.close();
  });

  it('completed with ack full: delivered, locked, then completed with the Success feedback on the message', async () => {
    const entry = await send(hub, log, 'dev-a', 'set-42', 'full');
    assert.equal(entry.sequenceNumber !== undefined, true);
    assert.match(outcome(entry), /^queued · sent /);
    const received = await hub.receiveC2dAsDevice('dev-a');
    assert.ok(received);
    await eventually(() => entry.state === 'locked' || undefined, 'locked');
    assert.match(outcome(entry), /^delivered 1\/10 · locked until /);
    await hub.settleC2dAsDevice('dev-a', received.lockToken, 'complete');
    await eventually(() => entry.feedback, 'the feedback on the message', 15_000);
    assert.equal(entry.state, 'completed');
    assert.match(outcome(entry), /^Success · \d\d:\d\d:\d\d$/);
    assert.deepEqual(feedbackSeen.map((r) => [r.originalMessageId, r.statusCode]), [['set-42', 'Success']]);
    assert.deepEqual(entry.history.map((h) => h.text.split(' ')[0]), ['sent;', 'delivered', 'completed', 'feedback']);
    assert.equal(log.forDevice(hub.id, 'dev-a')[0], entry);
  });

  it('rejected with ack none: dead-lettered, and why, though no feedback was asked for', async () => {
    const entry = await send(hub, log, 'dev-b', 'no-ack', 'none');
    const received = await hub.receiveC2dAsDevice('dev-b');
    assert.ok(received);
    await hub.settleC2dAsDevice('dev-b', received.lockToken, 'reject');
    await eventually(() => entry.state === 'deadLettered' || undefined, 'dead-lettered');
    assert.equal(outcome(entry), 'dead-lettered (rejected)');
    assert.equal(entry.feedback, undefined);
  });

  it('abandoned then purged with ack negative: queued again, then purged with the Purged feedback; one id sent twice is two messages', async () => {
    const first = await send(hub, log, 'dev-c', 'twice', 'negative');
    const second = await send(hub, log, 'dev-c', 'twice', 'negative');
    const received = await hub.receiveC2dAsDevice('dev-c');
    assert.ok(received);
    await hub.settleC2dAsDevice('dev-c', received.lockToken, 'abandon');
    await eventually(() => first.state === 'requeued' || undefined, 'back in the queue');
    assert.equal(outcome(first), 'queued again · delivered 1/10');
    assert.match(outcome(second), /^queued · sent /, 'the other message with the same id is untouched');
    assert.equal(await hub.purgeQueue('dev-c'), 2);
    await eventually(() => (first.feedback && second.feedback) || undefined, 'Purged feedback on both', 15_000);
    assert.match(outcome(first), /^Purged · /);
    assert.match(outcome(second), /^Purged · /);
    assert.deepEqual(log.forDevice(hub.id, 'dev-c'), [second, first], 'newest first');
  });
});

describe('sent C2D messages on an Azure hub (feedback only)', () => {
  let t: TestHub;
  let hub: AzureHubConnection;
  const log = new SentC2dMessages();

  before(async () => {
    t = await startTestHub({ serviceAmqpPort: 0 });
    hub = new AzureHubConnection({ connectionString: azureStyle(t), localTrust: trustOf(t) });
    await hub.open();
    hub.onDidChange((c) => log.observe(hub.id, c));
    await hub.createDevice('az-1');
  });
  after(async () => {
    hub.dispose();
    await t.close();
  });

  it('waits for feedback, then shows it on the message; with ack none it says the outcome is not reported', async () => {
    const entry = await send(hub, log, 'az-1', 'az-msg', 'full');
    assert.equal(entry.queueEvents, false);
    assert.match(outcome(entry), /^sent \d\d:\d\d:\d\d · waiting for feedback \(ack full\)$/);
    const received = await hub.receiveC2dAsDevice('az-1');
    assert.ok(received);
    await hub.settleC2dAsDevice('az-1', received.lockToken, 'reject');
    await eventually(() => entry.feedback, 'the Rejected feedback', 20_000);
    assert.match(outcome(entry), /^Rejected · /);
    const quiet = await send(hub, log, 'az-1', 'az-quiet', 'none');
    assert.match(outcome(quiet), /ack none: the outcome is not reported$/);
  });
});

describe('sent C2D messages: replay and bounds', () => {
  const hub = { id: 'h', capabilities: { queuePeek: true } };
  const sent = (messageId: string, sequenceNumber?: number): SentMessage => ({
    direction: 'c2d', deviceId: 'd', messageId, messageIdAssigned: false, sizeBytes: 1, notCarried: [], ...(sequenceNumber !== undefined ? { sequenceNumber } : {}),
  });
  const record = (messageId: string): FeedbackRecordView => ({ originalMessageId: messageId, deviceId: 'd', statusCode: 'Success', description: 'Success', enqueuedTimeUtc: new Date().toISOString() });

  it('feedback that comes before the send reply is put on the message once, not on a later message with the same id', () => {
    const log = new SentC2dMessages();
    log.observe('h', { kind: 'queue', deviceId: 'd', depth: 0, message: { deviceId: 'd', sequenceNumber: 7, messageId: 'fast', systemProperties: {}, applicationProperties: [], body: new Uint8Array(), state: 'Completed', deliveryCount: 1, maxDeliveryCount: 10, enqueuedTime: '', expiryTime: '' } });
    log.observe('h', { kind: 'feedback', records: [record('fast')] });
    const first = log.recordSent(hub, sent('fast', 7), 'full');
    assert.equal(first?.state, 'completed');
    assert.equal(first?.feedback?.statusCode, 'Success');
    const again = log.recordSent(hub, sent('fast', 8), 'full');
    assert.equal(again?.state, 'queued');
    assert.equal(again?.feedback, undefined);
  });

  it('keeps the newest messages per device', () => {
    const log = new SentC2dMessages();
    for (let i = 0; i < SENT_PER_DEVICE + 5; i++) log.recordSent(hub, sent(`m-${i}`, i), 'none');
    const kept = log.forDevice('h', 'd');
    assert.equal(kept.length, SENT_PER_DEVICE);
    assert.equal(kept[0]?.messageId, `m-${SENT_PER_DEVICE + 4}`);
    assert.equal(log.recordSent(hub, { ...sent('x'), direction: 'd2c' }, 'none'), undefined, 'D2C is not kept');
  });
});
