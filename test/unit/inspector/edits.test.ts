import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMessage } from '../../../src/core/message/model';
import * as edits from '../../../src/inspector/edits';
import { buildViewModel } from '../../../src/inspector/viewModel';

const NOW = new Date('2026-11-22T10:00:00.000Z');

void test('edits return a new message and leave the original untouched', () => {
  const original = createMessage({ systemProperties: { messageId: 'a' }, applicationProperties: [{ name: 'k', value: 'v' }] });
  const snapshot = JSON.stringify({ ...original, body: [...original.body] });
  let m = edits.setSystemProperty(original, 'messageId', 'b');
  m = edits.setApplicationPropertyName(m, 0, 'K2');
  m = edits.setApplicationPropertyValue(m, 0, 'v2');
  m = edits.addApplicationProperty(m, 'x', 'y');
  m = edits.removeApplicationProperty(m, 1);
  m = edits.setSystemProperty(m, 'correlationId', 'c');
  m = edits.setSystemProperty(m, 'correlationId', undefined);
  m = edits.setDeviceId(m, 'dev');
  assert.equal(JSON.stringify({ ...original, body: [...original.body] }), snapshot);
  assert.deepEqual(m.systemProperties, { messageId: 'b' });
  assert.deepEqual(m.applicationProperties, [{ name: 'K2', value: 'v2' }]);
  assert.equal(m.deviceId, 'dev');
  assert.equal(edits.setDeviceId(m, '').deviceId, undefined);
});

void test('a bad position is a clear error', () => {
  assert.throws(() => edits.setApplicationPropertyName(createMessage(), 0, 'x'), /No application property at position 0 \(the message has 0\)/);
});

void test('live validation: fixing the invalid character removes the flag', () => {
  const bad = createMessage({ direction: 'c2d', applicationProperties: [{ name: 'temp erature', value: '21' }] });
  assert.equal(buildViewModel(bad, { direction: 'c2d', now: NOW }).applicationRows[0]?.worst, 'error');
  const fixed = edits.setApplicationPropertyName(bad, 0, 'temperature');
  const vm = buildViewModel(fixed, { direction: 'c2d', now: NOW });
  assert.equal(vm.applicationRows[0]?.worst, undefined);
  assert.equal(vm.problems.length, 0);
});
