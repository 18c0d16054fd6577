// The Hubs tree's commands in a real VS Code, run with a tree node as their argument (what a
// context menu hands over), each checked against the hub's own management API: create, disable
// (with a reason), enable, regenerate a key, copy connection strings and a SAS token, purge a
// queue, save a queued message as a file, create and delete a consumer group, delete a device.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { LocalHubClient } from '../../../src/hub/client/localHubClient';
import type { HubNode } from '../../../src/vscode/tree/hubNode';
import { activateExtension, after, before, suite, test, waitFor, workspaceDir } from '../framework';
import { hubClient, runningHubInfo } from '../localHubHelpers';

suite('tree commands', () => {
  let client: LocalHubClient;
  let hubNode: HubNode;
  const id = `cmd-tree-${Date.now()}`;

  before(async () => {
    client = hubClient(await runningHubInfo());
    const runtime = await activateExtension();
    const node = runtime.tree.provider.hubNode('local');
    assert.ok(node);
    hubNode = node;
  });
  after(() => client.close());

  const arg = (): { hub: HubNode['hub']; deviceId: string } => ({ hub: hubNode.hub, deviceId: id });

  test('Create Device (from the hub node, id given) registers it', async () => {
    const created = await vscode.commands.executeCommand<string | undefined>('iotHubMessaging.device.create', arg());
    assert.equal(created, id);
    assert.equal((await client.getDevice(id)).status, 'enabled');
  });

  test('Disable with a reason, then Enable, change the registry entry', async () => {
    await vscode.commands.executeCommand('iotHubMessaging.device.disable', arg(), { reason: 'maintenance' });
    const disabled = await client.getDevice(id);
    assert.equal(disabled.status, 'disabled');
    assert.equal(disabled.statusReason, 'maintenance');
    await vscode.commands.executeCommand('iotHubMessaging.device.enable', arg());
    assert.equal((await client.getDevice(id)).status, 'enabled');
  });

  test('Copy connection strings (primary, secondary) and a SAS token put the right secrets on the clipboard', async () => {
    const device = await client.getDevice(id);
    assert.equal(await vscode.commands.executeCommand('iotHubMessaging.device.copyConnectionString', arg()), true);
    const primary = await vscode.env.clipboard.readText();
    assert.match(primary, new RegExp(`^HostName=[^;]+;DeviceId=${id};SharedAccessKey=`));
    assert.ok(primary.endsWith(device.authentication.symmetricKey.primaryKey));
    assert.equal(await vscode.commands.executeCommand('iotHubMessaging.device.copySecondaryConnectionString', arg()), true);
    assert.ok((await vscode.env.clipboard.readText()).endsWith(device.authentication.symmetricKey.secondaryKey));
    assert.equal(await vscode.commands.executeCommand('iotHubMessaging.device.generateSasToken', arg(), { lifetimeSeconds: 3600 }), true);
    const token = await vscode.env.clipboard.readText();
    assert.match(token, /^SharedAccessSignature sr=.+&sig=.+&se=\d+$/);
    const se = Number(/se=(\d+)/.exec(token)?.[1]);
    assert.ok(Math.abs(se - (Date.now() / 1000 + 3600)) < 120, 'expires in an hour');
  });

  test('Regenerate Key replaces exactly the chosen key', async () => {
    const before = await client.getDevice(id);
    assert.equal(await vscode.commands.executeCommand('iotHubMessaging.device.regenerateKey', arg(), { which: 'secondary' }), 'secondary');
    const after = await client.getDevice(id);
    assert.equal(after.authentication.symmetricKey.primaryKey, before.authentication.symmetricKey.primaryKey);
    assert.notEqual(after.authentication.symmetricKey.secondaryKey, before.authentication.symmetricKey.secondaryKey);
  });

  test('Save Queued Message writes a message file without the hub stamps; Purge empties the queue and says how many', async () => {
    await client.sendC2d(id, { body: '{"cmd":"reboot"}', systemProperties: { messageId: 'save-me', contentType: 'application/json', ack: 'negative' } });
    hubNode.devices.setFilter(id);
    const [deviceNode] = await hubNode.devices.children();
    assert.ok(deviceNode && deviceNode.deviceId === id);
    const [queue] = await hubNode.devices.device(id)!.children();
    const [message] = await queue!.children();
    assert.ok(message && message.treeItem().contextValue === 'c2dMessage');
    // The save dialog is the one question: answer it with a path in the workspace.
    const target = join(workspaceDir(), 'saved-queued.iotmsg.json');
    const original = vscode.window.showSaveDialog;
    (vscode.window as { showSaveDialog: typeof original }).showSaveDialog = async () => vscode.Uri.file(target);
    try {
      assert.equal(await vscode.commands.executeCommand('iotHubMessaging.queue.saveMessage', message), target);
    } finally {
      (vscode.window as { showSaveDialog: typeof original }).showSaveDialog = original;
    }
    const saved = JSON.parse(readFileSync(target, 'utf8')) as { direction: string; systemProperties: Record<string, string> };
    assert.equal(saved.direction, 'c2d');
    assert.equal(saved.systemProperties['messageId'], 'save-me');
    assert.equal(saved.systemProperties['sequenceNumber'], undefined, 'hub stamps left out');
    rmSync(target);

    await client.sendC2d(id, { body: 'two' });
    const purged = await vscode.commands.executeCommand<number>('iotHubMessaging.queue.purge', arg(), { confirm: false });
    assert.equal(purged, 2);
    assert.deepEqual(await client.peekQueue(id), []);
    await waitFor(() => hubNode.devices.device(id)?.device.cloudToDeviceMessageCount === 0, { timeout: 5_000, message: 'the tree to show the empty queue' });
    hubNode.devices.setFilter(undefined);
  });

  test('Create and Delete Consumer Group change the Event Hubs endpoint\'s groups', async () => {
    const name = `cg-${Date.now()}`;
    assert.equal(await vscode.commands.executeCommand('iotHubMessaging.consumerGroup.create', { hub: hubNode.hub }, name), name);
    assert.ok((await client.listConsumerGroups()).includes(name));
    const nodes = await hubNode.consumerGroups.children();
    const node = nodes.find((n) => (n as { name?: string }).name === name);
    assert.ok(node, 'the new group is listed');
    assert.equal(await vscode.commands.executeCommand('iotHubMessaging.consumerGroup.delete', node, { confirm: false }), true);
    assert.ok(!(await client.listConsumerGroups()).includes(name));
  });

  test('Delete Device removes it from the hub and the tree', async () => {
    assert.equal(await vscode.commands.executeCommand('iotHubMessaging.device.delete', arg(), { confirm: false }), true);
    await assert.rejects(client.getDevice(id));
    await waitFor(() => hubNode.devices.device(id) === undefined, { timeout: 5_000, message: 'the device gone from the tree' });
    assert.ok(!existsSync(join(workspaceDir(), 'saved-queued.iotmsg.json')));
  });
});
