// The embedded local hub in a real VS Code: the extension starts it as a child process (free ports
// in test workspaces, see TEST_WORKSPACE_SETTINGS), keeps its owner connection string in
// SecretStorage, and the hub answers the management API; stop ends the process, start brings it back
// on the same data dir with its devices.
import * as assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { LocalHubClient } from '../../../src/hub/client/localHubClient';
import type { ConnectionInfoJson } from '../../../src/hub/localHub';
import { LOCAL_HUB_SECRET_KEY } from '../../../src/vscode/localHub/localHubCommands';
import { activateExtension, suite, test, waitFor, workspaceDir } from '../framework';

async function runningInfo(): Promise<ConnectionInfoJson> {
  const runtime = await activateExtension();
  return waitFor(() => {
    const s = runtime.localHub.status;
    if (s.state === 'failed') throw new Error(`local hub failed: ${s.message}`);
    return s.state === 'running' ? s.info : undefined;
  }, { timeout: 45_000, message: 'the local hub to run' });
}

function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

function clientFor(info: ConnectionInfoJson): LocalHubClient {
  return LocalHubClient.fromConnectionString(info.hubConnectionString, { ca: readFileSync(info.caCertPath) });
}

suite('local hub', () => {
  test('starts with the window (trusted workspace, autoStart) on loopback, in its own process', async () => {
    await vscode.commands.executeCommand('iotHubMessaging.localHub.start');
    const info = await runningInfo();
    assert.notEqual(info.pid, process.pid, 'the hub is not inside the extension host');
    assert.ok(isAlive(info.pid), `hub process ${info.pid} is alive`);
    assert.equal(info.bindAddress, '127.0.0.1');
    assert.ok(info.mqtt.port > 0 && info.api.port > 0, 'listening on real ports');
    assert.ok(info.amqp && info.amqp.eventHubsConnectionString.includes('UseDevelopmentEmulator=true'));
    // servicePort and httpsPort are 0 in test workspaces: free ports, not IoT Hub's 5671 and 443.
    const service = info.service;
    assert.ok(service?.amqpPort !== undefined && service.amqpPort > 0 && service.amqpPort !== 5671, `service AMQP on a free port: ${JSON.stringify(service)}`);
    assert.ok(service.httpsPort !== undefined && service.httpsPort > 0 && service.httpsPort !== 443, `HTTPS on a free port: ${JSON.stringify(service)}`);
    assert.match(service.connectionString, new RegExp(`^HostName=localhost:${service.amqpPort};`));
    const runtime = await activateExtension();
    assert.equal(info.dataDir, runtime.localHub.dataDir);
    assert.ok(info.dataDir.startsWith(runtime.context.globalStorageUri.fsPath), 'data dir defaults to global storage');
  }, { timeout: 60_000 });

  test('its owner connection string is in SecretStorage, not in settings', async () => {
    const info = await runningInfo();
    const runtime = await activateExtension();
    const secret = await waitFor(async () => runtime.context.secrets.get(LOCAL_HUB_SECRET_KEY), { message: 'the stored secret' });
    assert.equal(secret, info.hubConnectionString);
    const settings = JSON.stringify(vscode.workspace.getConfiguration('iotHubMessaging'));
    assert.ok(!settings.includes('SharedAccessKey'), 'no key in settings');
  });

  test('answers the management API: create a device, send C2D, peek its queue', async () => {
    const info = await runningInfo();
    const client = clientFor(info);
    try {
      const id = `vscode-it-${Date.now()}`;
      const device = await client.createDevice({ deviceId: id });
      assert.equal(device.deviceId, id);
      await client.sendC2d(id, { body: 'hello', applicationProperties: { source: 'integration' } });
      const queue = await client.peekQueue(id);
      assert.equal(queue.length, 1);
      const hubInfo = await client.info();
      assert.ok(hubInfo, 'info answers');
    } finally {
      client.close();
    }
  }, { timeout: 30_000 });

  test('Create Device registers a device; an invalid id is refused with the core rule', async () => {
    const info = await runningInfo();
    const id = `cmd-${Date.now()}`;
    const created = await vscode.commands.executeCommand<string | undefined>('iotHubMessaging.localHub.createDevice', id);
    assert.equal(created, id);
    const client = clientFor(info);
    try {
      const device = await client.getDevice(id);
      assert.equal(device.status, 'enabled');
      const refused = await vscode.commands.executeCommand<string | undefined>('iotHubMessaging.localHub.createDevice', 'bad id/with space');
      assert.equal(refused, undefined);
      await assert.rejects(client.getDevice('bad id/with space'));
    } finally {
      client.close();
    }
  }, { timeout: 30_000 });

  test('device-id completion in a message file lists the local hub\'s devices', async () => {
    await runningInfo();
    const id = `completion-${Date.now()}`;
    assert.equal(await vscode.commands.executeCommand<string | undefined>('iotHubMessaging.localHub.createDevice', id), id);
    const file = join(workspaceDir(), 'completion.iotmsg.json');
    writeFileSync(file, '{\n  "direction": "d2c",\n  "deviceId": ""\n}\n');
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);
    const at = doc.positionAt(doc.getText().indexOf('""') + 1);
    const labels = await waitFor(async () => {
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, at);
      const all = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
      return all.some((l) => l.includes(id)) && all;
    }, { timeout: 30_000, message: `completion offering ${id}` });
    assert.ok(labels.some((l) => l.includes(id)));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(file);
  }, { timeout: 45_000 });

  test('stop ends the hub process; start brings it back on the same data dir with its devices', async () => {
    const runtime = await activateExtension();
    const before = await runningInfo();
    const client = clientFor(before);
    const id = `survivor-${Date.now()}`;
    try { await client.createDevice({ deviceId: id }); } finally { client.close(); }

    await vscode.commands.executeCommand('iotHubMessaging.localHub.stop');
    assert.equal(runtime.localHub.status.state, 'stopped');
    await waitFor(() => !isAlive(before.pid), { timeout: 15_000, message: `hub pid ${before.pid} to exit` });
    assert.throws(() => readFileSync(join(before.dataDir, 'connection.json')), 'connection.json removed on a clean stop');

    await vscode.commands.executeCommand('iotHubMessaging.localHub.start');
    const after = await runningInfo();
    assert.notEqual(after.pid, before.pid);
    const again = clientFor(after);
    try {
      assert.equal((await again.getDevice(id)).deviceId, id, 'the device survived the restart');
    } finally {
      again.close();
    }
  }, { timeout: 90_000 });
});
