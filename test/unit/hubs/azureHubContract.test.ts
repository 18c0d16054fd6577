// The shared HubConnection contract (hubContract.ts) run for the Azure implementation: the official
// service SDK (Registry's query API, Client over AMQP with CBS, its feedback receiver) against the
// local hub standing in for Azure, reached through the test-only LocalTrust (CA and ports).
import * as assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client as DeviceClient, type Message as DeviceMessage } from 'azure-iot-device';
import { Mqtt } from 'azure-iot-device-mqtt';
import { parseHubConnectionString } from '../../../src/core/auth/connectionString';
import { AzureHubConnection } from '../../../src/hubs/azure/azureHubConnection';
import { D2cMonitor } from '../../../src/monitor/d2cMonitor';
import type { MonitoredMessage } from '../../../src/monitor/monitoredMessage';
import { eventually, startTestHub, type TestHub } from '../hub/testHub';
import { trustLocalCa } from '../service/trustLocalCa';
import { azureStyle, trustOf } from './azureTestHub';
import { hubContract } from './hubContract';


hubContract('azure (official service SDK)', async () => {
  const t = await startTestHub({ serviceAmqpPort: 0 });
  const hub = new AzureHubConnection({ connectionString: azureStyle(t), localTrust: trustOf(t) });
  try {
    await hub.open();
  } catch (e) {
    hub.dispose();
    await t.close();
    throw e;
  }
  return {
    hub, t,
    async close() {
      hub.dispose();
      await t.close();
    },
  };
});

describe('AzureHubConnection against the service endpoint', () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub({ serviceAmqpPort: 0 });
  });
  after(async () => {
    await t.close();
  });

  it('opens with one registry call: running, an id and label from the host name, no key in its description', async () => {
    const hub = new AzureHubConnection({ connectionString: azureStyle(t), localTrust: trustOf(t) });
    try {
      const states: string[] = [];
      hub.onDidChangeStatus((s) => states.push(s.state));
      await hub.open();
      assert.deepEqual(states, ['running']);
      assert.equal(hub.id, 'azure:localhost');
      assert.equal(hub.kind, 'azure');
      assert.equal(hub.label, 'localhost');
      assert.deepEqual(hub.capabilities, { queuePeek: false, feedbackHistory: false, manageConsumerGroups: false, lifecycle: false });
      const text = hub.describe().join('\n');
      assert.ok(!text.includes(parseHubConnectionString(azureStyle(t)).sharedAccessKey));
      assert.match(text, /private/);
    } finally {
      hub.dispose();
    }
  });

  it('a wrong key fails open as unauthorized and marks the hub failed', async () => {
    const wrong = Buffer.alloc(32, 7).toString('base64');
    const hub = new AzureHubConnection({ connectionString: azureStyle(t, wrong), localTrust: trustOf(t) });
    try {
      await assert.rejects(hub.open(), (e: Error) => /SharedAccessKey/.test(e.message) && !e.message.includes(wrong));
      assert.equal(hub.status.state, 'failed');
    } finally {
      hub.dispose();
    }
  });

  it('C2D carries every property IoT Hub\'s service AMQP carries, to a device connected with the official device SDK over MQTT', async () => {
    const dev = await t.createDevice('props-1');
    const device = DeviceClient.fromConnectionString(dev.connectionString, Mqtt);
    await device.setOptions({ ca: t.ca });
    const received: DeviceMessage[] = [];
    device.on('message', (m: DeviceMessage) => {
      received.push(m);
      void device.complete(m);
    });
    await device.open();
    const hub = new AzureHubConnection({ connectionString: azureStyle(t), localTrust: trustOf(t) });
    try {
      const expiry = new Date(Date.now() + 10 * 60_000);
      const sent = await hub.sender.sendC2d('props-1', {
        direction: 'c2d',
        systemProperties: {
          messageId: 'all-props', correlationId: 'corr-9', userId: 'backend-7', to: '/devices/props-1/messages/devicebound',
          expiryTimeUtc: expiry.toISOString(), contentType: 'application/json', contentEncoding: 'utf-8',
          creationTimeUtc: '2026-12-07T10:00:00.000Z', subject: 'thermostat1', ack: 'positive',
        },
        applicationProperties: [{ name: 'command', value: 'reboot' }],
        body: Buffer.from('{"go":true}'),
      });
      assert.deepEqual(sent.notCarried, [], 'every settable C2D property is carried');
      const got = await eventually(() => received[0], 'the device to receive the message', 10_000);
      assert.equal(got.data.toString(), '{"go":true}');
      assert.equal(got.messageId, 'all-props');
      assert.equal(got.correlationId, 'corr-9');
      assert.equal(got.userId, 'backend-7');
      assert.equal(got.to, '/devices/props-1/messages/devicebound');
      assert.equal(new Date(got.expiryTimeUtc as string).getTime(), expiry.getTime());
      assert.equal(got.contentType, 'application/json');
      assert.equal(got.contentEncoding, 'utf-8');
      // azure-iot-device-mqtt has no field for $.ctime and $.sub (nor iothub-ack): it lists them as properties.
      assert.equal(got.properties.getValue('$.ctime'), '2026-12-07T10:00:00.000Z');
      assert.equal(got.properties.getValue('$.sub'), 'thermostat1');
      assert.equal(got.properties.getValue('iothub-ack'), 'positive');
      assert.equal(got.properties.getValue('command'), 'reboot');
      assert.equal(got.properties.getValue('iothub-creation-time-utc'), undefined, 'the creation time is a system property, not an application one');

      // A `to` other than the device's address cannot be carried: IoT Hub addresses the message itself.
      const other = await hub.sender.sendC2d('props-1', { direction: 'c2d', systemProperties: { to: '/elsewhere' }, applicationProperties: [], body: Buffer.from('x') });
      assert.deepEqual(other.notCarried, ['to']);
      const second = await eventually(() => received[1], 'the second message', 10_000);
      assert.equal(second.to, '/devices/props-1/messages/devicebound');
      // The creation time travels under iothub-creation-time-utc: the same name as an application property is refused, not lost.
      await assert.rejects(
        hub.sender.sendC2d('props-1', { direction: 'c2d', systemProperties: { creationTimeUtc: '2026-12-07T10:00:00.000Z' }, applicationProperties: [{ name: 'iothub-creation-time-utc', value: 'x' }], body: Buffer.from('x') }),
        /appears twice \(the creation time travels under that name\)/,
      );
    } finally {
      hub.dispose();
      await device.close();
    }
  });

  it('pages 2,500 devices through the query API with continuation', async () => {
    for (let i = 0; i < 2500; i++) await t.hub.hubState.registry.create({ deviceId: `bulk-${String(i).padStart(5, '0')}` });
    const hub = new AzureHubConnection({ connectionString: azureStyle(t), localTrust: trustOf(t) });
    try {
      const seen = new Set<string>();
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await hub.listDevices(token === undefined ? { pageSize: 1000 } : { pageSize: 1000, continuationToken: token });
        for (const d of page.items) seen.add(d.deviceId);
        token = page.continuationToken;
        pages++;
      } while (token !== undefined);
      assert.equal(pages, 3);
      assert.equal([...seen].filter((id) => id.startsWith('bulk-')).length, 2500);
      const filtered = await hub.listDevices({ filter: 'bulk-0249?' });
      assert.deepEqual(filtered.items.map((d) => d.deviceId).sort(), Array.from({ length: 10 }, (_, i) => `bulk-0249${i}`));
    } finally {
      hub.dispose();
    }
  });

  it('resolves the Event Hubs-compatible endpoint through IoT Hub\'s events redirect, over AMQPS and over WebSockets', async () => {
    for (const webSockets of [false, true]) {
      const hub = new AzureHubConnection({ connectionString: azureStyle(t), localTrust: trustOf(t), webSockets });
      try {
        const ep = await hub.eventHubsEndpoint();
        assert.equal(ep.eventHubName, t.hub.hubState.hubName);
        assert.equal(ep.emulator, false);
        assert.equal(ep.webSockets, webSockets);
        const owner = parseHubConnectionString(azureStyle(t));
        assert.match(ep.connectionString, new RegExp(`^Endpoint=sb://localhost(:\\d+)?/;SharedAccessKeyName=${owner.sharedAccessKeyName};SharedAccessKey=.+;EntityPath=${ep.eventHubName}$`));
      } finally {
        hub.dispose();
      }
    }
  });

  it('the D2C monitor reads through an Azure hub over AMQP over WebSocket only (port 5671 closed), on the HTTPS port as Azure\'s 443', async () => {
    // A port nothing listens on stands in for a firewall that blocks 5671: the redirect and the
    // monitor must both go through the WebSocket path on the HTTPS port.
    const closed = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const port = (srv.address() as { port: number }).port;
        srv.close(() => resolve(port));
      });
    });
    // @azure/event-hubs takes no CA: trust the hub's CA as NODE_EXTRA_CA_CERTS would (see trustLocalCa.ts).
    const untrust = trustLocalCa(t.ca);
    const hub = new AzureHubConnection({ connectionString: azureStyle(t), localTrust: { ...trustOf(t), amqpPort: closed }, webSockets: true });
    const monitor = new D2cMonitor(hub, { consumerGroup: '$Default', start: { kind: 'now' }, scope: { kind: 'device', deviceId: 'ws-1' } });
    const got: MonitoredMessage[] = [];
    monitor.onMessages((batch) => got.push(...batch));
    try {
      await t.createDevice('ws-1');
      await hub.open();
      const ep = await hub.eventHubsEndpoint();
      assert.equal(ep.webSockets, true);
      assert.match(ep.connectionString, new RegExp(`^Endpoint=sb://localhost:${t.apiPort}/;`), 'WebSockets go to the HTTPS port');
      await monitor.start();
      assert.equal(monitor.state.state, 'running', monitor.state.state === 'stopped' ? monitor.state.reason : '');
      await hub.sender.sendD2c('ws-1', { direction: 'd2c', systemProperties: { messageId: 'over-ws', contentType: 'application/json' }, applicationProperties: [{ name: 'path', value: '443' }], body: Buffer.from('{"t":22}') });
      const msg = await eventually(() => got[0], 'the monitor to read the message over WebSockets', 15_000);
      assert.equal(msg.deviceId, 'ws-1');
      assert.equal(msg.systemProperties.messageId, 'over-ws');
      assert.equal(msg.systemProperties.connectionDeviceId, 'ws-1');
      assert.deepEqual(msg.applicationProperties, [{ name: 'path', value: '443' }]);
      assert.equal(new TextDecoder().decode(msg.body), '{"t":22}');

      // The same hub without WebSockets cannot read: 5671 is "blocked", and the monitor says so.
      const blocked = new AzureHubConnection({ connectionString: azureStyle(t), localTrust: { ...trustOf(t), amqpPort: closed }, timeoutMs: 5_000 });
      try {
        await blocked.open();
        await assert.rejects(blocked.eventHubsEndpoint(), (e: Error) => /could not be reached on port 5671/.test(e.message) && /WebSocket/.test(e.message));
      } finally {
        blocked.dispose();
      }
    } finally {
      await monitor.stop();
      hub.dispose();
      untrust();
    }
  });

  it('a wrong key is refused by the redirect too (SASL), and cancelling stops it', async () => {
    const hub = new AzureHubConnection({ connectionString: azureStyle(t, Buffer.alloc(32, 3).toString('base64')), localTrust: trustOf(t), timeoutMs: 10_000 });
    try {
      await assert.rejects(hub.eventHubsEndpoint(), (e: Error) => /refused|unauthori|credentials/i.test(e.message) && !/sig=/.test(e.message));
      const ac = new AbortController();
      ac.abort();
      await assert.rejects(hub.eventHubsEndpoint({ signal: ac.signal }), /cancelled/);
    } finally {
      hub.dispose();
    }
  });
});
