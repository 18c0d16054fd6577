// The Message Monitor's one time-of-day format (webview/monitor/timeOfDay.ts): the table and the
// chart's axis both show 24-hour local time, also just after midnight.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { timeOfDay } from '../../../webview/monitor/timeOfDay';

describe('Message Monitor time of day', () => {
  it('is 24-hour local time, 00 after midnight, with no AM/PM', () => {
    assert.match(timeOfDay(new Date(2026, 11, 7, 13, 5, 9)), /^13\D05\D09$/);
    assert.match(timeOfDay(new Date(2026, 11, 7, 0, 0, 1)), /^00\D00\D01$/);
    assert.doesNotMatch(timeOfDay(new Date(2026, 11, 7, 23, 59, 59).getTime()), /AM|PM/i);
  });
});
