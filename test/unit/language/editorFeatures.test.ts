// Completion, hover, quick fixes and code lenses of the language rules (pure functions over text).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codeActions, percentEncode, type FileCodeAction, type OffsetEdit } from '../../../src/language/rules/codeActions';
import { codeLenses } from '../../../src/language/rules/codeLenses';
import { complete } from '../../../src/language/rules/complete';
import { analyse, diagnose } from '../../../src/language/rules/diagnose';
import { hover } from '../../../src/language/rules/hover';

const NOW = new Date('2026-11-22T09:00:00.000Z');

function applyEdits(text: string, edits: readonly OffsetEdit[]): string {
  return [...edits].sort((a, b) => b.start - a.start).reduce((t, e) => t.slice(0, e.start) + e.newText + t.slice(e.end), text);
}

function actionsAt(text: string, needle: string, which = 0): FileCodeAction[] {
  let at = -1;
  for (let i = 0; i <= which; i++) at = text.indexOf(needle, at + 1);
  assert.ok(at >= 0, `${needle} not found`);
  return codeActions(analyse(text, { now: NOW }), { start: at, end: at }, { newId: () => '11111111-2222-4333-8444-555555555555' });
}

function fix(text: string, needle: string, title: RegExp, which = 0): string {
  const action = actionsAt(text, needle, which).find((a) => title.test(a.title));
  assert.ok(action, `no action ${title} at ${needle}: ${actionsAt(text, needle, which).map((a) => a.title).join(', ')}`);
  const out = applyEdits(text, action.edits);
  JSON.parse(out); // every fix leaves valid JSON
  return out;
}

const codes = (text: string): string[] => diagnose(text, { now: NOW }).map((d) => d.code);

void describe('quick fixes', () => {
  const bad = `{
  "direction": "c2d",
  "systemProperties": { "messageId": "a b\\u00b0", "ack": "Full", "contentEncoding": "latin-1", "sequenceNumber": "3" },
  "applicationProperties": {
    "Unit": "\\u00b0C",
    "unit": "x"
  },
  "body": "hello"
}`;
  void it('percent-encodes an escaped character as UTF-8 bytes', () => {
    const out = fix(bad, '\\u00b0C', /Percent-encode/);
    assert.match(out, /"Unit": "%C2%B0C"/);
    assert.equal(codes(out).filter((c) => c === 'IOT101').length, 0);
  });
  void it('percent-encodes or removes every invalid character of a value at once', () => {
    const text = '{"direction":"c2d","applicationProperties":{"k":"a b/\\u00b0c"}}';
    const all = fix(text, ' b', /Percent-encode all 3/);
    assert.equal(JSON.parse(all).applicationProperties.k, 'a%20b%2F%C2%B0c');
    assert.deepEqual(codes(all), []);
    assert.equal(JSON.parse(fix(text, ' b', /Remove all 3/)).applicationProperties.k, 'abc');
  });
  void it('removes an invalid character', () => {
    const out = fix(bad, '\\u00b0C', /^Remove "°"/);
    assert.match(out, /"Unit": "C"/);
  });
  void it('generates a new message id', () => {
    const out = fix(bad, ' b\\u00b0', /Generate a new message id/);
    assert.match(out, /"messageId": "11111111-2222-4333-8444-555555555555"/);
    assert.equal(codes(out).includes('IOT103'), false);
    const long = `{"direction":"d2c","systemProperties":{"messageId":"${'x'.repeat(140)}"}}`;
    assert.equal(codes(fix(long, 'x"}}', /Generate/)).includes('IOT102'), false);
  });
  void it('removes or renames a case-duplicated property', () => {
    const removed = fix(bad, '"unit"', /Remove the duplicate/);
    assert.equal(JSON.stringify(JSON.parse(removed).applicationProperties), '{"Unit":"\\u00b0C"}'.replace('\\u00b0', '°'));
    assert.match(removed, /"Unit": "\\u00b0C"\n {2}\}/, 'the preceding comma goes with it');
    const renamed = fix(bad, '"unit"', /Rename "unit" to "unit-2"/);
    assert.equal(codes(renamed).includes('IOT104'), false);
  });
  void it('fixes ack, encoding and reserved properties', () => {
    assert.equal(codes(fix(bad, '"Full"', /Change ack to "full"/)).includes('IOT110'), false);
    assert.equal(actionsAt(bad, '"Full"').find((a) => a.isPreferred)?.title, 'Change ack to "full"');
    assert.equal(codes(fix(bad, '"latin-1"', /utf-8/)).includes('IOT112'), false);
    const out = fix(bad, '"3"', /Remove sequenceNumber/);
    assert.equal(codes(out).includes('IOT114'), false);
    assert.match(out, /"contentEncoding": "latin-1" \}/);
    const d2c = '{"direction":"d2c","systemProperties":{"ack":"full","messageId":"m"}}';
    assert.equal(fix(d2c, '"full"', /Remove ack/), '{"direction":"d2c","systemProperties":{"messageId":"m"}}');
  });
  void it('adds a missing direction, keeping the indentation', () => {
    const text = '{\n  "deviceId": "a"\n}';
    assert.equal(fix(text, '{', /"c2d"/), '{\n  "direction": "c2d",\n  "deviceId": "a"\n}');
  });
  void it('removes unknown and duplicate keys, and one of expiryTimeUtc / ttl', () => {
    assert.equal(fix('{"direction":"d2c","bodyy":1}', 'bodyy', /Remove "bodyy"/), '{"direction":"d2c"}');
    assert.equal(fix('{"direction":"d2c","bodyy":1}', 'bodyy', /Rename to "body"/), '{"direction":"d2c","body":1}');
    assert.equal(fix('{"direction":"d2c","systemProperties":{"messageID":"m"}}', 'messageID', /Rename to "messageId"/), '{"direction":"d2c","systemProperties":{"messageId":"m"}}');
    assert.equal(actionsAt('{"direction":"d2c","zzzzzz":1}', 'zzzz').map((a) => a.title).join(), 'Remove "zzzzzz"');
    assert.equal(fix('{"direction":"d2c","body":1,"body":2}', '"body"', /Remove "body"/, 1), '{"direction":"d2c","body":1}');
    const both = '{"direction":"c2d","systemProperties":{"expiryTimeUtc":"2026-11-22T10:00:00Z","ttl":"1h"}}';
    assert.deepEqual(codes(fix(both, '"1h"', /Remove ttl/)), []);
  });
  void it('rewrites loose base64 (IOT909) as strict base64 with the same bytes, and only when the bytes are not in doubt', () => {
    for (const [loose, strict] of [['AAE', 'AAE='], ['AAEC\\nAAEC', 'AAECAAEC'], ['-_8', '+/8='], ['AA/=', 'AA8='], ['AAEC=', 'AAEC']] as [string, string][]) {
      const text = `{"direction":"d2c","body":{"base64":"${loose}"}}`;
      assert.ok(codes(text).includes('IOT909'), loose);
      const out = fix(text, loose, /Rewrite as strict base64/);
      assert.equal(JSON.parse(out).body.base64, strict, loose);
      assert.deepEqual(codes(out), [], loose);
    }
    for (const doubtful of ['AA*A', 'AAAAA']) {
      const text = `{"direction":"d2c","body":{"base64":"${doubtful}"}}`;
      assert.ok(codes(text).includes('IOT909'), doubtful);
      assert.ok(!actionsAt(text, doubtful).some((a) => /strict base64/.test(a.title)), doubtful);
    }
  });
  void it('converts a body to base64 (refactoring) with the same bytes', () => {
    const text = '{"direction":"d2c","body": {"t": 21.5}}';
    const action = actionsAt(text, '21.5').find((a) => a.kind === 'refactor.rewrite');
    assert.ok(action);
    const out = applyEdits(text, action.edits);
    assert.deepEqual(JSON.parse(out).body, { base64: Buffer.from('{"t":21.5}').toString('base64') });
    assert.deepEqual(analyse(out).messages[0]?.message.body, analyse(text).messages[0]?.message.body);
    assert.equal(actionsAt(out, 'base64').some((a) => a.kind === 'refactor.rewrite'), false);
  });
  void it('percentEncode leaves only characters every property allows', () => {
    assert.equal(percentEncode('é 😀'), '%C3%A9%20%F0%9F%98%80');
  });
});

void describe('completion', () => {
  const labels = (text: string, deviceIds: string[] = []): string[] => {
    const at = text.indexOf('|');
    return complete(text.replace('|', ''), at, { deviceIds }).map((i) => i.label);
  };
  void it('offers the message fields not yet present', () => {
    assert.deepEqual(labels('{"direction": "d2c", |}'), ['deviceId', 'moduleId', 'systemProperties', 'applicationProperties', 'body']);
    assert.deepEqual(labels('[{"direction": "d2c"}, {"|"}]'), ['direction', 'deviceId', 'moduleId', 'systemProperties', 'applicationProperties', 'body']);
  });
  void it('offers sender system properties and ttl', () => {
    const l = labels('{"direction":"c2d","systemProperties":{"messageId":"a", "|"}}');
    assert.ok(l.includes('ttl') && l.includes('ack') && l.includes('expiryTimeUtc'));
    assert.equal(l.includes('messageId'), false);
    assert.equal(l.includes('sequenceNumber'), false, 'hub-stamped properties are not offered');
  });
  void it('offers direction, ack, content types, encodings and device ids', () => {
    assert.deepEqual(labels('{"direction": "|"}'), ['d2c', 'c2d']);
    assert.deepEqual(labels('{"direction":"c2d","systemProperties":{"ack": |}}'), ['none', 'positive', 'negative', 'full']);
    assert.ok(labels('{"systemProperties":{"contentType": "|"}}').includes('application/json'));
    assert.deepEqual(labels('{"systemProperties":{"contentEncoding": "|"}}'), ['utf-8', 'utf-16', 'utf-32']);
    assert.deepEqual(labels('{"deviceId": "|"}', ['dev-a', 'dev-b']), ['dev-a', 'dev-b']);
  });
  void it('replaces the whole string being typed and marks schema-covered items', () => {
    const text = '{"direction": "d"}';
    const items = complete(text, text.indexOf('"d"') + 2);
    assert.deepEqual(items[0] && [items[0].range.start, items[0].range.end, items[0].insertText, items[0].fromSchema], [14, 17, '"d2c"', true]);
    const ct = complete('{"systemProperties":{"contentType": ""}}', 37);
    assert.equal(ct[0]?.fromSchema, false);
  });
});

void describe('hover', () => {
  const text = '{\n  "direction": "c2d",\n  "systemProperties": {"messageId": "m1", "ttl": "1h"},\n  "applicationProperties": {"k": "vv"},\n  "body": {"a": 1}\n}';
  const a = analyse(text, { now: NOW });
  void it('shows the size breakdown against the C2D limit on the body', () => {
    const h = hover(a, text.indexOf('"a"'));
    assert.ok(h);
    assert.match(h.contents, /C2D message: 36 of 65,536 bytes/);
    assert.match(h.contents, /\| body \(compact JSON\) \| 7 \|/);
    assert.match(h.contents, /\| system property values \| 26 \|/); // "m1" + 24-char expiry
    assert.equal(text.slice(h.range.start, h.range.end), '{"a": 1}');
  });
  void it('explains system properties (and what a ttl resolves to)', () => {
    const h = hover(a, text.indexOf('messageId'));
    assert.match(h?.contents ?? '', /\*\*messageId\*\* \(message-id\)/);
    assert.equal(h?.fromSchema, true);
    const t = hover(a, text.indexOf('"1h"'));
    assert.match(t?.contents ?? '', /2026-11-22T10:00:00.000Z/);
    assert.equal(t?.fromSchema, false);
  });
});

void describe('code lenses', () => {
  void it('one per message with a direction, naming the device', () => {
    const text = '[{"direction":"d2c","deviceId":"a"},{"direction":"c2d","deviceId":"b","moduleId":"m"},{"deviceId":"c"},{"direction":"d2c"}]';
    const lenses = codeLenses(analyse(text));
    assert.deepEqual(lenses.map((l) => [l.title, l.command, l.messageIndex]), [
      ['Send D2C as a', 'iotHubMessaging.sendD2cFromFile', 0],
      ['Send C2D to b/m', 'iotHubMessaging.sendC2dFromFile', 1],
      ['Send D2C as …', 'iotHubMessaging.sendD2cFromFile', 3],
    ]);
    assert.equal(lenses[1]?.offset, text.indexOf('{"direction":"c2d"'));
  });
});
