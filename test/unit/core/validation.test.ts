import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createMessage, type IotMessage } from '../../../src/core/message/model';
import type { Problem, RuleId } from '../../../src/core/message/problems';
import { RULES, rulesInCodeOrder } from '../../../src/core/message/rules';
import { computeSize } from '../../../src/core/message/size';
import {
  validateDeviceId, validateMessage, validateMessageId, validatePropertyName, validatePropertyValue,
} from '../../../src/core/message/validation';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const HOUR = 3_600_000;

function rules(problems: Problem[]): RuleId[] {
  return problems.map((p) => p.rule);
}

function check(msg: Omit<Partial<IotMessage>, 'body'> & { body?: string | Uint8Array }, direction?: 'd2c' | 'c2d'): Problem[] {
  return validateMessage(createMessage(msg), { now: NOW, ...(direction ? { direction } : {}) }).problems;
}

test('RULES: one stable IOT1xx code per rule, codes unique, every field filled', () => {
  const codes = rulesInCodeOrder().map((r) => r.code);
  assert.equal(new Set(codes).size, codes.length);
  for (const r of rulesInCodeOrder()) {
    assert.match(r.code, /^IOT1\d\d$/);
    assert.ok(r.title.length > 0 && r.description.length > 0);
  }
  assert.equal(RULES['invalid-character'].code, 'IOT101');
  assert.equal(RULES['device-id-invalid'].code, 'IOT115');
});

test("doc example: \"Application property 'temp°C' contains '°' (U+00B0) at offset 4 ...\" (C2D error)", () => {
  const problems = check({ applicationProperties: [{ name: 'temp°C', value: '21' }] }, 'c2d');
  assert.equal(problems.length, 1);
  const [p] = problems;
  assert.equal(p?.message, "Application property 'temp°C' contains '°' (U+00B0) at offset 4; IoT Hub allows only ASCII letters, digits and ! # $ % & ' * + - . ^ _ ` | ~ in C2D property names.");
  assert.equal(p?.code, 'IOT101');
  assert.equal(p?.severity, 'error');
  assert.deepEqual(p?.range, { start: 4, end: 5 });
  assert.deepEqual(p?.target, { kind: 'applicationPropertyName', index: 0, name: 'temp°C' });
});

test('doc: the character restriction applies to HTTPS D2C, so D2C reports a warning that says so', () => {
  const [p, ...rest] = check({ applicationProperties: [{ name: 'unit', value: '°C' }] }, 'd2c');
  assert.equal(rest.length, 0);
  assert.equal(p?.severity, 'warning');
  assert.equal(p?.target.kind, 'applicationPropertyValue');
  assert.match(p?.message ?? '', /^The value of application property 'unit' contains '°' \(U\+00B0\) at offset 0; .* D2C messages sent over HTTPS \(MQTT and AMQP accept it, so this is a warning\)\.$/);
  // Unknown direction: a warning naming both cases.
  const [u] = check({ applicationProperties: [{ name: 'unit', value: '°C' }] });
  assert.equal(u?.severity, 'warning');
  assert.match(u?.message ?? '', /C2D messages and of D2C messages sent over HTTPS \(direction unknown/);
});

const allowedPropChar = fc.constantFrom(...'ABCXYZabcxyz0189!#$%&\'*+-.^_`|~');
const disallowedChar = fc.oneof(
  fc.constantFrom(' ', '"', '(', ')', ',', '/', ':', ';', '<', '=', '>', '?', '@', '[', '\\', ']', '{', '}', '\t', '\u00b0', '\u00e9', '\u{1F600}', '\u0000'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => c.codePointAt(0)! > 127),
);

test('property: a name and value made only of allowed characters have no invalid-character problem (both directions)', () => {
  fc.assert(fc.property(fc.string({ unit: allowedPropChar, minLength: 1, maxLength: 30 }), fc.string({ unit: allowedPropChar, maxLength: 30 }), fc.constantFrom('c2d', 'd2c'), (name, value, dir) => {
    assert.deepEqual(check({ applicationProperties: [{ name, value }] }, dir), []);
  }), { numRuns: 300 });
});

test('property: inserting one disallowed character yields exactly one problem at that offset', () => {
  fc.assert(fc.property(
    fc.string({ unit: allowedPropChar, minLength: 1, maxLength: 20 }), fc.nat(), disallowedChar, fc.constantFrom('name', 'value'), fc.constantFrom('c2d', 'd2c'),
    (clean, at, bad, where, dir) => {
      const i = at % (clean.length + 1);
      const dirty = clean.slice(0, i) + bad + clean.slice(i);
      const prop = where === 'name' ? { name: dirty, value: 'v' } : { name: 'n', value: dirty };
      const problems = check({ applicationProperties: [prop] }, dir);
      assert.equal(problems.length, 1);
      assert.equal(problems[0]?.rule, 'invalid-character');
      assert.deepEqual(problems[0]?.range, { start: i, end: i + bad.length });
      assert.equal(problems[0]?.severity, dir === 'c2d' ? 'error' : 'warning');
      assert.ok(problems[0]?.message.includes(`at offset ${i}`));
      // The live helpers agree with the whole-message validator.
      const live = where === 'name' ? validatePropertyName(dirty, dir) : validatePropertyValue(dirty, dir, 'n');
      assert.deepEqual(live, problems);
    },
  ), { numRuns: 300 });
});

test('doc: message-id at most 128 characters', () => {
  assert.deepEqual(validateMessageId('a'.repeat(128)), []);
  const [p] = validateMessageId('a'.repeat(130));
  assert.equal(p?.rule, 'message-id-too-long');
  assert.equal(p?.message, 'message-id is 130 characters long; IoT Hub allows at most 128.');
  assert.equal(p?.limit, 128);
  assert.equal(p?.actual, 130);
  assert.deepEqual(p?.range, { start: 128, end: 130 });
});

test("doc: message-id characters are ASCII alphanumerics plus - : . + % _ # * ? ! ( ) , = @ ; $ '", () => {
  assert.deepEqual(validateMessageId("id-:.+%_#*?!(),=@;$'9"), []);
  const problems = validateMessageId('order 1/2');
  // One problem for the value: each bad character named and placed, the allowed set said once.
  assert.deepEqual(rules(problems), ['message-id-invalid-character']);
  assert.deepEqual(problems[0]?.places, [{ start: 5, end: 6 }, { start: 7, end: 8 }]);
  assert.deepEqual(problems[0]?.range, { start: 5, end: 8 });
  assert.match(problems[0]?.message ?? '', /contains 2 characters that are not allowed: a space \(U\+0020\) at offset 5, '\/' \(U\+002F\) at offset 7; IoT Hub allows only ASCII letters, digits and - : \. /);
});

test('one problem per property value, however many bad characters; more than eight are counted', () => {
  const problems = check({ applicationProperties: [{ name: 'unit', value: '°C é ü' }, { name: 'many', value: '°'.repeat(10) }] }, 'c2d');
  assert.deepEqual(rules(problems), ['invalid-character', 'invalid-character']);
  assert.deepEqual(problems[0]?.places?.map((r) => r.start), [0, 2, 3, 4, 5]);
  assert.equal(problems[0]?.message.split('ASCII letters').length, 2, 'the allowed set is said once');
  assert.match(problems[1]?.message ?? '', /contains 10 characters that are not allowed: .* and 2 more;/);
  assert.equal(problems[1]?.places?.length, 10);
  // A single bad character reads as before.
  assert.match(check({ applicationProperties: [{ name: 'u', value: 'a/b' }] }, 'c2d')[0]?.message ?? '', /contains '\/' \(U\+002F\) at offset 1; IoT Hub/);
});

test('doc: names are case-insensitive - every later duplicate is reported, naming the first', () => {
  const problems = check({ applicationProperties: [{ name: 'temp', value: '1' }, { name: 'x', value: '2' }, { name: 'Temp', value: '3' }, { name: 'TEMP', value: '4' }] }, 'c2d');
  assert.deepEqual(rules(problems), ['duplicate-property', 'duplicate-property']);
  assert.deepEqual(problems.map((p) => p.target), [
    { kind: 'applicationPropertyName', index: 2, name: 'Temp' },
    { kind: 'applicationPropertyName', index: 3, name: 'TEMP' },
  ]);
  assert.equal(problems[0]?.message, "Application property 'Temp' (property 3) duplicates 'temp' (property 1); IoT Hub compares names ignoring case and keeps only one of them.");
  assert.match(problems[1]?.message ?? '', /'TEMP' \(property 4\) duplicates 'temp' \(property 1\)/);
});

test('empty property name', () => {
  const problems = check({ applicationProperties: [{ name: '', value: 'v' }, { name: '', value: 'w' }] }, 'c2d');
  assert.deepEqual(rules(problems), ['empty-property-name', 'empty-property-name']);
  assert.match(problems[1]?.message ?? '', /Application property 2 has an empty name/);
});

test('expiry: past, beyond 48 hours, not ISO 8601 UTC', () => {
  const at = (ms: number): string => new Date(NOW.getTime() + ms).toISOString();
  assert.deepEqual(check({ systemProperties: { expiryTimeUtc: at(HOUR) } }, 'c2d'), []);
  assert.deepEqual(check({ systemProperties: { expiryTimeUtc: at(48 * HOUR) } }, 'c2d'), [], 'exactly 48 hours is allowed');
  const far = check({ systemProperties: { expiryTimeUtc: at(48 * HOUR + 60_000) } }, 'c2d');
  assert.deepEqual(rules(far), ['expiry-too-far']);
  assert.equal(far[0]?.limit, 48);
  assert.match(far[0]?.message ?? '', /at most 48 hours/);
  assert.deepEqual(check({ systemProperties: { expiryTimeUtc: at(72 * HOUR) } }, 'd2c'), [], 'the 48-hour C2D TTL does not apply to D2C');
  const past = check({ systemProperties: { expiryTimeUtc: at(-5 * 60_000) } }, 'c2d');
  assert.deepEqual(rules(past), ['expiry-in-past']);
  assert.equal(past[0]?.severity, 'error');
  assert.match(past[0]?.message ?? '', /is 5 minutes before now \(2026-11-22T10:00:00.000Z\)/);
  assert.equal(check({ systemProperties: { expiryTimeUtc: at(-5 * 60_000) } }, 'd2c')[0]?.severity, 'warning');
  assert.deepEqual(validateMessage(createMessage({ systemProperties: { expiryTimeUtc: at(-HOUR) } }), { now: NOW, direction: 'c2d', fromHub: true }).problems, []);
  for (const bad of ['2026-11-22 10:00:00Z', '2026-11-22T10:00:00', '2026-11-22T10:00:00+02:00', '2026-02-30T10:00:00Z', 'tomorrow', '1732269600', '2026-13-01T00:00:00Z', '2026-11-22T24:00:00Z']) {
    const p = check({ systemProperties: { expiryTimeUtc: bad } }, 'c2d');
    assert.deepEqual(rules(p), ['expiry-invalid'], bad);
  }
  assert.deepEqual(check({ systemProperties: { expiryTimeUtc: '2026-11-22T11:00:00+00:00' } }, 'c2d'), [], 'a zero offset is UTC');
  assert.deepEqual(check({ systemProperties: { expiryTimeUtc: '2026-11-22T11:00Z' } }, 'c2d'), []);
  assert.deepEqual(check({ systemProperties: { expiryTimeUtc: '2026-11-22T11:00:00.1234567Z' } }, 'c2d'), [], '.NET writes 7 fraction digits');
  assert.match(check({ systemProperties: { expiryTimeUtc: '2026-11-22T10:00:00+02:00' } }, 'c2d')[0]?.message ?? '', /has the offset \+02:00; IoT Hub expects UTC written with a trailing 'Z'/);
});

test('creation time: "UTC, no offset"', () => {
  for (const good of ['2026-11-22T10:00:00Z', '2026-11-22T10:00:00.511Z', '2026-11-22T10:00:00']) {
    assert.deepEqual(check({ systemProperties: { creationTimeUtc: good } }, 'd2c'), [], good);
  }
  for (const bad of ['2026-11-22T10:00:00+01:00', '2026-11-22T10:00:00+00:00', 'now', '22/11/2026']) {
    assert.deepEqual(rules(check({ systemProperties: { creationTimeUtc: bad } }, 'd2c')), ['creation-time-invalid'], bad);
  }
});

test('ack: none | positive | negative | full on C2D; anything on D2C is flagged', () => {
  for (const ack of ['none', 'positive', 'negative', 'full']) assert.deepEqual(check({ systemProperties: { ack } }, 'c2d'), []);
  const unknown = check({ systemProperties: { ack: 'Full' } }, 'c2d');
  assert.deepEqual(rules(unknown), ['unknown-ack']);
  assert.match(unknown[0]?.message ?? '', /did you mean 'full'/);
  assert.deepEqual(rules(check({ systemProperties: { ack: 'always' } }, 'c2d')), ['unknown-ack']);
  assert.deepEqual(rules(check({ systemProperties: { ack: 'full' } }, 'd2c')), ['ack-not-allowed']);
  assert.deepEqual(rules(check({ systemProperties: { ack: 'yes' } }, 'd2c')), ['unknown-ack', 'ack-not-allowed']);
});

test('content-encoding: utf-8, utf-16, utf-32 in any case; others warn', () => {
  for (const ce of ['utf-8', 'UTF-8', 'utf-16', 'Utf-32']) assert.deepEqual(check({ systemProperties: { contentEncoding: ce } }, 'd2c'), []);
  const p = check({ systemProperties: { contentEncoding: 'gzip' } }, 'd2c');
  assert.deepEqual(rules(p), ['unknown-content-encoding']);
  assert.equal(p[0]?.severity, 'warning');
});

test('reserved: hub-stamped properties set by a sender are errors, expected when read from the hub', () => {
  const msg = createMessage({ systemProperties: { enqueuedTimeUtc: NOW.toISOString(), connectionDeviceId: 'd', sequenceNumber: '1' } });
  const p = validateMessage(msg, { now: NOW, direction: 'd2c' }).problems;
  assert.deepEqual(rules(p), ['reserved-property', 'reserved-property', 'reserved-property']);
  assert.equal(p[0]?.message, 'iothub-enqueuedtime is stamped by IoT Hub; a sender cannot set it (remove it from the message).');
  assert.deepEqual(validateMessage(msg, { now: NOW, direction: 'd2c', fromHub: true }).problems, []);
});

test('device id: when present, 1..128 allowed characters', () => {
  assert.deepEqual(check({ deviceId: "dev-1.a+b%c_d#e*f?g!h(i)j,k=l@m$n'o:p;q" }), []);
  assert.deepEqual(rules(check({ deviceId: '' })), ['device-id-invalid']);
  assert.deepEqual(rules(check({ deviceId: 'a'.repeat(129) })), ['device-id-invalid']);
  const p = validateDeviceId('my device/1');
  assert.deepEqual(p.map((x) => x.range), [{ start: 2, end: 3 }, { start: 9, end: 10 }]);
  assert.deepEqual(check({}), [], 'no device id, nothing to check');
});

test('doc: size = body + system property values + application names and values (UTF-8)', () => {
  const msg = createMessage({
    body: 'héllo', // 6 bytes
    systemProperties: { messageId: 'id1', contentType: 'application/json', enqueuedTimeUtc: 'ignored (hub-stamped)' },
    applicationProperties: [{ name: 'ab', value: '°' }, { name: 'c', value: '' }],
  });
  assert.deepEqual(computeSize(msg, 'c2d'), { body: 6, systemValues: 3 + 16, applicationNames: 3, applicationValues: 2, total: 6 + 19 + 3 + 2, limit: 65536 });
  assert.equal(computeSize(msg, 'd2c').limit, 262144);
});

test('doc: limits D2C 256 KB and C2D 64 KB; exactly the limit passes, one byte more fails with the breakdown', () => {
  const props = { systemProperties: { messageId: 'm' }, applicationProperties: [{ name: 'k', value: 'v' }] };
  const atLimit = (limit: number): IotMessage => createMessage({ ...props, body: new Uint8Array(limit - 3) });
  assert.deepEqual(check(atLimit(65536), 'c2d'), []);
  const over = check({ ...props, body: new Uint8Array(65536 - 2) }, 'c2d');
  assert.deepEqual(rules(over), ['message-too-large']);
  assert.equal(over[0]?.message, 'The message is 65537 bytes (body 65534 + system property values 1 + application property names 1 + values 1); IoT Hub allows at most 65536 bytes (64 KB) for C2D messages.');
  assert.deepEqual([over[0]?.limit, over[0]?.actual, over[0]?.target], [65536, 65537, { kind: 'message' }]);
  assert.deepEqual(check(atLimit(262144), 'd2c'), []);
  assert.deepEqual(rules(check({ body: new Uint8Array(262145) }, 'd2c')), ['message-too-large']);
  assert.deepEqual(rules(check({ body: new Uint8Array(262145) })), ['message-too-large'], 'unknown direction uses the D2C limit');
  assert.deepEqual(check({ body: new Uint8Array(100_000) }), []);
});

test('every problem is reported at once, in reading order, with codes from RULES', () => {
  const msg = createMessage({
    deviceId: 'dev 1',
    systemProperties: { messageId: 'a b', ack: 'Full', expiryTimeUtc: 'soon', contentEncoding: 'gzip', lockToken: 'x' },
    applicationProperties: [{ name: 'temp°C', value: 'ok' }, { name: 'TEMP°c', value: 'x y' }, { name: '', value: '' }],
    body: new Uint8Array(70_000),
  });
  const { problems, size } = validateMessage(msg, { now: NOW, direction: 'c2d' });
  assert.deepEqual(rules(problems), [
    'device-id-invalid', 'message-id-invalid-character', 'expiry-invalid', 'unknown-ack', 'unknown-content-encoding', 'reserved-property',
    'invalid-character', 'invalid-character', 'duplicate-property', 'invalid-character', 'empty-property-name', 'message-too-large',
  ]);
  for (const p of problems) assert.equal(p.code, RULES[p.rule].code);
  assert.equal(size.limit, 65536);
});

test('property: message-ids and device ids made of allowed characters (within 128) have no problems', () => {
  const midChar = fc.constantFrom(...'aZ09-:.+%_#*?!(),=@;$\'');
  const devChar = fc.constantFrom(...'aZ09-.+%_#*?!(),=@$\':;');
  fc.assert(fc.property(fc.string({ unit: midChar, maxLength: 128 }), fc.string({ unit: devChar, minLength: 1, maxLength: 128 }), (mid, dev) => {
    assert.deepEqual(validateMessageId(mid), []);
    assert.deepEqual(validateDeviceId(dev), []);
  }), { numRuns: 300 });
});

test('property: duplicate problems = properties minus distinct case-folded non-empty names', () => {
  fc.assert(fc.property(fc.array(fc.constantFrom('a', 'A', 'b', 'B', 'temp', 'Temp', 'TEMP', ''), { maxLength: 12 }), (names) => {
    const problems = check({ applicationProperties: names.map((name) => ({ name, value: 'v' })) }, 'c2d');
    const nonEmpty = names.filter((n) => n !== '');
    const distinct = new Set(nonEmpty.map((n) => n.toLowerCase())).size;
    assert.equal(problems.filter((p) => p.rule === 'duplicate-property').length, nonEmpty.length - distinct);
    assert.equal(problems.filter((p) => p.rule === 'empty-property-name').length, names.length - nonEmpty.length);
  }), { numRuns: 300 });
});

test('property: the reported size equals the UTF-8 bytes of body, sender system values and app names and values', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 50 }), fc.string({ unit: 'binary', maxLength: 10 }), fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: 5 }), (body, cid, props) => {
    const msg = createMessage({ body, systemProperties: { correlationId: cid, sequenceNumber: '12345' }, applicationProperties: props.map(([name, value]) => ({ name, value })) });
    const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
    const expected = body.length + bytes(cid) + props.reduce((n, [k, v]) => n + bytes(k) + bytes(v), 0);
    assert.equal(computeSize(msg, 'd2c').total, expected);
  }), { numRuns: 300 });
});
