// The device simulator against a real local hub (in process, ephemeral ports): templates refuse
// unknown placeholders naming the place; a simulated device's D2C messages reach the hub's Event
// Hubs endpoint (read by the D2C monitor); a C2D message with properties reaches it; a wrong key
// stops it with the reason; a reconnect resumes the counter; a few-seconds SAS token is renewed
// before the hub would drop the connection, with nothing lost or sent twice either way.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalHubClient } from '../../../src/hub/client/localHubClient';
import { LocalHubConnection } from '../../../src/hubs/local/localHubConnection';
import { D2cMonitor } from '../../../src/monitor/d2cMonitor';
import type { MonitoredMessage } from '../../../src/monitor/monitoredMessage';
import { SimulatedDevice, refusalOf, type ReceivedC2d } from '../../../src/simulator/simulatedDevice';
import { sendD2cOverMqtt } from '../../../src/simulator/mqttSend';
import { httpsD2cRefusal } from '../../../src/hub/client/messageSender';
import { createMessage } from '../../../src/core/message/model';
import { TemplateError, compileTemplate, templateFromMessage } from '../../../src/simulator/template';
import { parseMessageFile } from '../../../src/language/rules/messageFile';
import { eventually, startTestHub, type TestHub } from '../hub/testHub';

describe('simulator templates', () => {
  it('renders every placeholder', () => {
    const t = compileTemplate({ body: '{"n":{{counter}},"t":{{random(20,30)}},"d":"{{deviceId}}","at":"{{time}}","id":"{{uuid}}"}', applicationProperties: [{ name: 'seq', value: '{{counter}}' }] });
    const m = t.render({ counter: 7, deviceId: 'sim-1', now: new Date('2026-12-07T10:00:00Z'), random: () => 0.5 });
    const body = JSON.parse(new TextDecoder().decode(m.body)) as Record<string, unknown>;
    assert.equal(body['n'], 7);
    assert.equal(body['t'], 25);
    assert.equal(body['d'], 'sim-1');
    assert.equal(body['at'], '2026-12-07T10:00:00.000Z');
    assert.match(String(body['id']), /^[0-9a-f-]{36}$/);
    assert.deepEqual(m.applicationProperties, [{ name: 'seq', value: '7' }]);
  });
  it('refuses an unknown placeholder naming where it is', () => {
    assert.throws(() => compileTemplate({ body: '{"x": {{temp}}}' }), (e) => e instanceof TemplateError && /body, offset 6: unknown placeholder \{\{temp\}\}/.test(e.message));
    assert.throws(() => compileTemplate({ body: '{}', applicationProperties: [{ name: 'a', value: '{{random(5,1)}}' }] }), /application property 'a'.*lower bound first/);
    assert.throws(() => compileTemplate({ body: '{{counter' }), /unclosed or stray/);
  });
  it('a message the hub would refuse is named before connecting', () => {
    const t = compileTemplate({ body: `"${'x'.repeat(300 * 1024)}"` });
    assert.match(refusalOf(t, 'sim-1') ?? '', /at most 262144 bytes/);
    assert.equal(refusalOf(compileTemplate({ body: '{}', applicationProperties: [{ name: 'room name', value: 'x' }] }), 'sim-1'), undefined, 'a space in a name is fine over MQTT');
  });
});

/**
 * The describe block's hub: started before its tests, with a LocalHubConnection attached as the
 * extension attaches one, and all of it closed after them.
 */
function attachedHub(options: Parameters<typeof startTestHub>[0]): { conn: LocalHubConnection; hub(): TestHub } {
  let t: TestHub | undefined;
  let client: LocalHubClient | undefined;
  const conn = new LocalHubConnection();
  before(async () => {
    t = await startTestHub(options);
    client = LocalHubClient.fromConnectionString(t.hub.connectionInfo.hubConnectionString, { ca: readFileSync(t.hub.connectionInfo.caCertPath, 'utf8') });
    conn.attach(t.hub.connectionInfo, client);
  });
  after(async () => {
    conn.dispose();
    client?.close();
    await t?.close();
  });
  return { conn, hub: () => t! };
}

describe('SimulatedDevice against a real local hub', () => {
  const { conn, hub } = attachedHub({ amqpPort: 0 });

  it('sends D2C from a template that the monitor reads with its properties; receives C2D with properties', async () => {
    await conn.createDevice('sim-001');
    const monitor = new D2cMonitor(conn, { consumerGroup: '$Default', start: { kind: 'now' }, scope: { kind: 'device', deviceId: 'sim-001' } });
    const got: MonitoredMessage[] = [];
    monitor.onMessages((b) => got.push(...b));
    await monitor.start();
    const c2d: ReceivedC2d[] = [];
    const dev = new SimulatedDevice({
      endpoint: await conn.deviceMqttEndpoint(), deviceId: 'sim-001', key: (await conn.deviceKeys('sim-001')).primaryKey,
      template: compileTemplate({ body: '{"n":{{counter}}}', systemProperties: { contentType: 'application/json' }, applicationProperties: [{ name: 'src', value: 'sim' }] }),
      intervalMs: 50, count: 200, onC2d: (m) => c2d.push(m),
    });
    await dev.connect();
    dev.start();
    await eventually(() => got.length >= 5 || undefined, 'five D2C messages', 15_000);
    assert.deepEqual(got.slice(0, 5).map((m) => new TextDecoder().decode(m.body)), [1, 2, 3, 4, 5].map((n) => `{"n":${n}}`));
    assert.deepEqual(got[0]!.applicationProperties, [{ name: 'src', value: 'sim' }]);
    assert.equal(got[0]!.systemProperties.contentType, 'application/json');
    assert.equal(got[0]!.systemProperties.connectionDeviceId, 'sim-001');
    assert.ok(dev.sent >= 5);
    await conn.sender.sendC2d('sim-001', { systemProperties: { messageId: 'c2d-1', correlationId: 'corr' }, applicationProperties: [{ name: 'cmd', value: 'reboot' }], body: new TextEncoder().encode('go') });
    const m = await eventually(() => c2d[0], 'the C2D message');
    assert.equal(m.systemProperties.messageId, 'c2d-1');
    assert.equal(m.systemProperties.correlationId, 'corr');
    assert.deepEqual(m.applicationProperties.filter((p) => p.name === 'cmd'), [{ name: 'cmd', value: 'reboot' }]);
    assert.equal(new TextDecoder().decode(m.body), 'go');
    dev.stop();
    assert.deepEqual(await dev.ended, { reason: 'stopped' });
    await monitor.stop();
  });

  it('finishSending ends a device once what is in flight is acknowledged: sent counts every message stored', async () => {
    await conn.createDevice('sim-003');
    const dev = new SimulatedDevice({
      endpoint: await conn.deviceMqttEndpoint(), deviceId: 'sim-003', key: (await conn.deviceKeys('sim-003')).primaryKey,
      template: compileTemplate({ body: '{{counter}}' }), intervalMs: 1,
    });
    await dev.connect();
    dev.start();
    await eventually(() => dev.sent >= 20 || undefined, 'twenty acknowledged', 15_000);
    dev.finishSending();
    assert.deepEqual(await dev.ended, { reason: 'done' });
    const published = dev.nextCounter - 1;
    assert.equal(dev.sent, published, 'every published message was acknowledged before the end');
    const stored = await eventually(async () => {
      const d2c = hub().hub.hubState.d2c;
      const mine = (await d2c.read(d2c.partitionFor('sim-003'), 0, 10_000)).filter((e) => e.deviceId === 'sim-003');
      return mine.length >= published ? mine : undefined;
    }, 'every message stored', 10_000);
    assert.equal(stored.length, dev.sent);
  });

  it('a D2C message HTTPS refuses (a space, non-ASCII in properties) goes over MQTT with its properties intact', async () => {
    await conn.createDevice('mqtt-send');
    const message = createMessage({ direction: 'd2c', deviceId: 'mqtt-send', systemProperties: { contentType: 'text/plain', ack: 'full' }, applicationProperties: [{ name: 'room name', value: 'Zürich' }], body: 'hello' });
    const refusal = httpsD2cRefusal(message);
    assert.match(refusal ?? '', /Application property 'room name'/);
    await assert.rejects(conn.sender.sendD2c('mqtt-send', message), /room name/);
    assert.equal(httpsD2cRefusal(createMessage({ direction: 'd2c', deviceId: 'mqtt-send', applicationProperties: [{ name: 'room', value: 'kitchen' }], body: 'x' })), undefined);
    // Every property HTTPS refuses is named, one line each, not only the first.
    const several = httpsD2cRefusal(createMessage({ direction: 'd2c', deviceId: 'mqtt-send', systemProperties: { correlationId: 'caf\u00e9' }, applicationProperties: [{ name: 'room name', value: 'Zürich' }, { name: 'ok', value: 'fine' }, { name: 'unit', value: '\u00b0C' }], body: 'x' }));
    assert.deepEqual(several?.split('\n').map((l) => l.replace(/(:| contains| allows).*$/, '')), [
      'System property correlationId', "Application property 'room name'", "Application property 'unit'", "IoT Hub's HTTPS D2C API",
    ]);
    assert.match(several ?? '', /'room name': its name contains a space .* at offset 4, and its value contains 'ü'/);
    const monitor = new D2cMonitor(conn, { consumerGroup: '$Default', start: { kind: 'now' }, scope: { kind: 'device', deviceId: 'mqtt-send' } });
    const got: MonitoredMessage[] = [];
    monitor.onMessages((b) => got.push(...b));
    await monitor.start();
    const sent = await sendD2cOverMqtt(conn, 'mqtt-send', message, () => 'assigned-id');
    assert.deepEqual({ ...sent, sizeBytes: undefined }, { direction: 'd2c', deviceId: 'mqtt-send', messageId: 'assigned-id', messageIdAssigned: true, sizeBytes: undefined, notCarried: ['ack'] });
    const m = await eventually(() => got[0], 'the message at the monitor', 15_000);
    assert.deepEqual(m.applicationProperties, [{ name: 'room name', value: 'Zürich' }]);
    assert.equal(m.systemProperties.messageId, 'assigned-id');
    assert.equal(m.systemProperties.contentType, 'text/plain');
    assert.equal(new TextDecoder().decode(m.body), 'hello');
    await monitor.stop();
    // A message MQTT refuses too is not sent at all.
    await assert.rejects(sendD2cOverMqtt(conn, 'mqtt-send', createMessage({ direction: 'd2c', deviceId: 'mqtt-send', body: 'x'.repeat(300 * 1024) })), /over MQTT too/);
  });

  it('paces by elapsed time: late timers and a stalled event loop are made up, so the rate is the one asked for', async () => {
    await conn.createDevice('pace-1');
    const dev = new SimulatedDevice({
      endpoint: await conn.deviceMqttEndpoint(), deviceId: 'pace-1', key: (await conn.deviceKeys('pace-1')).primaryKey,
      template: compileTemplate({ body: '{{counter}}' }), intervalMs: 10,
    });
    await dev.connect();
    const t0 = performance.now();
    dev.start();
    // The run's length is what the pacing is measured over: time, not a wait for an event.
    await sleep(500);
    // The event loop stalls for 300 ms (as under a loaded CPU): a timer per message would lose those 30.
    const until = performance.now() + 300;
    while (performance.now() < until) { /* stall */ }
    await sleep(1200);
    dev.finishSending();
    const elapsed = performance.now() - t0;
    assert.deepEqual(await dev.ended, { reason: 'done' });
    const due = Math.floor(elapsed / 10) + 1;
    const published = dev.nextCounter - 1;
    assert.ok(published >= due * 0.95 && published <= due + 1, `${published} published of ${due} due in ${Math.round(elapsed)} ms`);
    assert.equal(dev.sent, published);
  });

  it('renews a few-seconds SAS token before each expiry: past several expiries nothing is lost or sent twice, the counter goes on', async () => {
    await conn.createDevice('renew-1');
    const c2d: ReceivedC2d[] = [];
    let renewedEvents = 0;
    let ended: unknown;
    const dev = new SimulatedDevice({
      endpoint: await conn.deviceMqttEndpoint(), deviceId: 'renew-1', key: (await conn.deviceKeys('renew-1')).primaryKey,
      template: compileTemplate({ body: '{{counter}}' }), intervalMs: 5, tokenSeconds: 3,
      onRenewed: () => renewedEvents++, onC2d: (m) => c2d.push(m),
    });
    await dev.connect();
    dev.start();
    void dev.ended.then((e) => { ended = e; });
    // C2D messages sent all along, some of them around a renewal: each arrives once.
    const c2dIds: string[] = [];
    for (let i = 1; dev.renewals < 4; i++) {
      assert.equal(ended, undefined, 'the device did not stop');
      const messageId = `renew-c2d-${i}`;
      c2dIds.push(messageId);
      await conn.sender.sendC2d('renew-1', { systemProperties: { messageId }, applicationProperties: [], body: new TextEncoder().encode('x') });
      await sleep(700); // the pace of C2D sends across the renewals (the test spreads them over time on purpose)
      assert.ok(i < 40, 'four renewals within 28 s');
    }
    dev.finishSending();
    assert.deepEqual(await dev.ended, { reason: 'done' });
    assert.equal(renewedEvents, dev.renewals);
    const published = dev.nextCounter - 1;
    assert.ok(published > 100, `sent all along (${published})`);
    assert.equal(dev.sent, published, 'every message published was acknowledged');
    const bodies = (await eventually(async () => {
      const d2c = hub().hub.hubState.d2c;
      const mine = (await d2c.read(d2c.partitionFor('renew-1'), 0, 100_000)).filter((e) => e.deviceId === 'renew-1');
      return mine.length >= published ? mine : undefined;
    }, 'every message stored', 10_000)).map((e) => Number(new TextDecoder().decode(e.body)));
    assert.deepEqual(bodies, Array.from({ length: published }, (_, i) => i + 1), 'the hub stored 1..N once each, in order');
    assert.equal(hub().logs.filter((l) => l.includes('renew-1: SAS token expired')).length, 0, 'the device renewed before the hub had to drop it');
    await eventually(() => c2d.length >= c2dIds.length || undefined, 'every C2D message', 10_000);
    assert.deepEqual(c2d.map((m) => m.systemProperties.messageId), c2dIds, 'each C2D message once, in order');
  });

  it('a wrong key is refused with the reason; a reconnect resumes the counter', async () => {
    await conn.createDevice('sim-002');
    const endpoint = await conn.deviceMqttEndpoint();
    const template = compileTemplate({ body: '{{counter}}' });
    const bad = new SimulatedDevice({ endpoint, deviceId: 'sim-002', key: Buffer.alloc(32, 1).toString('base64'), template, intervalMs: 10, count: 1 });
    await assert.rejects(bad.connect(), /not authorized|bad user name/i);
    const key = (await conn.deviceKeys('sim-002')).primaryKey;
    const first = new SimulatedDevice({ endpoint, deviceId: 'sim-002', key, template, intervalMs: 10, count: 3 });
    await first.connect();
    first.start();
    assert.deepEqual(await first.ended, { reason: 'done' });
    assert.equal(first.nextCounter, 4);
    const second = new SimulatedDevice({ endpoint, deviceId: 'sim-002', key, template, intervalMs: 10, count: 2, startCounter: first.nextCounter });
    await second.connect();
    second.start();
    await second.ended;
    const bodies = (await eventually(async () => {
      const d2c = hub().hub.hubState.d2c;
      const events = await d2c.read(d2c.partitionFor('sim-002'), 0, 100);
      const mine = events.filter((e) => e.deviceId === 'sim-002');
      return mine.length >= 5 ? mine : undefined;
    }, 'five stored', 10_000)).map((e) => new TextDecoder().decode(e.body));
    assert.deepEqual(bodies, ['1', '2', '3', '4', '5']);
  });
});

describe('SimulatedDevice holding C2D messages (no PUBACK until completed)', () => {
  // A short lock, so the hub's redelivery of a held message is seen within the test.
  const { conn } = attachedHub({ c2dLockTimeoutMs: 1500 });

  it('a held message stays locked while D2C goes on being acknowledged, is delivered again after its lock, and complete() removes it', async () => {
    await conn.createDevice('hold-1');
    const c2d: ReceivedC2d[] = [];
    const dev = new SimulatedDevice({
      endpoint: await conn.deviceMqttEndpoint(), deviceId: 'hold-1', key: (await conn.deviceKeys('hold-1')).primaryKey,
      template: compileTemplate({ body: '{{counter}}' }), intervalMs: 50, holdC2d: true, onC2d: (m) => c2d.push(m),
    });
    await dev.connect();
    dev.start();
    await conn.sender.sendC2d('hold-1', { systemProperties: { messageId: 'held-1', ack: 'full' }, applicationProperties: [], body: new TextEncoder().encode('wait') });
    const first = await eventually(() => c2d[0], 'the held C2D message', 10_000);
    assert.equal(first.systemProperties.messageId, 'held-1');
    assert.equal(typeof first.complete, 'function');
    assert.equal(dev.heldCount, 1);
    // Holding the PUBACK does not stop the client reading: the hub's PUBACKs for D2C keep coming.
    const sentThen = dev.sent;
    await eventually(() => dev.sent >= sentThen + 5 || undefined, 'D2C acknowledged while a C2D message is held', 10_000);
    assert.deepEqual((await conn.peekQueue('hold-1')).filter((m) => m.state !== 'Completed').map((m) => [m.messageId, m.state]), [['held-1', 'Invisible']]);
    // The lock ends: the hub delivers it again (delivery count raised), still held.
    const again = await eventually(() => c2d[1], 'the redelivery after the lock', 10_000);
    assert.equal(again.systemProperties.messageId, 'held-1');
    // Completing the newest delivery sends its PUBACK: the hub completes the message.
    assert.equal(again.complete?.(), true);
    assert.equal(again.complete?.(), false, 'a second complete sends nothing');
    await eventually(async () => ((await conn.peekQueue('hold-1')).every((m) => m.state === 'Completed')) || undefined, 'the queue empty after the PUBACK', 10_000);
    dev.stop();
    assert.deepEqual(await dev.ended, { reason: 'stopped' });
    assert.equal(dev.heldCount, 0);
  });
  it('a message held across a token renewal is delivered again on the new connection and completed there', async () => {
    await conn.createDevice('hold-renew');
    const c2d: ReceivedC2d[] = [];
    const dev = new SimulatedDevice({
      endpoint: await conn.deviceMqttEndpoint(), deviceId: 'hold-renew', key: (await conn.deviceKeys('hold-renew')).primaryKey,
      template: compileTemplate({ body: '{{counter}}' }), intervalMs: 50, holdC2d: true, tokenSeconds: 3, onC2d: (m) => c2d.push(m),
    });
    await dev.connect();
    dev.start();
    await conn.sender.sendC2d('hold-renew', { systemProperties: { messageId: 'held-r', ack: 'full' }, applicationProperties: [], body: new TextEncoder().encode('wait') });
    const first = await eventually(() => c2d[0], 'the held message', 10_000);
    await eventually(() => dev.renewals >= 1 || undefined, 'a renewal', 10_000);
    assert.equal(first.complete?.(), false, 'the old connection is gone: nothing to acknowledge there');
    // The hub abandoned it when the old connection closed: it comes again, held on the new one.
    await eventually(() => dev.heldCount > 0 || undefined, 'delivered again on the new connection', 10_000);
    const latest = c2d[c2d.length - 1]!;
    assert.equal(latest.systemProperties.messageId, 'held-r');
    assert.equal(latest.complete?.(), true);
    await eventually(async () => ((await conn.peekQueue('hold-renew')).every((m) => m.state === 'Completed')) || undefined, 'completed', 10_000);
    dev.stop();
    assert.deepEqual(await dev.ended, { reason: 'stopped' });
  });
});

describe('simulator templates from a message file', () => {
  it('placeholders in the body and property values; a quoted numeric placeholder in JSON becomes a number', () => {
    const file = JSON.stringify({
      direction: 'd2c', deviceId: 'thermostat-01',
      systemProperties: { messageId: '{{uuid}}', contentType: 'application/json', contentEncoding: 'utf-8', ack: 'full' },
      applicationProperties: { seq: '{{counter}}', source: '{{deviceId}}' },
      body: { temperature: '{{random(20,30)}}', n: '{{counter}}', label: 'reading {{counter}} of {{deviceId}}', at: '{{time}}' },
    });
    const parsed = parseMessageFile(file);
    const t = templateFromMessage(parsed.messages[0]!.message);
    const m = t.render({ counter: 3, deviceId: 'sim-007', now: new Date('2026-12-07T10:00:00Z'), random: () => 0.5 });
    const body = JSON.parse(new TextDecoder().decode(m.body)) as Record<string, unknown>;
    assert.deepEqual(body, { temperature: 25, n: 3, label: 'reading 3 of sim-007', at: '2026-12-07T10:00:00.000Z' });
    assert.match(m.systemProperties.messageId ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(m.systemProperties.contentType, 'application/json');
    assert.equal(m.systemProperties.ack, undefined, 'ack is C2D only: not sent by a device');
    assert.deepEqual(m.applicationProperties, [{ name: 'seq', value: '3' }, { name: 'source', value: 'sim-007' }]);
    assert.equal(refusalOf(t, 'sim-007'), undefined);
  });
  it('refuses an unknown placeholder naming the property, and a binary body', () => {
    const parsed = parseMessageFile(JSON.stringify({ direction: 'd2c', applicationProperties: { room: '{{rooom}}' }, body: 'x' }));
    assert.throws(() => templateFromMessage(parsed.messages[0]!.message), /application property 'room', offset 0: unknown placeholder \{\{rooom\}\}/);
    assert.throws(() => templateFromMessage({ systemProperties: {}, applicationProperties: [], body: new Uint8Array([0xff, 0xfe, 0x00]) }), /not UTF-8 text/);
  });
});
