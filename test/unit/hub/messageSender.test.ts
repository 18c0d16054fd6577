// The message sender against a real local hub: every property of a C2D message reaches the queue,
// every property of a D2C message reaches the D2C log (sent as the device over HTTPS, which leaves
// the device's own MQTT connection alone), and each hub refusal becomes an error a user can act on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { createMessage } from '../../../src/core/message/model';
import { LocalHubClient } from '../../../src/hub/client/localHubClient';
import { LocalHubSender, MessageSendError, type SendErrorKind } from '../../../src/hub/client/messageSender';
import type { D2cEventJson } from '../../../src/hub/http/jsonShapes';
import { eventually, startTestHub, type TestHub } from './testHub';

async function refused(p: Promise<unknown>, kind: SendErrorKind, pattern: RegExp): Promise<MessageSendError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MessageSendError, String(e));
    assert.equal(e.kind, kind, e.message);
    assert.match(e.message, pattern);
    return e;
  }
  assert.fail(`expected a ${kind} error`);
}

void describe('LocalHubSender', () => {
  let t: TestHub;
  let client: LocalHubClient;
  let sender: LocalHubSender;
  let d2c: D2cEventJson[];
  let tail: { close(): void };
  before(async () => {
    t = await startTestHub();
    client = LocalHubClient.fromConnectionString(t.hub.connectionInfo.hubConnectionString, { ca: t.ca });
    sender = new LocalHubSender(client);
    d2c = [];
    const sub = client.tailD2c({ from: 'earliest' }, (e) => d2c.push(e));
    await sub.ready;
    tail = sub;
  });
  after(async () => {
    tail.close();
    client.close();
    await t.close();
  });

  void it('C2D: every system and application property and the body bytes reach the queue', async () => {
    await t.createDevice('c2d-props');
    const expiry = new Date(Date.now() + 30 * 60_000).toISOString();
    const body = Uint8Array.from([0, 1, 2, 0xff, 0xfe]);
    const sent = await sender.sendC2d('c2d-props', createMessage({
      systemProperties: {
        messageId: 'm-1', correlationId: 'corr-1', userId: 'ops', contentType: 'application/octet-stream',
        contentEncoding: 'utf-8', expiryTimeUtc: expiry, ack: 'full', creationTimeUtc: '2026-11-22T09:00:00.000Z',
      },
      applicationProperties: [{ name: 'Command', value: 'set-point' }, { name: 'zone', value: 'A_1' }],
      body,
    }));
    assert.equal(sent.direction, 'c2d');
    assert.equal(sent.messageId, 'm-1');
    assert.equal(sent.messageIdAssigned, false);
    assert.equal(sent.queueDepth, 1);
    assert.equal(sent.sequenceNumber, 1);
    assert.equal(sent.expiryTimeUtc, expiry);
    assert.deepEqual(sent.notCarried, []);
    // 5 body bytes + system values + application names and values.
    assert.equal(sent.sizeBytes, 5 + 'm-1corr-1opsapplication/octet-streamutf-8'.length + expiry.length + 'full'.length + 24 + 'Commandset-pointzoneA_1'.length);

    const [queued] = await client.peekQueue('c2d-props');
    assert.ok(queued);
    assert.equal(queued.state, 'Enqueued');
    const s = queued.systemProperties;
    assert.deepEqual(
      [s.messageId, s.correlationId, s.userId, s.contentType, s.contentEncoding, s.expiryTimeUtc, s.ack, s.creationTimeUtc, s.to],
      ['m-1', 'corr-1', 'ops', 'application/octet-stream', 'utf-8', expiry, 'full', '2026-11-22T09:00:00.000Z', '/devices/c2d-props/messages/devicebound'],
    );
    assert.equal(queued.expiryTime, expiry);
    assert.deepEqual(queued.applicationProperties, [{ name: 'Command', value: 'set-point' }, { name: 'zone', value: 'A_1' }]);
    assert.deepEqual([...Buffer.from(queued.bodyBase64, 'base64')], [...body]);
  });

  void it('C2D: a message without an id gets a UUID; hub-stamped properties are left out and named', async () => {
    await t.createDevice('c2d-noid');
    const sent = await sender.sendC2d('c2d-noid', createMessage({
      systemProperties: { enqueuedTimeUtc: '2026-11-22T09:00:00Z', sequenceNumber: '7' }, body: 'hi',
    }));
    assert.equal(sent.messageIdAssigned, true);
    assert.match(sent.messageId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(sent.notCarried.sort(), ['enqueuedTimeUtc', 'sequenceNumber']);
    const [queued] = await client.peekQueue('c2d-noid');
    assert.equal(queued?.messageId, sent.messageId);
    assert.equal(queued?.systemProperties.sequenceNumber, '1', 'the queue numbers it, not the sender');
    assert.equal(sent.queueDepth, 1);
  });

  void it('C2D errors: no such device, queue full (403004), invalid property, module', async () => {
    await refused(sender.sendC2d('ghost', createMessage({ body: 'x' })), 'device-not-found', /Device 'ghost' is not registered/);

    await t.createDevice('c2d-full');
    for (let i = 0; i < 50; i++) await sender.sendC2d('c2d-full', createMessage({ systemProperties: { messageId: `f-${i}` }, body: 'x' }));
    const full = await refused(sender.sendC2d('c2d-full', createMessage({ body: 'x' })), 'queue-full', /queue of device 'c2d-full' is full .*50.*403004/);
    assert.equal(full.details.status, 403);
    assert.equal(full.details.errorNumber, 403004);
    assert.equal((await client.peekQueue('c2d-full')).length, 50);

    await t.createDevice('c2d-bad');
    const bad = await refused(sender.sendC2d('c2d-bad', createMessage({ applicationProperties: [{ name: 'room name', value: 'kitchen' }], body: 'x' })),
      'invalid-message', /refused the C2D message: .*IOT101/);
    assert.equal(bad.details.status, 400);
    await refused(sender.sendC2d('c2d-bad', createMessage({ systemProperties: { ack: 'sometimes' }, body: 'x' })), 'invalid-message', /IOT110/);
    const tooBig = await refused(sender.sendC2d('c2d-bad', createMessage({ body: 'x'.repeat(64 * 1024 + 1) })), 'too-large', /too large: .*IOT113/);
    assert.deepEqual([tooBig.details.status, tooBig.details.errorNumber], [413, 413002]);
    await refused(sender.sendC2d('c2d-bad', createMessage({ moduleId: 'm', body: 'x' })), 'unsupported', /module 'm'/);
    assert.deepEqual(await client.peekQueue('c2d-bad'), []);
  });

  void it('D2C: sent as the device over HTTPS, every property reaches the D2C log, with the hub\'s stamps', async () => {
    const dev = await t.createDevice('d2c-props');
    const body = Uint8Array.from([0x7b, 0x7d, 0, 0xff]);
    const sent = await sender.sendD2c('d2c-props', createMessage({
      systemProperties: {
        messageId: 'tele-1', correlationId: 'c-9', userId: 'd2c-props', contentType: 'application/json', contentEncoding: 'utf-8',
        creationTimeUtc: '2026-11-22T09:00:00.000Z', expiryTimeUtc: '2099-01-01T00:00:00.000Z', ack: 'full',
      },
      applicationProperties: [{ name: 'Alert', value: 'false' }, { name: 'schema-version', value: '2' }],
      body,
    }));
    assert.equal(sent.direction, 'd2c');
    assert.equal(sent.messageId, 'tele-1');
    assert.deepEqual(sent.notCarried, ['ack'], 'iothub-ack is C2D only');
    assert.equal(sent.queueDepth, undefined);
    const e = await eventually(() => d2c.find((x) => x.systemProperties.messageId === 'tele-1'), 'the D2C event');
    assert.equal(e.deviceId, 'd2c-props');
    const s = e.systemProperties;
    assert.deepEqual(
      [s.correlationId, s.userId, s.contentType, s.contentEncoding, s.creationTimeUtc, s.expiryTimeUtc, s.ack],
      ['c-9', 'd2c-props', 'application/json', 'utf-8', '2026-11-22T09:00:00.000Z', '2099-01-01T00:00:00.000Z', undefined],
    );
    assert.equal(s.connectionDeviceId, 'd2c-props');
    assert.equal(s.messageSource, 'Telemetry');
    assert.equal(s.connectionAuthGenerationId, t.hub.hubState.registry.get(dev.deviceId)?.generationId);
    assert.deepEqual(e.applicationProperties, [{ name: 'Alert', value: 'false' }, { name: 'schema-version', value: '2' }], 'order and case kept');
    assert.deepEqual([...Buffer.from(e.bodyBase64, 'base64')], [...body]);
  });

  void it('D2C does not kick the device\'s own MQTT connection off (IoT Hub allows one per device)', async () => {
    const dev = await t.createDevice('d2c-mqtt');
    const device = await mqtt.connectAsync(`mqtts://localhost:${t.mqttPort}`, {
      protocolVersion: 4, reconnectPeriod: 0, ca: t.ca, clientId: dev.deviceId,
      username: `localhost/${dev.deviceId}/?api-version=2021-04-12`, password: t.deviceToken(dev.deviceId, dev.key),
    });
    let closed = false;
    device.on('close', () => { closed = true; });
    try {
      const sent = await sender.sendD2c('d2c-mqtt', createMessage({ body: 'from the extension' }));
      assert.equal(sent.messageIdAssigned, true);
      await eventually(() => d2c.find((x) => x.systemProperties.messageId === sent.messageId), 'the D2C event');
      await device.publishAsync('devices/d2c-mqtt/messages/events/%24.mid=from-device', 'still here', { qos: 1 });
      await eventually(() => d2c.find((x) => x.systemProperties.messageId === 'from-device'), 'the device\'s own publish');
      assert.equal(closed, false);
      assert.equal(device.connected, true);
    } finally {
      await device.endAsync();
    }
  });

  void it('D2C errors: no such device, disabled device, characters HTTPS refuses, too large, duplicate names', async () => {
    await refused(sender.sendD2c('ghost', createMessage({ body: 'x' })), 'device-not-found', /Device 'ghost' is not registered/);
    await t.createDevice('d2c-off', 'disabled');
    await refused(sender.sendD2c('d2c-off', createMessage({ body: 'x' })), 'unauthorized', /disabled/);
    await t.createDevice('d2c-bad');
    await refused(sender.sendD2c('d2c-bad', createMessage({ applicationProperties: [{ name: 'Unit', value: '\u00b0C' }], body: 'x' })),
      'invalid-message', /'Unit': its value contains '°' \(U\+00B0\) at offset 0\. IoT Hub's HTTPS D2C API allows only ASCII letters/);
    await refused(sender.sendD2c('d2c-bad', createMessage({ applicationProperties: [{ name: 'room name', value: 'k' }], body: 'x' })),
      'invalid-message', /its name contains a space/);
    await refused(sender.sendD2c('d2c-bad', createMessage({ applicationProperties: [{ name: 'unit', value: 'a' }, { name: 'Unit', value: 'b' }], body: 'x' })),
      'invalid-message', /appears twice/);
    await refused(sender.sendD2c('d2c-bad', createMessage({ systemProperties: { correlationId: 'caf\u00e9' }, body: 'x' })), 'invalid-message', /correlationId contains 'é'/);
    await refused(sender.sendD2c('d2c-bad', createMessage({ systemProperties: { messageId: 'has space' }, body: 'x' })), 'invalid-message', /refused the D2C message: .*IOT103/);
    const big = await refused(sender.sendD2c('d2c-bad', createMessage({ body: new Uint8Array(256 * 1024 + 1) })), 'too-large', /256|262144/);
    assert.equal(big.details.status, 413);
    assert.equal(d2c.filter((e) => e.deviceId === 'd2c-bad').length, 0);
  });

  void it('a hub that is gone: unreachable, naming the host', async () => {
    const other = await startTestHub();
    const c = LocalHubClient.fromConnectionString(other.hub.connectionInfo.hubConnectionString, { ca: other.ca, timeoutMs: 5_000 });
    const s = new LocalHubSender(c);
    await other.close();
    try {
      await refused(s.sendC2d('x', createMessage({ body: 'x' })), 'unreachable', /did not answer \(ECONNREFUSED\)\. Is it running\?/);
      await refused(s.sendD2c('x', createMessage({ body: 'x' })), 'unreachable', /localhost:\d+ did not answer/);
    } finally {
      c.close();
    }
  });
});
