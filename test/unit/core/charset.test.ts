import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  APP_PROPERTY_ALLOWED, MESSAGE_ID_ALLOWED, describeCharacter, findInvalidRanges, isAllowedDeviceIdChar,
  isAllowedMessageIdChar, isAllowedPropertyChar,
} from '../../../src/core/message/charset';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function allowedAscii(pred: (ch: string) => boolean): string {
  let out = '';
  for (let c = 0; c < 128; c++) if (pred(String.fromCharCode(c))) out += String.fromCharCode(c);
  return out;
}

function sorted(s: string): string {
  return [...s].sort().join('');
}

test("doc: application properties allow ASCII alphanumerics plus ! # $ % & ' * + - . ^ _ ` | ~ (exactly)", () => {
  assert.equal(sorted(allowedAscii(isAllowedPropertyChar)), sorted(ALNUM + "!#$%&'*+-.^_`|~"));
  assert.equal(APP_PROPERTY_ALLOWED.description, "ASCII letters, digits and ! # $ % & ' * + - . ^ _ ` | ~");
});

test("doc: message-id allows ASCII alphanumerics plus - : . + % _ # * ? ! ( ) , = @ ; $ ' (exactly)", () => {
  assert.equal(sorted(allowedAscii(isAllowedMessageIdChar)), sorted(ALNUM + "-:.+%_#*?!(),=@;$'"));
  assert.match(MESSAGE_ID_ALLOWED.description, /- : \. \+ % _ # \* \? ! \( \) , = @ ; \$ '$/);
});

test("doc: device id allows ASCII alphanumerics plus - . + % _ # * ? ! ( ) , = @ $ ' and tolerates : ;", () => {
  assert.equal(sorted(allowedAscii(isAllowedDeviceIdChar)), sorted(`${ALNUM}-.+%_#*?!(),=@$':;`));
});

test('nothing outside ASCII is allowed, and multi-unit strings are not one character', () => {
  for (const ch of ['\u00e9', '\u00b0', '\u{1F600}', '\ud800', 'ab', '']) {
    assert.equal(isAllowedPropertyChar(ch), false, ch);
    assert.equal(isAllowedMessageIdChar(ch), false, ch);
    assert.equal(isAllowedDeviceIdChar(ch), false, ch);
  }
});

test('findInvalidRanges: one range per character, surrogate pair is one range of 2, lone surrogate of 1', () => {
  assert.deepEqual(findInvalidRanges('temp°C', isAllowedPropertyChar), [{ start: 4, end: 5, text: '°' }]);
  assert.deepEqual(findInvalidRanges('a  b', isAllowedPropertyChar), [{ start: 1, end: 2, text: ' ' }, { start: 2, end: 3, text: ' ' }]);
  assert.deepEqual(findInvalidRanges('x\u{1F600}y', isAllowedPropertyChar), [{ start: 1, end: 3, text: '\u{1F600}' }]);
  assert.deepEqual(findInvalidRanges('\udc00\ud800', isAllowedPropertyChar), [{ start: 0, end: 1, text: '\udc00' }, { start: 1, end: 2, text: '\ud800' }]);
  assert.deepEqual(findInvalidRanges('', isAllowedPropertyChar), []);
});

test('property: the ranges cover exactly the rejected characters of any string', () => {
  fc.assert(fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('a', '-', ' ', '°', '\u{1F600}', '\ud800', '\udc00'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 30 }), (s) => {
    const ranges = findInvalidRanges(s, isAllowedPropertyChar);
    let rebuilt = '';
    let pos = 0;
    for (const r of ranges) {
      assert.ok(r.start >= pos && r.end > r.start && r.end - r.start <= 2);
      assert.equal(s.slice(r.start, r.end), r.text);
      const between = s.slice(pos, r.start);
      assert.ok([...between].every(isAllowedPropertyChar), 'only allowed characters between ranges');
      rebuilt += between + r.text;
      pos = r.end;
    }
    assert.ok([...s.slice(pos)].every(isAllowedPropertyChar));
    assert.equal(rebuilt + s.slice(pos), s);
  }), { numRuns: 500 });
});

test('describeCharacter names printable characters and shows invisible ones by code point', () => {
  assert.equal(describeCharacter('°'), "'°' (U+00B0)");
  assert.equal(describeCharacter('\u{1F600}'), "'\u{1F600}' (U+1F600)");
  assert.equal(describeCharacter(' '), 'a space (U+0020)');
  assert.equal(describeCharacter('\t'), 'U+0009');
  assert.equal(describeCharacter('\u00a0'), 'U+00A0');
});
