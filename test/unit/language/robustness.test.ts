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
    const malformed = deep.slice(0, -1);
    const codes = (text: string): string[] => lintText('deep.iotmsg.json', text).diagnostics.map((d) => d.code);
    // Valid JSON takes the iterative fast path: checked like any other file.
    assert.deepEqual(codes(`{"direction":"d2c","body":${deep}}`), []);
    assert.deepEqual(codes(`{"direction":"d2c","applicationProperties":{"a":${deep}}}`), ['IOT905']);
    assert.deepEqual(codes(deep), ['IOT902']);
    // Malformed JSON goes to the recursive parser, which cannot go that deep: IOT913, said once,
    // at the start of the file, rather than a crash or a silently clean file.
    for (const text of [
      `{"direction":"d2c","body":${malformed}}`,
      `{"direction":"d2c","applicationProperties":{"a":${malformed}}}`,
      malformed,
      `{"direction":"d2c","body":${'{"a":'.repeat(50_000)}1${'}'.repeat(49_999)}}`,
    ]) {
      const r = lintText('deep.iotmsg.json', text);
      assert.deepEqual(r.diagnostics.map((d) => [d.code, d.severity, d.line, d.column, d.endLine, d.endColumn]), [['IOT913', 'error', 1, 1, 1, 1]]);
      assert.match(r.diagnostics[0]?.message ?? '', /could not be checked: it is malformed JSON nested too deeply to analyse/);
    }
  });
});
