// Body views honour content-type and content-encoding (decoding is the core's), and edits keep
// the body's encoding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMessage } from '../../../src/core/message/model';
import { buildBodyModel, effectiveView } from '../../../src/inspector/body';
import { encodeText } from '../../../src/inspector/bodyEncoding';
import { setBodyText } from '../../../src/inspector/edits';
import { hexRow, hexRowCount, hexRows } from '../../../src/inspector/hex';
import { displayLines } from '../../../src/inspector/lines';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

void test('JSON content: pretty JSON by default, text still available', () => {
  const m = buildBodyModel(utf8('{"a":1,"b":[true]}'), 'application/json', 'utf-8');
  assert.equal(m.defaultView, 'json');
  assert.deepEqual(m.json, { ok: true, pretty: '{\n  "a": 1,\n  "b": [\n    true\n  ]\n}' });
  assert.deepEqual(m.text, { ok: true, text: '{"a":1,"b":[true]}', encoding: 'utf-8' });
});

void test('content-type says JSON but it does not parse: text view, and the JSON tab says why', () => {
  const m = buildBodyModel(utf8('{"a":'), 'application/json', undefined);
  assert.equal(m.defaultView, 'text');
  assert.equal(m.json.ok, false);
  assert.match(m.json.ok ? '' : m.json.reason, /does not parse/);
  assert.equal(effectiveView(m, 'json'), 'text', 'a JSON choice that cannot be shown falls back');
});

void test('plain text stays text; text that happens to be JSON still gets a JSON view', () => {
  assert.equal(buildBodyModel(utf8('hello'), 'text/plain', undefined).defaultView, 'text');
  const m = buildBodyModel(utf8('[1,2]'), 'text/plain', undefined);
  assert.equal(m.defaultView, 'text');
  assert.equal(m.json.ok, true);
});

void test('UTF-16 body with content-encoding utf-16 decodes as text, and an edit stays UTF-16 (and keeps its BOM)', () => {
  const body = encodeText('{"t":"21\u00b0C"}', 'utf-16le');
  const m = buildBodyModel(body, 'application/json', 'utf-16');
  assert.equal(m.defaultView, 'json');
  assert.equal(m.text.ok && m.text.text, '{"t":"21\u00b0C"}');
  assert.equal(m.text.ok && m.text.encoding, 'utf-16le');
  // As UTF-8 the same bytes are not text (NUL bytes): hex.
  assert.equal(buildBodyModel(body, undefined, undefined).defaultView, 'hex');

  const msg = createMessage({ systemProperties: { contentType: 'application/json', contentEncoding: 'utf-16' }, body });
  const edited = setBodyText(msg, '{"t":"22\u00b0C"}');
  assert.deepEqual([...edited.body], [...encodeText('{"t":"22\u00b0C"}', 'utf-16le')]);

  const withBom = createMessage({ systemProperties: { contentEncoding: 'utf-16' }, body: encodeText('hi', 'utf-16be', true) });
  const editedBom = setBodyText(withBom, 'ho');
  assert.deepEqual([...editedBom.body], [0xfe, 0xff, 0x00, 0x68, 0x00, 0x6f], 'BOM says big-endian: the edit stays big-endian with its BOM');
});

void test('UTF-32 and binary bodies', () => {
  const m = buildBodyModel(encodeText('ok', 'utf-32le'), undefined, 'utf-32');
  assert.equal(m.text.ok && m.text.text, 'ok');
  const bin = buildBodyModel(new Uint8Array([0, 1, 2, 0xff]), 'application/octet-stream', undefined);
  assert.equal(bin.defaultView, 'hex');
  assert.equal(bin.text.ok, false);
  assert.equal(effectiveView(bin, 'text'), 'hex');
  assert.equal(buildBodyModel(new Uint8Array(), undefined, undefined).defaultView, 'text');
});

void test('hex rows: offset, two groups of eight, ASCII with dots; a short last row is padded', () => {
  const bytes = utf8('Hello, IoT Hub!\n\u00e9');
  assert.equal(hexRowCount(bytes.length), 2);
  assert.deepEqual(hexRow(bytes, 0), {
    offset: 0, offsetText: '00000000',
    hex: '48 65 6c 6c 6f 2c 20 49  6f 54 20 48 75 62 21 0a', ascii: 'Hello, IoT Hub!.',
  });
  const last = hexRow(bytes, 1);
  assert.equal(last.offsetText, '00000010');
  assert.equal(last.hex, 'c3 a9');
  assert.equal(last.ascii, '..');
  assert.equal(hexRows(bytes, 1, 100).length, 1);
  assert.equal(hexRows(bytes, 5, 10).length, 0);
  assert.equal(hexRowCount(256 * 1024), 16384);
});

void test('display lines cut long lines into fixed-width pieces without splitting a surrogate pair', () => {
  const long = 'x'.repeat(450);
  const lines = displayLines(`a\n${long}\nb`, 200);
  assert.deepEqual(lines.map((l) => [l.text.length, l.line, l.continuation]), [[1, 1, false], [200, 2, false], [200, 2, true], [50, 2, true], [1, 3, false]]);
  const emoji = `${'y'.repeat(199)}\u{1F600}z`;
  const cut = displayLines(emoji, 200);
  assert.equal(cut[0]?.text, `${'y'.repeat(199)}\u{1F600}`);
  assert.equal(cut.map((l) => l.text).join(''), emoji);
});
