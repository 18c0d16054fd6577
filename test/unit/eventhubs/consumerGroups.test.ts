// Consumer groups read independently; an unknown consumer group is a clear error for the client;
// groups created through the management API and through the CLI on a running hub are readable.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EventHubConsumerClient, earliestEventPosition, type ReceivedEventData } from '@azure/event-hubs';
import { LocalHubClient } from '../../../src/hub/client/localHubClient';
import { startLocalHub, type LocalHub } from '../../../src/hub/localHub';
import { runHubCli as cli } from '../hub/testHub';
import { captureLogger, collect, startTestHub, waitFor, type TestHub } from './helpers';


const text = (e: ReceivedEventData): string => Buffer.from(e.body as Uint8Array).toString('utf8');

void describe('Event Hubs endpoint: consumer groups', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub({ hubName: 'cg-hub', partitionCount: 2 });
    await hub.state.consumerGroups.create('analytics');
    for (let i = 0; i < 10; i++) await hub.append(`cg-dev-${i}`, `m${i}`);
  });
  after(async () => {
    await hub.close();
  });

  void test('two consumer groups at once each read every event, then each new one', async () => {
    const a = hub.client('$Default');
    const b = hub.client('ANALYTICS'); // consumer group names are case-insensitive, as in Event Hubs
    const [ra, rb] = await Promise.all([
      collect((h, o) => a.subscribe(h, o), 12, { startPosition: earliestEventPosition }),
      collect((h, o) => b.subscribe(h, o), 12, { startPosition: earliestEventPosition }),
      (async () => {
        // Appended while both groups are reading.
        await waitFor(() => hub.log.lines.filter((l) => l.message.includes("x-opt-offset > '-1'")).length >= 4, 10_000, 'four receivers');
        await hub.append('cg-dev-late-1', 'late1');
        await hub.append('cg-dev-late-2', 'late2');
      })(),
    ]);
    await ra.subscription.close();
    await rb.subscription.close();
    const expected = [...Array.from({ length: 10 }, (_, i) => `m${i}`), 'late1', 'late2'].sort();
    assert.deepEqual(ra.events.map(text).sort(), expected);
    assert.deepEqual(rb.events.map(text).sort(), expected);
    assert.ok(hub.log.lines.some((l) => l.message.includes('cg-hub/consumergroups/analytics/partitions/')));
  });

  void test('a consumer group that does not exist: processError gets a not-found error naming it', async () => {
    const client = hub.client('nope');
    const errors: Error[] = [];
    const sub = client.subscribe('0', {
      processEvents: async () => undefined,
      processError: async (err) => {
        errors.push(err);
      },
    }, { startPosition: earliestEventPosition, maxWaitTimeInSeconds: 1 });
    try {
      await waitFor(() => errors.length > 0, 10_000, 'an error');
    } finally {
      await sub.close();
    }
    const err = errors[0] as Error & { code?: string };
    // amqp:not-found with "could not be found" is what @azure/event-hubs calls MessagingEntityNotFoundError.
    assert.equal(err.code, 'MessagingEntityNotFoundError');
    assert.match(err.message, /consumer group "nope" does not exist \(existing: \$Default, analytics\)/);
    // The endpoint still serves the other groups.
    assert.deepEqual(await hub.client('analytics').getPartitionIds(), ['0', '1']);
  });
});

void describe('Event Hubs endpoint: consumer groups created on a running hub', () => {
  let dir: string;
  let hub: LocalHub;
  let api: LocalHubClient;
  const log = captureLogger();
  const consumers: EventHubConsumerClient[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eventhubs-cg-'));
    hub = await startLocalHub({ dataDir: dir, mqttPort: 0, apiPort: 0, amqpPort: 0, log });
    api = LocalHubClient.fromConnectionString(hub.connectionInfo.hubConnectionString, { ca: readFileSync(hub.connectionInfo.caCertPath, 'utf8') });
  });
  after(async () => {
    for (const c of consumers) await c.close().catch(() => undefined);
    api.close();
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const consumer = (group: string): EventHubConsumerClient => {
    const c = new EventHubConsumerClient(group, hub.connectionInfo.eventHubsConnectionString()!, { retryOptions: { maxRetries: 1, retryDelayInMs: 200, timeoutInMs: 10_000 } });
    consumers.push(c);
    return c;
  };

  void test('a group from LocalHubClient.createConsumerGroup and one from `consumer-group create` both read an event', async () => {
    await api.createConsumerGroup('api-cg');
    // The CLI finds the running hub through connection.json and goes through its management API.
    const created = await cli(['consumer-group', 'create', 'cli-cg', '--data-dir', dir]);
    assert.equal(created.code, 0, created.stderr);
    assert.deepEqual((await api.listConsumerGroups()).sort(), ['$Default', 'api-cg', 'cli-cg'].sort());

    const event = await hub.hubState.d2c.append({
      deviceId: 'cg-live-dev', systemProperties: {}, applicationProperties: [], body: new TextEncoder().encode('to every group'),
    });
    for (const group of ['api-cg', 'cli-cg']) {
      const client = consumer(group);
      const r = await collect((h, o) => client.subscribe(h, o), 1, { startPosition: earliestEventPosition });
      await r.subscription.close();
      assert.deepEqual(r.errors, [], `${group}: ${r.errors.map((e) => e.message).join('; ')}`);
      assert.deepEqual(r.events.map(text), ['to every group'], group);
      assert.equal(r.partitions[0], String(event.partition), group);
      assert.equal(r.events[0]!.sequenceNumber, event.sequenceNumber, group);
    }
    assert.ok(log.lines.some((l) => l.message.includes('/consumergroups/api-cg/partitions/')), log.text());
    assert.ok(log.lines.some((l) => l.message.includes('/consumergroups/cli-cg/partitions/')), log.text());
  });
});
