// Whatever the text, the rules answer: no exception from diagnostics, completion, hover, code
// actions or lenses, on random text, on mutilated message files and on absurd nesting.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { codeActions } from '../../../src/language/rules/codeActions';
import { codeLenses } from '../../../src/language/rules/codeLenses';
import { complete } from '../../../src/language/rules/complete';
import { analyse } from '../../../src/language/rules/diagnose';
import { hover } from '../../../src/language/rules/hover';
import { lintText } from '../../../src/lint/lintFile';

const SAMPLE = JSON.stringify({
  direction: 'c2d', deviceId: 'd 1',
  systemProperties: { messageId: 'a°"b', ack: 'x', ttl: '1h' },
  applicationProperties: { A: '\u00b0', a: 'b' },
  body: { t: [1, 2, { u: 'v' }] },
}, null, 2);

function everything(text: string): void {
  const a = analyse(text);
  for (let offset = 0; offset <= text.length; offset += Math.max(1, Math.floor(text.length / 40))) {
    complete(text, offset, { deviceIds: ['x'] });
    hover(a, offset);
    codeActions(a, { start: offset, end: offset });
  }
  codeLenses(a);
  for (const d of a.diagnostics) {
    assert.ok(d.start >= 0 && d.end >= d.start && d.end <= text.length, `${d.code} range ${d.start}-${d.end} within ${text.length}`);
  }
}

void describe('robustness', () => {
  void it('random text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => { everything(text); }), { numRuns: 300 });
  });
  void it('message files with characters deleted or inserted', () => {
    fc.assert(fc.property(fc.nat(SAMPLE.length), fc.nat(20), fc.string({ maxLength: 5 }), (at, cut, insert) => {
      everything(SAMPLE.slice(0, at) + insert + SAMPLE.slice(at + cut));
    }), { numRuns: 300 });
  });
  void it('nesting 100,000 deep, valid or not, in a body or a property', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    for (const text of [
      `{"direction":"d2c","body":${deep}}`,
      `{"direction":"d2c","applicationProperties":{"a":${deep}}}`,
      `{"direction":"d2c","body":${deep.slice(0, -1)}}`,
      deep,
    ]) {
      const r = lintText('deep.iotmsg.json', text);
      assert.ok(Array.isArray(r.diagnostics));
    }
    const valid = lintText('deep.iotmsg.json', `{"direction":"d2c","body":${deep}}`);
    assert.deepEqual(valid.diagnostics, []);
  });
});
