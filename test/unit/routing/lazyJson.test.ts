// The lazy JSON body against JSON.parse: the same texts are valid, and every path looks up the
// value JSON.parse would give (duplicate keys: the last wins; escaped keys; own properties only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { PathSegment } from '../../../src/core/routing/ast';
import { LazyJson, walkParsed } from '../../../src/core/routing/lazyJson';

function validByJsonParse(text: string): boolean {
  try { JSON.parse(text); return true; } catch { return false; }
}

/** Every path of a value, up to a few levels. */
function paths(v: unknown, prefix: PathSegment[] = [], out: PathSegment[][] = []): PathSegment[][] {
  out.push(prefix);
  if (prefix.length > 4 || v === null || typeof v !== 'object') return out;
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, { kind: 'index', index: i }], out));
  else for (const [k, x] of Object.entries(v)) paths(x, [...prefix, { kind: 'name', name: k }], out);
  return out;
}

test('valid exactly when JSON.parse accepts the text', () => {
  const fixed = ['', ' ', '{', '}', '[1,]', '{"a":1,}', '01', '-', '1.', '.5', '1e', '1e+', '"\\x"', '"\\u12"', '"a\u0001"', 'tru', 'nul', 'true false',
    '{"a" 1}', '[1 2]', '"\\ud800"', '\ufeff{}', ' {"a":[1,2,{"b":null}]} ', '-0', '1E5', '"\\/"', '[[]]', '{"":""}', '\u00a0{}', '{}x', '"\n"'];
  for (const t of fixed) assert.equal(LazyJson.from(t) !== undefined, validByJsonParse(t), JSON.stringify(t));
  fc.assert(fc.property(fc.json(), (t) => LazyJson.from(t) !== undefined), { numRuns: 1000 });
  const jsonish = fc.array(fc.constantFrom('{', '}', '[', ']', ',', ':', '"a"', '"', '1', '-', '.', 'e', '0', 'true', 'null', ' ', '\\', '"\\u00e9"'), { maxLength: 25 }).map((x) => x.join(''));
  fc.assert(fc.property(jsonish, (t) => (LazyJson.from(t) !== undefined) === validByJsonParse(t)), { numRuns: 5000 });
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (t) => (LazyJson.from(t) !== undefined) === validByJsonParse(t)), { numRuns: 2000 });
  // Long strings, whose tail the scanner hands to a regex: escapes, control characters and the end beyond it.
  const long = 'a'.repeat(40);
  for (const t of [`"${long}\\n${long}"`, `"${long}\u0001"`, `"${long}`, `"${long}\\x"`, `"${long}\\"`, `{"${long}":"${long}\\u00e9"}`, `["${long}\t"]`]) {
    assert.equal(LazyJson.from(t) !== undefined, validByJsonParse(t), JSON.stringify(t));
  }
  const longish = fc.array(fc.constantFrom('a', 'b', '\\', '"', '\\n', '\\u0041', '\u0001', '\u00e9', ' '), { minLength: 14, maxLength: 60 }).map((x) => `{"k":"${x.join('')}"}`);
  fc.assert(fc.property(longish, (t) => (LazyJson.from(t) !== undefined) === validByJsonParse(t)), { numRuns: 3000 });
});

test('lookup gives what JSON.parse and a walk give, for every path', () => {
  fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
    const text = JSON.stringify(v, null, Math.random() < 0.5 ? 1 : undefined);
    const doc = LazyJson.from(text);
    assert.ok(doc);
    for (const p of paths(JSON.parse(text))) assert.deepEqual(doc.lookup(p), walkParsed(JSON.parse(text), p));
    // Again: top-level primitives now come from the document's memo, and must not differ.
    for (const p of paths(JSON.parse(text))) assert.deepEqual(doc.lookup(p), walkParsed(JSON.parse(text), p));
    // Paths that do not exist.
    assert.equal(doc.lookup([{ kind: 'name', name: 'no such key' }]), walkParsed(JSON.parse(text), [{ kind: 'name', name: 'no such key' }]));
    assert.equal(doc.lookup([{ kind: 'index', index: 99 }]), walkParsed(JSON.parse(text), [{ kind: 'index', index: 99 }]));
  }), { numRuns: 1000 });
});

test('duplicate keys resolve to the last, escaped keys match their decoded name', () => {
  const doc = LazyJson.from('{"a": 1, "b": {"c": 2}, "a": 3, "t\\u0065mp": 4, "q\\"x": 5, "arr": [10, [20, 30]]}');
  assert.ok(doc);
  assert.equal(doc.lookup([{ kind: 'name', name: 'a' }]), 3);
  assert.equal(doc.lookup([{ kind: 'name', name: 'a' }]), 3, 'a second lookup (memoised) gives the same');
  assert.equal(doc.lookup([{ kind: 'name', name: 'missing' }]), undefined);
  assert.equal(doc.lookup([{ kind: 'name', name: 'missing' }]), undefined);
  assert.notEqual(doc.lookup([{ kind: 'name', name: 'b' }]), doc.lookup([{ kind: 'name', name: 'b' }]), 'an object is parsed afresh for each lookup');
  assert.equal(doc.lookup([{ kind: 'name', name: 'temp' }]), 4);
  assert.equal(doc.lookup([{ kind: 'name', name: 'q"x' }]), 5);
  assert.equal(doc.lookup([{ kind: 'name', name: 'arr' }, { kind: 'index', index: 1 }, { kind: 'index', index: 1 }]), 30);
  assert.deepEqual(doc.lookup([{ kind: 'name', name: 'b' }]), { c: 2 });
  assert.equal(doc.lookup([{ kind: 'name', name: 'b' }, { kind: 'index', index: 0 }]), undefined);
  const slash = LazyJson.from('{"a\\\\b": 1, "ab": 2, "a\\u005cb": 3}');
  assert.ok(slash);
  assert.equal(slash.lookup([{ kind: 'name', name: 'a\\b' }]), 3); // both keys decode to a\b; the last wins
  assert.equal(slash.lookup([{ kind: 'name', name: 'ab' }]), 2);
});

test('a deeply nested body does not overflow the stack', () => {
  const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
  assert.equal(LazyJson.from(deep) !== undefined, validByJsonParse(deep));
  assert.equal(LazyJson.from(`${'['.repeat(200_000)}`), undefined);
});
