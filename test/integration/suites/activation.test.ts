// Foundation: the extension loads in a real VS Code, activates cleanly and fast, and everything
// package.json promises (view container, views, commands) is really registered.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, activateExtension, suite, test } from '../framework';

interface Contributes {
  commands?: { command: string }[];
  views?: Record<string, { id: string }[]>;
  viewsContainers?: { activitybar?: { id: string }[] };
}

function contributes(): Contributes {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not loaded`);
  return (ext.packageJSON as { contributes: Contributes }).contributes;
}

suite('activation', () => {
  test('the extension under development is loaded from the workspace build', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not among ${vscode.extensions.all.length} loaded extensions`);
    assert.equal(ext.extensionKind, vscode.ExtensionKind.Workspace);
  });

  test('activates without error and reports its activation time', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    const wasActive = ext.isActive;
    const started = performance.now();
    const runtime = await activateExtension();
    const wallMs = performance.now() - started;
    assert.ok(ext.isActive, 'extension is active after activate()');
    assert.equal(typeof runtime.activationMs, 'number');
    assert.ok(runtime.activationMs >= 0 && runtime.activationMs < 5_000, `activate() body took ${runtime.activationMs} ms`);
    console.log(
      `[integration] activation: runtime.activationMs=${runtime.activationMs.toFixed(1)} ms, ` +
        `ext.activate() wall=${wallMs.toFixed(1)} ms${wasActive ? ' (already activated: the demo workspace has message files)' : ''}`,
    );
  });

  test('every iotHubMessaging.* command in package.json is registered', async () => {
    await activateExtension();
    const declared = (contributes().commands ?? []).map((c) => c.command);
    assert.ok(declared.length > 0, 'package.json declares commands');
    for (const id of declared) assert.match(id, /^iotHubMessaging\./, `command ${id} uses the extension's prefix`);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = declared.filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `declared but not registered: ${missing.join(', ')}`);
  });

  test('the IoT Hub Messaging view container and its views are registered and can be shown', async () => {
    await activateExtension();
    const c = contributes();
    const containers = c.viewsContainers?.activitybar ?? [];
    assert.ok(containers.some((x) => x.id === 'iotHubMessaging'), 'activity bar container iotHubMessaging is declared');
    const views = c.views?.['iotHubMessaging'] ?? [];
    assert.ok(views.length > 0, 'the container declares views');
    const registered = new Set(await vscode.commands.getCommands(true));
    // VS Code generates these commands only for containers and views it actually registered.
    assert.ok(registered.has('workbench.view.extension.iotHubMessaging'), 'container command exists');
    for (const v of views) assert.ok(registered.has(`${v.id}.focus`), `view ${v.id} is registered`);
    await vscode.commands.executeCommand('workbench.view.extension.iotHubMessaging');
    await vscode.commands.executeCommand(`${views[0]!.id}.focus`);
  });

  test('Show Log runs without error', async () => {
    await activateExtension();
    await vscode.commands.executeCommand('iotHubMessaging.showLog');
  });
});
