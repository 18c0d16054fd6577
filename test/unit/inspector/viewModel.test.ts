// What the inspector flags, and exactly where: per-character segments from core validation,
// whole-value notes, the size bar, and hub-stamped rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMessage, type IotMessage } from '../../../src/core/message/model';
import { computeSize } from '../../../src/core/message/size';
import { buildViewModel, formatBytes, groupDigits } from '../../../src/inspector/viewModel';

const NOW = new Date('2026-11-22T10:00:00.000Z');

function flagged(segments: Array<{ text: string; start: number; problems: Array<{ code: string }> }>): Array<[string, number, string[]]> {
  return segments.filter((s) => s.problems.length > 0).map((s) => [s.text, s.start, s.problems.map((p) => p.code)]);
}

void test('an invalid character in an application property name and value is flagged at exactly that character', () => {
  const msg = createMessage({
    direction: 'c2d', deviceId: 'dev-1',
    applicationProperties: [{ name: 'temp erature', value: '21\u00b0C' }, { name: 'ok', value: 'fine' }],
  });
  const vm = buildViewModel(msg, { direction: 'c2d', now: NOW });
  const [row, clean] = vm.applicationRows;
  assert.ok(row && clean);
  assert.deepEqual(flagged(row.nameSegments), [[' ', 4, ['IOT101']]]);
  assert.deepEqual(row.nameSegments.map((s) => s.text).join(''), 'temp erature');
  assert.deepEqual(flagged(row.valueSegments), [['\u00b0', 2, ['IOT101']]]);
  assert.equal(row.worst, 'error', 'C2D: characters outside the allowed set are errors');
  assert.equal(clean.worst, undefined);
  assert.deepEqual(flagged(clean.valueSegments), []);
});

void test('for D2C the same character is a warning (MQTT accepts it), still placed on the character', () => {
  const msg = createMessage({ applicationProperties: [{ name: 'a b', value: 'x' }] });
  const vm = buildViewModel(msg, { direction: 'd2c', now: NOW });
  const row = vm.applicationRows[0];
  assert.equal(row?.worst, 'warning');
  assert.deepEqual(flagged(row?.nameSegments ?? []), [[' ', 1, ['IOT101']]]);
});

void test('message-id: invalid characters in place, too long as a note on the whole value', () => {
  const vm = buildViewModel(createMessage({ systemProperties: { messageId: 'id with/slash' } }), { direction: 'd2c', now: NOW });
  const row = vm.systemRows.find((r) => r.property === 'messageId');
  assert.deepEqual(flagged(row?.valueSegments ?? []), [[' ', 2, ['IOT103']], ['/', 7, ['IOT103']]]);

  const long = buildViewModel(createMessage({ systemProperties: { messageId: 'a'.repeat(129) } }), { direction: 'd2c', now: NOW });
  const longRow = long.systemRows.find((r) => r.property === 'messageId');
  const codes = [...(longRow?.valueProblems ?? []), ...(longRow?.valueSegments.flatMap((s) => s.problems) ?? [])].map((p) => p.code);
  assert.ok(codes.includes('IOT102'), `expected IOT102 in ${codes.join(',')}`);
});

void test('case-insensitive duplicate names are flagged on the later property, naming the first', () => {
  const vm = buildViewModel(createMessage({ applicationProperties: [{ name: 'Temp', value: '1' }, { name: 'temp', value: '2' }] }), { direction: 'd2c', now: NOW });
  const [first, second] = vm.applicationRows;
  assert.equal(first?.worst, undefined);
  const dup = [...(second?.nameProblems ?? []), ...(second?.nameSegments.flatMap((s) => s.problems) ?? [])];
  assert.deepEqual(dup.map((p) => p.rule), ['duplicate-property']);
  assert.match(dup[0]?.message ?? '', /Temp/);
});

void test('expiry problems land on the absolute-expiry-time row', () => {
  const past = buildViewModel(createMessage({ systemProperties: { expiryTimeUtc: '2026-11-22T09:00:00.000Z' } }), { direction: 'c2d', now: NOW });
  const row = past.systemRows.find((r) => r.property === 'expiryTimeUtc');
  assert.equal(row?.name, 'absolute-expiry-time');
  assert.ok(row?.valueProblems.some((p) => p.rule === 'expiry-in-past'));
  const invalid = buildViewModel(createMessage({ systemProperties: { expiryTimeUtc: 'tomorrow' } }), { direction: 'c2d', now: NOW });
  assert.ok(invalid.systemRows.find((r) => r.property === 'expiryTimeUtc')?.valueProblems.some((p) => p.rule === 'expiry-invalid'));
  // Read back from the hub, a past expiry is history, not a mistake.
  const fromHub = buildViewModel(createMessage({ systemProperties: { expiryTimeUtc: '2026-11-22T09:00:00.000Z' } }), { direction: 'c2d', now: NOW, fromHub: true });
  assert.equal(fromHub.problems.filter((p) => p.rule === 'expiry-in-past').length, 0);
});

void test('system rows: every sender property is listed (unset ones too), hub-stamped ones read-only and only when present', () => {
  const vm = buildViewModel(createMessage({ systemProperties: { messageId: 'm1', enqueuedTimeUtc: '2026-11-22T09:00:00.000Z' } }), { direction: 'd2c', now: NOW, fromHub: true });
  const names = vm.systemRows.map((r) => r.name);
  assert.ok(names.includes('correlation-id') && names.includes('iothub-ack') && names.includes('iothub-enqueuedtime'));
  assert.ok(!names.includes('iothub-connection-device-id'));
  assert.equal(vm.systemRows.find((r) => r.name === 'correlation-id')?.value, undefined);
  assert.equal(vm.systemRows.find((r) => r.name === 'iothub-enqueuedtime')?.editable, false);
  assert.equal(vm.systemRows.find((r) => r.name === 'message-id')?.editable, true);
});

function sized(bodyBytes: number): IotMessage {
  return createMessage({
    systemProperties: { messageId: 'm-1', contentType: 'application/octet-stream' },
    applicationProperties: [{ name: 'kind', value: 'bulk' }],
    body: new Uint8Array(bodyBytes).fill(0x41),
  });
}

void test('size bar: the breakdown is the core size, against 256 KB for D2C and 64 KB for C2D, over = red', () => {
  const msg = sized(100 * 1024);
  const d2c = buildViewModel(msg, { direction: 'd2c', now: NOW }).size;
  const core = computeSize(msg, 'd2c');
  assert.deepEqual(d2c.parts.map((p) => [p.kind, p.bytes]), [
    ['body', core.body], ['systemValues', core.systemValues], ['applicationNames', core.applicationNames], ['applicationValues', core.applicationValues],
  ]);
  assert.equal(d2c.parts[2]?.bytes, 4);
  assert.equal(d2c.limit, 256 * 1024);
  assert.equal(d2c.over, false);
  assert.equal(d2c.limitPercent, 100, 'under the limit the bar is scaled to the limit');
  assert.match(d2c.summary, /left$/);

  const c2d = buildViewModel(msg, { direction: 'c2d', now: NOW });
  assert.equal(c2d.size.limit, 64 * 1024);
  assert.equal(c2d.size.over, true);
  assert.ok(c2d.size.limitPercent < 100, 'over the limit the bar is scaled to the total and the limit line moves left');
  assert.ok(Math.abs(c2d.size.parts.reduce((a, p) => a + p.percent, 0) - 100) < 1e-9);
  assert.match(c2d.size.summary, new RegExp(`${groupDigits(core.total - 64 * 1024)} bytes over`));
  assert.ok(c2d.messageProblems.some((p) => p.rule === 'message-too-large'));
});

void test('exactly at the limit is not over; one byte more is', () => {
  const base = computeSize(sized(0), 'd2c').total;
  assert.equal(buildViewModel(sized(256 * 1024 - base), { direction: 'd2c', now: NOW }).size.over, false);
  assert.equal(buildViewModel(sized(256 * 1024 - base + 1), { direction: 'd2c', now: NOW }).size.over, true);
});

void test('the body model is reused while only properties change (cheap live edits on big bodies)', () => {
  const msg = sized(200 * 1024);
  const first = buildViewModel(msg, { direction: 'd2c', now: NOW });
  const previousBody = { bytes: msg.body, contentType: msg.systemProperties.contentType, contentEncoding: msg.systemProperties.contentEncoding, model: first.body };
  const again = buildViewModel({ ...msg, applicationProperties: [{ name: 'x', value: 'y' }] }, { direction: 'd2c', now: NOW, previousBody });
  assert.equal(again.body, first.body);
  const changed = buildViewModel({ ...msg, body: new Uint8Array([1]) }, { direction: 'd2c', now: NOW, previousBody });
  assert.notEqual(changed.body, first.body);
});

void test('formatBytes groups digits without Intl', () => {
  assert.equal(formatBytes(262144), '262,144 bytes');
  assert.equal(formatBytes(1), '1 byte');
  assert.equal(groupDigits(1234567), '1,234,567');
  assert.equal(groupDigits(999), '999');
});

void test('read-only (a queued C2D message): no row is editable, IoT Hub stamps are marked as stamps and not flagged', () => {
  const queued = createMessage({
    direction: 'c2d', deviceId: 'dev-1',
    systemProperties: {
      messageId: 'm1', ack: 'full', expiryTimeUtc: '2026-11-22T09:00:00.000Z',
      sequenceNumber: '7', enqueuedTimeUtc: '2026-11-22T08:00:00.000Z', deliveryCount: '1',
    },
    applicationProperties: [{ name: 'unit', value: 'C' }],
  });
  const vm = buildViewModel(queued, { direction: 'c2d', now: NOW, fromHub: true, readOnly: true });
  assert.equal(vm.readOnly, true);
  assert.deepEqual([...vm.systemRows, ...vm.applicationRows].filter((r) => r.editable).map((r) => r.key), []);
  const stamped = vm.systemRows.filter((r) => r.stamped).map((r) => r.name).sort();
  assert.deepEqual(stamped, ['delivery-count', 'iothub-enqueuedtime', 'sequence-number']);
  assert.equal(vm.systemRows.find((r) => r.name === 'message-id')?.stamped, false);
  assert.equal(vm.applicationRows[0]?.stamped, false);
  // The stamps and the (past) expiry of a queued message are what the hub did, not mistakes.
  assert.deepEqual(vm.problems, []);
  // The same message opened for editing: sender properties editable again, stamps still stamps.
  const editable = buildViewModel(queued, { direction: 'c2d', now: NOW, fromHub: true });
  assert.equal(editable.readOnly, false);
  assert.equal(editable.systemRows.find((r) => r.name === 'message-id')?.editable, true);
  assert.equal(editable.systemRows.find((r) => r.name === 'sequence-number')?.editable, false);
});
