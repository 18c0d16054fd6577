// The local hub's lifetime across windows, in a real VS Code: this test plays the "other window"
// by running the hub CLI itself on the extension's data dir. The extension attaches to that hub
// (it does not start a second one); when the other window's hub goes away, the extension notices
// within seconds and takes over on the same data dir (devices intact), or, with autoStart
// `never`, shows it stopped (the tree says how to start it) instead of "running" over nothing.
import * as assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { readRunningHub } from '../../../src/hub/client/connectionFile';
import type { ExtensionRuntime } from '../../../src/vscode/runtime';
import { EXTENSION_ID, activateExtension, after, suite, test, waitFor } from '../framework';
import { hubClient, runningHubInfo } from '../localHubHelpers';

function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Starts a hub on the extension's data dir as another window would; resolves once it runs. */
async function otherWindowHub(runtime: ExtensionRuntime): Promise<ChildProcess> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext);
  const child = fork(join(ext.extensionPath, 'dist', 'hub-cli.js'),
    ['start', '--data-dir', runtime.localHub.dataDir, '--host', '127.0.0.1', '--mqtt-port', '0', '--api-port', '0', '--amqp-port', '0', '--service-port', 'off', '--https-port', 'off'],
    { silent: true, execArgv: [] });
  await waitFor(() => readRunningHub(runtime.localHub.dataDir)?.pid === child.pid, { timeout: 45_000, message: 'the other window\'s hub to run' });
  return child;
}

async function stopOwnHub(runtime: ExtensionRuntime): Promise<void> {
  const s = runtime.localHub.status;
  await vscode.commands.executeCommand('iotHubMessaging.localHub.stop');
  if (s.state === 'running') await waitFor(() => !isAlive(s.info.pid) || !s.owned, { timeout: 15_000, message: 'our hub to exit' });
}

suite('tree: hub lifetime across windows', () => {
  const children: ChildProcess[] = [];
  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await vscode.workspace.getConfiguration('iotHubMessaging.localHub').update('autoStart', undefined, vscode.ConfigurationTarget.Workspace);
    await runningHubInfo();
  });

  test('attaches to the hub another window runs; when it goes away, takes it over on the same data dir', async () => {
    const runtime = await activateExtension();
    const before = await runningHubInfo();
    const device = `lifetime-${Date.now()}`;
    const c = hubClient(before);
    try { await c.createDevice({ deviceId: device }); } finally { c.close(); }
    await stopOwnHub(runtime);

    const other = await otherWindowHub(runtime);
    children.push(other);
    await vscode.commands.executeCommand('iotHubMessaging.localHub.start');
    const attached = runtime.localHub.status;
    assert.ok(attached.state === 'running' && !attached.owned && attached.info.pid === other.pid, `attached to pid ${other.pid}: ${JSON.stringify(attached.state)}`);
    const hubNode = runtime.tree.provider.hubNode('local');
    assert.ok(hubNode);
    assert.equal(runtime.tree.provider.getTreeItem(hubNode).description, 'running');

    // The other window closes: its hub stops (SIGTERM, as VS Code's dispose does).
    const gone = performance.now();
    other.kill('SIGTERM');
    const took = await waitFor(() => {
      const s = runtime.localHub.status;
      return s.state === 'running' && s.owned && s.info.pid !== other.pid ? s.info : undefined;
    }, { timeout: 45_000, message: 'this window to take the hub over' });
    console.log(`[integration] lifetime: took over ${Math.round(performance.now() - gone)} ms after the other window's hub was stopped`);
    assert.equal(took.dataDir, before.dataDir);
    assert.equal(runtime.tree.provider.getTreeItem(hubNode).description, 'running');
    hubNode.devices.setFilter(device);
    const listed = await hubNode.devices.children();
    assert.deepEqual(listed.map((n) => n.deviceId), [device], 'the tree lists the hub again, devices intact');
    hubNode.devices.setFilter(undefined);
  }, { timeout: 120_000 });

  test('with autoStart "never", a hub that goes away shows as stopped, and the tree offers to start it', async () => {
    const runtime = await activateExtension();
    await vscode.workspace.getConfiguration('iotHubMessaging.localHub').update('autoStart', 'never', vscode.ConfigurationTarget.Workspace);
    await runningHubInfo();
    await stopOwnHub(runtime);
    const other = await otherWindowHub(runtime);
    children.push(other);
    await vscode.commands.executeCommand('iotHubMessaging.localHub.start');
    assert.equal(runtime.localHub.status.state, 'running');
    other.kill('SIGKILL'); // a crash this time: connection.json stays behind with a dead pid
    await waitFor(() => runtime.localHub.status.state === 'stopped', { timeout: 15_000, message: 'the hub to show stopped' });
    const hubNode = runtime.tree.provider.hubNode('local');
    assert.ok(hubNode);
    assert.equal(runtime.tree.provider.getTreeItem(hubNode).description, 'stopped');
    const [start] = await runtime.tree.provider.getChildren(hubNode);
    assert.ok(start);
    assert.equal(runtime.tree.provider.getTreeItem(start).command?.command, 'iotHubMessaging.localHub.start');
  }, { timeout: 120_000 });
});
