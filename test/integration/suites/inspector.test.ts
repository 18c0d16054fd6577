// The inspector in a real VS Code: the commands open a real WebviewPanel whose script runs under
// the CSP and completes the ready handshake; one panel per message; pasted text and message files
// both open; bad input opens nothing.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { createMessage } from '../../../src/core/message/model';
import type { InspectorPanel } from '../../../src/vscode/inspector/inspectorPanel';
import { activateExtension, afterEach, suite, test, waitFor } from '../framework';

function inspectorTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('iotHubMessaging.inspector'));
}

function loaded(panel: InspectorPanel): Promise<void> {
  return new Promise((resolve) => { const d = panel.onDidLoad(() => { d.dispose(); resolve(); }); });
}

suite('inspector', () => {
  const temp: string[] = [];
  afterEach(async () => {
    const runtime = await activateExtension();
    for (const p of runtime.inspector.openPanels) p.dispose();
    for (const d of temp.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  test('show() opens a webview panel whose script says ready and receives the message', async () => {
    const runtime = await activateExtension();
    const panel = runtime.inspector.show(
      createMessage({ direction: 'c2d', deviceId: 'dev-1', systemProperties: { messageId: 'int-1' }, applicationProperties: [{ name: 'a b', value: '1' }] }),
      { kind: 'c2dQueue', deviceId: 'dev-1' },
    );
    await Promise.race([loaded(panel), new Promise((_, reject) => setTimeout(() => reject(new Error('the webview never said ready (script blocked by the CSP or failed to load?)')), 15_000))]);
    assert.equal(panel.panel.title, 'Inspect int-1');
    assert.equal(panel.panel.viewType, 'iotHubMessaging.inspector');
    assert.equal(panel.panel.webview.options.enableScripts, true);
    assert.deepEqual(panel.panel.webview.options.localResourceRoots?.map((u) => u.path.split('/').slice(-2).join('/')), ['dist/webview']);
    assert.match(panel.panel.webview.html, /default-src 'none'; script-src 'nonce-[A-Za-z0-9]{32}'/);
    assert.equal(inspectorTabs().length, 1);
  });

  test('one panel per message: the same message again reuses its panel, another message gets its own', async () => {
    const runtime = await activateExtension();
    const msg = createMessage({ direction: 'd2c', systemProperties: { messageId: 'same' } });
    const a = runtime.inspector.show(msg, { kind: 'd2cMonitor' });
    const b = runtime.inspector.show(msg, { kind: 'd2cMonitor' });
    assert.equal(a, b);
    const c = runtime.inspector.show(createMessage({ systemProperties: { messageId: 'other' } }), { kind: 'd2cMonitor' });
    assert.notEqual(a, c);
    await waitFor(() => inspectorTabs().length === 2 || undefined, { timeout: 5_000 });
    assert.equal(runtime.inspector.openPanels.length, 2);
  });

  test('inspectMessage takes pasted JSON (message file or IoT Hub shapes); bad input opens nothing', async () => {
    const runtime = await activateExtension();
    const before = runtime.inspector.openPanels.length;
    const bad = await vscode.commands.executeCommand('iotHubMessaging.inspectMessage', '{ not json');
    assert.equal(bad, undefined);
    assert.equal(runtime.inspector.openPanels.length, before);

    const fromFileFormat = await vscode.commands.executeCommand<InspectorPanel | undefined>('iotHubMessaging.inspectMessage',
      JSON.stringify({ direction: 'c2d', deviceId: 'd', systemProperties: { messageId: 'pasted-1' }, applicationProperties: { k: 'v' }, body: { a: 1 } }));
    assert.ok(fromFileFormat);
    assert.equal(fromFileFormat.currentState.direction, 'c2d');
    assert.equal(fromFileFormat.currentState.message.systemProperties.messageId, 'pasted-1');

    const fromAz = await vscode.commands.executeCommand<InspectorPanel | undefined>('iotHubMessaging.inspectMessage',
      JSON.stringify({ event: { origin: 'thermo', properties: { system: { 'message-id': 'az-1' }, application: { x: 'y' } }, payload: { t: 1 } } }));
    assert.ok(fromAz);
    assert.equal(fromAz.currentState.message.deviceId, 'thermo');
    assert.deepEqual(fromAz.currentState.source, { kind: 'paste' });
  });

  test('inspectMessageFile opens the chosen message of a *.iotmsg.json file', async () => {
    await activateExtension();
    const dir = mkdtempSync(join(tmpdir(), 'inspector-int-'));
    temp.push(dir);
    const file = join(dir, 'two.iotmsg.json');
    writeFileSync(file, JSON.stringify([
      { direction: 'd2c', deviceId: 'd1', systemProperties: { messageId: 'first' }, body: 'one' },
      { direction: 'c2d', deviceId: 'd2', systemProperties: { messageId: 'second' }, applicationProperties: { 'temp erature': '21' }, body: 'two' },
    ], null, 2));
    const panel = await vscode.commands.executeCommand<InspectorPanel | undefined>('iotHubMessaging.inspectMessageFile', vscode.Uri.file(file), 1);
    assert.ok(panel);
    assert.deepEqual(panel.currentState.source, { kind: 'file', path: file, messageIndex: 1 });
    assert.equal(panel.currentState.message.systemProperties.messageId, 'second');
    assert.deepEqual(panel.currentState.message.applicationProperties, [{ name: 'temp erature', value: '21' }]);

    // The code lens offers "Inspect" on each message.
    const doc = await vscode.workspace.openTextDocument(file);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
    const inspect = lenses.filter((l) => l.command?.command === 'iotHubMessaging.inspectMessageFile');
    assert.equal(inspect.length, 2);
    assert.deepEqual(inspect.map((l) => l.command?.arguments?.[1]), [0, 1]);
  });

  test('the send commands exist, so the panel loads with Send as D2C / C2D enabled and no "unavailable" note', async () => {
    const runtime = await activateExtension();
    const panel = runtime.inspector.show(createMessage({ systemProperties: { messageId: 'caps-1' } }), { kind: 'paste' });
    const posted: unknown[] = [];
    const webview = panel.panel.webview;
    const original = webview.postMessage.bind(webview);
    webview.postMessage = (m: unknown) => { posted.push(m); return original(m); };
    // The webview says ready (again) and the host answers with the load message.
    await panel.handleWebviewMessage({ type: 'ready' });
    const load = posted.find((m) => (m as { type?: string }).type === 'load') as { send?: unknown; sendUnavailableReason?: string } | undefined;
    assert.ok(load, 'a load message');
    assert.deepEqual(load.send, { d2c: true, c2d: true });
    assert.equal(load.sendUnavailableReason, undefined);
    // Sending itself, from the panel to the hub, is covered by the send suite.
  });

  test('malformed messages from the webview are ignored', async () => {
    const runtime = await activateExtension();
    const panel = runtime.inspector.show(createMessage({ systemProperties: { messageId: 'guard-1' } }), { kind: 'paste' });
    await panel.handleWebviewMessage({ type: 'request', id: 1, method: 'runShell', params: {} });
    await panel.handleWebviewMessage({ type: 'stateChanged', state: { version: 99 } });
    assert.equal(panel.currentState.message.systemProperties.messageId, 'guard-1');
  });

  test('a file with no message gives an error and opens nothing', async () => {
    const runtime = await activateExtension();
    const dir = mkdtempSync(join(tmpdir(), 'inspector-int-'));
    temp.push(dir);
    const file = join(dir, 'empty.iotmsg.json');
    writeFileSync(file, '42');
    const before = runtime.inspector.openPanels.length;
    const r = await vscode.commands.executeCommand('iotHubMessaging.inspectMessageFile', vscode.Uri.file(file));
    assert.equal(r, undefined);
    assert.equal(runtime.inspector.openPanels.length, before);
  });
});
