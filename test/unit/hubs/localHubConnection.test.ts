// The HubConnection interface's local implementation against a real local hub (in process, ephemeral
// ports): the shared contract (hubContract.ts, also run for Azure) plus what only the local hub does:
// attach/detach with the hub process, queue peek, consumer groups.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LocalHubClient } from '../../../src/hub/client/localHubClient';
import { compileDeviceFilter } from '../../../src/hubs/deviceFilter';
import { HubRequestError, type HubChange } from '../../../src/hubs/hubConnection';
import { LocalHubConnection } from '../../../src/hubs/local/localHubConnection';
import { eventually, startTestHub, type TestHub } from '../hub/testHub';
import { hubContract } from './hubContract';

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

hubContract('local', async () => {
  const t = await startTestHub();
  const client = LocalHubClient.fromConnectionString(t.hub.connectionInfo.hubConnectionString, { ca: t.ca });
  const hub = new LocalHubConnection();
  hub.attach(t.hub.connectionInfo, client);
  return {
    hub, t,
    async close() {
      hub.dispose();
      client.close();
      await t.close();
    },
  };
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

  it('peeks the queue with states, delivery count and the maximum', async () => {
    await hub.createDevice('peek-1');
    const sent = await hub.sender.sendC2d('peek-1', {
      direction: 'c2d', systemProperties: { messageId: 'm-1', ack: 'full' }, applicationProperties: [{ name: 'command', value: 'reboot' }], body: Buffer.from('{"x":1}'),
    });
    assert.equal(sent.queueDepth, 1);
    await eventually(() => changes.find((c) => c.kind === 'queue' && c.deviceId === 'peek-1' && c.depth === 1 && c.message !== undefined), 'the enqueue event with the message');
    const [queued] = await hub.peekQueue('peek-1');
    assert.equal(queued?.messageId, 'm-1');
    assert.equal(queued?.state, 'Enqueued');
    assert.equal(queued?.maxDeliveryCount, 10);
    assert.deepEqual(queued?.applicationProperties, [{ name: 'command', value: 'reboot' }]);
    const received = await hub.receiveC2dAsDevice('peek-1');
    assert.ok(received);
    assert.equal((await hub.peekQueue('peek-1'))[0]?.state, 'Invisible');
    await hub.settleC2dAsDevice('peek-1', received.lockToken, 'complete');
    assert.deepEqual(await hub.peekQueue('peek-1'), []);
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
    await assert.rejects(hub.peekQueue('peek-1'), (e) => e instanceof HubRequestError && e.kind === 'hub-stopped' && /Start it/.test(e.message));
  });
});
