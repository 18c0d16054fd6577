// Interop with the official device SDK (azure-iot-device + azure-iot-device-mqtt) against a real
// local hub: D2C with every property, C2D with properties, offline queueing and redelivery.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Message } from 'azure-iot-device';
import { Mqtt, MqttWs } from 'azure-iot-device-mqtt';
import { LocalHubClient } from '../../../src/hub/client/localHubClient';
import type { D2cEvent } from '../../../src/hub/contracts';
import { eventually, startTestHub, type TestHub } from './testHub';

async function allD2c(t: TestHub): Promise<D2cEvent[]> {
  const d2c = t.hub.hubState.d2c;
  const out: D2cEvent[] = [];
  for (let p = 0; p < d2c.partitionCount; p++) out.push(...(await d2c.read(p, 0, 1000)));
  return out;
}

void describe('azure-iot-device over MQTT/TLS', () => {
  let t: TestHub;
  let api: LocalHubClient;
  before(async () => {
    t = await startTestHub();
    api = LocalHubClient.fromConnectionString(t.hub.connectionInfo.hubConnectionString, { ca: t.ca });
  });
  after(async () => {
    api.close();
    await t.close();
  });

  void it('sends D2C with system and application properties, stored durably before the PUBACK', async () => {
    const dev = await t.createDevice('sdk-d2c');
    const client = Client.fromConnectionString(dev.connectionString, Mqtt);
    await client.setOptions({ ca: t.ca });
    await client.open();
    try {
      const msg = new Message(JSON.stringify({ temperature: 21.5 }));
      msg.messageId = 'msg-1';
      msg.correlationId = 'corr-1';
      msg.contentType = 'application/json';
      msg.contentEncoding = 'utf-8';
      msg.properties.add('alert', 'true');
      msg.properties.add('unit', 'celsius degrees');
      await client.sendEvent(msg);
      // sendEvent resolved = PUBACK received = already in the log (no waiting needed).
      const events = (await allD2c(t)).filter((e) => e.deviceId === 'sdk-d2c');
      assert.equal(events.length, 1);
      const e = events[0]!;
      assert.equal(Buffer.from(e.body).toString(), '{"temperature":21.5}');
      assert.equal(e.systemProperties.messageId, 'msg-1');
      assert.equal(e.systemProperties.correlationId, 'corr-1');
      assert.equal(e.systemProperties.contentType, 'application/json');
      assert.equal(e.systemProperties.contentEncoding, 'utf-8');
      assert.equal(e.systemProperties.connectionDeviceId, 'sdk-d2c');
      assert.equal(e.systemProperties.messageSource, 'Telemetry');
      assert.equal(e.systemProperties.connectionAuthGenerationId, t.hub.hubState.registry.get('sdk-d2c')?.generationId);
      assert.deepEqual(JSON.parse(e.systemProperties.connectionAuthMethod ?? '{}'), { scope: 'device', type: 'sas', issuer: 'iothub', acceptingIpFilterRule: null });
      assert.ok(e.systemProperties.enqueuedTimeUtc);
      assert.deepEqual(e.applicationProperties, [{ name: 'alert', value: 'true' }, { name: 'unit', value: 'celsius degrees' }]);
      assert.equal(t.hub.hubState.registry.get('sdk-d2c')?.connectionState, 'Connected');
    } finally {
      await client.close();
    }
    await eventually(() => (t.hub.hubState.registry.get('sdk-d2c')?.connectionState === 'Disconnected' ? true : undefined), 'disconnected state');
  });

  void it('receives C2D with properties; PUBACK completes; offline messages arrive on reconnect', async () => {
    const dev = await t.createDevice('sdk-c2d');
    const received: Message[] = [];
    const connect = async (): Promise<Client> => {
      const c = Client.fromConnectionString(dev.connectionString, Mqtt);
      await c.setOptions({ ca: t.ca });
      c.on('message', (m: Message) => {
        received.push(m);
        void c.complete(m);
      });
      await c.open();
      return c;
    };
    let client = await connect();
    try {
      // Sent through the management API, as the extension does.
      const sent = await api.sendC2d('sdk-c2d', {
        systemProperties: { messageId: 'c2d-1', correlationId: 'cid-1', ack: 'full', contentType: 'text/plain', contentEncoding: 'utf-8', userId: 'ops' },
        applicationProperties: [{ name: 'cmd', value: 'reboot' }, { name: 'delay', value: '5' }],
        body: 'do it',
      });
      // The device is connected and subscribed: delivery starts while the send's commit is in
      // flight, so by the time the hub answers the device may have locked or even completed it.
      assert.equal(sent.messageId, 'c2d-1');
      assert.ok(['Enqueued', 'Invisible', 'Completed'].includes(sent.state), `state ${sent.state}`);
      const m = await eventually(() => received[0], 'the C2D message');
      assert.equal(m.data.toString(), 'do it');
      assert.equal(m.messageId, 'c2d-1');
      assert.equal(m.correlationId, 'cid-1');
      assert.equal(m.to, `/devices/sdk-c2d/messages/devicebound`);
      // The SDK has no field for iothub-ack: it surfaces as a property, exactly as IoT Hub sends it.
      assert.equal(m.properties.getValue('iothub-ack'), 'full');
      assert.equal(m.contentType, 'text/plain');
      assert.equal(m.contentEncoding, 'utf-8');
      assert.equal(m.userId, 'ops');
      assert.equal(m.properties.getValue('cmd'), 'reboot');
      assert.equal(m.properties.getValue('delay'), '5');
      assert.ok(m.expiryTimeUtc);
      // The SDK PUBACKs; the hub completes: the queue empties and a Success feedback record appears.
      await eventually(() => (t.hub.hubState.c2d.depth('sdk-c2d') === 0 ? true : undefined), 'completion');
      await eventually(() => t.hub.hubState.feedback.read().flatMap((b) => b.records).find((r) => r.originalMessageId === 'c2d-1' && r.statusCode === 'Success'), 'feedback', 5000);

      // Offline: messages queue up and arrive, in order, after reconnecting.
      await client.close();
      received.length = 0;
      for (const n of [1, 2, 3]) {
        await api.sendC2d('sdk-c2d', { systemProperties: { messageId: `off-${n}` }, body: `m${n}` });
      }
      assert.equal(t.hub.hubState.c2d.depth('sdk-c2d'), 3);
      client = await connect();
      await eventually(() => (received.length === 3 ? true : undefined), 'three queued messages');
      assert.deepEqual(received.map((r) => r.messageId), ['off-1', 'off-2', 'off-3']);
      await eventually(() => (t.hub.hubState.c2d.depth('sdk-c2d') === 0 ? true : undefined), 'queue drained');
    } finally {
      await client.close();
    }
  });
});

void describe('azure-iot-device over MQTT over WebSocket (MqttWs)', () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub();
  });
  after(async () => {
    await t.close();
  });

  void it('sends D2C and receives C2D through /$iothub/websocket on the HTTPS port', async () => {
    const port = t.apiPort;
    // The SDK hard-codes port 443 for MqttWs; the hub's HTTPS port is ephemeral here, so only the URI changes.
    class MqttWsOnHubPort extends MqttWs {
      protected override _getBaseTransportConfig(credentials: Parameters<MqttWs['_getBaseTransportConfig']>[0]): ReturnType<MqttWs['_getBaseTransportConfig']> {
        const config = super._getBaseTransportConfig(credentials);
        config.uri = `wss://localhost:${port}/$iothub/websocket`;
        return config;
      }
    }
    const dev = await t.createDevice('sdk-ws');
    const client = Client.fromConnectionString(dev.connectionString, MqttWsOnHubPort);
    await client.setOptions({ ca: t.ca });
    const received: Message[] = [];
    client.on('message', (m: Message) => {
      received.push(m);
      void client.complete(m);
    });
    await client.open();
    try {
      const msg = new Message('over ws');
      msg.messageId = 'ws-1';
      msg.properties.add('via', 'websocket');
      await client.sendEvent(msg);
      const stored = (await allD2c(t)).find((e) => e.deviceId === 'sdk-ws');
      assert.equal(stored?.systemProperties.messageId, 'ws-1');
      assert.deepEqual(stored?.applicationProperties, [{ name: 'via', value: 'websocket' }]);
      await t.hub.hubState.c2d.send('sdk-ws', { systemProperties: { messageId: 'down-1' }, applicationProperties: [{ name: 'k', value: 'v' }], body: Buffer.from('hi') });
      const m = await eventually(() => received[0], 'C2D over WebSocket');
      assert.equal(m.messageId, 'down-1');
      assert.equal(m.properties.getValue('k'), 'v');
      await eventually(() => (t.hub.hubState.c2d.depth('sdk-ws') === 0 ? true : undefined), 'completion over WebSocket');
    } finally {
      await client.close();
    }
  });
});
