// The protocol guards: the host trusts nothing from the webview without checking its shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMessage } from '../../../src/core/message/model';
import { isHostToWebview, isInspectorState, isWebviewToHost } from '../../../src/inspector/protocol';
import { contentSecurityPolicy, inspectorHtml, makeNonce } from '../../../src/inspector/pageHtml';
import { base64ToBytes, bytesToBase64, fromWire, toWire } from '../../../src/inspector/wire';

void test('wire round trip keeps every byte of a 256 KB body and every property', () => {
  const body = new Uint8Array(256 * 1024);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7919) & 0xff;
  const msg = createMessage({ direction: 'c2d', deviceId: 'd', moduleId: 'm', systemProperties: { messageId: 'x', ack: 'full' }, applicationProperties: [{ name: 'a', value: 'b' }], body });
  const back = fromWire(JSON.parse(JSON.stringify(toWire(msg))));
  assert.deepEqual(back, msg);
  assert.deepEqual([...base64ToBytes(bytesToBase64(new Uint8Array([0, 255, 128])))], [0, 255, 128]);
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
