// Fuzzing the routing condition parser: whatever the text, parseCondition returns a result (never
// throws), an error's offset and length lie inside the text, and a condition that parses evaluates
// and explains any message without throwing, with explain agreeing with evaluate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseCondition, type RoutingMessage } from '../../../src/core/routing/condition';

const TOKENS = [
  ' ', '(', ')', ',', '.', '[', ']', '0', '1', '2.5', '0x1F', '-', '+', '*', '/', '%', '=', '!=', '<>', '<', '<=', '>', '>=',
  'AND', 'OR', 'NOT', 'and', 'true', 'false', 'null', 'undefined', "'hot'", '"x"', "'", '"', '\\', '$', '$body', '$body.a', '$body.a.b',
  '$body.arr[0]', '$twin.tags.x', '$contentType', '$connectionDeviceId', '$iothub-enqueuedtime', 'level', 'LEVEL', 'IS_DEFINED(',
  'LENGTH(', 'CONCAT(', 'SUBSTRING(', 'AS_NUMBER(', 'ABS(', 'STARTS_WITH(', 'ROUND(', '==', '&&', '||', '!', '#', 'é', '😀', '\n',
];

const tokenText = fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((ts) => ts.join(''));

function message(app: Array<[string, string]>, body: unknown, json: boolean): RoutingMessage {
  let text: string;
  try { text = JSON.stringify(body) ?? ''; } catch { text = ''; }
  return {
    systemProperties: json ? { contentType: 'application/json', contentEncoding: 'utf-8', connectionDeviceId: 'd' } : { connectionDeviceId: 'd' },
    applicationProperties: app.map(([name, value]) => ({ name, value })),
    body: new TextEncoder().encode(text),
  };
}

const messages = fc.tuple(
  fc.array(fc.tuple(fc.constantFrom('level', 'Level', 'x', '$custom'), fc.string()), { maxLength: 4 }),
  fc.jsonValue(),
  fc.boolean(),
).map(([app, body, json]) => message(app, { a: body, arr: [body], level: body }, json));

function checkText(text: string, m: RoutingMessage): void {
  const r = parseCondition(text);
  if (!r.ok) {
    assert.ok(r.error.offset >= 0 && r.error.offset <= text.length, `offset in range for ${JSON.stringify(text)}`);
    assert.ok(r.error.offset + r.error.length <= text.length, `length in range for ${JSON.stringify(text)}`);
    assert.ok(r.error.message.length > 0);
    return;
  }
  const v = r.condition.evaluate(m);
  assert.equal(typeof v, 'boolean');
  assert.equal(r.condition.explain(m).result, v, `explain agrees with evaluate for ${JSON.stringify(text)}`);
}

test('arbitrary strings never throw', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), messages, checkText), { numRuns: 3000 });
});

test('strings made of the language\'s own tokens never throw, and parsed ones evaluate consistently', () => {
  fc.assert(fc.property(tokenText, messages, checkText), { numRuns: 5000 });
});

test('pathological nesting is a syntax error, not a stack overflow', () => {
  for (const text of ['('.repeat(100_000), `${'NOT '.repeat(100_000)}true`, `${'-'.repeat(100_000)}1`, `${'LENGTH('.repeat(50_000)}`, Array(100_000).fill('a = 1').join(' AND '), Array(100_000).fill('1').join(' + ')]) {
    const r = parseCondition(text);
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error.message, /nests more than|Expected/);
  }
  // Deep but accepted conditions evaluate.
  const r = parseCondition(`${'('.repeat(200)}true${')'.repeat(200)}`);
  assert.ok(r.ok && r.condition.evaluate(message([], {}, false)));
});
