// Choosing a hub and a device, shared by every command that acts on one. A command run from the
// tree gets its node ({ hub, deviceId? }); from the palette it asks, skipping the question when
// there is only one answer. Device pickers list at most one page and accept any typed id, so they
// stay quick with 10,000 devices.
import * as vscode from 'vscode';
import type { HubConnection, HubDevice } from '../../hubs/hubConnection';
import type { HubList } from './hubList';
import { errorText } from '../../core/errorText';

/** What tree nodes hand to commands: every node knows its hub, device-level nodes their device. */
export interface HubNodeArg {
  readonly hub: HubConnection;
  readonly deviceId?: string;
}

export function isHubNodeArg(x: unknown): x is HubNodeArg {
  return typeof x === 'object' && x !== null && typeof (x as HubNodeArg).hub === 'object' && typeof (x as HubNodeArg).hub?.id === 'string';
}

/** Devices listed in a picker before the user types (typing any id is always possible). */
const PICK_PAGE = 1000;

/** Picks a hub (running ones only when `running`); no question when only one fits. */
export async function pickHub(hubs: HubList, options: { title: string; running?: boolean }): Promise<HubConnection | undefined> {
  const fits = hubs.all().filter((h) => !options.running || h.status.state === 'running');
  if (fits.length === 0) {
    const local = hubs.all().find((h) => h.capabilities.lifecycle);
    const start = 'Start Local Hub';
    const choice = await vscode.window.showWarningMessage(`IoT Hub: no hub is running.`, ...(local ? [start] : []));
    if (choice === start) await vscode.commands.executeCommand('iotHubMessaging.localHub.start');
    return undefined;
  }
  if (fits.length === 1) return fits[0];
  const pick = await vscode.window.showQuickPick(
    fits.map((h) => ({ label: h.label, description: h.kind === 'local' ? 'local' : 'Azure IoT Hub', ...(h.status.state === 'running' ? {} : { detail: h.status.state }), hub: h })),
    { title: options.title, placeHolder: 'Select a hub' },
  );
  return pick?.hub;
}

type DeviceItem = vscode.QuickPickItem & { deviceId: string };

function deviceItem(d: HubDevice): DeviceItem {
  const state = d.status === 'disabled' ? 'disabled' : d.connectionState === 'Connected' ? 'connected' : 'disconnected';
  return { label: d.deviceId, description: state, deviceId: d.deviceId, iconPath: new vscode.ThemeIcon(d.status === 'disabled' ? 'circle-slash' : d.connectionState === 'Connected' ? 'vm-active' : 'vm-outline') };
}

/**
 * Picks a device of `hub`: its first devices are listed, and whatever the user types can be used
 * as an id (hubs with more devices than a picker should list). `extra` items come first (e.g.
 * "Create Device..."). Resolves with the id, an extra's `id`, or undefined when cancelled.
 */
export async function pickDevice(hub: HubConnection, options: { title: string; placeHolder?: string; extra?: Array<vscode.QuickPickItem & { id: string }> }): Promise<string | undefined> {
  const qp = vscode.window.createQuickPick<DeviceItem>();
  qp.title = options.title;
  qp.placeholder = options.placeHolder ?? 'Select a device, or type its id';
  qp.matchOnDescription = true;
  qp.busy = true;
  const extras: DeviceItem[] = (options.extra ?? []).map((e) => ({ ...e, deviceId: `\u0000${e.id}`, alwaysShow: true }));
  let listed: DeviceItem[] = [];
  const render = (): void => {
    const typed = qp.value.trim();
    const typedItem: DeviceItem[] = typed !== '' && !listed.some((i) => i.deviceId === typed)
      ? [{ label: typed, description: 'use this device id', deviceId: typed, alwaysShow: true, iconPath: new vscode.ThemeIcon('edit') }]
      : [];
    qp.items = [...extras, ...typedItem, ...listed];
  };
  const disposables: vscode.Disposable[] = [qp.onDidChangeValue(render)];
  hub.listDevices({ pageSize: PICK_PAGE }).then(
    (page) => {
      listed = page.items.map(deviceItem);
      qp.busy = false;
      render();
    },
    (e: unknown) => {
      qp.busy = false;
      qp.placeholder = `Type a device id (the list could not be read: ${errorText(e)})`;
      render();
    },
  );
  render();
  try {
    return await new Promise<string | undefined>((resolve) => {
      disposables.push(qp.onDidAccept(() => {
        const item = qp.selectedItems[0];
        const id = item?.deviceId ?? qp.value.trim();
        resolve(id === '' ? undefined : id.startsWith('\u0000') ? id.slice(1) : id);
        qp.hide();
      }));
      disposables.push(qp.onDidHide(() => resolve(undefined)));
      qp.show();
    });
  } finally {
    for (const d of disposables) d.dispose();
    qp.dispose();
  }
}

/** The hub and device a device command acts on: the tree node's, or asked for. */
export async function resolveDevice(hubs: HubList, arg: unknown, title: string): Promise<{ hub: HubConnection; deviceId: string } | undefined> {
  const hub = isHubNodeArg(arg) ? arg.hub : await pickHub(hubs, { title, running: true });
  if (!hub) return undefined;
  const deviceId = isHubNodeArg(arg) && arg.deviceId !== undefined ? arg.deviceId : await pickDevice(hub, { title });
  return deviceId === undefined ? undefined : { hub, deviceId };
}
