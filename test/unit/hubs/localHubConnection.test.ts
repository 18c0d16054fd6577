// The HubConnection interface's local implementation against a real local hub (in process, ephemeral
// ports): the registry, queue, feedback and change events the tree and commands rely on.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseDeviceConnectionString } from '../../../src/core/auth/connectionString';
import { parseSasToken } from '../../../src/core/auth/sas';
import { LocalHubClient } from '../../../src/hub/client/localHubClient';
import { compileDeviceFilter } from '../../../src/hubs/deviceFilter';
import { HubRequestError, type HubChange } from '../../../src/hubs/hubConnection';
import { LocalHubConnection } from '../../../src/hubs/local/localHubConnection';
import { eventually, startTestHub, type TestHub } from '../hub/testHub';

describe('device filter', () => {
  it('matches a part of an id, or * and ? wildcards over the whole id, case-sensitively', () => {
    assert.equal(compileDeviceFilter('therm').matches('my-thermostat'), true);
    assert.equal(compileDeviceFilter('Therm').matches('my-thermostat'), false);
    assert.equal(compileDeviceFilter('sim-00?').matches('sim-007'), true);
    assert.equal(compileDeviceFilter('sim-00?').matches('sim-0071'), false);
    assert.equal(compileDeviceFilter('*.a+b').matches('x.a+b'), true, 'regex characters are literal');
    assert.equal(compileDeviceFilter('*.a+b').matches('xxa+b'), false);
    assert.equal(compileDeviceFilter('sim-*').prefix, 'sim-');
  });
});

describe('LocalHubConnection', () => {
  let t: TestHub;
  let client: LocalHubClient;
  const hub = new LocalHubConnection();
  const changes: HubChange[] = [];

  before(async () => {
    t = await startTestHub();
    client = LocalHubClient.fromConnectionString(t.hub.connectionInfo.hubConnectionString, { ca: t.ca });
    hub.onDidChange((c) => changes.push(c));
  });
  after(async () => {
    hub.dispose();
    client.close();
    await t.close();
  });

  it('says the hub is stopped, with a kind a UI can act on, before it is attached', async () => {
    await assert.rejects(hub.listDevices(), (e) => e instanceof HubRequestError && e.kind === 'hub-stopped');
  });

  it('attaches to a running hub: status running and a reset for listeners', async () => {
    const statuses: string[] = [];
    const sub = hub.onDidChangeStatus((s) => statuses.push(s.state));
    hub.attach(t.hub.connectionInfo, client);
    sub.dispose();
    assert.deepEqual(statuses, ['running']);
    assert.equal(hub.status.state, 'running');
    assert.ok(changes.some((c) => c.kind === 'reset'));
    assert.ok(hub.describe().some((l) => l.includes('MQTT')));
    assert.ok(!hub.describe().join('\n').includes('SharedAccessKey'), 'no key in the tooltip lines');
  });

  it('creates, lists (paged, filtered), disables and deletes devices, with events and without keys', async () => {
    for (const id of ['sim-001', 'sim-002', 'sim-010', 'thermostat']) await hub.createDevice(id);
    const all = await hub.listDevices({ pageSize: 2 });
    assert.deepEqual(all.items.map((d) => d.deviceId), ['sim-001', 'sim-002']);
    assert.ok(all.continuationToken);
    const rest = await hub.listDevices({ pageSize: 2, continuationToken: all.continuationToken });
    assert.deepEqual(rest.items.map((d) => d.deviceId), ['sim-010', 'thermostat']);
    assert.deepEqual((await hub.listDevices({ filter: 'sim-00?' })).items.map((d) => d.deviceId), ['sim-001', 'sim-002']);
    assert.deepEqual((await hub.listDevices({ filter: 'therm' })).items.map((d) => d.deviceId), ['thermostat']);
    assert.ok(!JSON.stringify(all).includes('Key'), 'a listed device carries no key');

    const disabled = await hub.setDeviceStatus('thermostat', 'disabled', 'maintenance');
    assert.equal(disabled.status, 'disabled');
    assert.equal(disabled.statusReason, 'maintenance');
    await eventually(() => changes.find((c) => c.kind === 'device' && c.device.deviceId === 'thermostat' && c.device.status === 'disabled'), 'the disable event');

    await assert.rejects(hub.setDeviceStatus('thermostat', 'enabled', undefined, 'stale-etag'), (e) => e instanceof HubRequestError && e.kind === 'changed-meanwhile');
    await assert.rejects(hub.createDevice('thermostat'), (e) => e instanceof HubRequestError && e.kind === 'device-exists');
    await hub.deleteDevice('thermostat');
    assert.equal(await hub.getDevice('thermostat'), undefined);
    await eventually(() => changes.find((c) => c.kind === 'deviceDeleted' && c.deviceId === 'thermostat'), 'the delete event');
    await assert.rejects(hub.deleteDevice('thermostat'), (e) => e instanceof HubRequestError && e.kind === 'device-not-found');
  });

  it('gives connection strings and SAS tokens for either key, and regenerates a key', async () => {
    const keys = await hub.deviceKeys('sim-001');
    const cs = parseDeviceConnectionString(await hub.deviceConnectionString('sim-001', 'secondary'));
    assert.equal(cs.deviceId, 'sim-001');
    assert.equal(cs.sharedAccessKey, keys.secondaryKey);
    assert.equal(cs.hostName, `localhost:${t.mqttPort}`);
    const token = parseSasToken(await hub.deviceSasToken('sim-001', 600));
    assert.equal(token.resourceUri, 'localhost/devices/sim-001');
    assert.ok(Math.abs(token.expiresAtSeconds - (Date.now() / 1000 + 600)) < 5);
    await hub.regenerateKey('sim-001', 'primary');
    const after = await hub.deviceKeys('sim-001');
    assert.notEqual(after.primaryKey, keys.primaryKey);
    assert.equal(after.secondaryKey, keys.secondaryKey);
  });

  it('queues C2D with properties, peeks the queue with states, receives as the device, and reports feedback', async () => {
    const sent = await hub.sender.sendC2d('sim-002', {
      direction: 'c2d', systemProperties: { messageId: 'm-1', ack: 'full' }, applicationProperties: [{ name: 'command', value: 'reboot' }], body: Buffer.from('{"x":1}'),
    });
    assert.equal(sent.queueDepth, 1);
    await eventually(() => changes.find((c) => c.kind === 'queue' && c.deviceId === 'sim-002' && c.depth === 1), 'the enqueue event');
    const [queued] = await hub.peekQueue('sim-002');
    assert.equal(queued?.messageId, 'm-1');
    assert.equal(queued?.state, 'Enqueued');
    assert.equal(queued?.maxDeliveryCount, 10);
    assert.deepEqual(queued?.applicationProperties, [{ name: 'command', value: 'reboot' }]);

    const received = await hub.receiveC2dAsDevice('sim-002');
    assert.ok(received);
    assert.equal(received.systemProperties.messageId, 'm-1');
    assert.equal((await hub.peekQueue('sim-002'))[0]?.state, 'Invisible');
    await hub.settleC2dAsDevice('sim-002', received.lockToken, 'complete');
    assert.equal(await hub.receiveC2dAsDevice('sim-002'), undefined, 'no message waiting is not an error');
    await eventually(() => changes.find((c) => c.kind === 'feedback' && c.records.some((r) => r.originalMessageId === 'm-1' && r.statusCode === 'Success')), 'the feedback event', 10_000);
    const feedback = await hub.recentFeedback();
    assert.equal(feedback[0]?.originalMessageId, 'm-1');
  });

  it('purges a queue, with the count and an event', async () => {
    for (let i = 0; i < 3; i++) await hub.sender.sendC2d('sim-010', { direction: 'c2d', systemProperties: {}, applicationProperties: [], body: Buffer.from(String(i)) });
    assert.equal(await hub.purgeQueue('sim-010'), 3);
    await eventually(() => changes.find((c) => c.kind === 'purged' && c.deviceId === 'sim-010' && c.count === 3), 'the purge event');
    assert.deepEqual(await hub.peekQueue('sim-010'), []);
  });

  it('manages consumer groups and names its endpoints', async () => {
    await hub.createConsumerGroup('monitor');
    assert.ok((await hub.listConsumerGroups()).includes('monitor'));
    await hub.deleteConsumerGroup('monitor');
    assert.ok(!(await hub.listConsumerGroups()).includes('monitor'));
    const mqtt = await hub.deviceMqttEndpoint();
    assert.equal(mqtt.port, t.mqttPort);
    assert.match(mqtt.ca ?? '', /BEGIN CERTIFICATE/);
  });

  it('detaches: status stopped, calls say the hub is stopped', async () => {
    hub.detach({ state: 'stopped' });
    assert.equal(hub.status.state, 'stopped');
    await assert.rejects(hub.peekQueue('sim-001'), (e) => e instanceof HubRequestError && e.kind === 'hub-stopped' && /Start it/.test(e.message));
  });
});
