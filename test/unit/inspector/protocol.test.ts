// The protocol guards: the host trusts nothing from the webview without checking its shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMessage } from '../../../src/core/message/model';
import { isHostToWebview, isInspectorLoad, isInspectorState, isWebviewToHost } from '../../../src/inspector/protocol';
import { contentSecurityPolicy, INITIAL_LOAD_ELEMENT_ID, inspectorHtml, makeNonce } from '../../../src/inspector/pageHtml';
import { base64ToBytes, bytesToBase64, fromWire, portableBytesToBase64, toWire } from '../../../src/inspector/wire';

void test('wire round trip keeps every byte of a 256 KB body and every property', () => {
  const body = new Uint8Array(256 * 1024);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7919) & 0xff;
  const msg = createMessage({ direction: 'c2d', deviceId: 'd', moduleId: 'm', systemProperties: { messageId: 'x', ack: 'full' }, applicationProperties: [{ name: 'a', value: 'b' }], body });
  const back = fromWire(JSON.parse(JSON.stringify(toWire(msg))));
  assert.deepEqual(back, msg);
  assert.deepEqual([...base64ToBytes(bytesToBase64(new Uint8Array([0, 255, 128])))], [0, 255, 128]);
  // The host encodes through Buffer, the webview through btoa: the same text, also for a view into a larger buffer.
  for (const n of [0, 1, 2, 3, 4, 5, 1000, body.length]) assert.equal(bytesToBase64(body.subarray(0, n)), portableBytesToBase64(body.subarray(0, n)), `${n} bytes`);
  assert.equal(bytesToBase64(body.subarray(7, 12)), portableBytesToBase64(body.subarray(7, 12)));
});

void test('guards accept the real messages and reject malformed ones', () => {
  const state = { version: 1, message: toWire(createMessage()), source: { kind: 'paste' }, direction: 'd2c', edited: false };
  assert.ok(isInspectorState(state));
  assert.ok(isWebviewToHost({ type: 'ready' }));
  assert.ok(isWebviewToHost({ type: 'stateChanged', state }));
  assert.ok(isWebviewToHost({ type: 'request', id: 1, method: 'send', params: { as: 'd2c', message: state.message } }));
  assert.ok(!isWebviewToHost({ type: 'request', id: 1, method: 'rm -rf', params: { message: state.message } }));
  assert.ok(!isWebviewToHost({ type: 'request', id: '1', method: 'send', params: { message: state.message } }));
  assert.ok(!isWebviewToHost({ type: 'stateChanged', state: { ...state, version: 2 } }));
  assert.ok(!isWebviewToHost({ type: 'stateChanged', state: { ...state, direction: 'sideways' } }));
  // Read-only (a queued C2D message) is a boolean flag of the state.
  assert.ok(isInspectorState({ ...state, readOnly: true }));
  assert.ok(isHostToWebview({ type: 'load', state: { ...state, readOnly: true }, send: { d2c: true, c2d: true } }));
  assert.ok(!isInspectorState({ ...state, readOnly: 'yes' }));
  assert.ok(!isWebviewToHost(null));
  assert.ok(isHostToWebview({ type: 'load', state, send: { d2c: true, c2d: false } }));
  assert.ok(isHostToWebview({ type: 'response', id: 3, ok: false, error: 'x' }));
  assert.ok(!isHostToWebview({ type: 'load', state: {} }));
  // ready says which inlined revision the page shows; a load may carry the host's revision.
  assert.ok(isWebviewToHost({ type: 'ready', shown: 0 }));
  assert.ok(!isWebviewToHost({ type: 'ready', shown: '0' }));
  assert.ok(isHostToWebview({ type: 'load', state, send: { d2c: true, c2d: true }, revision: 2 }));
  assert.ok(!isHostToWebview({ type: 'load', state, send: { d2c: true, c2d: true }, revision: '2' }));
  assert.ok(isInspectorLoad({ state, send: { d2c: true, c2d: true }, revision: 0 }));
  assert.ok(!isInspectorLoad({ state: { ...state, version: 2 }, send: { d2c: true, c2d: true } }));
  // The preview panel: kept is the state's flag (saved for the serializer), the host says so with
  // `kept`, and the page says which load it drew with `shown`; the saved state carries its revision.
  assert.ok(isInspectorState({ ...state, kept: true, revision: 4 }));
  assert.ok(!isInspectorState({ ...state, kept: 'yes' }));
  assert.ok(!isInspectorState({ ...state, revision: '4' }));
  assert.ok(isHostToWebview({ type: 'kept' }));
  assert.ok(isWebviewToHost({ type: 'shown', revision: 3 }));
  assert.ok(!isWebviewToHost({ type: 'shown' }));
});

void test('the page inlines the message as a JSON data block that no message text can break out of', () => {
  const hostile = '</script><script>alert(1)</script><!-- \u2028';
  const state = {
    version: 1 as const, source: { kind: 'paste' as const }, direction: 'd2c' as const, edited: false,
    message: toWire(createMessage({ systemProperties: { messageId: hostile }, applicationProperties: [{ name: '<b>', value: '</SCRIPT >' }] })),
  };
  const initial = { state, send: { d2c: true, c2d: false }, sendUnavailableReason: 'x', revision: 4 };
  const html = inspectorHtml({ cspSource: 'https://c', nonce: 'N', scriptUri: 'https://c/i.js', styleUri: 'https://c/i.css', title: 't', initial });
  const block = new RegExp(`<script type="application/json" id="${INITIAL_LOAD_ELEMENT_ID}">([^]*?)</script>`).exec(html);
  assert.ok(block, 'the data block');
  const data = block[1] ?? '';
  assert.doesNotMatch(data, /</, 'no < inside the block, so nothing in it ends it or opens a comment');
  assert.deepEqual(JSON.parse(data), initial);
  // Exactly two script elements: the data block (never executed) and the nonce'd bundle.
  assert.equal(html.match(/<script/g)?.length, 2);
  assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
  // Without a load the page has no data block (it waits for a posted one).
  assert.doesNotMatch(inspectorHtml({ cspSource: 'https://c', nonce: 'N', scriptUri: 'https://c/i.js', styleUri: 'https://c/i.css', title: 't' }), /application\/json/);
});

void test('the page: strict CSP with a fresh nonce on every script and stylesheet', () => {
  const nonce = makeNonce();
  assert.match(nonce, /^[A-Za-z0-9]{32}$/);
  assert.notEqual(nonce, makeNonce());
  assert.equal(contentSecurityPolicy('https://x.vscode-cdn.net', 'N'),
    "default-src 'none'; script-src 'nonce-N'; style-src https://x.vscode-cdn.net 'nonce-N'; font-src https://x.vscode-cdn.net");
  const html = inspectorHtml({ cspSource: 'https://c', nonce: 'N', scriptUri: 'https://c/i.js', styleUri: 'https://c/i.css', title: '<x>' });
  assert.match(html, /<script nonce="N" src="https:\/\/c\/i.js">/);
  assert.match(html, /<link rel="stylesheet" href="https:\/\/c\/i.css" nonce="N">/);
  assert.match(html, /<meta property="csp-nonce" content="N">/);
  assert.match(html, /<title>&lt;x><\/title>/);
  assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
});
