import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeBody } from '../../../src/core/message/text';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
function utf16(s: string, littleEndian: boolean, bom = false): Uint8Array {
  const out = new Uint8Array((s.length + (bom ? 1 : 0)) * 2);
  const view = new DataView(out.buffer);
  let at = 0;
  if (bom) { view.setUint16(0, 0xfeff, littleEndian); at = 2; }
  for (let i = 0; i < s.length; i++, at += 2) view.setUint16(at, s.charCodeAt(i), littleEndian);
  return out;
}
function utf32(s: string, littleEndian: boolean, bom = false): Uint8Array {
  const cps = [...(bom ? '\ufeff' : ''), ...s].map((c) => c.codePointAt(0) ?? 0);
  const out = new Uint8Array(cps.length * 4);
  const view = new DataView(out.buffer);
  cps.forEach((cp, i) => view.setUint32(i * 4, cp, littleEndian));
  return out;
}

test('JSON by content type, by shape when there is no content type, text otherwise', () => {
  assert.deepEqual(decodeBody(utf8('{"t":21.5}'), 'application/json'), { kind: 'json', text: '{"t":21.5}', json: { t: 21.5 }, encoding: 'utf-8' });
  assert.equal(decodeBody(utf8('[1,2]')).kind, 'json');
  assert.equal(decodeBody(utf8('42'), 'application/json; charset=utf-8').kind, 'json');
  assert.equal(decodeBody(utf8('{"a":1}'), 'text/plain').kind, 'text', 'an explicit non-JSON content type is respected');
  assert.equal(decodeBody(utf8('{"a":1}'), 'application/vnd.microsoft.iothub.feedback.json').kind, 'text');
  assert.equal(decodeBody(utf8('[{"a":1}]'), 'application/cloudevents-batch+json').kind, 'json');
  assert.deepEqual(decodeBody(utf8('hello')), { kind: 'text', text: 'hello', encoding: 'utf-8' });
  assert.deepEqual(decodeBody(new Uint8Array()), { kind: 'text', text: '', encoding: 'utf-8' });
});

test('content type says JSON but it does not parse: text with the parse error', () => {
  const r = decodeBody(utf8('{"a":'), 'application/json');
  assert.equal(r.kind, 'text');
  assert.equal(r.text, '{"a":');
  assert.ok(r.jsonError !== undefined && r.jsonError.length > 0);
  assert.equal(decodeBody(utf8('{not json')).jsonError, undefined, 'shape-only guesses do not report an error');
});

test('utf-16 and utf-32 content-encoding (little-endian by default), BOMs, and charset parameters', () => {
  const s = 'température 21°C \u{1F600}';
  assert.equal(decodeBody(utf16(s, true), 'text/plain', 'utf-16').text, s);
  assert.equal(decodeBody(utf16(s, true), 'text/plain', 'UTF-16').encoding, 'utf-16le');
  assert.equal(decodeBody(utf16(s, false, true), undefined, 'utf-16').text, s, 'a BOM wins over the label');
  assert.equal(decodeBody(utf16(s, false, true)).encoding, 'utf-16be');
  assert.equal(decodeBody(utf32(s, true), undefined, 'utf-32').text, s);
  assert.equal(decodeBody(utf32(s, false, true), undefined, 'utf-32').encoding, 'utf-32be');
  assert.equal(decodeBody(utf16('{"a":"é"}', true), 'application/json; charset=utf-16').kind, 'json');
  assert.equal(decodeBody(utf8(`\ufeff${s}`)).text, s, 'a UTF-8 BOM is skipped');
});

test('binary: invalid UTF-8, odd UTF-32 length, control characters', () => {
  assert.deepEqual(decodeBody(new Uint8Array([0xc3, 0x28])), { kind: 'binary', binaryReason: 'the body is not valid UTF-8' });
  assert.equal(decodeBody(new Uint8Array([1, 0, 0]), undefined, 'utf-32').kind, 'binary');
  assert.equal(decodeBody(new Uint8Array([0x00, 0x01, 0x02, 0x41])).binaryReason, 'the body contains control characters');
  assert.equal(decodeBody(utf8('line 1\r\n\tline 2\f')).kind, 'text', 'tab, CR, LF and FF are text');
  assert.equal(decodeBody(utf8('x'), 'application/octet-stream', 'gzip').kind, 'text', 'an unknown encoding label falls back to UTF-8');
});

test('property: any text without control characters decodes back to itself in every encoding', () => {
  const noControl = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(s) && !s.startsWith('\ufeff'));
  fc.assert(fc.property(noControl, (s) => {
    assert.equal(decodeBody(utf8(s), 'text/plain').text, s);
    assert.equal(decodeBody(utf16(s, true), 'text/plain', 'utf-16').text, s);
    assert.equal(decodeBody(utf32(s, true), 'text/plain', 'utf-32').text, s);
  }), { numRuns: 300 });
});

test('property: never throws for any bytes and any labels', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.option(fc.string()), fc.option(fc.constantFrom('utf-8', 'utf-16', 'utf-32', 'x')), (bytes, ct, ce) => {
    const r = decodeBody(bytes, ct ?? undefined, ce ?? undefined);
    assert.ok(['json', 'text', 'binary'].includes(r.kind));
  }), { numRuns: 300 });
});
