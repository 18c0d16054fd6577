// Azure IoT Hubs in a real VS Code, with the extension's own local hub standing in for Azure (the
// Azure implementation reaches it through the test-only LocalTrust: its CA and ports). Add IoT Hub
// by connection string (kept in SecretStorage only), bad input refused with nothing stored, the hub
// listed in runtime.hubs and served through HubConnection like the local one, restored from
// storage, Remove IoT Hub.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { parseHubConnectionString } from '../../../src/core/auth/connectionString';
import type { HubConnection } from '../../../src/hubs/hubConnection';
import type { ConnectionInfoJson } from '../../../src/hub/localHub';
import { activateExtension, after, before, suite, test, waitFor } from '../framework';
import { hubClient, runningHubInfo } from '../localHubHelpers';

/** The local hub's owner connection string as Azure writes one: `HostName=localhost`, no port. */
function azureStyle(info: ConnectionInfoJson, key?: string): string {
  const cs = parseHubConnectionString(info.hubConnectionString);
  return `HostName=localhost;SharedAccessKeyName=${cs.sharedAccessKeyName};SharedAccessKey=${key ?? cs.sharedAccessKey}`;
}

const ID = 'azure:localhost';

suite('Azure IoT Hubs', () => {
  let info: ConnectionInfoJson;

  before(async () => {
    info = await runningHubInfo();
    const runtime = await activateExtension();
    const trust: NonNullable<typeof runtime.azureHubs.localTrustForTests> = { ca: readFileSync(info.caCertPath, 'utf8'), restPort: info.api.port, mqttPort: info.mqtt.port };
    const service = (info as { service?: { amqpPort?: number } }).service;
    if (service?.amqpPort !== undefined) trust.amqpPort = service.amqpPort;
    runtime.azureHubs.localTrustForTests = trust;
  });

  after(async () => {
    const runtime = await activateExtension();
    if (runtime.hubs.get(ID)) await vscode.commands.executeCommand('iotHubMessaging.azure.removeHub', { hub: runtime.hubs.get(ID) });
    runtime.azureHubs.localTrustForTests = undefined;
    // The refusals above leave error toasts; later suites' webviews should not load under them.
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  test('Add IoT Hub refuses a malformed connection string and a wrong key; nothing is stored', async () => {
    const runtime = await activateExtension();
    const before = runtime.hubs.all().length;
    assert.equal(await vscode.commands.executeCommand('iotHubMessaging.azure.addHub', 'HostName=myhub.azure-devices.net;SharedAccessKeyName=iothubowner'), undefined);
    const wrong = Buffer.alloc(32, 9).toString('base64');
    assert.equal(await vscode.commands.executeCommand('iotHubMessaging.azure.addHub', azureStyle(info, wrong)), undefined);
    assert.equal(runtime.hubs.all().length, before);
    assert.deepEqual(runtime.azureHubs.store.list(), []);
    assert.equal(await runtime.azureHubs.store.secretsOf('localhost'), undefined);
    assert.equal(await runtime.azureHubs.store.secretsOf('myhub.azure-devices.net'), undefined);
  }, { timeout: 60_000 });

  test('Add IoT Hub: tried with one registry call, listed in the hubs, secret in SecretStorage only', async () => {
    const runtime = await activateExtension();
    const connectionString = azureStyle(info);
    const hub = await vscode.commands.executeCommand<HubConnection | undefined>('iotHubMessaging.azure.addHub', connectionString);
    // The extension's bundle has its own class identity: check the kind, not instanceof.
    assert.ok(hub);
    assert.equal(hub.kind, 'azure');
    assert.equal(hub.id, ID);
    assert.equal(hub.label, 'localhost');
    assert.equal(hub.status.state, 'running');
    assert.equal(runtime.hubs.get(ID), hub);
    assert.equal(runtime.hubs.all()[0]?.kind, 'local', 'the local hub stays first');
    assert.deepEqual(runtime.azureHubs.store.list(), [{ hostName: 'localhost' }]);
    assert.equal((await runtime.azureHubs.store.secretsOf('localhost'))?.connectionString, connectionString);
    const key = parseHubConnectionString(connectionString).sharedAccessKey;
    assert.ok(!JSON.stringify(runtime.context.globalState.keys().map((k) => runtime.context.globalState.get(k))).includes(key), 'no key in globalState');
    assert.ok(!JSON.stringify(vscode.workspace.getConfiguration('iotHubMessaging')).includes(key), 'no key in settings');
    // Adding it twice is refused.
    assert.equal(await vscode.commands.executeCommand('iotHubMessaging.azure.addHub', connectionString), undefined);
  }, { timeout: 60_000 });

  test('the Azure hub serves devices, keys, C2D receive and purge through HubConnection', async () => {
    const runtime = await activateExtension();
    const hub = runtime.hubs.get(ID)!;
    const local = hubClient(info);
    try {
      const created = await hub.createDevice('azure-it-1');
      assert.equal((await local.getDevice('azure-it-1')).etag, created.etag, 'created on the hub underneath');
      const page = await hub.listDevices({ filter: 'azure-it-*' });
      assert.deepEqual(page.items.map((d) => d.deviceId), ['azure-it-1']);
      const cs = await hub.deviceConnectionString('azure-it-1');
      assert.match(cs, /^HostName=localhost;DeviceId=azure-it-1;SharedAccessKey=/);
      await local.sendC2d('azure-it-1', { systemProperties: { messageId: 'it-c2d' }, applicationProperties: [{ name: 'k', value: 'v' }], bodyBase64: Buffer.from('hello').toString('base64') });
      assert.equal((await hub.getDevice('azure-it-1'))?.cloudToDeviceMessageCount, 1);
      const received = await hub.receiveC2dAsDevice('azure-it-1');
      assert.equal(received?.systemProperties.messageId, 'it-c2d');
      await hub.settleC2dAsDevice('azure-it-1', received!.lockToken, 'abandon');
      assert.equal(await hub.purgeQueue('azure-it-1'), 1);
      await assert.rejects(hub.peekQueue('azure-it-1'), /private/);
      await hub.deleteDevice('azure-it-1');
      assert.equal(await hub.getDevice('azure-it-1'), undefined);
    } finally {
      local.close();
    }
  }, { timeout: 60_000 });

  test('restored from storage on activation (the hub list rebuilt from globalState and SecretStorage)', async () => {
    const runtime = await activateExtension();
    runtime.hubs.remove(ID);
    assert.equal(runtime.hubs.get(ID), undefined);
    await runtime.azureHubs.restore();
    const hub = runtime.hubs.get(ID);
    assert.ok(hub);
    await waitFor(() => (hub.status.state === 'running' ? true : hub.status.state === 'failed' ? (() => { throw new Error(hub.status.state === 'failed' ? hub.status.message : ''); })() : undefined), { timeout: 20_000, message: 'the restored hub to connect' });
  }, { timeout: 60_000 });

  test('Remove IoT Hub forgets the hub and deletes its secret', async () => {
    const runtime = await activateExtension();
    const hub = runtime.hubs.get(ID);
    assert.ok(hub);
    await vscode.commands.executeCommand('iotHubMessaging.azure.removeHub', { hub });
    assert.equal(runtime.hubs.get(ID), undefined);
    assert.deepEqual(runtime.azureHubs.store.list(), []);
    assert.equal(await runtime.azureHubs.store.secretsOf('localhost'), undefined);
    await assert.rejects(hub.listDevices(), /removed/);
  }, { timeout: 30_000 });
});
