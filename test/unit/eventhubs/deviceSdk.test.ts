// End to end: the official device SDK (azure-iot-device + azure-iot-device-mqtt) publishes over
// MQTT/TLS to a real local hub (startLocalHub), and the real EventHubConsumerClient reads the
// event from the hub's Event Hubs-compatible endpoint with every IoT Hub property.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EventHubConsumerClient, latestEventPosition } from '@azure/event-hubs';
import { Client, Message } from 'azure-iot-device';
import { Mqtt } from 'azure-iot-device-mqtt';
import { startLocalHub, type LocalHub } from '../../../src/hub/localHub';
import { captureLogger, collect, waitFor } from './helpers';

void describe('Event Hubs endpoint: device SDK over MQTT to EventHubConsumerClient', () => {
  let dir: string;
  let hub: LocalHub;
  let ca: string;
  const log = captureLogger();
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'eventhubs-e2e-'));
    hub = await startLocalHub({ dataDir: dir, mqttPort: 0, apiPort: 0, amqpPort: 0, log });
    ca = readFileSync(hub.connectionInfo.caCertPath, 'utf8');
  });
  after(async () => {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  void test('connection.json carries the Event Hubs connection string', () => {
    const info = hub.connectionInfo;
    assert.ok(info.amqp !== undefined);
    const saved = JSON.parse(readFileSync(join(dir, 'connection.json'), 'utf8')) as { amqp?: { port: number; eventHubsConnectionString: string } };
    assert.equal(saved.amqp?.port, info.amqp.port);
    assert.match(saved.amqp!.eventHubsConnectionString, new RegExp(`^Endpoint=sb://localhost:${info.amqp.port}/;SharedAccessKeyName=\\w+;SharedAccessKey=[^;]+;EntityPath=${info.hubName};UseDevelopmentEmulator=true$`));
  });

  void test('a D2C message with system and application properties arrives with all of them', async () => {
    const device = await hub.hubState.registry.create({ deviceId: 'e2e-dev' });
    const consumer = new EventHubConsumerClient('$Default', hub.connectionInfo.eventHubsConnectionString()!);
    const deviceClient = Client.fromConnectionString(hub.connectionInfo.deviceConnectionString('e2e-dev'), Mqtt);
    try {
      const attached = (): number => log.lines.filter((l) => l.message.includes('@latest')).length;
      const received = collect((h, o) => consumer.subscribe(h, o), 1, { startPosition: latestEventPosition });
      await waitFor(() => attached() >= hub.hubState.d2c.partitionCount, 10_000, 'receivers on every partition');
      await deviceClient.setOptions({ ca });
      await deviceClient.open();
      const msg = new Message(JSON.stringify({ temperature: 21.5 }));
      msg.messageId = 'e2e-mid';
      msg.correlationId = 'e2e-cid';
      msg.userId = 'e2e-user';
      msg.contentType = 'application/json';
      msg.contentEncoding = 'utf-8';
      msg.expiryTimeUtc = '2030-01-01T00:00:00.000Z';
      msg.properties.add('alert', 'true');
      msg.properties.add('unit', 'celsius degrees');
      const sentAt = Date.now();
      await deviceClient.sendEvent(msg);
      const r = await received;
      await r.subscription.close();
      const e = r.events[0]!;
      // The SDK parses a JSON body when the content type says so.
      assert.deepEqual(e.body, { temperature: 21.5 });
      assert.equal(e.messageId, 'e2e-mid');
      assert.equal(e.correlationId, 'e2e-cid');
      assert.equal(e.contentType, 'application/json');
      assert.deepEqual(e.properties, { alert: 'true', unit: 'celsius degrees' });
      assert.equal(e.partitionKey, 'e2e-dev');
      assert.equal(r.partitions[0], String(hub.hubState.d2c.partitionFor('e2e-dev')));
      assert.ok(Math.abs(e.enqueuedTimeUtc.getTime() - sentAt) < 10_000);
      const sp = e.systemProperties!;
      assert.equal(sp['iothub-connection-device-id'], 'e2e-dev');
      assert.equal(sp['iothub-connection-auth-generation-id'], device.generationId);
      assert.deepEqual(JSON.parse(String(sp['iothub-connection-auth-method'])), { scope: 'device', type: 'sas', issuer: 'iothub', acceptingIpFilterRule: null });
      assert.equal(sp['iothub-message-source'], 'Telemetry');
      assert.equal(sp['iothub-enqueuedtime'], e.enqueuedTimeUtc.getTime());
      assert.equal(sp['contentEncoding'], 'utf-8');
      assert.equal(sp['absoluteExpiryTime'], Date.parse('2030-01-01T00:00:00.000Z'));
      assert.deepEqual(Buffer.from(Object.values(sp['userId'] as Record<string, number>)).toString(), 'e2e-user');
      assert.equal(typeof e.sequenceNumber, 'number');
      assert.equal(typeof e.offset, 'string');
    } finally {
      await deviceClient.close();
      await consumer.close();
    }
  });
});
