// $management READ and CBS through the real @azure/event-hubs EventHubConsumerClient, plus the
// wire details (status codes, descriptions, correlation ids) through a bare rhea client.
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { EventHubConsumerClient } from '@azure/event-hubs';
import { eventHubsToken, rawConnect } from './rawAmqp';
import { startTestHub, type TestHub } from './helpers';

void describe('Event Hubs endpoint: management and CBS', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub({ hubName: 'mgmt-hub', partitionCount: 4 });
  });
  after(async () => {
    await hub.close();
  });

  void test('connection string is the emulator form the SDK accepts', () => {
    const cs = hub.connectionString();
    assert.match(cs, new RegExp(`^Endpoint=sb://localhost:${hub.endpoint.port}/;SharedAccessKeyName=service;SharedAccessKey=[^;]+;EntityPath=mgmt-hub;UseDevelopmentEmulator=true$`));
    assert.match(hub.connectionString('iothubowner'), /SharedAccessKeyName=iothubowner;/);
    assert.throws(() => hub.connectionString('registryRead'), /lacks ServiceConnect/);
    assert.throws(() => hub.connectionString('nope'), /No shared access policy named "nope"/);
  });

  void test('getEventHubProperties, getPartitionIds and getPartitionProperties before and after appends', async () => {
    const client = hub.client();
    const props = await client.getEventHubProperties();
    assert.equal(props.name, 'mgmt-hub');
    assert.deepEqual(props.partitionIds, ['0', '1', '2', '3']);
    assert.ok(props.createdOn instanceof Date && Math.abs(props.createdOn.getTime() - Date.now()) < 60_000);
    assert.deepEqual(await client.getPartitionIds(), ['0', '1', '2', '3']);

    // The device that lands on partition 2, found through the log's own partitioner.
    const device = Array.from({ length: 100 }, (_, i) => `mgmt-dev-${i}`).find((d) => hub.state.d2c.partitionFor(d) === 2)!;
    const empty = await client.getPartitionProperties('2');
    assert.equal(empty.partitionId, '2');
    assert.equal(empty.eventHubName, 'mgmt-hub');
    assert.equal(empty.isEmpty, true);
    assert.equal(empty.lastEnqueuedSequenceNumber, -1);
    assert.equal(empty.lastEnqueuedOffset, '-1');

    const first = await hub.append(device, 'one');
    const last = await hub.append(device, 'two');
    const full = await client.getPartitionProperties('2');
    assert.equal(full.isEmpty, false);
    assert.equal(full.beginningSequenceNumber, first.sequenceNumber);
    assert.equal(full.lastEnqueuedSequenceNumber, last.sequenceNumber);
    assert.equal(typeof full.lastEnqueuedSequenceNumber, 'number');
    assert.equal(full.lastEnqueuedOffset, last.offset);
    assert.equal(full.lastEnqueuedOnUtc.getTime(), last.enqueuedTime);
  });

  void test('an unknown partition is an error with a clear message', async () => {
    const client = hub.client();
    await assert.rejects(client.getPartitionProperties('9'), /Partition "9" does not exist \(the Event Hub has partitions 0..3\)/);
  });

  void test('a bad key is refused (UnauthorizedError) and the endpoint keeps serving', async () => {
    const good = hub.connectionString();
    const bad = good.replace(/SharedAccessKey=[^;]+/, 'SharedAccessKey=d3JvbmcgZHVtbXkga2V5IHdyb25nIGR1bW15IGtleQ==');
    const client = new EventHubConsumerClient('$Default', bad, { retryOptions: { maxRetries: 0, timeoutInMs: 5000 } });
    try {
      await assert.rejects(client.getEventHubProperties(), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'UnauthorizedError');
        assert.match(e.message, /Invalid signature for the shared access policy "service"/);
        return true;
      });
    } finally {
      await client.close();
    }
    const noRights = new EventHubConsumerClient('$Default', good.replace('SharedAccessKeyName=service', 'SharedAccessKeyName=registryRead')
      .replace(/SharedAccessKey=[^;]+/, `SharedAccessKey=${hub.state.policy('registryRead')!.primaryKey}`), { retryOptions: { maxRetries: 0, timeoutInMs: 5000 } });
    try {
      await assert.rejects(noRights.getPartitionIds(), /lacks the ServiceConnect right/);
    } finally {
      await noRights.close();
    }
    assert.deepEqual(await hub.client().getPartitionIds(), ['0', '1', '2', '3']);
  });

  void test('put-token replies on the wire: 200, 401 expired, 401 bad signature, 404 other entity, 400 unsupported type', async () => {
    const raw = await rawConnect(hub.endpoint.port);
    try {
      const policy = hub.state.policy('service')!;
      const aud = `sb://localhost:${hub.endpoint.port}/mgmt-hub`;
      const ok = await raw.putToken(aud, eventHubsToken(aud, 'service', policy.primaryKey));
      assert.equal(ok['status-code'], 200);
      // IoT Hub-style signature (base64-decoded key) with the secondary key also works.
      const iotStyle = eventHubsToken(aud, 'service', Buffer.from(policy.secondaryKey, 'base64') as unknown as string);
      assert.equal((await raw.putToken(aud, iotStyle))['status-code'], 200);
      const expired = await raw.putToken(aud, eventHubsToken(aud, 'service', policy.primaryKey, Math.floor(Date.now() / 1000) - 10));
      assert.equal(expired['status-code'], 401);
      assert.match(String(expired['status-description']), /expired/);
      const badSig = await raw.putToken(aud, eventHubsToken(aud, 'service', 'not-the-key'));
      assert.equal(badSig['status-code'], 401);
      assert.doesNotMatch(String(badSig['status-description']), new RegExp(policy.primaryKey.replace(/[+/=]/g, '.')));
      const other = `sb://localhost:${hub.endpoint.port}/other-hub`;
      assert.equal((await raw.putToken(other, eventHubsToken(other, 'service', policy.primaryKey)))['status-code'], 404);
      const narrow = `${aud}/ConsumerGroups/$default/Partitions/0`;
      const wider = await raw.putToken(aud, eventHubsToken(narrow, 'service', policy.primaryKey));
      assert.equal(wider['status-code'], 401, 'a token for one partition does not cover the whole hub');
      assert.equal((await raw.putToken(aud, 'Bearer eyJ', 'jwt'))['status-code'], 400);
      assert.equal((await raw.putToken(aud, 'garbage'))['status-code'], 401);
    } finally {
      await raw.close();
    }
  });

  void test('a connection cannot pile up claims without bound', async () => {
    const raw = await rawConnect(hub.endpoint.port);
    try {
      const key = hub.state.policy('service')!.primaryKey;
      const base = `sb://localhost:${hub.endpoint.port}/mgmt-hub/ConsumerGroups`;
      const replies = await Promise.all(Array.from({ length: 1001 }, (_, i) => {
        const aud = `${base}/g${i}/Partitions/0`;
        return raw.putToken(aud, eventHubsToken(aud, 'service', key));
      }));
      assert.equal(replies.filter((r) => r['status-code'] === 200).length, 1000);
      const refused = replies.find((r) => r['status-code'] !== 200)!;
      assert.equal(refused['status-code'], 403);
      assert.match(String(refused['status-description']), /already holds tokens for 1000 entities/);
      // Renewing an existing claim still works.
      const again = `${base}/g0/Partitions/0`;
      assert.equal((await raw.putToken(again, eventHubsToken(again, 'service', key)))['status-code'], 200);
    } finally {
      await raw.close();
    }
  });

  void test('$management without a claim or a security token is 401; with a claim it answers', async () => {
    const raw = await rawConnect(hub.endpoint.port);
    try {
      const reply = await raw.management({ operation: 'READ', name: 'mgmt-hub', type: 'com.microsoft:eventhub' });
      assert.equal(reply.application_properties?.['status-code'], 401);
      const policy = hub.state.policy('service')!;
      const aud = `sb://localhost:${hub.endpoint.port}/mgmt-hub`;
      const withToken = await raw.management({ operation: 'READ', name: 'mgmt-hub', type: 'com.microsoft:eventhub', security_token: eventHubsToken(aud, 'service', policy.primaryKey) });
      assert.equal(withToken.application_properties?.['status-code'], 200);
      assert.deepEqual((withToken.body as { partition_ids: string[] }).partition_ids, ['0', '1', '2', '3']);
      assert.equal((withToken.body as { partition_count: number }).partition_count, 4);
      await raw.putToken(`${aud}/$management`, eventHubsToken(`${aud}/$management`, 'service', policy.primaryKey));
      const wrongHub = await raw.management({ operation: 'READ', name: 'nope', type: 'com.microsoft:eventhub' });
      assert.equal(wrongHub.application_properties?.['status-code'], 404);
      const wrongType = await raw.management({ operation: 'READ', name: 'mgmt-hub', type: 'com.microsoft:queue' });
      assert.equal(wrongType.application_properties?.['status-code'], 400);
      const wrongOp = await raw.management({ operation: 'CREATE', name: 'mgmt-hub', type: 'com.microsoft:eventhub' });
      assert.equal(wrongOp.application_properties?.['status-code'], 400);
      const part = await raw.management({ operation: 'READ', name: 'MGMT-HUB', type: 'com.microsoft:partition', partition: '1' });
      assert.equal(part.application_properties?.['status-code'], 200);
      assert.equal((part.body as { partition: string }).partition, '1');
    } finally {
      await raw.close();
    }
  });
});
