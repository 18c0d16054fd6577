// Every core rule and every file rule, mapped to the exact characters of a message file.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyse, diagnose } from '../../../src/language/rules/diagnose';
import type { FileDiagnostic } from '../../../src/language/rules/fileDiagnostic';
import { decodedToSourceOffsets, sourceRangeInString } from '../../../src/language/rules/jsonString';

const NOW = new Date('2026-11-22T09:00:00.000Z');
const root = join(import.meta.dirname, '../../..');

function diags(text: string): FileDiagnostic[] {
  return diagnose(text, { now: NOW });
}

/** The source text each diagnostic with `code` underlines. */
function underlined(text: string, code: string): string[] {
  return diags(text).filter((d) => d.code === code).map((d) => text.slice(d.start, d.end));
}

/** Each exact place of each diagnostic with `code` (a problem about several characters has several). */
function places(text: string, code: string): string[][] {
  return diags(text).filter((d) => d.code === code).map((d) => (d.places ?? [d]).map((r) => text.slice(r.start, r.end)));
}

function msg(fields: Record<string, unknown>, raw?: string): string {
  const base = JSON.stringify({ direction: 'c2d', deviceId: 'dev-1', ...fields }, null, 2);
  return raw === undefined ? base : base.replace('"__RAW__"', raw);
}

void describe('decoded string offsets', () => {
  void it('maps each decoded unit to its escape in the source', () => {
    const text = '{"a": "x\\u00b0\\"y\\ud83d\\ude00z"}';
    const lit = text.indexOf('"x');
    const offsets = decodedToSourceOffsets(text, lit, text.length - 1 - lit);
    // x, \u00b0, \", y, \ud83d, \ude00, z, closing quote
    assert.deepEqual(offsets.map((o) => o - lit), [1, 2, 8, 10, 11, 17, 23, 24]);
    assert.equal(text.slice(...Object.values(sourceRangeInString(text, lit, text.length - 1 - lit, { start: 4, end: 6 })) as [number, number]), '\\ud83d\\ude00');
  });
  void it('handles raw astral characters as two units', () => {
    const text = '"😀x"';
    assert.deepEqual(decodedToSourceOffsets(text, 0, text.length), [1, 2, 3, 4]);
  });
});

void describe('core rules at exact ranges', () => {
  void it('IOT101 underlines the escaped character inside a value, not the whole string', () => {
    const text = msg({ applicationProperties: { unit: '__RAW__' } }, '"21\\u00b0C"');
    assert.deepEqual(underlined(text, 'IOT101'), ['\\u00b0']);
  });
  void it('IOT101: one problem per name, each raw invalid character at its place, direction-aware', () => {
    const c2d = msg({ applicationProperties: { 'room name/x': 'a' } });
    assert.deepEqual(places(c2d, 'IOT101'), [[' ', '/']]);
    assert.deepEqual(underlined(c2d, 'IOT101'), [' name/']);
    const [d] = diags(c2d).filter((x) => x.code === 'IOT101');
    assert.match(d?.message ?? '', /contains 2 characters that are not allowed: a space \(U\+0020\) at offset 4, '\/' \(U\+002F\) at offset 9; IoT Hub allows only/);
    assert.equal(d?.message.split('ASCII letters').length, 2, 'the allowed set is said once');
    assert.ok(diags(c2d).filter((d) => d.code === 'IOT101').every((d) => d.severity === 'error'));
    const d2c = c2d.replace('"c2d"', '"d2c"');
    assert.ok(diags(d2c).filter((d) => d.code === 'IOT101').every((d) => d.severity === 'warning'));
  });
  void it('IOT102 underlines the characters beyond 128', () => {
    const id = 'a'.repeat(130);
    const text = msg({ systemProperties: { messageId: id } });
    assert.deepEqual(underlined(text, 'IOT102'), ['aa']);
  });
  void it('IOT103 underlines an escaped quote as written (\\")', () => {
    const text = msg({ systemProperties: { messageId: 'a"b c' } });
    assert.deepEqual(places(text, 'IOT103'), [['\\"', ' ']]);
  });
  void it('IOT104 underlines the later case-insensitive duplicate key', () => {
    const text = msg({ applicationProperties: { Unit: 'a', other: 'b', unit: 'c' } });
    const d = diags(text).filter((x) => x.code === 'IOT104');
    assert.deepEqual(d.map((x) => text.slice(x.start, x.end)), ['"unit"']);
    assert.equal(d[0]?.start, text.lastIndexOf('"unit"'));
  });
  void it('IOT104 also sees exact duplicates that JSON.parse would collapse', () => {
    const text = '{"direction":"c2d","applicationProperties":{"a":"1","a":"2"}}';
    assert.deepEqual(underlined(text, 'IOT104'), ['"a"']);
    assert.equal(diags(text).find((d) => d.code === 'IOT104')?.start, text.lastIndexOf('"a"'));
  });
  void it('IOT105 underlines an empty name', () => {
    assert.deepEqual(underlined(msg({ applicationProperties: { '': 'x' } }), 'IOT105'), ['""']);
  });
  void it('IOT106 / IOT108 underline the expiry value', () => {
    assert.deepEqual(underlined(msg({ systemProperties: { expiryTimeUtc: '2026-11-22T08:00:00Z' } }), 'IOT106'), ['"2026-11-22T08:00:00Z"']);
    assert.deepEqual(underlined(msg({ systemProperties: { expiryTimeUtc: 'tomorrow' } }), 'IOT108'), ['"tomorrow"']);
  });
  void it('IOT107 from a relative ttl underlines the ttl and says so', () => {
    const text = msg({ systemProperties: { ttl: '3d' } });
    const d = diags(text).find((x) => x.code === 'IOT107');
    assert.equal(d && text.slice(d.start, d.end), '"3d"');
    assert.match(d?.message ?? '', /^ttl "3d"/);
    assert.deepEqual(underlined(msg({ systemProperties: { ttl: '47h59m' } }), 'IOT107'), []);
  });
  void it('IOT109 .. IOT112, IOT114, IOT115 underline the value', () => {
    assert.deepEqual(underlined(msg({ systemProperties: { creationTimeUtc: '2026-11-22T10:00:00+01:00' } }), 'IOT109'), ['"2026-11-22T10:00:00+01:00"']);
    assert.deepEqual(underlined(msg({ systemProperties: { ack: 'Full' } }), 'IOT110'), ['"Full"']);
    assert.deepEqual(underlined(msg({ direction: 'd2c', systemProperties: { ack: 'full' } }), 'IOT111'), ['"full"']);
    assert.deepEqual(underlined(msg({ direction: 'c2d', systemProperties: { ack: 'full' } }), 'IOT111'), []);
    assert.deepEqual(underlined(msg({ systemProperties: { contentEncoding: 'latin-1' } }), 'IOT112'), ['"latin-1"']);
    assert.deepEqual(underlined(msg({ systemProperties: { sequenceNumber: '5' } }), 'IOT114'), ['"5"']);
    assert.deepEqual(underlined(msg({ deviceId: 'dev\u00e9 1' }), 'IOT115'), ['é', ' ']);
  });
  void it('IOT113 underlines the whole body, with the direction\'s limit', () => {
    const body = 'x'.repeat(64 * 1024);
    const c2d = msg({ systemProperties: { messageId: 'm' }, body });
    const d = diags(c2d).find((x) => x.code === 'IOT113');
    assert.ok(d, 'C2D over 64 KB is reported');
    assert.equal(c2d.slice(d.start, d.end), JSON.stringify(body));
    assert.match(d.message, /65536 bytes/);
    const d2c = c2d.replace('"c2d"', '"d2c"');
    assert.equal(diags(d2c).some((x) => x.code === 'IOT113'), false, 'the same message fits D2C');
  });
});

void describe('file rules', () => {
  const codes = (text: string): string[] => diags(text).map((d) => d.code);
  void it('IOT901 malformed JSON, comments and trailing commas', () => {
    // A trailing comma: the error sits on the `}` where a property name was expected.
    const trailing = '{"direction": "d2c",}';
    const t = diags(trailing).filter((x) => x.code === 'IOT901');
    assert.deepEqual(t.map((x) => [x.start, x.end, trailing.slice(x.start, x.end)]), [[20, 21, '}']]);
    assert.equal(t[0]?.message, 'Property name expected (in double quotes).');
    const comment = '// hi\n{"direction": "d2c"}';
    assert.deepEqual(diags(comment).map((x) => [x.code, comment.slice(x.start, x.end)]), [['IOT901', '// hi']]);
    const d = diags('{"direction": "d2c" "x": 1}').find((x) => x.code === 'IOT901');
    assert.equal(d?.message, 'Comma expected.');
  });
  void it('IOT902 not a message: empty file, scalar, empty array, non-object item', () => {
    const ranges = (text: string): Array<[string, number, number, string]> =>
      diags(text).map((x) => [x.code, x.start, x.end, text.slice(x.start, x.end)]);
    assert.deepEqual(ranges(''), [['IOT902', 0, 0, '']]);
    // A scalar or an empty array: the whole value, not the surrounding whitespace.
    assert.deepEqual(ranges('42'), [['IOT902', 0, 2, '42']]);
    assert.deepEqual(ranges('  "x"\n'), [['IOT902', 2, 5, '"x"']]);
    assert.deepEqual(ranges('[]'), [['IOT902', 0, 2, '[]']]);
    assert.deepEqual(ranges('\n[ \n ]'), [['IOT902', 1, 6, '[ \n ]']]);
    assert.match(diags('42')[0]?.message ?? '', /holds a number/);
    assert.match(diags('[]')[0]?.message ?? '', /array is empty/);
    const text = '[{"direction":"d2c"}, "x"]';
    const d = diags(text).find((x) => x.code === 'IOT902');
    assert.equal(d && text.slice(d.start, d.end), '"x"');
    assert.equal(d?.messageIndex, 1);
  });
  void it('IOT903 / IOT904 direction missing or unknown', () => {
    assert.deepEqual(codes('{"deviceId": "a"}'), ['IOT903']);
    // Missing direction sits on the message's opening brace (for each message of an array).
    assert.deepEqual(underlined('{"deviceId": "a"}', 'IOT903'), ['{']);
    const two = '[\n  {"direction": "d2c"},\n  {"deviceId": "b"}\n]';
    const missing = diags(two).filter((x) => x.code === 'IOT903');
    assert.deepEqual(missing.map((x) => [x.start, x.end, x.messageIndex]), [[two.lastIndexOf('{'), two.lastIndexOf('{') + 1, 1]]);
    const text = '{"direction": "up"}';
    assert.deepEqual(underlined(text, 'IOT904'), ['"up"']);
  });
  void it('IOT905 wrong types, keeping later indices right', () => {
    const text = '{"direction":"c2d","applicationProperties":{"n":42,"bad key":"v"},"deviceId":7}';
    assert.deepEqual(underlined(text, 'IOT905'), ['42', '7']);
    // The property after the number still maps to its own key.
    assert.deepEqual(underlined(text, 'IOT101'), [' ']);
  });
  void it('IOT906 unknown properties at both levels', () => {
    assert.deepEqual(underlined('{"direction":"d2c","bodyy":1,"systemProperties":{"messageID":"x"}}', 'IOT906'), ['"bodyy"', '"messageID"']);
  });
  void it('IOT907 / IOT908 ttl', () => {
    assert.deepEqual(underlined(msg({ systemProperties: { ttl: '1 hour' } }), 'IOT907'), ['"1 hour"']);
    assert.deepEqual(underlined(msg({ systemProperties: { ttl: 'PT1H' } }), 'IOT907'), ['"PT1H"']);
    assert.deepEqual(underlined(msg({ systemProperties: { ttl: '1h', expiryTimeUtc: '2026-11-22T10:00:00Z' } }), 'IOT908'), ['"1h"']);
  });
  void it('IOT909 invalid base64 body', () => {
    assert.deepEqual(underlined(msg({ body: { base64: 'not base64!' } }), 'IOT909'), ['"not base64!"']);
    assert.deepEqual(underlined(msg({ body: { base64: 'AAEC' } }), 'IOT909'), []);
    // Strict, as the hub and every other base64 check are: looser text decodes to other bytes unseen.
    for (const loose of ['AAE', 'AAEC\nAAEC', '-_AA', 'AAEC=']) {
      assert.deepEqual(underlined(msg({ body: { base64: loose } }), 'IOT909'), [JSON.stringify(loose)], loose);
    }
    const message = diags(msg({ body: { base64: 'AAE' } })).find((d) => d.code === 'IOT909')?.message ?? '';
    assert.match(message, /^The base64 body is not valid base64: it ends with no '=' but needs one .*padded with =/);
  });
  void it('IOT910 duplicate keys outside applicationProperties', () => {
    const text = '{"direction":"d2c","body":1,"body":2}';
    assert.deepEqual(underlined(text, 'IOT910'), ['"body"']);
    assert.equal(diags(text).find((d) => d.code === 'IOT910')?.start, text.lastIndexOf('"body"'));
  });
});

void describe('bodies and sizes', () => {
  void it('a JSON body is sent as written minus whitespace (numbers untouched)', () => {
    const text = '{"direction":"d2c","body": { "big": 12345678901234567890, "f": 1.50, "s": "a b\\u00b0" }}';
    const m = analyse(text, { now: NOW }).messages[0];
    assert.equal(new TextDecoder().decode(m?.message.body), '{"big":12345678901234567890,"f":1.50,"s":"a b\\u00b0"}');
    assert.equal(m?.bodyKind, 'json');
  });
  void it('a string body is its UTF-8 text; base64 its bytes', () => {
    const a = analyse('[{"direction":"d2c","body":"°"},{"direction":"d2c","body":{"base64":"AAEC"}}]', { now: NOW });
    assert.deepEqual([...(a.messages[0]?.message.body ?? [])], [0xc2, 0xb0]);
    assert.deepEqual([...(a.messages[1]?.message.body ?? [])], [0, 1, 2]);
    assert.equal(a.messages[1]?.validation.size.body, 3);
  });
  void it('size counts properties the way the core does', () => {
    const a = analyse(msg({ systemProperties: { messageId: 'abc' }, applicationProperties: { k: 'vv' }, body: 'hello' }), { now: NOW });
    const s = a.messages[0]?.validation.size;
    assert.deepEqual(s && [s.body, s.systemValues, s.applicationNames, s.applicationValues, s.total, s.limit], [5, 3, 1, 2, 11, 65536]);
  });
});

void describe('arrays and demo files', () => {
  void it('reports problems of the second message at its own place', () => {
    const text = '[\n{"direction":"c2d","systemProperties":{"ack":"full"}},\n{"direction":"d2c","systemProperties":{"ack":"full"}}\n]';
    const d = diags(text).filter((x) => x.code === 'IOT111');
    assert.equal(d.length, 1);
    assert.equal(d[0]?.messageIndex, 1);
    assert.equal(d[0]?.start, text.lastIndexOf('"full"'));
  });
  void it('the valid demos are clean and the invalid one shows each kind of problem', () => {
    for (const f of ['demo/telemetry.iotmsg.json', 'demo/commands.iotmsg.json']) {
      assert.deepEqual(diags(readFileSync(join(root, f), 'utf8')), [], f);
    }
    const bad = readFileSync(join(root, 'demo/invalid.iotmsg.json'), 'utf8');
    assert.deepEqual([...new Set(diags(bad).map((d) => d.code))].sort(), ['IOT101', 'IOT103', 'IOT104', 'IOT110', 'IOT112']);
  });
});
