// A back end holding only the IoT Hub connection string finds its telemetry as on Azure: a
// receiver on the service endpoint's events address gets amqp:link:redirect to the Event
// Hubs-compatible entity (the conversion the Azure samples do, step by step, with SASL PLAIN and
// a SAS token as the password), and the unchanged EventHubConsumerClient reads from where it
// points (TLS, no emulator flag). The Event Hubs entities also answer over WebSocket on the HTTPS
// port (`/$servicebus/websocket`), which EventHubConsumerClient uses with `webSocketOptions`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventHubConsumerClient, earliestEventPosition, type ReceivedEventData } from '@azure/event-hubs';
import { create_container, type AmqpError, type EventContext } from 'rhea';
import WebSocket from 'ws';
import { createSasToken } from '../../../src/core/auth/sas';
import { startTestHub, type TestHub } from '../hub/testHub';
import { trustLocalCa } from './trustLocalCa';

/** What the Azure samples do with an IoT Hub connection string: open a receiver on messages/events and read the redirect. */
function redirectFor(t: TestHub, address: (host: string) => string, credentials: 'sas' | 'none' = 'sas'): Promise<AmqpError> {
  const owner = t.hub.hubState.policies.find((p) => p.keyName === 'iothubowner')!;
  const hostName = `localhost:${t.hub.connectionInfo.service!.amqpPort!}`;
  const container = create_container();
  const options: Record<string, unknown> = {
    transport: 'tls', host: 'localhost', hostname: hostName, port: t.hub.connectionInfo.service!.amqpPort, ca: t.ca, reconnect: false,
  };
  if (credentials === 'sas') {
    options['username'] = `${owner.keyName}@sas.root.${t.hub.hubState.hubName}`;
    options['password'] = createSasToken({ resourceUri: `${hostName}/messages/events`, key: owner.primaryKey, keyName: owner.keyName, expiresAtSeconds: Math.floor(Date.now() / 1000) + 300 });
  }
  return new Promise((resolve, reject) => {
    const connection = container.connect(options as never);
    connection.on('receiver_error', (ctx: EventContext) => {
      resolve(ctx.receiver!.error as AmqpError);
      connection.close();
    });
    // A refusal is an attach (no source) followed by a detach with the error: wait for the detach.
    connection.on('disconnected', (ctx: EventContext) => reject(new Error(`disconnected: ${String(ctx.error)}`)));
    connection.open_receiver({ source: { address: address(hostName) } });
  });
}

async function readOne(consumer: EventHubConsumerClient): Promise<ReceivedEventData> {
  return new Promise((resolve, reject) => {
    const sub = consumer.subscribe({
      processEvents: async (events) => {
        if (events.length > 0) {
          await sub.close();
          resolve(events[0]!);
        }
      },
      processError: async (e) => reject(e),
    }, { startPosition: earliestEventPosition, maxWaitTimeInSeconds: 1 });
  });
}

void describe('service endpoint: events redirect and Event Hubs over TLS and WebSocket', () => {
  let t: TestHub;
  let untrust: () => void;
  before(async () => {
    t = await startTestHub({ serviceAmqpPort: 0 });
    untrust = trustLocalCa(t.ca);
    await t.createDevice('tele-1');
    await t.hub.hubState.d2c.append({ deviceId: 'tele-1', systemProperties: { messageId: 'm-1' }, applicationProperties: [{ name: 'k', value: 'v' }], body: Buffer.from('{"t":21}') });
  });
  after(async () => {
    untrust();
    await t.close();
  });

  void it('redirects messages/events to the Event Hubs-compatible entity, which EventHubConsumerClient reads', async () => {
    const error = await redirectFor(t, (host) => `amqps://${host}/messages/events/$management`);
    assert.equal(error.condition, 'amqp:link:redirect');
    const info = error.info as Record<string, unknown>;
    const port = t.hub.connectionInfo.service!.amqpPort!;
    assert.equal(info['hostname'], `localhost:${port}`);
    assert.equal(info['port'], port);
    assert.equal(info['address'], `amqps://localhost:${port}/local-hub/$management`);
    // The sample's conversion, verbatim in spirit: entity from the address, endpoint from hostname.
    const entity = /:\d+\/(.*)\/\$management/i.exec(String(info['address']))![1]!;
    const owner = t.hub.hubState.policies.find((p) => p.keyName === 'iothubowner')!;
    const cs = `Endpoint=sb://${String(info['hostname'])}/;EntityPath=${entity};SharedAccessKeyName=${owner.keyName};SharedAccessKey=${owner.primaryKey}`;
    const consumer = new EventHubConsumerClient('$Default', cs);
    try {
      const event = await readOne(consumer);
      assert.deepEqual(event.body, { t: 21 });
      assert.equal(event.messageId, 'm-1');
      assert.equal(event.systemProperties?.['iothub-connection-device-id'], 'tele-1');
      assert.deepEqual(event.properties, { k: 'v' });
    } finally {
      await consumer.close();
    }
  });

  void it('keeps the consumer group and partition of the events address in the redirect', async () => {
    const error = await redirectFor(t, () => 'messages/events/ConsumerGroups/$Default/Partitions/1');
    assert.equal(error.condition, 'amqp:link:redirect');
    assert.match(String((error.info as Record<string, unknown>)['address']), /\/local-hub\/ConsumerGroups\/\$Default\/Partitions\/1$/);
  });

  void it('refuses the events address without credentials', async () => {
    const error = await redirectFor(t, () => 'messages/events', 'none');
    assert.equal(error.condition, 'amqp:unauthorized-access');
  });

  void it('serves EventHubConsumerClient over WebSocket on the HTTPS port', async () => {
    const cs = t.hub.connectionInfo.service!.eventHubsConnectionString!.replace(/sb:\/\/localhost:\d+\//, `sb://localhost:${t.apiPort}/`);
    const consumer = new EventHubConsumerClient('$Default', cs, {
      webSocketOptions: { webSocket: WebSocket, webSocketConstructorOptions: { ca: t.ca } },
    });
    try {
      const event = await readOne(consumer);
      assert.equal(event.messageId, 'm-1');
      assert.equal(event.systemProperties?.['iothub-connection-device-id'], 'tele-1');
    } finally {
      await consumer.close();
    }
  });
});
