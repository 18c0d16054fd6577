// The inspector in a real VS Code: the commands open a real WebviewPanel whose script runs under
// the CSP and completes the ready handshake; the preview panel policy (a new message replaces the
// preview panel's message in the same webview; an edited or kept panel is never replaced; the same
// message reveals its own panel; the reusePanel setting turns it off); pasted text and message
// files both open; bad input opens nothing.
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

/** The page itself says it drew the host's current state (its `shown` revision), with this message. */
async function pageShows(panel: InspectorPanel, messageId: string): Promise<void> {
  await waitFor(() => panel.pageShows !== undefined && panel.pageShows >= panel.currentRevision, { timeout: 15_000, message: `the page to draw ${messageId}` });
  assert.equal(panel.currentState.message.systemProperties.messageId, messageId);
}

/** What the page would report after the user edited a property (the debounced stateChanged). */
async function editInPage(panel: InspectorPanel): Promise<void> {
  const s = panel.currentState;
  await panel.handleWebviewMessage({
    type: 'stateChanged',
    state: { ...s, edited: true, original: s.message, message: { ...s.message, applicationProperties: [{ name: 'edited', value: 'yes' }] } },
  });
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
    // The first panel is the preview panel (the next message reuses it); its title says so.
    assert.equal(panel.panel.title, 'Inspect (preview): int-1');
    assert.equal(panel.kept, false);
    assert.equal(panel.panel.viewType, 'iotHubMessaging.inspector');
    assert.equal(panel.panel.webview.options.enableScripts, true);
    assert.deepEqual(panel.panel.webview.options.localResourceRoots?.map((u) => u.path.split('/').slice(-2).join('/')), ['dist/webview']);
    assert.match(panel.panel.webview.html, /default-src 'none'; script-src 'nonce-[A-Za-z0-9]{32}'/);
    assert.equal(inspectorTabs().length, 1);
  });

  test('preview panel: the same message again reveals its panel, another message replaces the preview panel\'s message in the same webview', async () => {
    const runtime = await activateExtension();
    const msg = createMessage({ direction: 'd2c', systemProperties: { messageId: 'same' } });
    const a = runtime.inspector.show(msg, { kind: 'd2cMonitor' });
    await pageShows(a, 'same');
    const b = runtime.inspector.show(msg, { kind: 'd2cMonitor' });
    assert.equal(a, b);
    const c = runtime.inspector.show(createMessage({ systemProperties: { messageId: 'other' } }), { kind: 'd2cMonitor' });
    // The same InspectorPanel and the same VS Code WebviewPanel: no new webview was made.
    assert.equal(c, a);
    assert.equal(c.panel, a.panel);
    await pageShows(c, 'other');
    assert.equal(c.panel.title, 'Inspect (preview): other');
    assert.equal(runtime.inspector.openPanels.length, 1);
    await waitFor(() => inspectorTabs().length === 1 || undefined, { timeout: 5_000 });
    // A read-only queued message in the preview panel: the page is told (no editing or sending).
    const queued = runtime.inspector.show(createMessage({ direction: 'c2d', systemProperties: { messageId: 'queued-1' } }), { kind: 'c2dQueue', deviceId: 'dev-q' }, { readOnly: true });
    assert.equal(queued, a);
    await pageShows(queued, 'queued-1');
    assert.equal(queued.currentState.readOnly, true);
    assert.equal(queued.panel.title, 'Inspect (preview): queued-1 (read-only)');
  });

  test('an edited panel is kept: the next message opens a new preview panel, and the same message reveals the kept one', async () => {
    const runtime = await activateExtension();
    const first = runtime.inspector.show(createMessage({ systemProperties: { messageId: 'edit-me' } }), { kind: 'paste' });
    await pageShows(first, 'edit-me');
    await editInPage(first);
    assert.equal(first.kept, true);
    assert.equal(first.currentState.kept, true, 'the state the serializer restores says kept');
    assert.equal(first.panel.title, 'Inspect: edit-me (edited)');

    const second = runtime.inspector.show(createMessage({ systemProperties: { messageId: 'next-1' } }), { kind: 'paste' });
    assert.notEqual(second, first);
    assert.equal(second.kept, false);
    await pageShows(second, 'next-1');
    assert.deepEqual(first.currentState.message.applicationProperties, [{ name: 'edited', value: 'yes' }], 'the kept panel keeps its edits');
    await waitFor(() => inspectorTabs().length === 2 || undefined, { timeout: 5_000 });

    // A third message reuses the new preview panel, not the kept one.
    const third = runtime.inspector.show(createMessage({ systemProperties: { messageId: 'next-2' } }), { kind: 'paste' });
    assert.equal(third, second);
    await pageShows(third, 'next-2');

    // The kept panel's own message again: that panel comes to the front, still kept.
    const again = runtime.inspector.show(createMessage({ systemProperties: { messageId: 'edit-me' } }), { kind: 'paste' });
    assert.equal(again, first);
    await waitFor(() => first.panel.active || undefined, { timeout: 5_000, message: 'the kept panel to be active' });
    assert.equal(first.kept, true);
    assert.equal(runtime.inspector.openPanels.length, 2);
  });

  test('Keep Inspector Open keeps the active preview panel; the next message opens beside it for comparison', async () => {
    const runtime = await activateExtension();
    const a = runtime.inspector.show(createMessage({ systemProperties: { messageId: 'keep-a' } }), { kind: 'd2cMonitor' });
    await pageShows(a, 'keep-a');
    await waitFor(() => a.panel.active || undefined, { timeout: 5_000, message: 'the panel to be active' });
    const kept = await vscode.commands.executeCommand<InspectorPanel | undefined>('iotHubMessaging.inspector.keepOpen');
    assert.equal(kept, a);
    assert.equal(a.kept, true);
    assert.equal(a.panel.title, 'Inspect: keep-a');
    assert.equal(a.currentState.edited, false);

    const b = runtime.inspector.show(createMessage({ systemProperties: { messageId: 'keep-b' } }), { kind: 'd2cMonitor' });
    assert.notEqual(b, a);
    await pageShows(b, 'keep-b');
    assert.equal(a.currentState.message.systemProperties.messageId, 'keep-a');
    // Closing the preview panel: the next message opens a new preview panel (the kept one stays).
    b.dispose();
    const c = runtime.inspector.show(createMessage({ systemProperties: { messageId: 'keep-c' } }), { kind: 'd2cMonitor' });
    assert.notEqual(c, a);
    assert.equal(c.kept, false);
    await pageShows(c, 'keep-c');
  });

  test('reusePanel off: every message gets a panel of its own, each kept', async () => {
    const runtime = await activateExtension();
    const config = vscode.workspace.getConfiguration('iotHubMessaging.inspector');
    await config.update('reusePanel', false, vscode.ConfigurationTarget.Global);
    try {
      const a = runtime.inspector.show(createMessage({ systemProperties: { messageId: 'own-a' } }), { kind: 'paste' });
      const b = runtime.inspector.show(createMessage({ systemProperties: { messageId: 'own-b' } }), { kind: 'paste' });
      assert.notEqual(a, b);
      assert.equal(a.kept && b.kept, true);
      assert.equal(b.panel.title, 'Inspect: own-b');
      assert.equal(runtime.inspector.show(createMessage({ systemProperties: { messageId: 'own-a' } }), { kind: 'paste' }), a);
      await waitFor(() => inspectorTabs().length === 2 || undefined, { timeout: 5_000 });
    } finally {
      await config.update('reusePanel', undefined, vscode.ConfigurationTarget.Global);
    }
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
