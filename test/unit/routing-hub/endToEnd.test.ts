// Routing end to end: the official device SDK (azure-iot-device + azure-iot-device-mqtt) sends to
// a real local hub with routes, and the real EventHubConsumerClient reads each Event Hubs-style
// endpoint (its own Event Hub name, partitions and consumer groups) and the built-in one; the
// storage endpoint's files are decoded with avsc's standard Avro container reader.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EventHubConsumerClient, type ReceivedEventData } from '@azure/event-hubs';
import { Client, Message } from 'azure-iot-device';
import { Mqtt } from 'azure-iot-device-mqtt';
import type { D2cLog } from '../../../src/hub/contracts';
import { startLocalHub, type LocalHub } from '../../../src/hub/localHub';
import { captureLogger, collect } from '../eventhubs/helpers';
import { decodeAvro, filesUnder } from './helpers';

function telemetry(body: unknown, props: Record<string, string> = {}): Message {
  const m = new Message(JSON.stringify(body));
  m.contentType = 'application/json';
  m.contentEncoding = 'utf-8';
  for (const [k, v] of Object.entries(props)) m.properties.add(k, v);
  return m;
}

/** How many events a (fresh, untrimmed) log holds across its partitions. */
function storedEvents(log: D2cLog): number {
  let n = 0;
  for (let p = 0; p < log.partitionCount; p++) {
    const info = log.partitionInfo(p);
    if (!info.isEmpty) n += info.lastEnqueuedSequenceNumber + 1;
  }
  return n;
}

const bodyOf = (e: ReceivedEventData): unknown => (Buffer.isBuffer(e.body) ? JSON.parse(e.body.toString('utf8')) : e.body);

void describe('routing end to end: device SDK -> routes -> Event Hubs-style and storage endpoints', () => {
  let dir: string;
  let hub: LocalHub;
  let ca: string;
  const log = captureLogger();
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'routing-e2e-'));
    hub = await startLocalHub({ dataDir: dir, mqttPort: 0, apiPort: 0, amqpPort: 0, hubName: 'route-hub', log });
    ca = readFileSync(hub.connectionInfo.caCertPath, 'utf8');
  });
  after(async () => {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  void test('each message reaches exactly the endpoints its routes name; the fallback takes the rest; enrichments apply per endpoint', async () => {
    await hub.hubState.routing.apply({
      routes: [
        { name: 'alerts', source: 'DeviceMessages', condition: "alert = 'true'", endpointNames: ['eh-alerts'], isEnabled: true },
        { name: 'hot', source: 'DeviceMessages', condition: '$body.temperature > 30', endpointNames: ['eh-hot'], isEnabled: true },
        { name: 'hot-archive', source: 'DeviceMessages', condition: '$body.temperature > 30', endpointNames: ['archive'], isEnabled: true },
        { name: 'lifecycle', source: 'DeviceLifecycleEvents', condition: 'true', endpointNames: ['eh-alerts'], isEnabled: true },
        { name: 'disabled', source: 'DeviceMessages', condition: 'true', endpointNames: ['eh-alerts'], isEnabled: false },
      ],
      fallbackRoute: { isEnabled: true },
      endpoints: {
        eventHubs: [{ name: 'eh-alerts', entityPath: 'alerts' }, { name: 'eh-hot', partitionCount: 2, consumerGroups: ['analytics'] }],
        storageContainers: [{ name: 'archive', encoding: 'avro', batchFrequencyInSeconds: 60, maxChunkSizeInBytes: 10 * 1024 * 1024 }],
      },
      enrichments: [{ key: 'hubName', value: '$iothubname', endpointNames: ['eh-alerts'] }, { key: 'site', value: 'lab-1', endpointNames: ['eh-hot', 'archive'] }],
    });
    assert.ok(existsSync(join(dir, 'routes.json')), 'routes.json written');

    const device = await hub.hubState.registry.create({ deviceId: 'route-dev' });
    const client = Client.fromConnectionString(hub.connectionInfo.deviceConnectionString('route-dev'), Mqtt);
    await client.setOptions({ ca });
    await client.open();
    try {
      await client.sendEvent(telemetry({ temperature: 21 }, { alert: 'true', n: '1' }));
      await client.sendEvent(telemetry({ temperature: 35 }, { n: '2' }));
      await client.sendEvent(telemetry({ temperature: 10 }, { n: '3' }));
    } finally {
      await client.close();
    }

    const alerts = new EventHubConsumerClient('$Default', hub.connectionInfo.eventHubsConnectionString(undefined, 'alerts')!);
    const hot = new EventHubConsumerClient('analytics', hub.connectionInfo.eventHubsConnectionString(undefined, 'eh-hot')!);
    const builtIn = new EventHubConsumerClient('$Default', hub.connectionInfo.eventHubsConnectionString()!);
    try {
      assert.deepEqual(await hot.getPartitionIds(), ['0', '1']);
      assert.equal((await alerts.getEventHubProperties()).name, 'alerts');
      const a = await collect((h, o) => alerts.subscribe(h, o), 2, { startPosition: { sequenceNumber: -1 } as never });
      const h = await collect((hh, o) => hot.subscribe(hh, o), 1, { startPosition: { sequenceNumber: -1 } as never });
      const b = await collect((hh, o) => builtIn.subscribe(hh, o), 1, { startPosition: { sequenceNumber: -1 } as never });
      await Promise.all([a.subscription.close(), h.subscription.close(), b.subscription.close()]);
      // Every send was acknowledged (durable in each endpoint it was routed to) before the reads
      // began, so the endpoints' logs are final: each holds exactly what its consumer read.
      assert.equal(storedEvents(hub.hubState.routing.get('alerts')!.d2c), 2, 'eh-alerts holds 2 events');
      assert.equal(storedEvents(hub.hubState.routing.get('eh-hot')!.d2c), 1, 'eh-hot holds 1 event');
      assert.equal(storedEvents(hub.hubState.d2c), 1, 'the built-in endpoint holds 1 event');

      const lifecycle = a.events.find((e) => e.systemProperties?.['iothub-message-source'] === 'deviceLifecycleEvents');
      assert.ok(lifecycle !== undefined, 'lifecycle event routed');
      assert.equal(lifecycle.properties?.['opType'], 'createDeviceIdentity');
      assert.equal(lifecycle.properties?.['deviceId'], 'route-dev');
      assert.equal(lifecycle.properties?.['hubName'], 'route-hub');
      assert.equal((bodyOf(lifecycle) as { deviceId: string }).deviceId, 'route-dev');
      const telemetryAlerts = a.events.filter((e) => e.systemProperties?.['iothub-message-source'] === 'Telemetry');
      assert.deepEqual(telemetryAlerts.map((e) => e.properties?.['n']), ['1']);
      assert.equal(telemetryAlerts[0]!.properties?.['hubName'], 'route-hub', 'enrichment $iothubname on eh-alerts');
      assert.equal(telemetryAlerts[0]!.systemProperties?.['iothub-connection-device-id'], 'route-dev');
      assert.equal(telemetryAlerts[0]!.systemProperties?.['iothub-connection-auth-generation-id'], device.generationId);
      assert.equal(a.events.length, 2);

      assert.deepEqual(h.events.map((e) => e.properties?.['n']), ['2']);
      assert.equal(h.events[0]!.properties?.['site'], 'lab-1');
      assert.deepEqual(bodyOf(h.events[0]!), { temperature: 35 });

      assert.deepEqual(b.events.map((e) => e.properties?.['n']), ['3'], 'the built-in endpoint gets only what no route took');
      assert.equal(b.events[0]!.properties?.['site'], undefined, 'no enrichment on events');
    } finally {
      await Promise.all([alerts.close(), hot.close(), builtIn.close()]);
    }

    await hub.hubState.settled();
    await hub.hubState.routing.flushStorage();
    const files = filesUnder(join(dir, 'storage', 'archive'));
    assert.equal(files.length, 1, `one batch file: ${files.join(', ')}`);
    const partition = hub.hubState.d2c.partitionFor('route-dev');
    assert.match(files[0]!.slice(join(dir, 'storage', 'archive').length), new RegExp(`^/route-hub/${partition}/\\d{4}/\\d{2}/\\d{2}/\\d{2}/\\d{2}$`));
    const records = await decodeAvro(files[0]!);
    assert.equal(records.length, 1);
    assert.deepEqual(JSON.parse(records[0]!.Body!.toString('utf8')), { temperature: 35 });
    assert.equal(records[0]!.Properties['n'], '2');
    assert.equal(records[0]!.Properties['site'], 'lab-1');
    assert.equal(records[0]!.SystemProperties['connectionDeviceId'], 'route-dev');
    assert.equal(records[0]!.SystemProperties['contentType'], 'application/json');
    assert.ok(!Number.isNaN(Date.parse(records[0]!.EnqueuedTimeUtc)));
  });

  void test('with the fallback route off, a message no route takes is acknowledged and dropped', async () => {
    const config = structuredClone(hub.hubState.routing.config);
    config.fallbackRoute.isEnabled = false;
    await hub.hubState.routing.apply(config);
    const before_ = hub.hubState.d2c.partitionInfo(hub.hubState.d2c.partitionFor('route-dev')).lastEnqueuedSequenceNumber;
    const dropped = hub.hubState.routing.stats.dropped;
    const client = Client.fromConnectionString(hub.connectionInfo.deviceConnectionString('route-dev'), Mqtt);
    await client.setOptions({ ca });
    await client.open();
    try {
      await client.sendEvent(telemetry({ temperature: 5 }, { n: '4' }));
    } finally {
      await client.close();
    }
    assert.equal(hub.hubState.routing.stats.dropped, dropped + 1);
    assert.equal(hub.hubState.d2c.partitionInfo(hub.hubState.d2c.partitionFor('route-dev')).lastEnqueuedSequenceNumber, before_);
  });
});
