import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Problem } from '../../../src/core/message/problems';
import { segmentText } from '../../../src/inspector/segments';

function p(start: number, end: number, code = 'IOT101'): Problem {
  return { rule: 'invalid-character', code, severity: 'error', message: 'm', target: { kind: 'message' }, range: { start, end } };
}

void test('no ranged problem: one unflagged run (none for an empty string)', () => {
  assert.deepEqual(segmentText('abc', []), [{ text: 'abc', start: 0, problems: [] }]);
  assert.deepEqual(segmentText('', [p(0, 1)]), []);
  const whole: Problem = { ...p(0, 0), range: undefined } as unknown as Problem;
  delete (whole as { range?: unknown }).range;
  assert.deepEqual(segmentText('abc', [whole]), [{ text: 'abc', start: 0, problems: [] }]);
});

void test('overlapping ranges split into runs carrying every covering problem', () => {
  const a = p(1, 4, 'A');
  const b = p(3, 6, 'B');
  const segs = segmentText('0123456789', [a, b]);
  assert.deepEqual(segs.map((s) => [s.text, s.start, s.problems.map((x) => x.code)]), [
    ['0', 0, []], ['12', 1, ['A']], ['3', 3, ['A', 'B']], ['45', 4, ['B']], ['6789', 6, []],
  ]);
});

void test('ranges are clamped to the string and never split a surrogate pair', () => {
  const s = 'a\u{1F600}b'; // a, then a pair at 1..3, then b
  const inside = segmentText(s, [p(2, 3)]); // points at the low surrogate only
  assert.deepEqual(inside.map((x) => [x.text, x.problems.length]), [['a', 0], ['\u{1F600}', 1], ['b', 0]]);
  const beyond = segmentText('ab', [p(1, 99)]);
  assert.deepEqual(beyond.map((x) => [x.text, x.problems.length]), [['a', 0], ['b', 1]]);
});

void test('property: segments always concatenate back to the input, and offsets are consistent', () => {
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.array(fc.tuple(fc.integer({ min: -5, max: 40 }), fc.integer({ min: -5, max: 40 })), { maxLength: 6 }), (text, ranges) => {
    const segs = segmentText(text, ranges.map(([x, y]) => p(Math.min(x, y), Math.max(x, y))));
    assert.equal(segs.map((s) => s.text).join(''), text);
    let at = 0;
    for (const s of segs) { assert.equal(s.start, at); at += s.text.length; }
  }));
});

void test('one problem about several characters marks each of its places, not the span between', () => {
  const one: Problem = { ...p(1, 5), places: [{ start: 1, end: 2 }, { start: 4, end: 5 }] };
  const segs = segmentText('a°bc°d', [one]);
  assert.deepEqual(segs.map((s) => [s.text, s.start, s.problems.length]), [
    ['a', 0, 0], ['°', 1, 1], ['bc', 2, 0], ['°', 4, 1], ['d', 5, 0],
  ]);
  assert.ok(segs.filter((s) => s.problems.length > 0).every((s) => s.problems[0] === one), 'both marks carry the same one problem');
});
