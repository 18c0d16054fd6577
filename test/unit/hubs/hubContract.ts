// The behaviour every HubConnection shares (local hub, Azure IoT Hub), as one suite run once per
// implementation against a real local hub: registry with paging and filters, keys and credentials,
// C2D send with properties, receive and settle as the device, feedback, purge. What differs
// (queue peek, consumer groups, lifecycle) stays in each implementation's own test file.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseDeviceConnectionString } from '../../../src/core/auth/connectionString';
import { parseSasToken } from '../../../src/core/auth/sas';
import { HubRequestError, type HubChange, type HubConnection } from '../../../src/hubs/hubConnection';
import { eventually, type TestHub } from '../hub/testHub';

export interface ContractSubject {
  hub: HubConnection;
  /** The local hub underneath, to check what really happened. */
  t: TestHub;
  close(): Promise<void>;
}

export interface ContractOptions {
  /** Why this hub cannot send C2D here yet: those tests are reported as skipped with it. */
  skipC2dSend?: string;
}

export function hubContract(name: string, setup: () => Promise<ContractSubject>, options: ContractOptions = {}): void {
  const c2d = options.skipC2dSend === undefined ? {} : { skip: options.skipC2dSend };
  void describe(`HubConnection contract: ${name}`, () => {
    // Unset when setup failed: `after` then has nothing to close.
    let s: ContractSubject = undefined as unknown as ContractSubject;
    let hub: HubConnection;
    const changes: HubChange[] = [];

    before(async () => {
      s = await setup();
      hub = s.hub;
      hub.onDidChange((c) => changes.push(c));
    });
    after(async () => {
      if ((s as ContractSubject | undefined) !== undefined) await s.close();
    });

    void it('creates, lists (paged, filtered), disables and deletes devices, with events and without keys', async () => {
      for (const id of ['sim-001', 'sim-002', 'sim-010', 'thermostat']) await hub.createDevice(id);
      const first = await hub.listDevices({ pageSize: 2 });
      assert.equal(first.items.length, 2);
      assert.ok(first.continuationToken, 'a first page of two out of four has a continuation');
      const rest = await hub.listDevices({ pageSize: 2, continuationToken: first.continuationToken });
      assert.deepEqual([...first.items, ...rest.items].map((d) => d.deviceId).sort(), ['sim-001', 'sim-002', 'sim-010', 'thermostat']);
      assert.equal(rest.continuationToken, undefined);
      assert.deepEqual((await hub.listDevices({ filter: 'sim-00?' })).items.map((d) => d.deviceId).sort(), ['sim-001', 'sim-002']);
      assert.deepEqual((await hub.listDevices({ filter: 'therm' })).items.map((d) => d.deviceId), ['thermostat']);
      assert.ok(!JSON.stringify(first).includes('Key'), 'a listed device carries no key');
      const listed = first.items[0]!;
      assert.equal(listed.status, 'enabled');
      assert.equal(listed.connectionState, 'Disconnected');
      assert.equal(listed.authType, 'sas');
      assert.equal(listed.cloudToDeviceMessageCount, 0);

      const disabled = await hub.setDeviceStatus('thermostat', 'disabled', 'maintenance');
      assert.equal(disabled.status, 'disabled');
      assert.equal(disabled.statusReason, 'maintenance');
      assert.equal(s.t.hub.hubState.registry.get('thermostat')?.status, 'disabled');
      await eventually(() => changes.find((c) => c.kind === 'device' && c.device.deviceId === 'thermostat' && c.device.status === 'disabled'), 'the disable event');

      await assert.rejects(hub.setDeviceStatus('thermostat', 'enabled', undefined, 'stale-etag'), (e) => e instanceof HubRequestError && e.kind === 'changed-meanwhile');
      await assert.rejects(hub.createDevice('thermostat'), (e) => e instanceof HubRequestError && e.kind === 'device-exists');
      await hub.deleteDevice('thermostat');
      assert.equal(await hub.getDevice('thermostat'), undefined);
      assert.equal(s.t.hub.hubState.registry.get('thermostat'), undefined);
      await eventually(() => changes.find((c) => c.kind === 'deviceDeleted' && c.deviceId === 'thermostat'), 'the delete event');
      await assert.rejects(hub.deleteDevice('thermostat'), (e) => e instanceof HubRequestError && e.kind === 'device-not-found' && !/SharedAccess/.test(e.message));
    });

    void it('gives connection strings and SAS tokens for either key, and regenerates a key', async () => {
      const keys = await hub.deviceKeys('sim-001');
      assert.equal(keys.primaryKey, s.t.hub.hubState.registry.get('sim-001')?.authentication.symmetricKey.primaryKey);
      const cs = parseDeviceConnectionString(await hub.deviceConnectionString('sim-001', 'secondary'));
      assert.equal(cs.deviceId, 'sim-001');
      assert.equal(cs.sharedAccessKey, keys.secondaryKey);
      assert.ok(cs.hostName === hub.hostName || cs.hostName.startsWith(`${hub.hostName ?? ''}:`), `host ${cs.hostName}`);
      const token = parseSasToken(await hub.deviceSasToken('sim-001', 600));
      assert.equal(token.resourceUri, 'localhost/devices/sim-001');
      assert.ok(Math.abs(token.expiresAtSeconds - (Date.now() / 1000 + 600)) < 5);
      const before = s.t.hub.hubState.registry.get('sim-001')!;
      await hub.regenerateKey('sim-001', 'primary');
      const after = await hub.deviceKeys('sim-001');
      assert.notEqual(after.primaryKey, keys.primaryKey);
      assert.equal(after.secondaryKey, keys.secondaryKey);
      assert.equal(s.t.hub.hubState.registry.get('sim-001')?.status, before.status, 'nothing else changed');
    });

    void it('sends C2D with system and application properties, receives and completes it as the device, and reports feedback', c2d, async () => {
      const expiry = new Date(Date.now() + 3_600_000);
      const sent = await hub.sender.sendC2d('sim-002', {
        direction: 'c2d',
        systemProperties: { messageId: 'm-1', correlationId: 'corr-1', ack: 'full', contentType: 'application/json', contentEncoding: 'utf-8', expiryTimeUtc: expiry.toISOString() },
        applicationProperties: [{ name: 'command', value: 'reboot' }, { name: 'delay', value: '5' }],
        body: Buffer.from('{"x":1}'),
      });
      assert.equal(sent.messageId, 'm-1');
      assert.equal(sent.messageIdAssigned, false);
      await eventually(() => (s.t.hub.hubState.c2d.depth('sim-002') === 1 ? true : undefined), 'the message in the queue');
      await eventually(() => changes.find((c) => c.kind === 'queue' && c.deviceId === 'sim-002' && c.depth === 1), 'the queue depth event');

      const received = await hub.receiveC2dAsDevice('sim-002');
      assert.ok(received);
      assert.equal(received.body.toString(), '{"x":1}');
      assert.equal(received.systemProperties.messageId, 'm-1');
      assert.equal(received.systemProperties.correlationId, 'corr-1');
      assert.equal(received.systemProperties.ack, 'full');
      assert.equal(received.systemProperties.contentType, 'application/json');
      assert.equal(received.systemProperties.contentEncoding, 'utf-8');
      assert.ok(Math.abs(new Date(received.systemProperties.expiryTimeUtc ?? 0).getTime() - expiry.getTime()) < 1000, `expiry ${received.systemProperties.expiryTimeUtc ?? ''} is the one sent`);
      assert.deepEqual(received.applicationProperties.filter((p) => p.name === 'command' || p.name === 'delay'), [{ name: 'command', value: 'reboot' }, { name: 'delay', value: '5' }]);
      await hub.settleC2dAsDevice('sim-002', received.lockToken, 'complete');
      assert.equal(await hub.receiveC2dAsDevice('sim-002'), undefined, 'no message waiting is not an error');
      await eventually(async () => (await hub.recentFeedback()).find((r) => r.originalMessageId === 'm-1' && r.statusCode === 'Success'), 'the Success feedback', 15_000);
      await eventually(() => changes.find((c) => c.kind === 'feedback' && c.records.some((r) => r.originalMessageId === 'm-1')), 'a feedback event', 15_000);
    });

    void it('rejects and abandons as the device', c2d, async () => {
      await hub.sender.sendC2d('sim-001', { direction: 'c2d', systemProperties: { messageId: 'r-1' }, applicationProperties: [], body: Buffer.from('r') });
      await eventually(() => (s.t.hub.hubState.c2d.depth('sim-001') === 1 ? true : undefined), 'queued');
      const first = await hub.receiveC2dAsDevice('sim-001');
      assert.ok(first);
      await hub.settleC2dAsDevice('sim-001', first.lockToken, 'abandon');
      const again = await hub.receiveC2dAsDevice('sim-001');
      assert.equal(again?.systemProperties.messageId, 'r-1');
      assert.equal(again?.deliveryCount, 2);
      await hub.settleC2dAsDevice('sim-001', again!.lockToken, 'reject');
      assert.equal(s.t.hub.hubState.c2d.depth('sim-001'), 0);
    });

    void it('purges a queue, with the count and an event; a send to an unknown device says so', c2d, async () => {
      for (let i = 0; i < 3; i++) await hub.sender.sendC2d('sim-010', { direction: 'c2d', systemProperties: {}, applicationProperties: [], body: Buffer.from(String(i)) });
      await eventually(() => (s.t.hub.hubState.c2d.depth('sim-010') === 3 ? true : undefined), 'three queued');
      assert.equal((await hub.getDevice('sim-010'))?.cloudToDeviceMessageCount, 3, 'the depth shows on the device');
      assert.equal(await hub.purgeQueue('sim-010'), 3);
      await eventually(() => changes.find((c) => c.kind === 'purged' && c.deviceId === 'sim-010' && c.count === 3), 'the purge event');
      assert.equal(s.t.hub.hubState.c2d.depth('sim-010'), 0);
      await assert.rejects(hub.sender.sendC2d('nobody', { direction: 'c2d', systemProperties: {}, applicationProperties: [], body: Buffer.from('x') }), (e: Error) => /not registered|not found/i.test(e.message));
    });

    void it('sends D2C as a device through the device HTTPS API', async () => {
      const sent = await hub.sender.sendD2c('sim-001', { direction: 'd2c', systemProperties: { messageId: 'd-1', contentType: 'application/json' }, applicationProperties: [{ name: 'alert', value: 'true' }], body: Buffer.from('{"t":1}') });
      assert.equal(sent.messageId, 'd-1');
      const d2c = s.t.hub.hubState.d2c;
      await eventually(async () => {
        for (let p = 0; p < d2c.partitionCount; p++) {
          const hit = (await d2c.read(p, 0, 1000)).find((e) => e.systemProperties.messageId === 'd-1');
          if (hit) return hit;
        }
        return undefined;
      }, 'the D2C event');
    });

    void it('names a device MQTT endpoint', async () => {
      const mqtt = await hub.deviceMqttEndpoint();
      assert.equal(mqtt.port, s.t.mqttPort);
      assert.equal(mqtt.hostName, 'localhost');
    });
  });
}
