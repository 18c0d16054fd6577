// "Save as message file" writes what the language service's parser reads back byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createMessage, type IotMessage } from '../../../src/core/message/model';
import { parseMessageFile } from '../../../src/language/rules/messageFile';
import { encodeText } from '../../../src/inspector/bodyEncoding';
import { messageToFileText } from '../../../src/inspector/messageFileText';

function roundTrip(msg: IotMessage, direction: 'd2c' | 'c2d' = 'd2c'): IotMessage {
  const { text } = messageToFileText(msg, direction);
  const file = parseMessageFile(text);
  assert.deepEqual(file.fileDiagnostics.filter((d) => d.origin !== 'rule'), [], text);
  assert.equal(file.messages.length, 1);
  const back = file.messages[0]?.message;
  assert.ok(back);
  return back;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

void test('every kind of body comes back as the same bytes', () => {
  const bodies: Array<[string, Uint8Array]> = [
    ['compact JSON (written as JSON)', utf8('{"a":1.50,"b":[12345678901234567890,"x y"]}')],
    ['JSON with whitespace (written as a string, so the spaces survive)', utf8('{ "a": 1 }')],
    ['text', utf8('hello "world"\n\u00b0')],
    ['a JSON string literal', utf8('"quoted"')],
    ['UTF-16 (base64)', encodeText('{"t":1}', 'utf-16le')],
    ['UTF-8 with BOM (base64)', new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69])],
    ['binary (base64)', new Uint8Array([0, 1, 2, 0xff, 0xfe])],
    ['empty', new Uint8Array()],
  ];
  for (const [what, body] of bodies) {
    const back = roundTrip(createMessage({ body }));
    assert.deepEqual([...back.body], [...body], what);
  }
  assert.match(messageToFileText(createMessage({ body: utf8('{"a":1}') }), 'd2c').text, /"body": \{"a":1\}/);
});

void test('direction, device, sender system properties and application properties in order; hub-stamped left out and listed', () => {
  const msg = createMessage({
    deviceId: 'dev-1', moduleId: 'mod',
    systemProperties: { messageId: 'm 1', contentType: 'application/json', ack: 'full', enqueuedTimeUtc: '2026-11-22T09:00:00Z', connectionDeviceId: 'dev-1' },
    applicationProperties: [{ name: 'temp erature', value: '21\u00b0' }, { name: 'Temp', value: 'x' }],
    body: utf8('{}'),
  });
  const { omitted } = messageToFileText(msg, 'c2d');
  assert.deepEqual(omitted, ['iothub-enqueuedtime', 'iothub-connection-device-id']);
  const back = roundTrip(msg, 'c2d');
  assert.equal(back.direction, 'c2d');
  assert.equal(back.deviceId, 'dev-1');
  assert.equal(back.moduleId, 'mod');
  assert.deepEqual(back.systemProperties, { messageId: 'm 1', contentType: 'application/json', ack: 'full' });
  assert.deepEqual(back.applicationProperties, msg.applicationProperties);
});

void test('property: any bytes and any property strings survive the file', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 4 }), fc.string(), (body, props, id) => {
    const names = new Set<string>();
    const applicationProperties = props.filter(([n]) => !names.has(n) && names.add(n)).map(([name, value]) => ({ name, value }));
    const msg = createMessage({ systemProperties: { messageId: id }, applicationProperties, body });
    const back = roundTrip(msg);
    assert.deepEqual([...back.body], [...body]);
    assert.deepEqual(back.applicationProperties, applicationProperties);
    assert.equal(back.systemProperties.messageId, id);
  }), { numRuns: 200 });
});
