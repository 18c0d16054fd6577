// The D2C monitor against a real local hub (in process, ephemeral ports, its real Event Hubs
// endpoint read by the real @azure/event-hubs client): every property decoded, scope filters on
// the stamped device id, start positions, consumer groups, the ring, and a hub restart under a
// running monitor losing nothing.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalHubClient } from '../../../src/hub/client/localHubClient';
import { startLocalHub, type LocalHub } from '../../../src/hub/localHub';
import { LocalHubConnection } from '../../../src/hubs/local/localHubConnection';
import type { IotMessage } from '../../../src/core/message/model';
import { D2cMonitor } from '../../../src/monitor/d2cMonitor';
import type { MonitoredMessage } from '../../../src/monitor/monitoredMessage';
import { RingBuffer } from '../../../src/monitor/ringBuffer';
import { parseDuration, parsePointInTime } from '../../../src/monitor/startPosition';
import { scopeMatcher } from '../../../src/monitor/monitorFilter';
import { eventually, memoryLogger } from '../hub/testHub';

function d2c(body: string, extra: Partial<IotMessage> = {}): IotMessage {
  return { systemProperties: {}, applicationProperties: [], body: new TextEncoder().encode(body), ...extra };
}

describe('monitor parts', () => {
  it('the ring keeps the newest and counts what it let go', () => {
    const r = new RingBuffer<number>(3);
    for (let i = 1; i <= 5; i++) r.push(i);
    assert.deepEqual(r.toArray(), [3, 4, 5]);
    assert.equal(r.dropped, 2);
    r.clear();
    assert.deepEqual(r.toArray(), []);
    assert.throws(() => new RingBuffer(0), /at least 1/);
  });
  it('parses durations and points in time, refusing the rest', () => {
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('2 h'), 7_200_000);
    assert.equal(parseDuration('5'), undefined);
    assert.equal(parseDuration('-5m'), undefined);
    assert.equal(parsePointInTime('2026-12-07T14:00:00Z'), Date.UTC(2026, 11, 7, 14));
    assert.equal(parsePointInTime('2026-12-07 14:00'), undefined, 'a zone is required');
  });
  it('a device scope is exact; a pattern matches whole ids; neither matches an unstamped message', () => {
    const dev = scopeMatcher({ kind: 'device', deviceId: 'sim-1' });
    assert.equal(dev('sim-1'), true);
    assert.equal(dev('sim-10'), false);
    assert.equal(dev(undefined), false);
    const pat = scopeMatcher({ kind: 'pattern', pattern: 'sim-?' });
    assert.equal(pat('sim-1'), true);
    assert.equal(pat('sim-10'), false);
    assert.equal(scopeMatcher({ kind: 'pattern', pattern: 'sim' })('sim-1'), false, 'no wildcard: exactly that id');
  });
});

describe('D2cMonitor against a real local hub', () => {
  let dir: string;
  let hub: LocalHub;
  let client: LocalHubClient;
  const conn = new LocalHubConnection();
  const monitors: D2cMonitor[] = [];

  async function startHub(): Promise<void> {
    hub = await startLocalHub({ dataDir: dir, mqttPort: 0, apiPort: 0, amqpPort: 0, log: memoryLogger([]) });
    client = LocalHubClient.fromConnectionString(hub.connectionInfo.hubConnectionString, { ca: readFileSync(hub.connectionInfo.caCertPath, 'utf8') });
    conn.attach(hub.connectionInfo, client);
  }

  function monitor(options: Partial<ConstructorParameters<typeof D2cMonitor>[1]> = {}): { m: D2cMonitor; got: MonitoredMessage[] } {
    const m = new D2cMonitor(conn, { consumerGroup: '$Default', start: { kind: 'now' }, scope: { kind: 'hub' }, ...options });
    const got: MonitoredMessage[] = [];
    m.onMessages((batch) => got.push(...batch));
    monitors.push(m);
    return { m, got };
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'monitor-test-'));
    await startHub();
    for (const id of ['dev-a', 'dev-b', 'dev-ab']) await conn.createDevice(id);
  });
  after(async () => {
    for (const m of monitors) await m.stop();
    conn.dispose();
    client.close();
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('decodes every system property, IoT Hub\'s stamps and the application properties', async () => {
    const { m, got } = monitor({ scope: { kind: 'device', deviceId: 'dev-a' } });
    await m.start();
    assert.equal(m.state.state, 'running');
    const body = '{"temperature":21.5}';
    await conn.sender.sendD2c('dev-a', d2c(body, {
      systemProperties: { messageId: 'm-1', correlationId: 'c-1', contentType: 'application/json', contentEncoding: 'utf-8', userId: 'u-1' },
      applicationProperties: [{ name: 'alert', value: 'high' }, { name: 'unit', value: 'C' }],
    }));
    await conn.sender.sendD2c('dev-ab', d2c('not mine'));
    const msg = await eventually(() => got[0], 'the message');
    const sp = msg.systemProperties;
    assert.equal(msg.deviceId, 'dev-a');
    assert.equal(sp.messageId, 'm-1');
    assert.equal(sp.correlationId, 'c-1');
    assert.equal(sp.contentType, 'application/json');
    assert.equal(sp.contentEncoding, 'utf-8');
    assert.equal(sp.userId, 'u-1');
    assert.equal(sp.connectionDeviceId, 'dev-a');
    assert.match(sp.connectionAuthMethod ?? '', /"type":"sas"/);
    assert.ok(sp.connectionAuthGenerationId);
    assert.equal(sp.messageSource, 'Telemetry');
    assert.ok(!Number.isNaN(Date.parse(sp.enqueuedTimeUtc ?? '')));
    assert.equal(sp.sequenceNumber, String(msg.sequenceNumber));
    assert.match(msg.partitionId, /^\d+$/);
    assert.ok(msg.offset !== '');
    assert.deepEqual(msg.applicationProperties, [{ name: 'alert', value: 'high' }, { name: 'unit', value: 'C' }]);
    assert.equal(new TextDecoder().decode(msg.body), body);
    // dev-ab's message went to the hub too; give it time to be (wrongly) shown, then check it was not.
    await conn.sender.sendD2c('dev-a', d2c('second'));
    await eventually(() => got[1], 'the second message');
    assert.deepEqual(got.map((g) => g.deviceId), ['dev-a', 'dev-a']);
    await m.stop();
  });

  it('starts from now by default, or from the earliest message; a pattern scope keeps only matching devices', async () => {
    await conn.sender.sendD2c('dev-b', d2c('before'));
    const now = monitor({ scope: { kind: 'pattern', pattern: 'dev-?' } });
    const earliest = monitor({ start: { kind: 'earliest' }, scope: { kind: 'device', deviceId: 'dev-b' } });
    await now.m.start();
    await earliest.m.start();
    await conn.sender.sendD2c('dev-ab', d2c('other'));
    await conn.sender.sendD2c('dev-b', d2c('after'));
    await eventually(() => now.got.length >= 1 || undefined, 'now');
    await eventually(() => earliest.got.length >= 2 || undefined, 'earliest');
    assert.deepEqual(now.got.map((g) => new TextDecoder().decode(g.body)), ['after']);
    assert.deepEqual(earliest.got.map((g) => new TextDecoder().decode(g.body)), ['before', 'after']);
    const ago = monitor({ start: { kind: 'ago', ms: 60 * 60_000 }, scope: { kind: 'device', deviceId: 'dev-b' } });
    const future = monitor({ start: { kind: 'time', at: Date.now() + 60 * 60_000 }, scope: { kind: 'device', deviceId: 'dev-b' } });
    await ago.m.start();
    await future.m.start();
    await eventually(() => ago.got.length >= 2 || undefined, 'an hour ago');
    assert.equal(future.got.length, 0);
    for (const x of [now, earliest, ago, future]) await x.m.stop();
  });

  it('reads through another consumer group; an unknown one stops the monitor saying so', async () => {
    await conn.createConsumerGroup('monitor-cg');
    const cg = monitor({ consumerGroup: 'monitor-cg', start: { kind: 'earliest' }, scope: { kind: 'device', deviceId: 'dev-b' } });
    await cg.m.start();
    await eventually(() => cg.got.length >= 2 || undefined, 'consumer group read');
    await cg.m.stop();
    const bad = monitor({ consumerGroup: 'no-such-group' });
    await assert.rejects(bad.m.start().then(async () => eventually(() => (bad.m.state.state === 'stopped' ? true : undefined), 'stop', 15_000).then(() => { throw new Error((bad.m.state as { reason?: string }).reason); })), /no-such-group/);
  });

  it('the ring keeps the newest messages and counts what it dropped', async () => {
    const { m, got } = monitor({ capacity: 3, scope: { kind: 'device', deviceId: 'dev-a' } });
    await m.start();
    for (let i = 0; i < 5; i++) await conn.sender.sendD2c('dev-a', d2c(`r${i}`));
    await eventually(() => got.length >= 5 || undefined, 'five');
    assert.deepEqual(m.ring.toArray().map((x) => new TextDecoder().decode(x.body)), ['r2', 'r3', 'r4']);
    assert.equal(m.dropped, 2);
    await m.stop();
  });

  it('reads a custom Event Hubs-style endpoint: the messages a route sends there, and not the rest', async () => {
    await conn.routing.putEndpoint('eh-mon', { type: 'eventHub', entityPath: 'mon-alerts', consumerGroups: ['mon-cg'] });
    await conn.routing.putRoute('critical', { source: 'DeviceMessages', condition: "level = 'critical'", endpointName: 'eh-mon', isEnabled: true });
    assert.deepEqual((await conn.routing.read()).endpoints.find((e) => e.name === 'eh-mon')?.consumerGroups, ['$Default', 'mon-cg']);
    const custom = monitor({ endpoint: 'eh-mon', consumerGroup: 'mon-cg', scope: { kind: 'device', deviceId: 'dev-a' } });
    const builtIn = monitor({ endpoint: 'events', scope: { kind: 'device', deviceId: 'dev-a' } });
    assert.match(custom.m.description, /on Local hub, endpoint 'eh-mon' \(mon-cg, from now\)/);
    assert.doesNotMatch(builtIn.m.description, /endpoint/);
    await custom.m.start();
    await builtIn.m.start();
    await conn.sender.sendD2c('dev-a', d2c('routed', { applicationProperties: [{ name: 'level', value: 'critical' }] }));
    await conn.sender.sendD2c('dev-a', d2c('fell back', { applicationProperties: [{ name: 'level', value: 'info' }] }));
    // A second message down each path marks the end: one sent to the wrong monitor would have come before it.
    await conn.sender.sendD2c('dev-a', d2c('routed end', { applicationProperties: [{ name: 'level', value: 'critical' }] }));
    await conn.sender.sendD2c('dev-a', d2c('fell back end', { applicationProperties: [{ name: 'level', value: 'info' }] }));
    await eventually(() => (custom.got.length >= 2 && builtIn.got.length >= 2) || undefined, 'both monitors').catch((e) => { throw new Error(`${String(e)} custom=${custom.got.length} ${JSON.stringify(custom.m.state)} builtIn=${builtIn.got.length}`); });
    assert.deepEqual(custom.got.map((g) => new TextDecoder().decode(g.body)), ['routed', 'routed end']);
    assert.deepEqual(builtIn.got.map((g) => new TextDecoder().decode(g.body)), ['fell back', 'fell back end']);
    await custom.m.stop();
    await builtIn.m.stop();

    const missing = monitor({ endpoint: 'no-such-endpoint' });
    await assert.rejects(missing.m.start(), /endpoint 'no-such-endpoint'.*no endpoint named 'no-such-endpoint'/);
    await conn.routing.deleteRoute('critical');
    await conn.routing.deleteEndpoint('eh-mon');
  });

  it('a hub stopping and restarting under a running monitor loses nothing and repeats nothing', async () => {
    const { m, got } = monitor({ scope: { kind: 'device', deviceId: 'dev-b' } });
    await m.start();
    await conn.sender.sendD2c('dev-b', d2c('x1'));
    await eventually(() => got.length >= 1 || undefined, 'x1');
    conn.detach({ state: 'stopped' });
    client.close();
    await hub.close();
    await eventually(() => (m.state.state === 'waiting' ? true : undefined), 'waiting');
    await startHub();
    // Sent right after the restart, possibly before the monitor reopened: it must still arrive.
    await conn.sender.sendD2c('dev-b', d2c('x2'));
    await conn.sender.sendD2c('dev-b', d2c('x3'));
    // x4 marks the end: a repeated x1..x3 would have come before it (one device, one partition, in order).
    await conn.sender.sendD2c('dev-b', d2c('x4'));
    await eventually(() => got.some((g) => new TextDecoder().decode(g.body) === 'x4') || undefined, 'x2 to x4', 20_000);
    assert.deepEqual(got.map((g) => new TextDecoder().decode(g.body)), ['x1', 'x2', 'x3', 'x4']);
    assert.equal(m.state.state, 'running');
    await m.stop();
  });
});
