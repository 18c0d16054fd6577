// The device simulator in a real VS Code against the extension's own local hub: a simulated
// device's messages (MQTT over TLS, SAS from its key) reach a running monitor with every system
// and application property the template sets; a C2D message with properties reaches the simulated
// device; a held one stays locked until Complete Held C2D Messages; Simulate N Devices creates
// sim-001... on demand.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { HubConnection } from '../../../src/hubs/hubConnection';
import type { Simulation } from '../../../src/simulator/simulation';
import type { MonitorPanel } from '../../../src/vscode/monitor/monitorPanel';
import type { SimulateArgs } from '../../../src/vscode/simulator/simulatorCommands';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { activateExtension, after, before, suite, test, waitFor, workspaceDir } from '../framework';
import { runningHubInfo } from '../localHubHelpers';

suite('simulator', () => {
  let hub: HubConnection;
  const device = `simit-${Date.now()}`;
  const sims: Simulation[] = [];
  const panels: MonitorPanel[] = [];

  const simulate = async (command: string, args: Omit<SimulateArgs, 'hub'>): Promise<Simulation> => {
    const sim = await vscode.commands.executeCommand<Simulation | undefined>(command, { hub, quiet: true, ...args });
    assert.ok(sim, 'the simulation started');
    sims.push(sim);
    return sim;
  };

  before(async () => {
    await runningHubInfo();
    const runtime = await activateExtension();
    const local = runtime.hubs.get('local');
    assert.ok(local);
    hub = local;
    await hub.createDevice(device);
  });
  after(async () => {
    for (const s of sims) s.stop();
    for (const p of panels) p.dispose();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('a simulated device\'s messages reach the monitor; a C2D message with properties reaches the device', async () => {
    const panel = await vscode.commands.executeCommand<MonitorPanel>('iotHubMessaging.monitor.start', { hub, deviceId: device, consumerGroup: '$Default' });
    panels.push(panel);
    await waitFor(() => panel.monitor.state.state === 'running' || undefined, { timeout: 20_000, message: 'the monitor to run' });
    const sim = await simulate('iotHubMessaging.simulator.simulateDevice', { deviceId: device, body: '{"temperature": {{random(20,30)}}, "n": {{counter}}, "id": "{{deviceId}}"}', intervalMs: 100 });
    await waitFor(() => panel.monitor.received >= 3 || undefined, { timeout: 20_000, message: 'three simulated messages in the monitor' });
    const [first] = panel.monitor.ring.toArray();
    assert.ok(first);
    const body = JSON.parse(new TextDecoder().decode(first.body)) as { temperature: number; n: number; id: string };
    assert.equal(body.n, 1);
    assert.equal(body.id, device);
    assert.ok(body.temperature >= 20 && body.temperature <= 30);
    assert.equal(first.systemProperties.contentType, 'application/json');
    assert.equal(first.systemProperties.contentEncoding, 'utf-8');
    assert.equal(first.systemProperties.connectionDeviceId, device);
    assert.match(first.systemProperties.connectionAuthMethod ?? '', /sas/);
    await hub.sender.sendC2d(device, { systemProperties: { messageId: 'sim-c2d', correlationId: 'c-9', ack: 'full' }, applicationProperties: [{ name: 'command', value: 'reboot' }], body: new TextEncoder().encode('{"delay":5}') });
    const got = await waitFor(() => sim.received.find((m) => m.systemProperties.messageId === 'sim-c2d'), { timeout: 15_000, message: 'the C2D message at the simulated device' });
    assert.equal(got.systemProperties.correlationId, 'c-9');
    assert.deepEqual(got.applicationProperties.filter((p) => p.name === 'command'), [{ name: 'command', value: 'reboot' }]);
    assert.equal(new TextDecoder().decode(got.body), '{"delay":5}');
    sim.stop();
    await panel.monitor.stop();
  }, { timeout: 90_000 });

  test('a held C2D message stays in the queue until Complete Held C2D Messages sends its PUBACK; Success feedback follows', async () => {
    const runtime = await activateExtension();
    const holder = `${device}-hold`;
    await hub.createDevice(holder);
    const sim = await simulate('iotHubMessaging.simulator.simulateDevice', { deviceId: holder, body: '{"n": {{counter}}}', intervalMs: 200, holdC2d: true });
    const sent = await vscode.commands.executeCommand<{ status: string }>('iotHubMessaging.sendC2d', { direction: 'c2d', deviceId: holder, systemProperties: { messageId: 'held-it', ack: 'full' }, applicationProperties: [], body: new TextEncoder().encode('wait') });
    assert.equal(sent.status, 'sent');
    const held = await waitFor(() => sim.held.find((m) => m.systemProperties.messageId === 'held-it'), { timeout: 15_000, message: 'the held C2D message' });
    assert.equal(typeof held.complete, 'function');
    const queued = (await hub.peekQueue(holder)).filter((m) => m.state !== 'Completed');
    assert.deepEqual(queued.map((m) => [m.messageId, m.state]), [['held-it', 'Invisible']]);
    const completed = await vscode.commands.executeCommand<number>('iotHubMessaging.simulator.completeHeld', { messageIds: ['held-it'] });
    assert.equal(completed, 1);
    assert.equal(sim.held.length, 0);
    await waitFor(async () => (await hub.peekQueue(holder)).every((m) => m.state === 'Completed') || undefined, { timeout: 15_000, message: 'the queue emptied by the PUBACK' });
    const shown = await waitFor(() => runtime.feedback.shown.find((f) => f.messageId === 'held-it'), { timeout: 30_000, message: 'the Success feedback' });
    assert.equal(shown.statusCode, 'Success');
    sim.stop();
  }, { timeout: 90_000 });

  test('a message file\'s message is the template: placeholders in its body and property values', async () => {
    const fromFile = `${device}-file`;
    await hub.createDevice(fromFile);
    const file = join(workspaceDir(), 'sim-template.iotmsg.json');
    writeFileSync(file, `${JSON.stringify({
      direction: 'd2c', deviceId: 'anyone',
      systemProperties: { messageId: '{{uuid}}', contentType: 'application/json', contentEncoding: 'utf-8' },
      applicationProperties: { seq: '{{counter}}', source: '{{deviceId}}' },
      body: { temperature: '{{random(20,30)}}', n: '{{counter}}' },
    }, null, 2)}\n`);
    const panel = await vscode.commands.executeCommand<MonitorPanel>('iotHubMessaging.monitor.start', { hub, deviceId: fromFile, consumerGroup: '$Default' });
    panels.push(panel);
    await waitFor(() => panel.monitor.state.state === 'running' || undefined, { timeout: 20_000, message: 'the monitor to run' });
    const sim = await simulate('iotHubMessaging.simulator.simulateDevice', { deviceId: fromFile, messageFile: vscode.Uri.file(file).toString(), intervalMs: 50, count: 3 });
    await sim.whenEnded();
    assert.equal(sim.sent, 3);
    await waitFor(() => panel.monitor.received >= 3 || undefined, { timeout: 20_000, message: 'three messages from the file template' });
    const got = panel.monitor.ring.toArray();
    assert.deepEqual(got.map((m) => (JSON.parse(new TextDecoder().decode(m.body)) as { n: number }).n), [1, 2, 3]);
    for (const m of got) {
      const t = (JSON.parse(new TextDecoder().decode(m.body)) as { temperature: unknown }).temperature;
      assert.ok(typeof t === 'number' && t >= 20 && t <= 30, `temperature ${String(t)}`);
      assert.match(m.systemProperties.messageId ?? '', /^[0-9a-f-]{36}$/);
    }
    assert.deepEqual(got[1]!.applicationProperties, [{ name: 'seq', value: '2' }, { name: 'source', value: fromFile }]);
    await panel.monitor.stop();
  }, { timeout: 90_000 });

  test('Simulate N Devices creates sim-001... on demand and sends from each', async () => {
    const sim = await simulate('iotHubMessaging.simulator.simulateFleet', { devices: 3, body: '{"n": {{counter}}}', intervalMs: 50, count: 4 });
    await sim.whenEnded();
    assert.equal(sim.sent, 12);
    for (const id of ['sim-001', 'sim-002', 'sim-003']) assert.ok(await hub.getDevice(id), id);
  }, { timeout: 60_000 });
});
