import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMessage } from '../../../src/core/message/model';
import { sendQuestion } from '../../../src/core/message/sendQuestion';
import { validateMessage } from '../../../src/core/message/validation';

void test('a valid message, or one with warnings only, asks nothing', () => {
  const ok = createMessage({ applicationProperties: [{ name: 'unit', value: 'C' }], body: 'x' });
  assert.equal(sendQuestion(validateMessage(ok, { direction: 'c2d' }).problems, 'c2d'), undefined);
  // A space in a D2C property is a warning (MQTT and AMQP carry it): no question.
  const d2c = createMessage({ applicationProperties: [{ name: 'room name', value: 'a b' }], body: 'x' });
  assert.equal(sendQuestion(validateMessage(d2c, { direction: 'd2c' }).problems, 'd2c'), undefined);
});

void test('errors: a short question, each problem briefly in the detail, the full text for the log', () => {
  const value = `°C${'x'.repeat(100)} é`;
  const bad = createMessage({ applicationProperties: [{ name: 'room name', value }, { name: 'u', value: 'a/b' }], body: 'x' });
  const ask = sendQuestion(validateMessage(bad, { direction: 'c2d' }).problems, 'c2d');
  assert.ok(ask);
  assert.equal(ask.question, 'This C2D message has 3 problems IoT Hub may refuse it for. Send it anyway?');
  const lines = ask.detail.split('\n');
  assert.deepEqual(lines.slice(0, 3).map((l) => l.slice(0, 6)), ['IOT101', 'IOT101', 'IOT101']);
  assert.ok(lines.slice(0, 3).every((l) => l.length <= 'IOT101 '.length + 110), 'each line is brief');
  assert.match(lines[1] ?? '', /\.\.\.$/);
  assert.equal(lines.at(-1), 'The full text is in the log (IoT Hub: Show Log).');
  // The log has each problem whole: the allowed set, every character named.
  assert.equal(ask.logLines.length, 3);
  assert.match(ask.logLines[1] ?? '', /contains 3 characters that are not allowed: '°' \(U\+00B0\) at offset 0, a space \(U\+0020\) at offset 102, 'é' \(U\+00E9\) at offset 103; IoT Hub allows only ASCII letters/);
});

void test('more than five problems: five listed, the rest counted', () => {
  const props = Array.from({ length: 7 }, (_, i) => ({ name: `p ${i}`, value: 'v' }));
  const ask = sendQuestion(validateMessage(createMessage({ applicationProperties: props, body: 'x' }), { direction: 'c2d' }).problems, 'c2d');
  assert.ok(ask);
  assert.match(ask.detail, /\nand 2 more\n/);
  assert.equal(ask.logLines.length, 7);
});
