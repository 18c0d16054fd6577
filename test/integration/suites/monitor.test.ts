// The D2C monitor in a real VS Code against the extension's own local hub: a device's messages
// reach the monitor panel with every system and application property; a device's monitor shows
// no other device; start positions and consumer groups behave as chosen; the hub restarting
// under a running monitor loses nothing.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { IotMessage } from '../../../src/core/message/model';
import type { HubConnection } from '../../../src/hubs/hubConnection';
import type { StartMonitorArgs } from '../../../src/vscode/monitor/monitorCommands';
import type { MonitorPanel } from '../../../src/vscode/monitor/monitorPanel';
import { activateExtension, after, before, suite, test, waitFor } from '../framework';
import { runningHubInfo } from '../localHubHelpers';

function d2c(body: string, extra: Partial<IotMessage> = {}): IotMessage {
  return { systemProperties: {}, applicationProperties: [], body: new TextEncoder().encode(body), ...extra };
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

suite('monitor', () => {
  let hub: HubConnection;
  const stamp = Date.now();
  const devA = `mon-a-${stamp}`;
  const devB = `mon-b-${stamp}`;
  const panels: MonitorPanel[] = [];

  async function start(args: Omit<StartMonitorArgs, 'hub'>): Promise<MonitorPanel> {
    const panel = await vscode.commands.executeCommand<MonitorPanel | undefined>('iotHubMessaging.monitor.start', { hub, ...args });
    assert.ok(panel, 'the command returned the monitor panel');
    panels.push(panel);
    await waitFor(() => panel.monitor.state.state === 'running' || undefined, { timeout: 20_000, message: 'the monitor to run' });
    return panel;
  }

  before(async () => {
    await runningHubInfo();
    const runtime = await activateExtension();
    const local = runtime.hubs.get('local');
    assert.ok(local);
    hub = local;
    await hub.createDevice(devA);
    await hub.createDevice(devB);
  });
  after(async () => {
    for (const p of panels) p.dispose();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('the monitor commands are registered', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const c of ['iotHubMessaging.monitor.start', 'iotHubMessaging.monitor.stop', 'iotHubMessaging.monitor.show']) assert.ok(all.includes(c), c);
  });

  test('a device\'s messages reach its monitor panel with every property; another device\'s never do', async () => {
    const panel = await start({ deviceId: devA, consumerGroup: '$Default' });
    await hub.sender.sendD2c(devB, d2c('{"temperature":1}'));
    await hub.sender.sendD2c(devA, d2c('{"temperature":21.5}', {
      systemProperties: { messageId: 'mon-1', correlationId: 'corr-1', contentType: 'application/json', contentEncoding: 'utf-8' },
      applicationProperties: [{ name: 'alert', value: 'high' }],
    }));
    await hub.sender.sendD2c(devA, d2c('{"temperature":22}', { systemProperties: { messageId: 'mon-2' } }));
    await waitFor(() => panel.monitor.received >= 2 || undefined, { timeout: 15_000, message: 'two messages received by the monitor' });
    // The webview's first load can be slow on a busy machine; rows are posted once it said ready.
    panel.reveal();
    await waitFor(() => panel.posted >= 2 || undefined, { timeout: 60_000, message: 'two messages posted to the panel' });
    const got = panel.monitor.ring.toArray();
    assert.deepEqual(got.map((m) => m.deviceId), [devA, devA]);
    const m = got[0]!;
    assert.equal(m.systemProperties.messageId, 'mon-1');
    assert.equal(m.systemProperties.correlationId, 'corr-1');
    assert.equal(m.systemProperties.contentType, 'application/json');
    assert.equal(m.systemProperties.contentEncoding, 'utf-8');
    assert.equal(m.systemProperties.connectionDeviceId, devA);
    assert.match(m.systemProperties.connectionAuthMethod ?? '', /sas/);
    assert.equal(m.systemProperties.messageSource, 'Telemetry');
    assert.ok(m.systemProperties.enqueuedTimeUtc);
    assert.deepEqual(m.applicationProperties, [{ name: 'alert', value: 'high' }]);
    assert.equal(text(m.body), '{"temperature":21.5}');
    await vscode.commands.executeCommand('iotHubMessaging.monitor.stop', { hub, deviceId: devA });
    assert.equal(panel.monitor.state.state, 'stopped');
  }, { timeout: 90_000 });

  test('start from the earliest message through a new consumer group replays what was sent before', async () => {
    const group = `it-${stamp}`;
    await hub.createConsumerGroup(group);
    const panel = await start({ deviceId: devB, consumerGroup: group, start: { kind: 'earliest' } });
    await waitFor(() => panel.monitor.received >= 1 || undefined, { timeout: 15_000, message: 'the earlier message' });
    assert.equal(text(panel.monitor.ring.toArray()[0]!.body), '{"temperature":1}');
    await panel.monitor.stop();
  });

  test('the local hub restarting under a running monitor loses nothing', async () => {
    const runtime = await activateExtension();
    const panel = await start({ deviceId: devA, consumerGroup: '$Default' });
    await hub.sender.sendD2c(devA, d2c('r1'));
    await waitFor(() => panel.monitor.received >= 1 || undefined, { timeout: 15_000, message: 'r1' });
    await runtime.localHub.stop();
    await waitFor(() => panel.monitor.state.state === 'waiting' || undefined, { timeout: 15_000, message: 'the monitor to wait' });
    await runtime.localHub.start();
    await runningHubInfo();
    await waitFor(() => hub.status.state === 'running' || undefined, { timeout: 30_000, message: 'the hub connection to run' });
    await hub.sender.sendD2c(devA, d2c('r2'));
    await waitFor(() => panel.monitor.received >= 2 || undefined, { timeout: 30_000, message: 'r2 after the restart' });
    assert.deepEqual(panel.monitor.ring.toArray().map((m) => text(m.body)), ['r1', 'r2']);
    await panel.monitor.stop();
  }, { timeout: 90_000 });
});
