// The host setting in a real VS Code: a non-loopback iotHubMessaging.localHub.host is refused
// before anything starts unless iotHubMessaging.localHub.allowRemoteAccess is on, and even then
// only a wildcard address (which includes loopback, so this window still reaches the hub) is
// used. The rules themselves are unit-tested in plain Node (test/unit/hub/bindHost*); this checks
// the extension reads both settings and acts on them. Settings are put back and the hub is
// running on loopback again when the suite ends, for the suites after it.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { LocalHubStatus } from '../../../src/vscode/localHub/localHubProcess';
import { activateExtension, after, suite, test, waitFor } from '../framework';
import { runningHubInfo } from '../localHubHelpers';

// Both settings are machine-scoped: only the user (global) settings may hold them.
async function setHostSettings(host: string | undefined, allowRemoteAccess: boolean | undefined): Promise<void> {
  const c = vscode.workspace.getConfiguration('iotHubMessaging.localHub');
  await c.update('host', host, vscode.ConfigurationTarget.Global);
  await c.update('allowRemoteAccess', allowRemoteAccess, vscode.ConfigurationTarget.Global);
}

async function stopHub(): Promise<void> {
  const runtime = await activateExtension();
  await vscode.commands.executeCommand('iotHubMessaging.localHub.stop');
  await waitFor(() => runtime.localHub.status.state === 'stopped', { timeout: 15_000, message: 'the local hub to stop' });
}

/** Starts through the command (as the user does) and returns the status it settles in. */
async function startAndSettle(): Promise<LocalHubStatus> {
  const runtime = await activateExtension();
  await vscode.commands.executeCommand('iotHubMessaging.localHub.start');
  return waitFor(() => {
    const s = runtime.localHub.status;
    return s.state === 'running' || s.state === 'failed' ? s : undefined;
  }, { timeout: 45_000, message: 'the local hub to run or fail' });
}

suite('local hub: host setting', () => {
  after(async () => {
    await stopHub();
    await setHostSettings(undefined, undefined);
    await runningHubInfo();
  });

  test('a non-loopback host is refused before anything starts while remote access is off', async () => {
    const runtime = await activateExtension();
    await runningHubInfo();
    await stopHub();
    await setHostSettings('0.0.0.0', undefined);
    const status = await startAndSettle();
    assert.equal(status.state, 'failed');
    assert.match(status.state === 'failed' ? status.message : '',
      /iotHubMessaging\.localHub\.host is 0\.0\.0\.0, which is not a loopback address: .*unless iotHubMessaging\.localHub\.allowRemoteAccess is turned on/);
    assert.ok(!existsSync(join(runtime.localHub.dataDir, 'connection.json')), 'no hub process started (no connection file)');
  }, { timeout: 60_000 });

  test('with remote access on, one specific network address is still refused (this window could not reach the hub)', async () => {
    await setHostSettings('192.168.7.7', true);
    const status = await startAndSettle();
    assert.equal(status.state, 'failed');
    assert.match(status.state === 'failed' ? status.message : '', /is 192\.168\.7\.7: the extension reaches the hub it starts through localhost.*Use 0\.0\.0\.0 or ::/);
  }, { timeout: 60_000 });

  test('with remote access on, 0.0.0.0 starts the hub listening on every interface', async () => {
    await setHostSettings('0.0.0.0', true);
    const status = await startAndSettle();
    if (status.state === 'failed') assert.fail(`the hub did not start: ${status.message}`);
    assert.equal(status.state === 'running' ? status.info.bindAddress : '', '0.0.0.0');
  }, { timeout: 60_000 });

  test('loopback works again once the host is put back, remote access off', async () => {
    await stopHub();
    await setHostSettings('127.0.0.1', false);
    const status = await startAndSettle();
    if (status.state === 'failed') assert.fail(`the hub did not start: ${status.message}`);
    assert.equal(status.state === 'running' ? status.info.bindAddress : '', '127.0.0.1');
  }, { timeout: 60_000 });
});
