// Commands and the status bar item for the embedded local hub. The hub's owner connection string
// is kept in SecretStorage (never in settings or logs) for the tree and send commands to use.
import { join } from 'node:path';
import * as vscode from 'vscode';
import { deviceIdProblem } from '../../hub/registry/deviceId';
import { LocalHubConnection } from '../../hubs/local/localHubConnection';
import type { ExtensionRuntime } from '../runtime';
import { localHubDataDir } from './dataDir';
import { endpointItems } from './endpointItems';
import { DEFAULT_HTTPS_PORT, DEFAULT_SERVICE_PORT, portSetting } from './hubStartArgs';
import { HostSettingError, LocalHubProcess, type LocalHubSettings, type LocalHubStatus } from './localHubProcess';
import { isLoopbackAddress, remoteAccessWarning } from '../../hub/bindHost';
import { errorText } from '../../core/errorText';

export const LOCAL_HUB_SECRET_KEY = 'iotHubMessaging.localHub.connectionString';

export type AutoStart = 'onView' | 'onWindowStart' | 'never';

/** iotHubMessaging.localHub.autoStart; the boolean it used to be still reads (true: with the window). */
export function localHubAutoStart(): AutoStart {
  const v = vscode.workspace.getConfiguration('iotHubMessaging.localHub').get<unknown>('autoStart', 'onView');
  if (v === true) return 'onWindowStart';
  if (v === false) return 'never';
  return v === 'onWindowStart' || v === 'never' ? v : 'onView';
}

function readSettings(): LocalHubSettings {
  const c = vscode.workspace.getConfiguration('iotHubMessaging.localHub');
  return {
    host: c.get<string>('host', '127.0.0.1'),
    allowRemoteAccess: c.get<boolean>('allowRemoteAccess', false) === true,
    mqttPort: c.get<number>('mqttPort', 8883),
    apiPort: c.get<number>('apiPort', 8443),
    amqpPort: c.get<number>('amqpPort', 5672),
    servicePort: portSetting(c.get<unknown>('servicePort', DEFAULT_SERVICE_PORT), DEFAULT_SERVICE_PORT),
    httpsPort: portSetting(c.get<unknown>('httpsPort', DEFAULT_HTTPS_PORT), DEFAULT_HTTPS_PORT),
  };
}

function describe(status: LocalHubStatus): { text: string; tooltip: string } {
  switch (status.state) {
    case 'running': return { text: '$(radio-tower) Local hub', tooltip: `Local IoT Hub running: MQTT ${status.info.mqtt.url}, API ${status.info.api.url}${status.owned ? '' : ' (started by another window)'}` };
    case 'starting': return { text: '$(loading~spin) Local hub', tooltip: 'Local IoT Hub starting' };
    case 'failed': return { text: '$(error) Local hub', tooltip: `Local IoT Hub failed: ${status.message}` };
    case 'stopped': return { text: '$(circle-slash) Local hub', tooltip: 'Local IoT Hub stopped; click to start' };
  }
}

export function registerLocalHub(runtime: ExtensionRuntime): LocalHubProcess {
  const { context, log } = runtime;
  const dataDir = localHubDataDir(context);
  const hub = runtime.own(new LocalHubProcess(join(context.extensionPath, 'dist', 'hub-cli.js'), dataDir, log, readSettings, {
    // The hub another window started went away: start our own unless the user said never.
    takeOver: () => localHubAutoStart() !== 'never' && vscode.workspace.isTrusted,
  }));

  const item = runtime.own(vscode.window.createStatusBarItem('iotHubMessaging.localHub', vscode.StatusBarAlignment.Left, 10));
  item.name = 'IoT Hub: Local Hub';
  const render = (status: LocalHubStatus): void => {
    const d = describe(status);
    item.text = d.text;
    item.tooltip = d.tooltip;
    item.command = status.state === 'running' ? 'iotHubMessaging.localHub.showInfo' : 'iotHubMessaging.localHub.start';
    void vscode.commands.executeCommand('setContext', 'iotHubMessaging.localHub.state', status.state);
  };
  render(hub.status);
  item.show();
  // The local hub as the tree and the commands see it: one HubConnection for the window's lifetime,
  // attached to whichever hub process runs (this window's or another's).
  const connection = new LocalHubConnection({
    onStreamError: (e) => {
      log.debug(`local hub event stream: ${e.message}`);
      // A dropped stream is the first sign that another window's hub went away.
      hub.checkAttached();
    },
  });
  runtime.hubs.add(connection);
  const follow = (status: LocalHubStatus): void => {
    const client = status.state === 'running' ? hub.client() : undefined;
    if (status.state === 'running' && client) connection.attach(status.info, client);
    else if (status.state !== 'running') connection.detach(status);
  };
  follow(hub.status);
  runtime.own(hub.onDidChange((status) => {
    render(status);
    follow(status);
    if (status.state === 'running') void context.secrets.store(LOCAL_HUB_SECRET_KEY, status.info.hubConnectionString);
    // Remote access was explicitly allowed: say once per start what that exposes (the hub logs it too).
    if (status.state === 'running' && status.owned) {
      const host = readSettings().host.trim();
      if (!isLoopbackAddress(host)) void vscode.window.showWarningMessage(`IoT Hub: ${remoteAccessWarning(host, status.info.amqp !== undefined)}`);
    }
  }));

  const startReporting = async (): Promise<void> => {
    try {
      await hub.start();
    } catch (e) {
      log.error('Local hub start failed', e);
      if (e instanceof HostSettingError) {
        const open = 'Open Settings';
        void vscode.window.showErrorMessage(`IoT Hub: the local hub did not start. ${e.message}`, open).then((a) => {
          if (a === open) void vscode.commands.executeCommand('workbench.action.openSettings', 'iotHubMessaging.localHub');
        });
        return;
      }
      void vscode.window.showErrorMessage(`IoT Hub: the local hub did not start. ${errorText(e)}`, 'Show Log').then((a) => { if (a) log.show(); });
    }
  };

  runtime.own(vscode.commands.registerCommand('iotHubMessaging.localHub.start', startReporting));
  runtime.own(vscode.commands.registerCommand('iotHubMessaging.localHub.stop', () => hub.stop()));
  runtime.own(vscode.commands.registerCommand('iotHubMessaging.localHub.restart', async () => { await hub.stop(); await startReporting(); }));
  runtime.own(vscode.commands.registerCommand('iotHubMessaging.localHub.copyConnectionString', async () => {
    const cs = await context.secrets.get(LOCAL_HUB_SECRET_KEY);
    if (!cs) { void vscode.window.showWarningMessage('IoT Hub: start the local hub first.'); return; }
    await vscode.env.clipboard.writeText(cs);
    void vscode.window.showInformationMessage('IoT Hub: local hub connection string copied (it holds the owner key: keep it private).');
  }));
  runtime.own(vscode.commands.registerCommand('iotHubMessaging.localHub.showInfo', async () => {
    const s = hub.status;
    if (s.state !== 'running') { void vscode.window.showInformationMessage(`IoT Hub: the local hub is ${s.state}.`); return; }
    // Each item copies its value; keys are copied but never shown.
    const items: Array<vscode.QuickPickItem & { copy: string }> = endpointItems(s.info, readSettings().httpsPort);
    const pick = await vscode.window.showQuickPick(items, { title: 'Local IoT Hub', placeHolder: 'Select to copy' });
    if (pick) await vscode.env.clipboard.writeText(pick.copy);
  }));

  runtime.own(vscode.commands.registerCommand('iotHubMessaging.localHub.createDevice', async (deviceIdArg?: unknown) => {
    let info;
    try {
      info = await hub.start();
    } catch (e) {
      void vscode.window.showErrorMessage(`IoT Hub: the local hub is not running. ${errorText(e)}`);
      return undefined;
    }
    const deviceId = typeof deviceIdArg === 'string' ? deviceIdArg : await vscode.window.showInputBox({
      title: 'Create Device on Local Hub',
      prompt: 'Device id (case-sensitive, up to 128 characters)',
      placeHolder: 'my-device',
      validateInput: (v) => (v.length === 0 ? undefined : deviceIdProblem(v)),
    });
    if (!deviceId) return undefined;
    const client = hub.client();
    if (!client) return undefined;
    try {
      const device = await client.createDevice({ deviceId });
      const connectionString = info.deviceConnectionStringTemplate
        .replace('{deviceId}', device.deviceId)
        .replace('{key}', device.authentication.symmetricKey.primaryKey);
      log.info(`Created device ${device.deviceId} on the local hub`);
      const copy = 'Copy Connection String';
      void vscode.window.showInformationMessage(`IoT Hub: device '${device.deviceId}' created on the local hub.`, copy).then(async (a) => {
        if (a === copy) await vscode.env.clipboard.writeText(connectionString);
      });
      return device.deviceId;
    } catch (e) {
      const why = errorText(e);
      void vscode.window.showErrorMessage(`IoT Hub: could not create device '${deviceId}'. ${why}`);
      return undefined;
    }
  }));

  // Device-id completion in message files lists the local hub's devices while it runs.
  runtime.messageFiles.setDeviceIdSource(async () => {
    const client = hub.client();
    if (!client) return [];
    const ids: string[] = [];
    for await (const d of client.allDevices(1000)) {
      ids.push(d.deviceId);
      if (ids.length >= 5000) break; // completion lists beyond this are not useful
    }
    return ids;
  });

  // Not awaited: activation never waits for the hub (the Hubs view starts it on 'onView').
  if (localHubAutoStart() === 'onWindowStart' && vscode.workspace.isTrusted) void startReporting();
  return hub;
}
