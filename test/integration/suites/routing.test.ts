// Routes files and the route tester in the real VS Code: diagnostics at the exact characters of a
// condition, condition completion, the route code lens above each D2C message, and Test Routes.
import * as assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { RouteTestOutcome } from '../../../src/vscode/routing/routeTesterCommands';
import { activateExtension, after, before, suite, test, waitFor, workspaceDir } from '../framework';

const ROUTES_FILE = 'itest.iotroutes.json';
const MESSAGES_FILE = 'itest-routing.iotmsg.json';

const ROUTES = {
  routes: [
    { name: 'alerts', source: 'DeviceMessages', condition: "level = 'critical'", endpointNames: ['eh-alerts'], isEnabled: true },
    { name: 'hot', source: 'DeviceMessages', condition: '$body.temperature > 30', endpointNames: ['eh-alerts'], isEnabled: true },
  ],
  fallbackRoute: { isEnabled: true },
  endpoints: { eventHubs: [{ name: 'eh-alerts' }], storageContainers: [] },
  enrichments: [],
};

const MESSAGES = [
  { direction: 'd2c', deviceId: 'thermostat-01', applicationProperties: { level: 'critical' }, systemProperties: { contentType: 'application/json', contentEncoding: 'utf-8' }, body: { temperature: 21.5 } },
  { direction: 'd2c', deviceId: 'thermostat-01', systemProperties: { contentType: 'application/json', contentEncoding: 'utf-8' }, body: { temperature: 21.5 } },
];

function routeLenses(all: vscode.CodeLens[]): vscode.CodeLens[] {
  return all.filter((l) => l.command?.command === 'iotHubMessaging.testRoutes');
}

suite('routing', () => {
  let messagesUri: vscode.Uri;
  before(async () => {
    await activateExtension();
    writeFileSync(join(workspaceDir(), ROUTES_FILE), `${JSON.stringify(ROUTES, null, 2)}\n`);
    writeFileSync(join(workspaceDir(), MESSAGES_FILE), `${JSON.stringify(MESSAGES, null, 2)}\n`);
    messagesUri = vscode.Uri.file(join(workspaceDir(), MESSAGES_FILE));
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(join(workspaceDir(), ROUTES_FILE), { force: true });
    rmSync(join(workspaceDir(), MESSAGES_FILE), { force: true });
  });

  test('a route code lens above each D2C message says where it goes', async () => {
    const doc = await vscode.workspace.openTextDocument(messagesUri);
    await vscode.window.showTextDocument(doc);
    const lenses = await waitFor(async () => {
      const l = routeLenses(await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', messagesUri));
      return l.length === 2 && l;
    }, { timeout: 30_000, message: 'route code lenses' });
    assert.deepEqual(lenses.map((l) => l.command?.title), ['routes: alerts -> eh-alerts; fallback: no', 'routes: none; fallback: yes -> events']);
    assert.deepEqual(lenses[1]?.command?.arguments, [{ uri: messagesUri.toString(), messageIndex: 1 }]);
  }, { timeout: 45_000 });

  test('changing the routes file updates the lenses', async () => {
    const changed = { ...ROUTES, fallbackRoute: { isEnabled: false } };
    writeFileSync(join(workspaceDir(), ROUTES_FILE), `${JSON.stringify(changed, null, 2)}\n`);
    await waitFor(async () => {
      const l = routeLenses(await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', messagesUri));
      return l[1]?.command?.title === 'routes: none; fallback: off, message dropped';
    }, { timeout: 30_000, message: 'lenses after the fallback was turned off' });
    writeFileSync(join(workspaceDir(), ROUTES_FILE), `${JSON.stringify(ROUTES, null, 2)}\n`);
    await waitFor(async () => {
      const l = routeLenses(await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', messagesUri));
      return l[1]?.command?.title === 'routes: none; fallback: yes -> events';
    }, { timeout: 30_000, message: 'lenses after the fallback was turned back on' });
  }, { timeout: 70_000 });

  test('the lenses follow unsaved edits of the routes file as they are typed', async () => {
    const routesUri = vscode.Uri.file(join(workspaceDir(), ROUTES_FILE));
    const lensTitle = async (): Promise<string | undefined> =>
      routeLenses(await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', messagesUri))[1]?.command?.title;
    assert.equal(await lensTitle(), 'routes: none; fallback: yes -> events');
    const doc = await vscode.workspace.openTextDocument(routesUri);
    const editor = await vscode.window.showTextDocument(doc, { preview: false });
    // Turn the fallback route off in the editor only: "isEnabled": true of fallbackRoute.
    const text = doc.getText();
    const at = text.indexOf('true', text.indexOf('"fallbackRoute"'));
    assert.ok(at > 0);
    assert.ok(await editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(at), doc.positionAt(at + 4)), 'false')));
    assert.ok(doc.isDirty, 'the edit is not saved');
    await waitFor(async () => (await lensTitle()) === 'routes: none; fallback: off, message dropped' || undefined,
      { timeout: 15_000, message: 'the lens to follow the unsaved edit' });
    // Test Routes answers for the same text as the lenses.
    const outcome = await vscode.commands.executeCommand<RouteTestOutcome>('iotHubMessaging.testRoutes', { uri: messagesUri.toString(), messageIndex: 1, routeName: 'hot' });
    assert.equal(outcome.status === 'shown' ? outcome.title : outcome.status, 'routes: none; fallback: off, message dropped');
    // Typing the old value back (still unsaved) brings the lens back too.
    const off = doc.getText().indexOf('false', doc.getText().indexOf('"fallbackRoute"'));
    const undo = new vscode.WorkspaceEdit();
    undo.replace(routesUri, new vscode.Range(doc.positionAt(off), doc.positionAt(off + 5)), 'true');
    assert.ok(await vscode.workspace.applyEdit(undo));
    assert.equal(doc.getText(), text);
    assert.ok(doc.isDirty);
    await waitFor(async () => (await lensTitle()) === 'routes: none; fallback: yes -> events' || undefined,
      { timeout: 15_000, message: 'the lens back after the edit was undone' });
    // The text is the saved text again: saving leaves the file as it was for the next tests.
    assert.ok(await doc.save());
  }, { timeout: 60_000 });

  test('Test Routes explains which part of the condition decided, with the values', async () => {
    const outcome = await vscode.commands.executeCommand<RouteTestOutcome>('iotHubMessaging.testRoutes', { uri: messagesUri.toString(), messageIndex: 1, routeName: 'hot' });
    assert.equal(outcome.status, 'shown', JSON.stringify(outcome));
    if (outcome.status !== 'shown') return;
    assert.match(outcome.report, /`\$body.temperature > 30` was false; `\$body.temperature` was 21.5/);
    assert.equal(outcome.title, 'routes: none; fallback: yes -> events');
    // Rendered, not source: VS Code's Markdown preview (a webview tab) of the report, beside the file.
    const preview = await waitFor(() => vscode.window.tabGroups.all.flatMap((g) => g.tabs)
      .find((t) => t.input instanceof vscode.TabInputWebview && /markdown\.preview/.test(t.input.viewType) && t.label.includes('Route test')), { timeout: 15_000, message: 'the report\'s Markdown preview' });
    assert.ok(preview.isActive, 'the preview is shown');
    assert.ok(!vscode.window.visibleTextEditors.some((e) => e.document.uri.toString() === outcome.uri), 'the Markdown source is not shown as a text editor');
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === outcome.uri);
    assert.equal(doc?.getText(), outcome.report, 'the preview renders exactly the report');
  }, { timeout: 30_000 });

  test('a routes file is validated as you type: a condition error on the characters inside the string', async () => {
    const routesUri = vscode.Uri.file(join(workspaceDir(), ROUTES_FILE));
    const doc = await vscode.workspace.openTextDocument(routesUri);
    const editor = await vscode.window.showTextDocument(doc);
    const at = doc.getText().indexOf("level = 'critical'");
    await editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(at), doc.positionAt(at + "level = 'critical'".length)), 'level == 1 AND $body.x > 1'));
    const diag = await waitFor(() => vscode.languages.getDiagnostics(routesUri).find((d) => d.code === 'condition-syntax'), { timeout: 30_000, message: 'condition diagnostic' });
    assert.equal(doc.getText(diag.range), '==');
    assert.match(diag.message, /single '='/);
    // An unknown endpoint is reported on its name.
    const ep = doc.getText().indexOf('"eh-alerts"');
    await editor.edit((e) => e.replace(new vscode.Range(doc.positionAt(ep), doc.positionAt(ep + '"eh-alerts"'.length)), '"nowhere"'));
    const unknown = await waitFor(() => vscode.languages.getDiagnostics(routesUri).find((d) => d.code === 'unknown-endpoint'), { timeout: 30_000, message: 'unknown endpoint diagnostic' });
    assert.equal(doc.getText(unknown.range), '"nowhere"');
    // Completion inside the condition offers system properties after '$'.
    const cond = doc.getText().indexOf('$body.x');
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', routesUri, doc.positionAt(cond + 1));
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.ok(labels.includes('$connectionDeviceId'), labels.slice(0, 40).join(', '));
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }, { timeout: 60_000 });
});
