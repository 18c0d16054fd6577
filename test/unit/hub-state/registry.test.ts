// Device registry against a real data dir: CRUD, paging, etags, keys, status, connection state,
// consumer groups and policies, and that all of it survives a restart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/hub/clock';
import { HubError, type RegistryEvent } from '../../../src/hub/contracts';
import { openHubState, type LocalHubState } from '../../../src/hub/openHubState';
import { captureLogger, tempDir } from './helpers';

function expectHubError(code: string, status: number): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof HubError, `expected HubError, got ${String(e)}`);
    assert.equal(e.errorCode, code);
    assert.equal(e.httpStatus, status);
    return true;
  };
}

void describe('device registry', () => {
  const dir = tempDir();
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  let hub: LocalHubState;
  before(async () => {
    hub = await openHubState({ dataDir: dir.path, clock, log: captureLogger() });
  });
  after(async () => {
    await hub.close();
    dir.remove();
  });

  void it('creates a device with generated keys, IoT Hub fields and an event', async () => {
    const events: RegistryEvent[] = [];
    const off = hub.registry.events.subscribe((e) => events.push(e));
    const d = await hub.registry.create({ deviceId: 'sensor-1' });
    off();
    assert.equal(d.deviceId, 'sensor-1');
    assert.equal(d.status, 'enabled');
    assert.equal(d.connectionState, 'Disconnected');
    assert.equal(d.cloudToDeviceMessageCount, 0);
    assert.match(d.generationId, /^\d{18}$/);
    assert.equal(Buffer.from(d.authentication.symmetricKey.primaryKey, 'base64').length, 32);
    assert.notEqual(d.authentication.symmetricKey.primaryKey, d.authentication.symmetricKey.secondaryKey);
    assert.deepEqual(events.map((e) => e.type), ['deviceCreated']);
    assert.deepEqual(hub.registry.get('sensor-1'), d);
  });

  void it('rejects duplicates, bad ids and bad keys with IoT Hub error codes', async () => {
    await assert.rejects(hub.registry.create({ deviceId: 'sensor-1' }), expectHubError('DeviceAlreadyExists', 409));
    await assert.rejects(hub.registry.create({ deviceId: 'has space' }), expectHubError('ArgumentInvalid', 400));
    await assert.rejects(hub.registry.create({ deviceId: 'x'.repeat(129) }), expectHubError('ArgumentInvalid', 400));
    await assert.rejects(hub.registry.create({ deviceId: '' }), expectHubError('ArgumentInvalid', 400));
    await assert.rejects(hub.registry.create({ deviceId: 'k', primaryKey: 'not base64!' }), expectHubError('ArgumentInvalid', 400));
    await assert.rejects(hub.registry.create({ deviceId: 'k', primaryKey: Buffer.alloc(8).toString('base64') }), /16 to 64 bytes/);
    assert.equal(hub.registry.get('k'), undefined);
    // The wide charset IoT Hub allows, and case sensitivity.
    const odd = await hub.registry.create({ deviceId: "a-.+%_#*?!(),=@$'b" });
    assert.equal(odd.deviceId, "a-.+%_#*?!(),=@$'b");
    await hub.registry.create({ deviceId: 'SENSOR-1' });
    assert.ok(hub.registry.get('SENSOR-1'));
  });

  void it('updates with If-Match etags and status, and rejects stale etags', async () => {
    const d = hub.registry.get('sensor-1')!;
    const key = Buffer.alloc(32, 7).toString('base64');
    const updated = await hub.registry.update('sensor-1', { status: 'disabled', statusReason: 'maintenance', primaryKey: key }, `"${d.etag}"`);
    assert.equal(updated.status, 'disabled');
    assert.equal(updated.statusReason, 'maintenance');
    assert.equal(updated.authentication.symmetricKey.primaryKey, key);
    assert.notEqual(updated.etag, d.etag);
    assert.equal(updated.generationId, d.generationId);
    await assert.rejects(hub.registry.update('sensor-1', { status: 'enabled' }, d.etag), expectHubError('PreconditionFailed', 412));
    await assert.rejects(hub.registry.update('nope', { status: 'enabled' }), expectHubError('DeviceNotFound', 404));
    const again = await hub.registry.update('sensor-1', { status: 'enabled' }, '*');
    assert.equal(again.status, 'enabled');
  });

  void it('lists in deviceId order with continuation tokens', async () => {
    for (let i = 0; i < 25; i++) await hub.registry.create({ deviceId: `page-${String(i).padStart(2, '0')}` });
    const all: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = hub.registry.list(token === undefined ? { pageSize: 7 } : { pageSize: 7, continuationToken: token });
      assert.ok(page.items.length <= 7);
      all.push(...page.items.map((d) => d.deviceId));
      token = page.continuationToken;
      pages++;
    } while (token !== undefined);
    const expected = hub.registry.list({ pageSize: 1000 }).items.map((d) => d.deviceId);
    assert.deepEqual(all, expected);
    assert.deepEqual([...expected].sort(), expected);
    assert.equal(expected.length, 28);
    assert.equal(pages, 4);
    assert.throws(() => hub.registry.list({ continuationToken: 'garbage' }), expectHubError('ArgumentInvalid', 400));
    // all() walks the same devices in the same order, and count agrees.
    assert.deepEqual([...hub.registry.all()].map((d) => d.deviceId), expected);
    assert.equal(hub.registry.count, expected.length);
  });

  void it('filters before paging: part of an id or * and ? patterns, with continuation over the matches', () => {
    // page-00 .. page-24 exist (previous test); `?` is one character, so this matches page-03, -13, -23.
    const all: string[] = [];
    let token: string | undefined;
    do {
      const page = hub.registry.list({ pageSize: 2, filter: 'page-?3', ...(token === undefined ? {} : { continuationToken: token }) });
      assert.ok(page.items.length <= 2);
      all.push(...page.items.map((d) => d.deviceId));
      token = page.continuationToken;
    } while (token !== undefined);
    assert.deepEqual(all, ['page-03', 'page-13', 'page-23']);
    assert.deepEqual(hub.registry.list({ filter: '-2' }).items.map((d) => d.deviceId), ['page-20', 'page-21', 'page-22', 'page-23', 'page-24']);
    const none = hub.registry.list({ filter: 'nothing-*' });
    assert.deepEqual(none.items, []);
    assert.equal(none.continuationToken, undefined);
  });

  void it('tracks connection state and last activity in memory, with events', () => {
    const events: RegistryEvent[] = [];
    const off = hub.registry.events.subscribe((e) => events.push(e));
    clock.advance(1000);
    hub.registry.recordConnection('sensor-1', true);
    hub.registry.recordConnection('sensor-1', true);
    assert.equal(hub.registry.get('sensor-1')!.connectionState, 'Connected');
    clock.advance(1000);
    hub.registry.recordActivity('sensor-1');
    assert.equal(hub.registry.get('sensor-1')!.lastActivityTime, new Date(clock.now()).toISOString());
    hub.registry.recordConnection('sensor-1', false);
    off();
    assert.deepEqual(events, [
      { type: 'connectionStateChanged', deviceId: 'sensor-1', connectionState: 'Connected' },
      { type: 'connectionStateChanged', deviceId: 'sensor-1', connectionState: 'Disconnected' },
    ]);
  });

  void it('reports the C2D queue depth as cloudToDeviceMessageCount', async () => {
    await hub.c2d.send('sensor-1', { systemProperties: {}, applicationProperties: [], body: Buffer.from('x') });
    assert.equal(hub.registry.get('sensor-1')!.cloudToDeviceMessageCount, 1);
  });

  void it('deletes with etag checks and removes the C2D queue', async () => {
    const d = hub.registry.get('SENSOR-1')!;
    await assert.rejects(hub.registry.delete('SENSOR-1', 'bm9wZQ=='), expectHubError('PreconditionFailed', 412));
    await hub.registry.delete('SENSOR-1', d.etag);
    assert.equal(hub.registry.get('SENSOR-1'), undefined);
    await assert.rejects(hub.registry.delete('SENSOR-1'), expectHubError('DeviceNotFound', 404));
  });

  void it('manages consumer groups with Event Hubs naming rules', async () => {
    assert.deepEqual(hub.consumerGroups.list(), ['$Default']);
    await hub.consumerGroups.create('analytics_1.b-c');
    await assert.rejects(hub.consumerGroups.create('analytics_1.b-c'), expectHubError('ConsumerGroupAlreadyExists', 409));
    await assert.rejects(hub.consumerGroups.create('bad name'), expectHubError('ArgumentInvalid', 400));
    await assert.rejects(hub.consumerGroups.create('x'.repeat(51)), expectHubError('ArgumentInvalid', 400));
    await assert.rejects(hub.consumerGroups.delete('$Default'), expectHubError('ArgumentInvalid', 400));
    await assert.rejects(hub.consumerGroups.delete('missing'), expectHubError('ConsumerGroupNotFound', 404));
    await hub.consumerGroups.create('temp');
    await hub.consumerGroups.delete('temp');
    assert.deepEqual(hub.consumerGroups.list(), ['$Default', 'analytics_1.b-c']);
  });

  void it('has IoT Hub default policies with random 32-byte keys', () => {
    assert.deepEqual(hub.policies.map((p) => p.keyName), ['iothubowner', 'service', 'device', 'registryRead', 'registryReadWrite']);
    assert.deepEqual(hub.policy('iothubowner')!.rights, ['RegistryRead', 'RegistryWrite', 'ServiceConnect', 'DeviceConnect']);
    assert.deepEqual(hub.policy('service')!.rights, ['ServiceConnect']);
    assert.deepEqual(hub.policy('device')!.rights, ['DeviceConnect']);
    assert.deepEqual(hub.policy('registryReadWrite')!.rights, ['RegistryRead', 'RegistryWrite']);
    const keys = new Set(hub.policies.flatMap((p) => [p.primaryKey, p.secondaryKey]));
    assert.equal(keys.size, 10);
    for (const k of keys) assert.equal(Buffer.from(k, 'base64').length, 32);
  });

  void it('keeps identities, keys, policies and consumer groups across a restart', async () => {
    const before = hub.registry.list({ pageSize: 1000 }).items;
    const policies = hub.policies;
    clock.advance(60_000); // lets the lazy activity flush run
    await hub.close();
    hub = await openHubState({ dataDir: dir.path, clock, log: captureLogger() });
    const afterList = hub.registry.list({ pageSize: 1000 }).items;
    assert.deepEqual(afterList.map((d) => ({ ...d, connectionState: 'Disconnected' })), before.map((d) => ({ ...d, connectionState: 'Disconnected' })));
    assert.deepEqual(hub.policies, policies);
    assert.deepEqual(hub.consumerGroups.list(), ['$Default', 'analytics_1.b-c']);
    assert.equal(hub.registry.get('sensor-1')!.cloudToDeviceMessageCount, 1);
  });
});
