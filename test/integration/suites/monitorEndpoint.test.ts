// The D2C monitor on routing endpoints in a real VS Code against the extension's local hub: a
// monitor on a custom Event Hubs-style endpoint shows what a route sends there (and the built-in
// one the rest); a monitor started on the built-in endpoint while routes exist and the fallback
// route is off carries the routing warning, and one started with the fallback on does not; the
// Endpoints node offers Start Monitoring for the built-in and Event Hubs endpoints only.
// Leaves the hub as it found it (no routes, fallback on).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { LocalHubClient } from '../../../src/hub/client/localHubClient';
import type { HubConnection } from '../../../src/hubs/hubConnection';
import type { StartMonitorArgs } from '../../../src/vscode/monitor/monitorCommands';
import type { MonitorPanel } from '../../../src/vscode/monitor/monitorPanel';
import { activateExtension, after, before, suite, test, waitFor } from '../framework';
import { hubClient, runningHubInfo } from '../localHubHelpers';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

suite('monitor on routing endpoints', () => {
  let hub: HubConnection;
  let client: LocalHubClient;
  const stamp = Date.now() % 100000;
  const device = `mon-ep-${stamp}`;
  const endpoint = `eh-mon-${stamp}`;
  const route = `mon-critical-${stamp}`;
  const panels: MonitorPanel[] = [];

  async function start(args: Omit<StartMonitorArgs, 'hub'>): Promise<MonitorPanel> {
    const panel = await vscode.commands.executeCommand<MonitorPanel | undefined>('iotHubMessaging.monitor.start', { hub, consumerGroup: '$Default', deviceId: device, ...args });
    assert.ok(panel, 'the command returned the monitor panel');
    panels.push(panel);
    await waitFor(() => panel.monitor.state.state === 'running' || undefined, { timeout: 20_000, message: 'the monitor to run' });
    return panel;
  }

  before(async () => {
    client = hubClient(await runningHubInfo());
    const runtime = await activateExtension();
    const local = runtime.hubs.get('local');
    assert.ok(local);
    hub = local;
    await hub.createDevice(device);
    await client.putEndpoint(endpoint, { type: 'eventHub', entityPath: endpoint });
    await client.putRoute(route, { source: 'DeviceMessages', condition: "level = 'critical'", endpointNames: [endpoint], isEnabled: true });
  });
  after(async () => {
    for (const p of panels) p.dispose();
    await client.setFallbackRoute(true).catch(() => undefined);
    await client.deleteRoute(route).catch(() => undefined);
    await client.deleteEndpoint(endpoint).catch(() => undefined);
    await hub.deleteDevice(device).catch(() => undefined);
    client.close();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('a monitor on a custom endpoint shows what its route sends there; the built-in one shows the rest', async () => {
    const custom = await start({ endpoint });
    const builtIn = await start({});
    assert.match(custom.monitor.description, new RegExp(`endpoint '${endpoint}'`));
    assert.equal(custom.panel.title, `D2C: ${device} · ${endpoint}`);
    assert.equal(builtIn.routingWarning, undefined, 'the fallback route is on: no warning');
    await hub.sender.sendD2c(device, { systemProperties: {}, applicationProperties: [{ name: 'level', value: 'critical' }], body: new TextEncoder().encode('routed') });
    await hub.sender.sendD2c(device, { systemProperties: {}, applicationProperties: [{ name: 'level', value: 'info' }], body: new TextEncoder().encode('fell back') });
    await waitFor(() => (custom.monitor.received >= 1 && builtIn.monitor.received >= 1) || undefined, { timeout: 15_000, message: 'both monitors' });
    assert.deepEqual(custom.monitor.ring.toArray().map((m) => text(m.body)), ['routed']);
    assert.deepEqual(builtIn.monitor.ring.toArray().map((m) => text(m.body)), ['fell back']);
    await custom.monitor.stop();
    await builtIn.monitor.stop();
  }, { timeout: 60_000 });

  test('a monitor started on the built-in endpoint while the fallback route is off carries the routing warning', async () => {
    await client.setFallbackRoute(false);
    const builtIn = await start({ endpoint: 'events' });
    assert.match(builtIn.routingWarning ?? '', /fallback route is off/);
    assert.match(builtIn.routingWarning ?? '', new RegExp(`${route} → ${endpoint}`));
    assert.match(builtIn.routingWarning ?? '', /will see no telemetry/);
    const custom = await start({ endpoint });
    assert.equal(custom.routingWarning, undefined, 'a custom endpoint is not starved by the fallback route');
    await builtIn.monitor.stop();
    await custom.monitor.stop();
    await client.setFallbackRoute(true);
  }, { timeout: 60_000 });

  test('an endpoint that does not exist is refused before anything opens', async () => {
    const before = panels.length;
    const panel = await vscode.commands.executeCommand<MonitorPanel | undefined>('iotHubMessaging.monitor.start', { hub, endpoint: 'no-such-endpoint', consumerGroup: '$Default' });
    assert.equal(panel, undefined);
    assert.equal(panels.length, before);
  });

  test('the Endpoints node offers Start Monitoring on the built-in and Event Hubs endpoints, not on storage ones', async () => {
    const pkg = vscode.extensions.getExtension('iot-hub-messaging.iot-hub-messaging')?.packageJSON as { contributes: { menus: Record<string, Array<{ command: string; when?: string; group?: string }>> } };
    const entries = pkg.contributes.menus['view/item/context']!.filter((m) => m.command === 'iotHubMessaging.monitor.start' && /endpoint;/.test(m.when ?? ''));
    assert.deepEqual(entries.map((m) => m.group).sort(), ['1_receive@1', 'inline@1']);
    const when = new RegExp(/viewItem =~ \/(.*)\//.exec(entries[0]!.when!)![1]!);
    assert.ok(when.test('endpoint;kind=builtIn;healthy=true'));
    assert.ok(when.test('endpoint;kind=eventHub;healthy=true'));
    assert.ok(!when.test('endpoint;kind=storage;healthy=true'));
  });
});
