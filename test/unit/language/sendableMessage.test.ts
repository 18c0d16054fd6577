// Message N of a message file as the send commands send it: ttl -> absolute expiry at send time,
// body bytes as the file defines them, and a refusal (with the file rule) when the file is broken.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sendableMessage } from '../../../src/language/rules/sendableMessage';

const NOW = new Date('2026-11-22T09:00:00.000Z');

void describe('sendableMessage', () => {
  const file = JSON.stringify([
    { direction: 'c2d', deviceId: 'thermostat-01', systemProperties: { messageId: 'sp-1', ack: 'full', ttl: '1h30m' }, applicationProperties: { command: 'set-point' }, body: { target: 20.0 } },
    { direction: 'c2d', systemProperties: { contentType: 'application/octet-stream' }, body: { base64: 'AAECAwQFBgcICQ==' } },
    { direction: 'd2c', body: 'set 21.5' },
  ], null, 2).replace('"target": 20', '"target": 20.0');

  void it('turns ttl into expiryTimeUtc = send time + ttl, and keeps every property', () => {
    const r = sendableMessage(file, 0, NOW);
    assert.ok(r.ok);
    assert.deepEqual(r.message.systemProperties, { messageId: 'sp-1', ack: 'full', expiryTimeUtc: '2026-11-22T10:30:00.000Z' });
    assert.equal(r.message.deviceId, 'thermostat-01');
    assert.equal(r.message.direction, 'c2d');
    assert.deepEqual(r.message.applicationProperties, [{ name: 'command', value: 'set-point' }]);
    assert.equal(new TextDecoder().decode(r.message.body), '{"target":20.0}', 'compact JSON exactly as written');
  });

  void it('a base64 body is its decoded bytes; a string body its UTF-8; no device stays unset', () => {
    const b64 = sendableMessage(file, 1, NOW);
    assert.ok(b64.ok);
    assert.deepEqual([...b64.message.body], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(b64.message.deviceId, undefined, 'the command asks for a device');
    const text = sendableMessage(file, 2, NOW);
    assert.ok(text.ok);
    assert.equal(new TextDecoder().decode(text.message.body), 'set 21.5');
  });

  void it('refuses a message the file breaks (invalid base64, invalid ttl, wrong type, syntax), naming the rule', () => {
    const bad = (text: string, index = 0): string => {
      const r = sendableMessage(text, index, NOW);
      assert.equal(r.ok, false, text);
      return r.ok ? '' : r.error;
    };
    assert.match(bad('{"direction":"c2d","body":{"base64":"no!"}}'), /^message 1: IOT909 The base64 body is not valid base64: .* Fix the file first\.$/);
    assert.match(bad('{"direction":"c2d","systemProperties":{"ttl":"1 hour"}}'), /IOT907/);
    assert.match(bad('{"direction":"c2d","applicationProperties":{"n":42}}'), /IOT905 .*must be a string/);
    assert.match(bad('{"direction":"c2d","bodyy":1,"deviceId":7}'), /IOT906 .* 1 more problem too\./);
    assert.match(bad('{"direction":"c2d","body":1,}'), /IOT901/);
    assert.match(bad('[{"direction":"c2d"}]', 3), /^the file has no message 4 \(it holds 1 message\)\.$/);
    assert.match(bad('42', 0), /^the file has no message 1: The file holds a number/);
  });

  void it('a problem in another message of the file, a missing direction or a message rule does not block', () => {
    const two = '[{"direction":"c2d","body":{"base64":"no!"}},{"direction":"c2d","body":"ok"}]';
    assert.equal(sendableMessage(two, 1, NOW).ok, true);
    assert.equal(sendableMessage('{"deviceId":"d","body":"x"}', 0, NOW).ok, true, 'the command gives the direction');
    // Characters IoT Hub refuses are the hub's to report (it answers 400 with the rule).
    assert.equal(sendableMessage('{"direction":"c2d","applicationProperties":{"room name":"k"}}', 0, NOW).ok, true);
  });
});
