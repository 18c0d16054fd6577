import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseUtcTime } from '../../../src/core/message/time';

test('property: any Date.toISOString() parses back to the same instant under both zone rules', () => {
  fc.assert(fc.property(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (d) => {
    for (const rule of ['utc-offset', 'z-or-none'] as const) {
      const r = parseUtcTime(d.toISOString(), rule);
      assert.ok(r.ok);
      assert.equal(r.date.getTime(), d.getTime());
    }
  }), { numRuns: 500 });
});

test('zone rules: utc-offset takes Z or a zero offset; z-or-none takes Z or nothing', () => {
  assert.ok(parseUtcTime('2026-11-22T10:00:00-00:00', 'utc-offset').ok);
  assert.ok(parseUtcTime('2026-11-22T10:00:00+0000', 'utc-offset').ok);
  assert.ok(!parseUtcTime('2026-11-22T10:00:00', 'utc-offset').ok);
  assert.ok(parseUtcTime('2026-11-22T10:00:00', 'z-or-none').ok);
  assert.ok(!parseUtcTime('2026-11-22T10:00:00+00:00', 'z-or-none').ok);
});

test('impossible dates and times are refused with a reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['2025-02-29T00:00:00Z', /day 29 does not exist/],
    ['2024-02-29T00:00:00Z', /^$/],
    ['2026-00-10T00:00:00Z', /month 00 is out of range/],
    ['2026-11-22T23:60:00Z', /time of day/],
    ['2026-11-22', /not in the form/],
    [' 2026-11-22T10:00:00Z', /not in the form/],
  ];
  for (const [text, re] of cases) {
    const r = parseUtcTime(text, 'utc-offset');
    if (re.source === '^$') assert.ok(r.ok, text);
    else assert.ok(!r.ok && re.test(r.reason), text);
  }
});

test('years before 100 are not shifted into the 1900s', () => {
  const r = parseUtcTime('0050-06-01T00:00:00Z', 'utc-offset');
  assert.ok(r.ok && r.date.getUTCFullYear() === 50);
});
