// Every IoT Hub MQTT rule, checked with a raw MQTT.js client against a real local hub.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import * as mqttPacket from 'mqtt-packet';
import { generate } from 'mqtt-packet';
import { createSasToken } from '../../../src/core/auth/sas';
import { ManualClock } from '../../../src/hub/clock';
import type { D2cEvent } from '../../../src/hub/contracts';
import { eventually, startTestHub, type TestHub } from './testHub';

interface Connected { client: MqttClient; closed: Promise<void> }

function connectRaw(t: TestHub, opts: IClientOptions): Promise<Connected> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtts://localhost:${t.mqttPort}`, {
      protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ca: t.ca, clean: false, keepalive: 60, ...opts,
    });
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    client.once('connect', () => resolve({ client, closed }));
    client.once('error', (e) => {
      client.end(true);
      reject(e);
    });
  });
}

async function connackCode(t: TestHub, opts: IClientOptions): Promise<number | undefined> {
  try {
    const c = await connectRaw(t, opts);
    await c.client.endAsync();
    return 0;
  } catch (e) {
    return (e as { code?: number }).code;
  }
}

function deviceOpts(t: TestHub, deviceId: string, key: string, ttl = 3600): IClientOptions {
  return { clientId: deviceId, username: `localhost/${deviceId}/?api-version=2021-04-12`, password: t.deviceToken(deviceId, key, ttl) };
}

async function d2cOf(t: TestHub, deviceId: string): Promise<D2cEvent[]> {
  const d2c = t.hub.hubState.d2c;
  const out: D2cEvent[] = [];
  for (let p = 0; p < d2c.partitionCount; p++) out.push(...(await d2c.read(p, 0, 10_000)));
  return out.filter((e) => e.deviceId === deviceId);
}

/** Publishes and expects the hub to drop the connection without a PUBACK. */
async function expectDisconnectOnPublish(c: Connected, topic: string, payload: Buffer | string, qos: 0 | 1 | 2): Promise<void> {
  let acked = false;
  c.client.publish(topic, payload, { qos }, (err) => {
    if (err === undefined || err === null) acked = true;
  });
  await c.closed;
  assert.equal(acked, false, 'the hub must not acknowledge a refused publish');
}

void describe('MQTT rules (raw MQTT.js client)', () => {
  let t: TestHub;
  let key: string;
  before(async () => {
    t = await startTestHub();
    key = (await t.createDevice('dev1')).key;
    await t.createDevice('dev2');
    await t.createDevice('off', 'disabled');
  });
  after(async () => {
    await t.close();
  });

  void it('accepts a valid device token; CONNACK refusals use codes 2, 4 and 5', async () => {
    assert.equal(await connackCode(t, deviceOpts(t, 'dev1', key)), 0);
    const wrongKey = Buffer.alloc(32, 7).toString('base64');
    assert.equal(await connackCode(t, deviceOpts(t, 'dev1', wrongKey)), 4, 'wrong key');
    assert.equal(await connackCode(t, deviceOpts(t, 'dev1', key, -10)), 4, 'expired token');
    assert.equal(await connackCode(t, { ...deviceOpts(t, 'dev1', key), password: 'not a token' }), 4, 'malformed token');
    assert.equal(await connackCode(t, { clientId: 'dev1', username: 'localhost/dev1/?api-version=2021-04-12' }), 4, 'no password');
    assert.equal(await connackCode(t, { ...deviceOpts(t, 'dev1', key), username: 'localhost/dev2/?api-version=2021-04-12' }), 4, 'username names another device');
    assert.equal(await connackCode(t, deviceOpts(t, 'ghost', key)), 5, 'unknown device');
    const offKey = t.hub.hubState.registry.get('off')!.authentication.symmetricKey.primaryKey;
    assert.equal(await connackCode(t, deviceOpts(t, 'off', offKey)), 5, 'disabled device');
    // dev1's key signing a token for dev2's resource is not dev2's credential.
    assert.equal(await connackCode(t, { ...deviceOpts(t, 'dev2', key), password: t.deviceToken('dev1', key) }), 5, "another device's token");
    assert.equal(await connackCode(t, { ...deviceOpts(t, 'dev1', key), clientId: 'dev1/module1', username: 'localhost/dev1/module1/?api-version=2021-04-12' }), 2, 'module client id');
    assert.equal(await connackCode(t, { ...deviceOpts(t, 'dev1', key), clientId: 'bad id with spaces', username: 'localhost/bad id with spaces/' }), 2, 'invalid device id');
  });

  void it('accepts a username without the query, and a DeviceConnect policy token', async () => {
    assert.equal(await connackCode(t, { ...deviceOpts(t, 'dev1', key), username: 'localhost/dev1' }), 0);
    const policy = t.hub.hubState.policies.find((p) => p.keyName === 'device')!;
    const token = createSasToken({ resourceUri: 'localhost/devices/dev1', key: policy.primaryKey, keyName: 'device', expiresAtSeconds: Math.floor(Date.now() / 1000) + 600 });
    assert.equal(await connackCode(t, { ...deviceOpts(t, 'dev1', key), password: token }), 0);
    const service = t.hub.hubState.policies.find((p) => p.keyName === 'service')!;
    const noRight = createSasToken({ resourceUri: 'localhost', key: service.primaryKey, keyName: 'service', expiresAtSeconds: Math.floor(Date.now() / 1000) + 600 });
    assert.equal(await connackCode(t, { ...deviceOpts(t, 'dev1', key), password: noRight }), 5, 'policy without DeviceConnect');
  });

  void it('holds the PUBACK until the D2C message is durable', async () => {
    const d2c = t.hub.hubState.d2c;
    const original = d2c.appendThen.bind(d2c);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let appended = false;
    let handedToLog = false;
    d2c.appendThen = (input, done) => {
      handedToLog = true;
      void gate.then(() => original(input, (e) => {
        appended = e === undefined;
        done(e);
      }));
    };
    const c = await connectRaw(t, deviceOpts(t, 'dev1', key));
    try {
      let acked = false;
      const done = new Promise<void>((resolve, reject) => c.client.publish('devices/dev1/messages/events/a=1', 'x', { qos: 1 }, (err) => {
        if (err) reject(err);
        acked = true;
        resolve();
      }));
      // The hub has the message and its append is held at the gate: nothing may acknowledge it yet.
      await eventually(() => handedToLog || undefined, 'the publish reaches the log');
      assert.equal(acked, false, 'no PUBACK while the append is pending');
      release();
      await done;
      assert.equal(appended, true, 'the PUBACK came after the durable append');
    } finally {
      d2c.appendThen = original;
      await c.client.endAsync();
    }
  });

  void it('keeps reading while a commit is pending, and acknowledges in order once durable', async () => {
    const d2c = t.hub.hubState.d2c;
    const original = d2c.appendThen.bind(d2c);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let started = 0;
    d2c.appendThen = (input, done) => {
      started++;
      void gate.then(() => original(input, done));
    };
    const c = await connectRaw(t, deviceOpts(t, 'dev1', key));
    try {
      const acks: number[] = [];
      const all = Array.from({ length: 20 }, (_, i) => new Promise<void>((resolve, reject) =>
        c.client.publish('devices/dev1/messages/events/', `m${i}`, { qos: 1 }, (err) => {
          if (err) return reject(err);
          acks.push(i);
          resolve();
        })));
      await eventually(() => started === 20 || undefined, 'every publish reaches the log while the first is uncommitted');
      assert.deepEqual(acks, [], 'no PUBACK before the commit');
      release();
      await Promise.all(all);
      assert.deepEqual(acks, Array.from({ length: 20 }, (_, i) => i), 'PUBACKs in publish order');
    } finally {
      release();
      d2c.appendThen = original;
      await c.client.endAsync();
    }
  });

  void it('stops reading a device that floods the log faster than it commits (backpressure)', async () => {
    const d2c = t.hub.hubState.d2c;
    const original = d2c.appendThen.bind(d2c);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let started = 0;
    d2c.appendThen = (input, done) => {
      started++;
      void gate.then(() => original(input, done));
    };
    const before = (await d2cOf(t, 'dev1')).length;
    const c = await connectRaw(t, deviceOpts(t, 'dev1', key));
    try {
      // 600 x 16 KB = 9.6 MB, over the 4 MB a connection may have uncommitted.
      const body = Buffer.alloc(16 * 1024, 0x61);
      const all = Array.from({ length: 600 }, () => c.client.publishAsync('devices/dev1/messages/events/', body, { qos: 1 }));
      await eventually(() => started > 200 || undefined, "the first messages reach the log");
      // The hub pauses reading the connection; only what aedes had already parsed still reaches the log.
      await eventually(() => t.hub.broker.pausedConnections === 1 || undefined, 'reading paused');
      assert.ok(started < 300, `reading paused near the 4 MB bound (${started} messages handed to the log)`);
      release();
      await Promise.all(all);
      assert.equal((await d2cOf(t, 'dev1')).length, before + 600, 'every message stored once the log caught up');
    } finally {
      release();
      d2c.appendThen = original;
      await c.client.endAsync();
    }
  });

  void it('drops the connection without a PUBACK when storing fails; the device may resend', async () => {
    const d2c = t.hub.hubState.d2c;
    const original = d2c.appendThen.bind(d2c);
    d2c.appendThen = (_input, done) => queueMicrotask(() => done(new Error('disk full (test)')));
    const c = await connectRaw(t, deviceOpts(t, 'dev1', key));
    try {
      await expectDisconnectOnPublish(c, 'devices/dev1/messages/events/', 'lost?', 1);
      assert.ok(t.logs.some((l) => l.includes('disk full (test)') && l.includes('without PUBACK')), 'the failure is logged');
    } finally {
      d2c.appendThen = original;
    }
    const again = await connectRaw(t, deviceOpts(t, 'dev1', key));
    await again.client.publishAsync('devices/dev1/messages/events/', 'resent', { qos: 1 });
    await again.client.endAsync();
  });

  void it('refuses publishing to another device, QoS 2, over-size and malformed bags by disconnecting', async () => {
    const before = (await d2cOf(t, 'dev1')).length;
    await expectDisconnectOnPublish(await connectRaw(t, deviceOpts(t, 'dev1', key)), 'devices/dev2/messages/events/', 'spoof', 1);
    await expectDisconnectOnPublish(await connectRaw(t, deviceOpts(t, 'dev1', key)), 'devices/dev1/messages/other', 'x', 1);
    await expectDisconnectOnPublish(await connectRaw(t, deviceOpts(t, 'dev1', key)), 'devices/dev1/messages/events/', 'qos2', 2);
    await expectDisconnectOnPublish(await connectRaw(t, deviceOpts(t, 'dev1', key)), 'devices/dev1/messages/events/', Buffer.alloc(256 * 1024 + 1), 1);
    await expectDisconnectOnPublish(await connectRaw(t, deviceOpts(t, 'dev1', key)), 'devices/dev1/messages/events/%zz=1', 'bad', 1);
    await expectDisconnectOnPublish(await connectRaw(t, deviceOpts(t, 'dev1', key)), 'devices/dev1/messages/events/=v', 'empty name', 1);
    assert.equal((await d2cOf(t, 'dev1')).length, before, 'nothing refused was stored');
    assert.ok(t.logs.some((l) => l.includes('Malformed percent-encoding')), 'the malformed bag is logged');
    // Exactly 256 KB (body + properties) is still accepted.
    const ok = await connectRaw(t, deviceOpts(t, 'dev1', key));
    await ok.client.publishAsync('devices/dev1/messages/events/k=v', Buffer.alloc(256 * 1024 - 2), { qos: 1 });
    await ok.client.endAsync();
    assert.equal((await d2cOf(t, 'dev1')).length, before + 1);
  });

  void it('a connection that changes its bag between messages gets each message stored with its own properties; the size limit holds on a repeated topic', async () => {
    const before = (await d2cOf(t, 'dev1')).length;
    const c = await connectRaw(t, deviceOpts(t, 'dev1', key));
    const topics = ['devices/dev1/messages/events/%24.mid=a&k=1', 'devices/dev1/messages/events/%24.mid=a&k=1', 'devices/dev1/messages/events/%24.ct=text%2Fplain&k=2', 'devices/dev1/messages/events/'];
    for (const topic of topics) await c.client.publishAsync(topic, 'x', { qos: 1 });
    const stored = (await d2cOf(t, 'dev1')).slice(before);
    assert.deepEqual(stored.map((e) => [e.systemProperties.messageId, e.systemProperties.contentType, e.applicationProperties.map((p) => `${p.name}=${p.value}`)]),
      [['a', undefined, ['k=1']], ['a', undefined, ['k=1']], [undefined, 'text/plain', ['k=2']], [undefined, undefined, []]]);
    // Same topic as the last accepted message, but body + properties now one byte over 256 KB.
    await expectDisconnectOnPublish(c, 'devices/dev1/messages/events/', Buffer.alloc(256 * 1024 + 1), 1);
    assert.equal((await d2cOf(t, 'dev1')).length, before + 4);
    // QoS 2 on a topic the connection has already published to is refused too.
    const q = await connectRaw(t, deviceOpts(t, 'dev1', key));
    await q.client.publishAsync('devices/dev1/messages/events/k=3', 'ok', { qos: 1 });
    await expectDisconnectOnPublish(q, 'devices/dev1/messages/events/k=3', 'qos2', 2);
    assert.equal((await d2cOf(t, 'dev1')).length, before + 5);
  });

  void it('a device that keeps publishing to one topic stays connected past its keep-alive, every message stored in order', async () => {
    const before = (await d2cOf(t, 'dev1')).length;
    // keepalive 1 s: the hub drops a connection silent for 1.5 s. Publishing counts as activity
    // (MQTT.js sends no PINGREQ meanwhile), on the hub's fast path for a repeated topic too.
    const c = await connectRaw(t, { ...deviceOpts(t, 'dev1', key), keepalive: 1 });
    let closed = false;
    void c.closed.then(() => { closed = true; });
    try {
      const dropped = c.closed.then(() => { throw new Error('the hub dropped the connection'); });
      // The pacing is the test: 25 messages 100 ms apart span 2.5 s, past the 1.5 s a silent connection is kept.
      const PUBLISH_GAP_MS = 100;
      for (let i = 0; i < 25; i++) {
        await Promise.race([c.client.publishAsync('devices/dev1/messages/events/seq=x', `m${i}`, { qos: i % 2 === 0 ? 1 : 0 }), dropped]);
        await new Promise((r) => setTimeout(r, PUBLISH_GAP_MS));
      }
      assert.equal(closed, false, 'still connected after 2.5 s of publishing');
      await eventually(async () => (await d2cOf(t, 'dev1')).length === before + 25 || undefined, 'all 25 stored');
      const stored = (await d2cOf(t, 'dev1')).slice(before);
      assert.deepEqual(stored.map((e) => Buffer.from(e.body).toString()), Array.from({ length: 25 }, (_, i) => `m${i}`));
      assert.ok(stored.every((e) => e.applicationProperties.length === 1 && e.applicationProperties[0]!.value === 'x'));
    } finally {
      await c.client.endAsync();
    }
  });

  void it("subscribes only to its own devicebound topic (QoS 2 granted as 1); another's is refused", async () => {
    const c = await connectRaw(t, deviceOpts(t, 'dev1', key));
    try {
      // MQTT.js turns refused subscriptions into an error, so read the SUBACK packet itself.
      const suback = new Promise<number[]>((resolve) => c.client.on('packetreceive', (p) => {
        if (p.cmd === 'suback') resolve(p.granted as number[]);
      }));
      c.client.subscribe({
        'devices/dev1/messages/devicebound/#': { qos: 2 },
        'devices/dev2/messages/devicebound/#': { qos: 1 },
        'devices/dev1/messages/events/#': { qos: 1 },
        '$iothub/twin/res/#': { qos: 0 },
        '#': { qos: 0 },
      }, () => undefined);
      assert.deepEqual(await suback, [1, 128, 128, 128, 128]);
      // A D2C publish from another device never reaches a subscriber.
      const got: string[] = [];
      c.client.on('message', (topic) => got.push(topic));
      const other = await connectRaw(t, deviceOpts(t, 'dev2', t.hub.hubState.registry.get('dev2')!.authentication.symmetricKey.primaryKey));
      await other.client.publishAsync('devices/dev2/messages/events/x=1', 'y', { qos: 1, retain: true });
      await other.client.endAsync();
      // A C2D message sent after that PUBACK comes down the same connection after anything the
      // publish could have been forwarded as: once it is here, nothing else came.
      await t.hub.hubState.c2d.send('dev1', { systemProperties: { messageId: 'after-d2c' }, applicationProperties: [], body: Buffer.from('c2d') });
      await eventually(() => got.length > 0 || undefined, 'the C2D message');
      assert.deepEqual(got.map((topic) => topic.split('/').slice(0, 4).join('/')), ['devices/dev1/messages/devicebound']);
      await eventually(() => (t.hub.hubState.c2d.depth('dev1') === 0 ? true : undefined), 'the C2D message completed by its PUBACK');
      // ... and nothing piles up in aedes' own (in-memory) persistence: no retained copy.
      const retained: unknown[] = [];
      const persistence = (t.hub.broker.aedes as unknown as { persistence: { createRetainedStream(pattern: string): AsyncIterable<unknown> } }).persistence;
      for await (const p of persistence.createRetainedStream('#')) retained.push(p);
      assert.deepEqual(retained, []);
    } finally {
      await c.client.endAsync();
    }
  });

  void it('delivers C2D as QoS 1 with the property bag; PUBACK completes it', async () => {
    const c = await connectRaw(t, deviceOpts(t, 'dev2', t.hub.hubState.registry.get('dev2')!.authentication.symmetricKey.primaryKey));
    try {
      const got: Array<{ topic: string; payload: string; qos: number }> = [];
      c.client.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), qos: packet.qos }));
      await c.client.subscribeAsync('devices/dev2/messages/devicebound/#', { qos: 1 });
      await t.hub.hubState.c2d.send('dev2', { systemProperties: { messageId: 'm=1', correlationId: 'c/1' }, applicationProperties: [{ name: 'a', value: 'b' }], body: Buffer.from('payload') });
      const m = await eventually(() => got[0], 'a C2D publish');
      assert.equal(m.qos, 1);
      assert.equal(m.payload, 'payload');
      assert.match(m.topic, /^devices\/dev2\/messages\/devicebound\/%24\.mid=m%3D1&%24\.to=%2Fdevices%2Fdev2%2Fmessages%2Fdevicebound&%24\.exp=[^&]+&%24\.cid=c%2F1&a=b$/);
      await eventually(() => (t.hub.hubState.c2d.depth('dev2') === 0 ? true : undefined), 'completion by PUBACK');
    } finally {
      await c.client.endAsync();
    }
  });

  void it('a QoS 0 subscription gets C2D at QoS 0, completed as it is sent', async () => {
    const c = await connectRaw(t, deviceOpts(t, 'dev2', t.hub.hubState.registry.get('dev2')!.authentication.symmetricKey.primaryKey));
    try {
      const got: number[] = [];
      c.client.on('message', (_topic, _payload, packet) => got.push(packet.qos));
      await c.client.subscribeAsync('devices/dev2/messages/devicebound/#', { qos: 0 });
      await t.hub.hubState.c2d.send('dev2', { systemProperties: { messageId: 'q0' }, applicationProperties: [], body: Buffer.from('x') });
      await eventually(() => got[0], 'a QoS 0 publish');
      assert.deepEqual(got, [0]);
      await eventually(() => (t.hub.hubState.c2d.depth('dev2') === 0 ? true : undefined), 'completion');
    } finally {
      await c.client.endAsync();
    }
  });

  void it('a second connection for the same device drops the first', async () => {
    const first = await connectRaw(t, deviceOpts(t, 'dev1', key));
    const second = await connectRaw(t, deviceOpts(t, 'dev1', key));
    await first.closed;
    assert.equal(second.client.connected, true);
    assert.equal(t.hub.hubState.registry.get('dev1')?.connectionState, 'Connected');
    await second.client.endAsync();
    await eventually(() => (t.hub.hubState.registry.get('dev1')?.connectionState === 'Disconnected' ? true : undefined), 'Disconnected');
  });

  void it('closes a connection that announces an oversized packet, before buffering it', async () => {
    const closesAfter = (chunks: Buffer[]): Promise<number> => new Promise((resolve) => {
      const started = Date.now();
      const sock = tlsConnect({ host: 'localhost', port: t.mqttPort, ca: t.ca }, () => {
        for (const c of chunks) sock.write(c);
      });
      sock.on('error', () => undefined);
      sock.on('data', () => undefined);
      sock.on('close', () => resolve(Date.now() - started));
    });
    // Before CONNECT: a CONNECT header claiming ~256 MB.
    assert.ok((await closesAfter([Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f])])) < 5000);
    // After a valid CONNECT: a PUBLISH header claiming 2 MB, with only a few bytes sent.
    const connect = generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId: 'dev1',
      username: 'localhost/dev1/?api-version=2021-04-12', password: Buffer.from(t.deviceToken('dev1', key)) });
    assert.ok((await closesAfter([connect, Buffer.from([0x32, 0x80, 0x80, 0x80, 0x01, 0x00])])) < 5000);
    assert.ok(t.logs.some((l) => l.includes('announced a packet of at least')));
  });

  void it('disabling a connected device disconnects it', async () => {
    await t.createDevice('soon-off');
    const k = t.hub.hubState.registry.get('soon-off')!.authentication.symmetricKey.primaryKey;
    const c = await connectRaw(t, deviceOpts(t, 'soon-off', k));
    await t.hub.hubState.registry.update('soon-off', { status: 'disabled' });
    await c.closed;
  });
});

void describe('SAS token expiry (manual clock)', () => {
  let t: TestHub;
  let clock: ManualClock;
  before(async () => {
    clock = new ManualClock(Date.now());
    t = await startTestHub({ clock });
  });
  after(async () => {
    await t.close();
  });

  void it('drops the connection when the token expires mid-connection', async () => {
    const { key } = await t.createDevice('short');
    const c = await connectRaw(t, deviceOpts(t, 'short', key, 120));
    let closedAt: number | undefined;
    void c.closed.then(() => {
      closedAt = clock.now();
    });
    clock.advance(119_000);
    // A PUBACK after the advance: had the hub dropped the connection, the publish would fail.
    await c.client.publishAsync('devices/short/messages/events/', 'still here', { qos: 1 });
    assert.equal(c.client.connected, true, 'still connected before expiry');
    clock.advance(2_000);
    await c.closed;
    assert.ok(closedAt !== undefined);
    assert.ok(t.logs.some((l) => l.includes('SAS token expired')));
  });
});

void describe('C2D lock timeout over MQTT (manual clock)', () => {
  let t: TestHub;
  let clock: ManualClock;
  before(async () => {
    clock = new ManualClock(Date.now());
    t = await startTestHub({ clock });
  });
  after(async () => {
    await t.close();
  });

  void it('redelivers a message the device never PUBACKed once its lock times out; a later PUBACK completes it', async () => {
    const { key } = await t.createDevice('slow');
    const publishes: Array<{ messageId: number; topic: string }> = [];
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (p) => {
      if (p.cmd === 'publish') publishes.push({ messageId: p.messageId ?? 0, topic: p.topic });
    });
    const sock = tlsConnect({ host: 'localhost', port: t.mqttPort, ca: t.ca });
    sock.on('data', (b: Buffer) => parser.parse(b));
    sock.on('error', () => undefined);
    await new Promise((r) => sock.once('secureConnect', r));
    sock.write(generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: false, keepalive: 0, clientId: 'slow',
      username: 'localhost/slow/?api-version=2021-04-12', password: Buffer.from(t.deviceToken('slow', key)) }));
    sock.write(generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'devices/slow/messages/devicebound/#', qos: 1 }] }));
    await t.hub.hubState.c2d.send('slow', { systemProperties: { messageId: 'late' }, applicationProperties: [], body: Buffer.from('x') });
    await eventually(() => publishes[0], 'first delivery');
    assert.equal(t.hub.hubState.c2d.peek('slow')[0]?.state, 'Invisible');
    clock.advance(61_000); // past the 60 s lock: back to the queue, and delivered again
    const second = await eventually(() => publishes[1], 'redelivery after the lock timeout');
    assert.match(second.topic, /%24\.mid=late/);
    assert.equal(t.hub.hubState.c2d.peek('slow')[0]?.deliveryCount, 2);
    sock.write(generate({ cmd: 'puback', messageId: second.messageId }));
    await eventually(() => (t.hub.hubState.c2d.depth('slow') === 0 ? true : undefined), 'completion by the second PUBACK');
    sock.destroy();
  });
});
