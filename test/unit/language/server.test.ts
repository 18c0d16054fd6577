// The language server over the real protocol: a separate process (the server's own entry point,
// run through tsx over stdio) driven with vscode-jsonrpc, as an editor would.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { CodeAction, CodeLens, CompletionItem, Diagnostic, Hover, PublishDiagnosticsParams, TextEdit } from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DEVICE_IDS_REQUEST, type DeviceIdsResult, type LanguageServerInitOptions } from '../../../src/language/protocol';

const root = join(import.meta.dirname, '../../..');

interface Server {
  proc: ChildProcessWithoutNullStreams;
  conn: MessageConnection;
  diagnostics: Map<string, PublishDiagnosticsParams[]>;
  waiters: Array<() => void>;
  deviceIdRequests: number;
}

async function startServer(init: LanguageServerInitOptions): Promise<Server> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/language/server/main.ts'), '--stdio'], { cwd: root, stdio: 'pipe' });
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  const server: Server = { proc, conn, diagnostics: new Map(), waiters: [], deviceIdRequests: 0 };
  conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    server.diagnostics.set(p.uri, [...(server.diagnostics.get(p.uri) ?? []), p]);
    for (const w of server.waiters.splice(0)) w();
  });
  conn.onRequest(DEVICE_IDS_REQUEST, (): DeviceIdsResult => {
    server.deviceIdRequests++;
    return { deviceIds: ['thermostat-01', 'pump-7'] };
  });
  conn.listen();
  const result = await conn.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
    processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: init,
  });
  assert.ok(result.capabilities['completionProvider'] && result.capabilities['hoverProvider'] && result.capabilities['codeLensProvider']);
  await conn.sendNotification('initialized', {});
  return server;
}

async function stopServer(s: Server): Promise<void> {
  const exited = new Promise<void>((resolve) => s.proc.once('exit', () => resolve()));
  await s.conn.sendRequest('shutdown');
  await s.conn.sendNotification('exit');
  const timer = setTimeout(() => s.proc.kill(), 5000);
  await exited;
  clearTimeout(timer);
  s.conn.dispose();
}

/** The diagnostics of `version` of `uri`, waiting for them to be published. */
async function diagnosticsFor(s: Server, uri: string, version: number): Promise<Diagnostic[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = s.diagnostics.get(uri)?.find((p) => p.version === version);
    if (found) return found.diagnostics;
    if (Date.now() > deadline) throw new Error(`no diagnostics for ${uri} v${version}`);
    await new Promise<void>((resolve) => { s.waiters.push(resolve); setTimeout(resolve, 500); });
  }
}

const BAD = `{
  "direction": "c2d",
  "deviceId": "",
  "systemProperties": { "messageId": "id\\u00b0", "ttl": "soon" },
  "applicationProperties": { "Unit": "C", "unit": "F" },
  "bodyy": 1,
  "body": { "t": 21.5 }
}`;

void describe('language server over the protocol', () => {
  let s: Server;
  const uri = 'file:///work/bad.iotmsg.json';
  const doc = TextDocument.create(uri, 'json', 1, BAD);
  const pos = (needle: string, delta = 0): { line: number; character: number } => doc.positionAt(BAD.indexOf(needle) + delta);

  before(async () => {
    s = await startServer({});
    await s.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: BAD } });
  });
  after(async () => { await stopServer(s); });

  void it('publishes every diagnostic at its exact range with code, severity and source', async () => {
    const diags = await diagnosticsFor(s, uri, 1);
    const shown = diags.map((d) => [d.code, d.severity, doc.getText(d.range)]);
    assert.deepEqual(shown, [
      ['IOT115', 1, '""'],
      ['IOT103', 1, '\\u00b0'],
      ['IOT907', 1, '"soon"'],
      ['IOT104', 1, '"unit"'],
      ['IOT906', 1, '"bodyy"'],
    ]);
    assert.ok(diags.every((d) => d.source === 'iot-hub-msg'));
    assert.deepEqual(diags[1]?.range, { start: pos('\\u00b0'), end: pos('\\u00b0', 6) });
  });

  void it('completes device ids by asking the client, and system property names', async () => {
    const items = await s.conn.sendRequest<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: pos('""', 1) });
    assert.deepEqual(items.map((i) => i.label), ['thermostat-01', 'pump-7']);
    assert.equal(s.deviceIdRequests, 1);
    const edit = items[0]?.textEdit as TextEdit;
    assert.equal(edit.newText, '"thermostat-01"');
    assert.deepEqual(edit.range, { start: pos('""'), end: pos('""', 2) });
    const keys = await s.conn.sendRequest<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: pos('"ttl"', 1) });
    assert.ok(keys.some((i) => i.label === 'contentType'));
    assert.equal(s.deviceIdRequests, 1, 'only deviceId values ask the client');
  });

  void it('hovers with the size breakdown', async () => {
    const h = await s.conn.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri }, position: pos('21.5') });
    const value = (h?.contents as { value: string }).value;
    assert.match(value, /C2D message: \d+ of 65,536 bytes/);
    assert.match(value, /body \(compact JSON\) \| 10 \|/);
  });

  void it('offers a quick fix whose edit removes the diagnostic', async () => {
    const diags = await diagnosticsFor(s, uri, 1);
    const dup = diags.find((d) => d.code === 'IOT104');
    assert.ok(dup);
    const actions = await s.conn.sendRequest<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri }, range: dup.range, context: { diagnostics: [dup], only: ['quickfix'] },
    });
    const remove = actions.find((a) => a.title.startsWith('Remove the duplicate'));
    assert.ok(remove?.edit?.changes, actions.map((a) => a.title).join(', '));
    assert.equal(remove.isPreferred, true);
    const edits = remove.edit.changes[uri] ?? [];
    const fixed = TextDocument.applyEdits(doc, edits);
    await s.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }] });
    const after2 = await diagnosticsFor(s, uri, 2);
    assert.deepEqual(after2.map((d) => d.code), ['IOT115', 'IOT103', 'IOT907', 'IOT906']);
  });

  void it('shows send code lenses with typed arguments', async () => {
    const lenses = await s.conn.sendRequest<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
    assert.deepEqual(lenses.map((l) => [l.command?.title, l.command?.command, l.command?.arguments]), [
      ['Send C2D to …', 'iotHubMessaging.sendC2dFromFile', [{ uri, messageIndex: 0 }]],
    ]);
    assert.deepEqual(lenses[0]?.range.start, { line: 0, character: 0 });
  });

  void it('clears diagnostics when the document closes', async () => {
    const before2 = s.diagnostics.get(uri)?.length ?? 0;
    await s.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
    const deadline = Date.now() + 10_000;
    while ((s.diagnostics.get(uri)?.length ?? 0) === before2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(s.diagnostics.get(uri)?.at(-1)?.diagnostics, []);
  });
});

void describe('language server in VS Code mode (the JSON language validates the schema)', () => {
  let s: Server;
  const uri = 'file:///work/vscode.iotmsg.json';
  before(async () => {
    s = await startServer({ jsonSchemaHandledByClient: true });
    await s.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: BAD } });
  });
  after(async () => { await stopServer(s); });

  void it('leaves schema diagnostics, completions and hovers to the JSON language', async () => {
    const diags = await diagnosticsFor(s, uri, 1);
    assert.deepEqual(diags.map((d) => d.code), ['IOT115', 'IOT103', 'IOT907', 'IOT104']);
    const doc = TextDocument.create(uri, 'json', 1, BAD);
    const keys = await s.conn.sendRequest<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: doc.positionAt(BAD.indexOf('"ttl"') + 1) });
    assert.deepEqual(keys, []);
    const h = await s.conn.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri }, position: doc.positionAt(BAD.indexOf('messageId') + 2) });
    assert.equal(h, null);
  });
});
