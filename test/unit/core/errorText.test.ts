// The one helper for the text of a thrown value (src/core/errorText.ts): what each shape becomes.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorDetail, errorText, toError } from '../../../src/core/errorText';

test('errorText: an Error gives its message, anything else its string form', () => {
  assert.equal(errorText(new TypeError('bad type')), 'bad type');
  assert.equal(errorText('plain'), 'plain');
  assert.equal(errorText(42), '42');
  assert.equal(errorText(undefined), 'undefined');
});

test('errorDetail: the stack of an Error (it begins with the message), else the string form', () => {
  const e = new Error('boom');
  assert.equal(errorDetail(e), e.stack);
  assert.match(errorDetail(e), /^Error: boom\n/);
  const noStack = new Error('no stack');
  delete noStack.stack;
  assert.equal(errorDetail(noStack), 'no stack');
  assert.equal(errorDetail('x'), 'x');
});

test('toError: an Error stays the same object; anything else is wrapped with its string form', () => {
  const e = new RangeError('r');
  assert.equal(toError(e), e);
  const wrapped = toError('text');
  assert.ok(wrapped instanceof Error);
  assert.equal(wrapped.message, 'text');
});
