// The official service SDK's Client (azure-iothub, AMQP over TLS) against the local hub's service
// endpoint, unchanged: C2D with every property to a device connected with azure-iot-device over
// MQTT, feedback through getFeedbackReceiver, and each error IoT Hub maps to an SDK error type.
// The hub's connection string for the SDK (`connectionInfo.service.connectionString`) carries the
// ephemeral AMQP port in HostName, which the SDK's AMQP transport honours.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Client as DeviceClient, type Message as DeviceMessage } from 'azure-iot-device';
import { Mqtt } from 'azure-iot-device-mqtt';
import { Message, NoRetry } from 'azure-iot-common';
import { AmqpWs, Client } from 'azure-iothub';
import { eventually, startTestHub, type TestHub } from '../hub/testHub';
import { trustLocalCa } from './trustLocalCa';

function serviceClient(t: TestHub, connectionString = t.hub.connectionInfo.service!.connectionString): Client {
  const client = Client.fromConnectionString(connectionString);
  client.setRetryPolicy(new NoRetry());
  return client;
}

function withPolicy(t: TestHub, keyName: string, key?: string): string {
  const policy = t.hub.hubState.policies.find((p) => p.keyName === keyName)!;
  return t.hub.connectionInfo.service!.connectionString
    .replace(/SharedAccessKeyName=[^;]+/, `SharedAccessKeyName=${keyName}`)
    .replace(/SharedAccessKey=[^;]+$/, `SharedAccessKey=${key ?? policy.primaryKey}`);
}

/**
 * AmqpWs always dials `wss://{host}:443/$iothub/websocket`; the hub's HTTPS port is ephemeral here,
 * so this subclass overrides only that URI (standardPorts.test.ts runs AmqpWs itself on 443).
 */
function amqpWsOnPort(port: number): typeof AmqpWs {
  return class LocalAmqpWs extends AmqpWs {
    protected override _getConnectionUri(): string {
      return `wss://localhost:${port}/$iothub/websocket`;
    }
  };
}

void describe('azure-iothub Client over AMQP/TLS', () => {
  let t: TestHub;
  let untrust: () => void;
  before(async () => {
    t = await startTestHub({ serviceAmqpPort: 0, feedbackBatchMs: 20 });
    untrust = trustLocalCa(t.ca);
  });
  after(async () => {
    untrust();
    await t.close();
  });

  void it('sends C2D with every property to a connected device and reads its feedback', async () => {
    const dev = await t.createDevice('svc-c2d');
    const device = DeviceClient.fromConnectionString(dev.connectionString, Mqtt);
    await device.setOptions({ ca: t.ca });
    const received: DeviceMessage[] = [];
    device.on('message', (m: DeviceMessage) => {
      received.push(m);
      void device.complete(m);
    });
    await device.open();
    const client = serviceClient(t);
    await client.open();
    try {
      const feedback: { contentType: string | undefined; body: string }[] = [];
      const { result: receiver } = await client.getFeedbackReceiver() as unknown as { result: NodeJS.EventEmitter };
      receiver.on('message', (m: Message) => feedback.push({ contentType: m.contentType, body: m.getData().toString() }));

      const messageId = randomUUID();
      const correlationId = randomUUID();
      // A number (ms since the epoch): the SDK's bundled rhea 1.0.24 cannot encode a Date here
      // ("value.copy is not a function", client side, before anything reaches the hub).
      const expiry = Date.now() + 10 * 60_000;
      const msg = new Message('hello c2d');
      msg.messageId = messageId;
      msg.correlationId = correlationId;
      msg.expiryTimeUtc = expiry;
      msg.contentType = 'application/json';
      msg.contentEncoding = 'utf-8';
      msg.ack = 'full';
      msg.properties.add('color', 'red');
      msg.properties.add('count', '2');
      const sent = await client.send('svc-c2d', msg);
      assert.equal(sent.result?.constructor.name, 'MessageEnqueued');

      const got = await eventually(() => received[0], 'the device to receive the C2D message');
      assert.equal(got.data.toString(), 'hello c2d');
      assert.equal(got.messageId, messageId);
      assert.equal(got.correlationId, correlationId);
      assert.equal(got.contentType, 'application/json');
      assert.equal(got.contentEncoding, 'utf-8');
      // The device SDK's MQTT transport leaves iothub-ack among the properties.
      assert.equal(got.properties.getValue('iothub-ack'), 'full');
      assert.equal(new Date(got.expiryTimeUtc as string).getTime(), expiry);
      assert.equal(got.properties.getValue('color'), 'red');
      assert.equal(got.properties.getValue('count'), '2');

      const fb = await eventually(() => feedback[0], 'a feedback message', 10_000);
      assert.equal(fb.contentType, 'application/vnd.microsoft.iothub.feedback.json');
      const records = JSON.parse(fb.body) as Record<string, unknown>[];
      assert.equal(records.length, 1);
      assert.equal(records[0]!['originalMessageId'], messageId);
      assert.equal(records[0]!['deviceId'], 'svc-c2d');
      assert.equal(records[0]!['statusCode'], 'Success');
      assert.equal(records[0]!['deviceGenerationId'], t.hub.hubState.registry.get('svc-c2d')?.generationId);
      // The SDK accepts (settles) each feedback message; the hub then removes the batch.
      await eventually(() => (t.hub.hubState.feedback.read().length === 0 ? true : undefined), 'the accepted batch to be removed');
    } finally {
      await client.close();
      await device.close();
    }
  });

  void it('sends C2D and reads feedback over AMQP over WebSocket (AMQPWSB10 on the HTTPS port)', async () => {
    await t.createDevice('svc-ws');
    const client = Client.fromConnectionString(t.hub.connectionInfo.service!.connectionString, amqpWsOnPort(t.apiPort));
    client.setRetryPolicy(new NoRetry());
    await client.open();
    try {
      const feedback: string[] = [];
      const { result: receiver } = await client.getFeedbackReceiver() as unknown as { result: NodeJS.EventEmitter };
      receiver.on('message', (m: Message) => feedback.push(m.getData().toString()));
      const msg = new Message('over websocket');
      msg.messageId = 'ws-1';
      msg.ack = 'negative';
      msg.properties.add('via', 'ws');
      await client.send('svc-ws', msg);
      const queued = t.hub.hubState.c2d.peek('svc-ws');
      assert.equal(queued.length, 1);
      assert.equal(Buffer.from(queued[0]!.body).toString(), 'over websocket');
      assert.deepEqual(queued[0]!.applicationProperties, [{ name: 'via', value: 'ws' }]);
      // Purged counts as negative: the feedback comes back over the same WebSocket connection.
      await t.hub.hubState.c2d.purge('svc-ws');
      const fb = await eventually(() => feedback[0], 'feedback over WebSocket', 10_000);
      assert.equal((JSON.parse(fb) as { statusCode: string }[])[0]!.statusCode, 'Purged');
    } finally {
      await client.close();
    }
  });

  void it('maps refusals to the SDK error types', async () => {
    await t.createDevice('svc-full');
    const client = serviceClient(t);
    await client.open();
    try {
      await assert.rejects(client.send('no-such-device', new Message('x')), (e: Error) => e.name === 'DeviceNotFoundError');
      await assert.rejects(client.send('svc-full', new Message(Buffer.alloc(70 * 1024))), (e: Error) => e.name === 'MessageTooLargeError');
      const bad = new Message('x');
      bad.properties.add('bad name', 'v');
      await assert.rejects(client.send('svc-full', bad), (e: Error) => e.name === 'ArgumentError');
      for (let i = 0; i < 50; i++) await client.send('svc-full', new Message(`m${i}`));
      await assert.rejects(client.send('svc-full', new Message('one too many')), (e: Error) => e.name === 'DeviceMaximumQueueDepthExceededError');
      assert.equal(t.hub.hubState.c2d.depth('svc-full'), 50);
    } finally {
      await client.close();
    }
    // A policy without ServiceConnect, and a wrong key, are refused at open: the put-token answer
    // is 401, which the SDK turns into UnauthorizedError and wraps in its "Could not connect" error.
    const unauthorized = (e: Error & { amqpError?: Error }): boolean =>
      e.name === 'UnauthorizedError' || (e.amqpError?.name === 'UnauthorizedError' && /ServiceConnect|signature/i.test(e.amqpError.message));
    await assert.rejects(serviceClient(t, withPolicy(t, 'registryRead')).open(), unauthorized);
    await assert.rejects(serviceClient(t, withPolicy(t, 'service', Buffer.alloc(32, 7).toString('base64'))).open(), unauthorized);
    // The endpoint still serves a good client afterwards.
    const again = serviceClient(t);
    await again.open();
    await again.close();
  });
});
