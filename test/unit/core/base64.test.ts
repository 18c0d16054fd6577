// The strict base64 check agrees with Node's own encoder on every byte string (what it accepts
// decodes back to the same text, so nothing is dropped), and rejects the forms looser checks let
// through: missing or misplaced padding, stray characters, whitespace, base64url.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { base64Problem, isBase64Key, isStrictBase64 } from '../../../src/core/base64';

void describe('strict base64', () => {
  void it('accepts whatever Buffer encodes, and what it accepts round-trips unchanged', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 70 }), (bytes) => {
      const text = Buffer.from(bytes).toString('base64');
      assert.ok(isStrictBase64(text));
      assert.equal(Buffer.from(text, 'base64').toString('base64'), text);
    }));
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...'AB+/=a9-_ '.split('')), maxLength: 12 }), (text) => {
      if (isStrictBase64(text)) assert.equal(Buffer.from(text, 'base64').toString('base64'), text);
    }), { numRuns: 20_000 });
  });

  void it('rejects unpadded, over-padded, inner padding, whitespace, base64url and stray characters', () => {
    for (const bad of ['AAA', 'AA=', 'A===', 'AA==AA==', 'AA=A', 'AAAA AAAA', 'AAAA\n', '-_AA', 'AA*A', 'A', 'AA/=', 'AB==', 'AAB=']) {
      assert.equal(isStrictBase64(bad), false, bad);
    }
    for (const good of ['', 'AA==', 'AAA=', 'AAAA', 'q+/Z', 'SGVsbG8=']) assert.equal(isStrictBase64(good), true, good);
  });

  void it('a key must hold at least one byte', () => {
    assert.equal(isBase64Key(''), false);
    assert.equal(isBase64Key('AA=='), true);
    assert.equal(isBase64Key('AAA'), false);
  });

  void it('base64Problem names a problem exactly when the strict check refuses the text', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...'AB+/=a9-_ \n*'.split('')), maxLength: 12 }), (text) => {
      assert.equal(base64Problem(text) === undefined, isStrictBase64(text), text);
    }), { numRuns: 20_000 });
  });

  void it('base64Problem says what is wrong and where', () => {
    const cases: [string, RegExp][] = [
      ['AAA', /ends with no '=' but needs one/],
      ['AA', /needs two/],
      ['AA=', /ends with 1 '=' but needs two/],
      ['AAAA=', /remove the padding/],
      ['AA=A', /'=' at character 3 is padding/],
      ['AAAA\nAAAA', /character 5 is whitespace or a line break/],
      ['-AAA', /character 1 is '-', the base64url alphabet; standard base64 uses '\+'/],
      ['AA_A', /character 3 is '_', the base64url alphabet; standard base64 uses '\/'/],
      ['AA*A', /character 3 "\*" is not a base64 character/],
      ['AAAAA', /5 base64 characters leave one over/],
      ['AA/=', /last character '\/' before the padding has unused bits set/],
      ['==', /only padding/],
    ];
    for (const [text, expected] of cases) assert.match(base64Problem(text) ?? '(none)', expected, JSON.stringify(text));
    assert.equal(base64Problem('SGVsbG8='), undefined);
  });
});
