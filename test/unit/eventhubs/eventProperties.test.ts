// What an event carries when read through the real EventHubConsumerClient, for an event appended
// to the log directly with every property the hub stores (the MQTT path is in deviceSdk.test.ts).
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { earliestEventPosition } from '@azure/event-hubs';
import { eventHubsToken, rawConnect } from './rawAmqp';
import { collect, startTestHub, type TestHub } from './helpers';

void describe('Event Hubs endpoint: event encoding', () => {
  let hub: TestHub;
  const body = new Uint8Array([0x00, 0xff, 0x7b, 0x22, 0x61, 0x22, 0x7d, 0x80, 0x0a]);
  const authMethod = '{"scope":"device","type":"sas","issuer":"iothub","acceptingIpFilterRule":null}';
  const expiry = '2030-01-02T03:04:05.000Z';
  before(async () => {
    hub = await startTestHub({ hubName: 'enc-hub', partitionCount: 2 });
    await hub.state.d2c.append({
      deviceId: 'enc-dev',
      moduleId: 'enc-mod',
      systemProperties: {
        messageId: 'mid-1', correlationId: 'cid-1', userId: 'user-1', to: '/devices/enc-dev/messages/events',
        contentType: 'application/octet-stream', contentEncoding: 'utf-8', expiryTimeUtc: expiry, subject: 'subj',
        creationTimeUtc: '2026-11-22T08:00:00.000Z',
        connectionDeviceId: 'enc-dev', connectionModuleId: 'enc-mod', connectionAuthMethod: authMethod,
        connectionAuthGenerationId: '638000000000000001', messageSource: 'Telemetry',
      },
      applicationProperties: [{ name: 'Alert', value: 'true' }, { name: 'unit', value: 'celsius degrees' }, { name: 'empty', value: '' }],
      body,
    });
  });
  after(async () => {
    await hub.close();
  });

  void test('every property arrives where @azure/event-hubs exposes it; the body bytes are unchanged', async () => {
    const stored = (await hub.state.d2c.read(hub.state.d2c.partitionFor('enc-dev'), 0, 1))[0]!;
    const client = hub.client();
    const r = await collect((h, o) => client.subscribe(h, o), 1, { startPosition: earliestEventPosition, skipParsingBodyAsJson: true });
    await r.subscription.close();
    const e = r.events[0]!;
    assert.deepEqual(Buffer.from(e.body as Uint8Array), Buffer.from(body));
    assert.equal(e.messageId, 'mid-1');
    assert.equal(e.correlationId, 'cid-1');
    assert.equal(e.contentType, 'application/octet-stream');
    assert.equal(e.sequenceNumber, 0);
    assert.equal(e.offset, stored.offset);
    assert.equal(e.enqueuedTimeUtc.getTime(), stored.enqueuedTime);
    assert.equal(e.partitionKey, 'enc-dev');
    assert.deepEqual(e.properties, { Alert: 'true', unit: 'celsius degrees', empty: '' });
    const sp = e.systemProperties!;
    assert.equal(sp['iothub-connection-device-id'], 'enc-dev');
    assert.equal(sp['iothub-connection-module-id'], 'enc-mod');
    assert.equal(sp['iothub-connection-auth-method'], authMethod);
    assert.equal(sp['iothub-connection-auth-generation-id'], '638000000000000001');
    assert.equal(sp['iothub-message-source'], 'Telemetry');
    assert.equal(sp['iothub-enqueuedtime'], Date.parse(stored.systemProperties.enqueuedTimeUtc!));
    assert.equal(sp['iothub-creation-time-utc'], '2026-11-22T08:00:00.000Z');
    assert.equal(sp['contentEncoding'], 'utf-8');
    assert.equal(sp['to'], '/devices/enc-dev/messages/events');
    assert.equal(sp['subject'], 'subj');
    assert.equal(sp['absoluteExpiryTime'], Date.parse(expiry));
    // user_id is binary on the wire; the SDK's convertDatesToNumbers turns the Buffer into an index-keyed object.
    assert.deepEqual(Buffer.from(Object.values(sp['userId'] as Record<string, number>)), Buffer.from('user-1'));
    assert.equal(e.getRawAmqpMessage().bodyType, 'data');
  });

  void test('trackLastEnqueuedEventProperties: the receiver gets the partition\'s last enqueued event', async () => {
    const p = hub.state.d2c.partitionFor('enc-dev');
    const info = hub.state.d2c.partitionInfo(p);
    const client = hub.client();
    let last: { sequenceNumber?: number; offset?: string; enqueuedOn?: Date; retrievedOn?: Date } | undefined;
    const r = await collect((h, o) => client.subscribe(String(p), {
      ...h,
      processEvents: async (events, ctx) => {
        last = { ...ctx.lastEnqueuedEventProperties };
        await h.processEvents(events, ctx);
      },
    }, o), 1, { startPosition: earliestEventPosition, trackLastEnqueuedEventProperties: true });
    await r.subscription.close();
    assert.equal(last?.sequenceNumber, info.lastEnqueuedSequenceNumber);
    assert.equal(last?.offset, info.lastEnqueuedOffset);
    assert.equal(last?.enqueuedOn?.getTime(), info.lastEnqueuedTime);
    assert.ok(last?.retrievedOn instanceof Date);
  });

  void test('on the wire: long sequence number, string offset, timestamps, binary user id, one data section', async () => {
    const raw = await rawConnect(hub.endpoint.port);
    try {
      const p = hub.state.d2c.partitionFor('enc-dev');
      const address = `enc-hub/ConsumerGroups/$Default/Partitions/${p}`;
      const aud = `sb://localhost:${hub.endpoint.port}/${address}`;
      await raw.putToken(aud, eventHubsToken(aud, 'service', hub.state.policy('service')!.primaryKey));
      const rx = await raw.openReceiver(address, { filter: "amqp.annotation.x-opt-offset > '-1'", credit: 10 });
      const start = Date.now();
      while (rx.messages.length === 0 && Date.now() - start < 5000) await new Promise((r) => setTimeout(r, 20));
      const m = rx.messages[0]!;
      const ann = m.message_annotations as Record<string, unknown>;
      assert.equal(typeof ann['x-opt-sequence-number'], 'number');
      assert.equal(typeof ann['x-opt-offset'], 'string');
      assert.ok(ann['x-opt-enqueued-time'] instanceof Date);
      assert.ok(ann['iothub-enqueuedtime'] instanceof Date);
      assert.ok(Buffer.isBuffer(m.user_id));
      assert.ok(m.absolute_expiry_time instanceof Date);
      assert.equal((m.body as { typecode: number }).typecode, 0x75, 'a data section');
      assert.deepEqual(Buffer.from((m.body as { content: Buffer }).content), Buffer.from(body));
    } finally {
      await raw.close();
    }
  });
});
