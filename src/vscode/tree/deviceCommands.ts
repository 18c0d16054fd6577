// Device management on any hub (local or Azure), from the tree (a device node or a Devices folder
// hands over its hub and device) or from the palette (pick a hub and a device): create, delete
// (confirmed), enable, disable (with a reason), copy the primary or secondary connection string,
// regenerate a key, generate a SAS token with a chosen lifetime. Each returns what it did (tests
// and other commands read it) and reports failures with the action that helps (hubErrors.ts).
// Secrets go to the clipboard only, never to a notification or the log.
import * as vscode from 'vscode';
import { deviceIdProblem } from '../../hub/registry/deviceId';
import type { HubConnection, HubDevice, KeyName } from '../../hubs/hubConnection';
import { showHubError } from '../hubs/hubErrors';
import { isHubNodeArg, pickHub, resolveDevice } from '../hubs/pickers';
import type { ExtensionRuntime } from '../runtime';

/** Lifetimes offered for a device SAS token (seconds). */
const SAS_LIFETIMES: Array<{ label: string; seconds: number }> = [
  { label: '1 hour', seconds: 3600 }, { label: '1 day', seconds: 86_400 }, { label: '7 days', seconds: 7 * 86_400 }, { label: '30 days', seconds: 30 * 86_400 },
];

/** Options a caller (a test, another command) may pass to skip a question. */
interface Quiet {
  confirm?: boolean;
  reason?: string;
  which?: KeyName;
  lifetimeSeconds?: number;
}

export function registerDeviceCommands(runtime: ExtensionRuntime): void {
  const { log, hubs } = runtime;
  const command = (id: string, run: (arg?: unknown, quiet?: Quiet) => unknown): void => {
    runtime.own(vscode.commands.registerCommand(id, run));
  };

  command('iotHubMessaging.device.create', async (arg?: unknown): Promise<string | undefined> => {
    const hub = isHubNodeArg(arg) ? arg.hub : await pickHub(hubs, { title: 'Create Device', running: true });
    if (!hub) return undefined;
    if (hub.status.state !== 'running' && hub.capabilities.lifecycle) {
      try {
        await runtime.localHub.start();
      } catch (e) {
        showHubError(log, 'The device was not created', e, { hub });
        return undefined;
      }
    }
    const given = typeof arg === 'string' ? arg : isHubNodeArg(arg) ? arg.deviceId : undefined;
    const deviceId = given ?? await vscode.window.showInputBox({
      title: `Create Device on ${hub.label}`,
      prompt: 'Device id (case-sensitive, up to 128 characters: letters, digits and - . + % _ # * ? ! ( ) , : = @ $ \')',
      placeHolder: 'my-device',
      validateInput: (v) => (v.length === 0 ? undefined : deviceIdProblem(v)),
    });
    if (!deviceId) return undefined;
    const problem = deviceIdProblem(deviceId);
    if (problem) {
      void vscode.window.showErrorMessage(`IoT Hub: '${deviceId}' cannot be a device id: ${problem}`);
      return undefined;
    }
    try {
      const device = await hub.createDevice(deviceId);
      log.info(`created device ${device.deviceId} on ${hub.label}`);
      const copy = 'Copy Connection String';
      void vscode.window.showInformationMessage(`IoT Hub: device '${device.deviceId}' created on ${hub.label}.`, copy).then(async (a) => {
        if (a === copy) await copyConnectionString(hub, device.deviceId, 'primary');
      });
      return device.deviceId;
    } catch (e) {
      showHubError(log, `Device '${deviceId}' was not created`, e, { hub });
      return undefined;
    }
  });

  command('iotHubMessaging.device.delete', async (arg?: unknown, quiet?: Quiet): Promise<boolean> => {
    const target = await resolveDevice(hubs, arg, 'Delete Device');
    if (!target) return false;
    const { hub, deviceId } = target;
    if (quiet?.confirm !== false) {
      const del = 'Delete';
      const answer = await vscode.window.showWarningMessage(`Delete device '${deviceId}' from ${hub.label}?`, {
        modal: true,
        detail: 'Its keys stop working at once and its queued C2D messages are dropped. A device created again with the same id gets new keys.',
      }, del);
      if (answer !== del) return false;
    }
    try {
      await hub.deleteDevice(deviceId);
      log.info(`deleted device ${deviceId} on ${hub.label}`);
      return true;
    } catch (e) {
      showHubError(log, `Device '${deviceId}' was not deleted`, e, { hub, deviceId });
      return false;
    }
  });

  const setStatus = async (arg: unknown, quiet: Quiet | undefined, status: HubDevice['status']): Promise<HubDevice | undefined> => {
    const verb = status === 'enabled' ? 'Enable' : 'Disable';
    const target = await resolveDevice(hubs, arg, `${verb} Device`);
    if (!target) return undefined;
    const { hub, deviceId } = target;
    let reason = quiet?.reason;
    if (status === 'disabled' && reason === undefined) {
      reason = await vscode.window.showInputBox({
        title: `Disable '${deviceId}'`,
        prompt: 'Why (optional; kept as the device\'s status reason). A disabled device cannot connect or send; its connection is closed.',
        placeHolder: 'e.g. decommissioned',
      });
      if (reason === undefined) return undefined;
    }
    try {
      const device = await hub.setDeviceStatus(deviceId, status, reason ?? '');
      log.info(`${verb.toLowerCase()}d device ${deviceId} on ${hub.label}`);
      return device;
    } catch (e) {
      showHubError(log, `Device '${deviceId}' was not ${verb.toLowerCase()}d`, e, { hub, deviceId });
      return undefined;
    }
  };
  command('iotHubMessaging.device.enable', (arg, quiet) => setStatus(arg, quiet, 'enabled'));
  command('iotHubMessaging.device.disable', (arg, quiet) => setStatus(arg, quiet, 'disabled'));

  const copyConnectionString = async (hub: HubConnection, deviceId: string, which: KeyName): Promise<boolean> => {
    try {
      await vscode.env.clipboard.writeText(await hub.deviceConnectionString(deviceId, which));
      void vscode.window.showInformationMessage(`IoT Hub: ${which} connection string of '${deviceId}' copied (it holds the device key: keep it private).`);
      return true;
    } catch (e) {
      showHubError(log, `The connection string of '${deviceId}' was not copied`, e, { hub, deviceId });
      return false;
    }
  };
  command('iotHubMessaging.device.copyConnectionString', async (arg) => {
    const t = await resolveDevice(hubs, arg, 'Copy Device Connection String');
    return t ? copyConnectionString(t.hub, t.deviceId, 'primary') : false;
  });
  command('iotHubMessaging.device.copySecondaryConnectionString', async (arg) => {
    const t = await resolveDevice(hubs, arg, 'Copy Device Connection String (Secondary Key)');
    return t ? copyConnectionString(t.hub, t.deviceId, 'secondary') : false;
  });

  command('iotHubMessaging.device.regenerateKey', async (arg?: unknown, quiet?: Quiet): Promise<KeyName | undefined> => {
    const target = await resolveDevice(hubs, arg, 'Regenerate Device Key');
    if (!target) return undefined;
    const { hub, deviceId } = target;
    const which = quiet?.which ?? (await vscode.window.showQuickPick(
      [{ label: 'Primary key', which: 'primary' as const }, { label: 'Secondary key', which: 'secondary' as const }],
      { title: `Regenerate a key of '${deviceId}'`, placeHolder: 'Connections and tokens made with the old key stop working when they reconnect' },
    ))?.which;
    if (!which) return undefined;
    try {
      await hub.regenerateKey(deviceId, which);
      log.info(`regenerated the ${which} key of ${deviceId} on ${hub.label}`);
      void vscode.window.showInformationMessage(`IoT Hub: the ${which} key of '${deviceId}' was replaced. Give the device its new connection string.`, 'Copy Connection String').then((a) => {
        if (a) void copyConnectionString(hub, deviceId, which);
      });
      return which;
    } catch (e) {
      showHubError(log, `The ${which} key of '${deviceId}' was not regenerated`, e, { hub, deviceId });
      return undefined;
    }
  });

  command('iotHubMessaging.device.generateSasToken', async (arg?: unknown, quiet?: Quiet): Promise<boolean> => {
    const target = await resolveDevice(hubs, arg, 'Generate Device SAS Token');
    if (!target) return false;
    const { hub, deviceId } = target;
    const seconds = quiet?.lifetimeSeconds ?? (await vscode.window.showQuickPick(
      SAS_LIFETIMES.map((l) => ({ label: l.label, seconds: l.seconds })),
      { title: `SAS token for '${deviceId}'`, placeHolder: 'How long the token stays valid' },
    ))?.seconds;
    if (seconds === undefined) return false;
    try {
      await vscode.env.clipboard.writeText(await hub.deviceSasToken(deviceId, seconds, quiet?.which ?? 'primary'));
      void vscode.window.showInformationMessage(`IoT Hub: SAS token for '${deviceId}' copied (valid until ${new Date(Date.now() + seconds * 1000).toLocaleString()}).`);
      return true;
    } catch (e) {
      showHubError(log, `No SAS token was made for '${deviceId}'`, e, { hub, deviceId });
      return false;
    }
  });
}
