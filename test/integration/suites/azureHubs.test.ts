// Azure IoT Hubs in a real VS Code, with the extension's own local hub standing in for Azure (the
// Azure implementation reaches it through the test-only LocalTrust: its CA and ports). Add IoT Hub
// by connection string (kept in SecretStorage only), bad input refused with nothing stored, the hub
// listed in runtime.hubs and served through HubConnection like the local one, restored from
// storage; C2D sent from the Send command through the Azure hub received by the device with its
// feedback told; Set Telemetry Endpoint (bad input refused with nothing changed; the given
// Event Hubs-compatible string kept in SecretStorage and read by the monitor; WebSockets; back to
// the redirect); Remove IoT Hub.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { parseHubConnectionString } from '../../../src/core/auth/connectionString';
import { createMessage } from '../../../src/core/message/model';
import type { HubConnection } from '../../../src/hubs/hubConnection';
import type { ConnectionInfoJson } from '../../../src/hub/localHub';
import type { TelemetryEndpointChoice } from '../../../src/vscode/azure/azureHubCommands';
import type { MonitorPanel } from '../../../src/vscode/monitor/monitorPanel';
import type { ReceiveOutcome } from '../../../src/vscode/receive/receiveC2dCommand';
import type { SendOutcome } from '../../../src/vscode/send/sendCommands';
import { activateExtension, after, before, suite, test, waitFor } from '../framework';
import { hubClient, runningHubInfo } from '../localHubHelpers';

/** The local hub's owner connection string as Azure writes one: `HostName=localhost`, no port. */
function azureStyle(info: ConnectionInfoJson, key?: string): string {
  const cs = parseHubConnectionString(info.hubConnectionString);
  return `HostName=localhost;SharedAccessKeyName=${cs.sharedAccessKeyName};SharedAccessKey=${key ?? cs.sharedAccessKey}`;
}

const ID = 'azure:localhost';

/** Every file under `dir` (the window's extension-host log folder), recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]);
}

const setTelemetryEndpoint = (hub: HubConnection, choice: TelemetryEndpointChoice): Thenable<HubConnection | undefined> =>
  vscode.commands.executeCommand<HubConnection | undefined>('iotHubMessaging.azure.setTelemetryEndpoint', { hub }, choice);

/** Waits for a hub (a replaced one connects in the background) to run; a failure says why. */
async function running(hub: HubConnection): Promise<void> {
  await waitFor(() => {
    if (hub.status.state === 'failed') throw new Error(hub.status.message);
    return hub.status.state === 'running' || undefined;
  }, { timeout: 20_000, message: `${hub.label} to connect` });
}

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

  test('no key reaches the log: the extension\'s log file holds neither the right nor the wrong key tried above', async () => {
    const runtime = await activateExtension();
    runtime.log.info(`probe ${azureStyle(info)}`); // a careless caller: the one logging path still redacts
    const exthost = dirname(runtime.context.logUri.fsPath);
    const key = parseHubConnectionString(azureStyle(info)).sharedAccessKey;
    const wrong = Buffer.alloc(32, 9).toString('base64');
    let text = '';
    await waitFor(() => {
      const files = filesUnder(exthost).filter((f) => f.includes('IoT Hub Messaging'));
      text = files.map((f) => readFileSync(f, 'utf8')).join('\n');
      return text.includes('probe HostName=localhost') || undefined;
    }, { timeout: 15_000, message: `the extension's log file under ${exthost} (files: ${filesUnder(exthost).join(', ')})` });
    assert.match(text, /probe HostName=localhost;SharedAccessKeyName=[^;]+;SharedAccessKey=<redacted>/);
    assert.ok(!text.includes(key), 'the hub key is not in the log');
    assert.ok(!text.includes(wrong), 'the wrong key tried is not in the log');
  }, { timeout: 30_000 });

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

  test('Send C2D through the Azure hub (service AMQP): the device receives it and the sender is told its feedback', async () => {
    const runtime = await activateExtension();
    const hub = runtime.hubs.get(ID)!;
    await running(hub);
    const device = `azure-c2d-${Date.now()}`;
    await hub.createDevice(device);
    try {
      const message = createMessage({
        deviceId: device,
        systemProperties: { messageId: `az-${device}`, correlationId: 'az-corr', userId: 'az-backend', ack: 'full', contentType: 'application/json', creationTimeUtc: '2026-12-07T10:00:00.000Z' },
        applicationProperties: [{ name: 'kind', value: 'azure' }],
        body: '{"cmd":"blink"}',
      });
      // Two hubs run (local and Azure): the Send command asks which; answer with the Azure one.
      const original = vscode.window.showQuickPick;
      let asked = 0;
      (vscode.window as { showQuickPick: unknown }).showQuickPick = async (items: Array<{ hub?: HubConnection }> | Thenable<Array<{ hub?: HubConnection }>>) => {
        asked++;
        return (await items).find((i) => i.hub?.id === ID);
      };
      let out: SendOutcome;
      try {
        out = await vscode.commands.executeCommand<SendOutcome>('iotHubMessaging.sendC2d', message);
      } finally {
        (vscode.window as { showQuickPick: typeof original }).showQuickPick = original;
      }
      assert.equal(asked, 1, 'the hub was asked for once');
      assert.equal(out.status, 'sent', JSON.stringify(out));
      if (out.status !== 'sent') return;
      assert.deepEqual(out.sent.notCarried, []);
      await waitFor(async () => ((await hub.getDevice(device))?.cloudToDeviceMessageCount === 1) || undefined, { timeout: 10_000, message: 'the queue depth to show the message' });
      const received = await vscode.commands.executeCommand<ReceiveOutcome>('iotHubMessaging.device.receiveC2d', { hub, deviceId: device, settle: 'complete' });
      assert.equal(received.status, 'settled', JSON.stringify(received));
      if (received.status !== 'settled') return;
      const sp = received.message.systemProperties;
      assert.equal(sp.messageId, `az-${device}`);
      assert.equal(sp.correlationId, 'az-corr');
      assert.equal(sp.userId, 'az-backend');
      assert.equal(sp.ack, 'full');
      assert.equal(sp.contentType, 'application/json');
      assert.equal(sp.creationTimeUtc, '2026-12-07T10:00:00.000Z');
      assert.equal(sp.to, `/devices/${device}/messages/devicebound`);
      assert.deepEqual(received.message.applicationProperties, [{ name: 'kind', value: 'azure' }]);
      assert.equal(new TextDecoder().decode(received.message.body), '{"cmd":"blink"}');
      // Feedback comes through the Azure implementation's feedback receiver (AMQP), in the hub's next batch.
      const shown = await waitFor(() => runtime.feedback.shown.find((f) => f.messageId === `az-${device}`), { timeout: 40_000, message: 'the Success feedback through the Azure hub' });
      assert.equal(shown.statusCode, 'Success');
      assert.equal(shown.deviceId, device);
    } finally {
      await hub.deleteDevice(device).catch(() => undefined);
    }
  }, { timeout: 90_000 });

  test('Set Telemetry Endpoint refuses a bad Event Hubs-compatible connection string and changes nothing', async () => {
    const runtime = await activateExtension();
    const hub = runtime.hubs.get(ID)!;
    const secretsBefore = await runtime.azureHubs.store.secretsOf('localhost');
    const listBefore = runtime.azureHubs.store.list();
    const key = Buffer.alloc(32, 4).toString('base64');
    for (const bad of [
      azureStyle(info), // the IoT Hub connection string pasted by mistake
      `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=service;SharedAccessKey=${key}`, // no EntityPath
      `Endpoint=https://ns.servicebus.windows.net/;SharedAccessKeyName=service;SharedAccessKey=${key};EntityPath=hub`,
      'not a connection string',
    ]) {
      assert.equal(await setTelemetryEndpoint(hub, { pick: 'given', eventHubsConnectionString: bad }), undefined, bad.slice(0, 30));
    }
    assert.equal(runtime.hubs.get(ID), hub, 'the hub was not replaced');
    assert.deepEqual(await runtime.azureHubs.store.secretsOf('localhost'), secretsBefore);
    assert.deepEqual(runtime.azureHubs.store.list(), listBefore);
    assert.equal(secretsBefore?.eventHubsConnectionString, undefined);
  }, { timeout: 30_000 });

  test('Set Telemetry Endpoint with the Event Hubs-compatible string: kept in SecretStorage only, and the monitor reads the Azure hub\'s telemetry through it', async () => {
    const runtime = await activateExtension();
    const old = runtime.hubs.get(ID)!;
    const given = info.amqp?.eventHubsConnectionString;
    assert.ok(given, 'the local hub runs its Event Hubs-compatible endpoint');
    const hub = await setTelemetryEndpoint(old, { pick: 'given', eventHubsConnectionString: given });
    assert.ok(hub);
    assert.equal(runtime.hubs.get(ID), hub);
    assert.notEqual(hub, old, 'the hub was rebuilt with the new endpoint');
    assert.equal((await runtime.azureHubs.store.secretsOf('localhost'))?.eventHubsConnectionString, given);
    const secretKey = /SharedAccessKey=([^;]+)/.exec(given)![1]!;
    assert.ok(!JSON.stringify(runtime.context.globalState.keys().map((k) => runtime.context.globalState.get(k))).includes(secretKey), 'no key in globalState');
    assert.ok(!JSON.stringify(vscode.workspace.getConfiguration('iotHubMessaging')).includes(secretKey), 'no key in settings');
    assert.equal((await hub.eventHubsEndpoint()).connectionString, given);
    await running(hub);

    const device = `azure-tel-${Date.now()}`;
    await hub.createDevice(device);
    let panel: MonitorPanel | undefined;
    try {
      panel = await vscode.commands.executeCommand<MonitorPanel | undefined>('iotHubMessaging.monitor.start', { hub, deviceId: device, consumerGroup: '$Default' });
      assert.ok(panel);
      const p = panel;
      await waitFor(() => {
        if (p.monitor.state.state === 'stopped') throw new Error(p.monitor.state.reason ?? 'the monitor stopped');
        return p.monitor.state.state === 'running' || undefined;
      }, { timeout: 30_000, message: 'the monitor on the Azure hub to run' });
      await hub.sender.sendD2c(device, { direction: 'd2c', systemProperties: { messageId: 'tel-1' }, applicationProperties: [], body: new TextEncoder().encode('{"t":1}') });
      await waitFor(() => p.monitor.received >= 1 || undefined, { timeout: 20_000, message: 'the monitor to read the message' });
      const got = p.monitor.ring.toArray();
      assert.deepEqual(got.map((m) => [m.deviceId, m.systemProperties.messageId]), [[device, 'tel-1']]);
    } finally {
      if (panel) {
        await vscode.commands.executeCommand('iotHubMessaging.monitor.stop', { hub, deviceId: device });
        panel.dispose();
      }
      await hub.deleteDevice(device).catch(() => undefined);
    }
  }, { timeout: 90_000 });

  test('Set Telemetry Endpoint: WebSockets on (a non-secret choice in globalState) and off, then back to IoT Hub\'s redirect', async () => {
    const runtime = await activateExtension();
    const given = (await runtime.azureHubs.store.secretsOf('localhost'))?.eventHubsConnectionString;
    assert.ok(given);
    const ws = await setTelemetryEndpoint(runtime.hubs.get(ID)!, { pick: 'websockets' });
    assert.ok(ws);
    assert.deepEqual(runtime.azureHubs.store.list(), [{ hostName: 'localhost', webSockets: true }]);
    const wsEndpoint = await ws.eventHubsEndpoint();
    assert.equal(wsEndpoint.webSockets, true);
    assert.equal(wsEndpoint.connectionString, given, 'the given endpoint is kept');
    assert.ok(ws.describe().some((l) => /WebSocket/.test(l)));
    const amqp = await setTelemetryEndpoint(ws, { pick: 'websockets' });
    assert.ok(amqp);
    assert.deepEqual(runtime.azureHubs.store.list(), [{ hostName: 'localhost', webSockets: false }]);
    assert.equal((await amqp.eventHubsEndpoint()).webSockets, false);

    const resolved = await setTelemetryEndpoint(amqp, { pick: 'resolve' });
    assert.ok(resolved);
    assert.equal((await runtime.azureHubs.store.secretsOf('localhost'))?.eventHubsConnectionString, undefined, 'the given string is deleted');
    // Resolved through IoT Hub's redirect on the hub's service AMQP endpoint (the policy's own key).
    const ep = await resolved.eventHubsEndpoint();
    assert.notEqual(ep.connectionString, given);
    assert.match(ep.connectionString, /^Endpoint=sb:\/\/localhost(:\d+)?\/;SharedAccessKeyName=[^;]+;SharedAccessKey=[^;]+;EntityPath=[^;]+$/);
    await running(resolved);
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
