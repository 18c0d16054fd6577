// Pasted messages: the shapes people have on their clipboard, and clear errors for the rest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePastedMessage } from '../../../src/inspector/paste';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

void test('az iot hub monitor-events --properties all output', () => {
  const r = parsePastedMessage(JSON.stringify({
    event: {
      origin: 'thermostat-1', module: '', interface: '', component: '',
      properties: { system: { 'message-id': 'm-1', 'content-type': 'application/json', 'iothub-enqueuedtime': '2026-11-22T09:00:00Z' }, application: { 'temp erature': '21' } },
      annotations: { 'iothub-connection-device-id': 'thermostat-1', 'x-opt-sequence-number': 4 },
      payload: { t: 21 },
    },
  }));
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(r.message.deviceId, 'thermostat-1');
  assert.equal(r.message.direction, 'd2c');
  assert.equal(r.message.systemProperties.messageId, 'm-1');
  assert.equal(r.message.systemProperties.enqueuedTimeUtc, '2026-11-22T09:00:00Z');
  assert.equal(r.message.systemProperties.connectionDeviceId, 'thermostat-1');
  assert.deepEqual(r.message.applicationProperties, [{ name: 'temp erature', value: '21' }]);
  assert.equal(text(r.message.body), '{"t":21}');
  assert.deepEqual(r.notes, []);
});

void test('Event Hubs event shape and MQTT-style $.keys', () => {
  const r = parsePastedMessage(JSON.stringify({
    body: 'hello', properties: { a: 'b', n: 5 }, messageId: 'e-1', contentType: 'text/plain',
    systemProperties: { '$.cid': 'c-9', 'iothub-connection-device-id': 'd1', 'x-opt-offset': '12' },
  }));
  assert.ok(r.ok);
  assert.equal(r.message.systemProperties.messageId, 'e-1');
  assert.equal(r.message.systemProperties.correlationId, 'c-9');
  assert.deepEqual(r.message.applicationProperties, [{ name: 'a', value: 'b' }, { name: 'n', value: '5' }]);
  assert.equal(text(r.message.body), 'hello');
  assert.equal(r.message.deviceId, 'd1');
});

void test('plain shape: application properties as a list keeps case-insensitive duplicates; base64 body; C2D inferred', () => {
  const r = parsePastedMessage(JSON.stringify({
    systemProperties: { to: '/devices/d1/messages/devicebound', ack: 'full' },
    applicationProperties: [{ name: 'Temp', value: '1' }, { name: 'temp', value: '2' }],
    bodyBase64: 'AAEC',
  }));
  assert.ok(r.ok);
  assert.equal(r.message.direction, 'c2d');
  assert.equal(r.message.applicationProperties.length, 2);
  assert.deepEqual([...r.message.body], [0, 1, 2]);
});

void test('unknown system properties are reported, not silently dropped', () => {
  const r = parsePastedMessage(JSON.stringify({ systemProperties: { 'message-id': 'x', 'iothub-interface-name': 'foo' } }));
  assert.ok(r.ok);
  assert.equal(r.notes.length, 1);
  assert.match(r.notes[0] ?? '', /iothub-interface-name/);
});

void test('bad input gets a clear error', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty/],
    ['{not json', /not JSON/],
    ['[1,2]', /not an object/],
    ['{"applicationProperties": 5}', /Application properties must be/],
    ['{"bodyBase64": "***"}', /not valid base64/],
  ];
  for (const [input, re] of cases) {
    const r = parsePastedMessage(input);
    assert.equal(r.ok, false, input);
    assert.match(r.ok ? '' : r.error, re, input);
  }
});
