// The Hubs view (iotHubMessaging.hubs) and its own commands: Refresh, Load more, Filter Devices
// (and Clear Filter), Go to Device. Device, queue and consumer-group commands live beside this
// file; the receive and Azure features add their menu entries by contextValue (see treeNode.ts).
import * as vscode from 'vscode';
import { compileDeviceFilter } from '../../hubs/deviceFilter';
import type { HubConnection } from '../../hubs/hubConnection';
import { isHubNodeArg, pickHub } from '../hubs/pickers';
import { showHubError } from '../hubs/hubErrors';
import { localHubAutoStart } from '../localHub/localHubCommands';
import type { ExtensionRuntime } from '../runtime';
import { DeviceNode } from './deviceNode';
import { DevicesNode } from './devicesNode';
import { HubNode } from './hubNode';
import { HubsTreeProvider } from './hubsTreeProvider';
import { LoadMoreNode } from './loadMoreNode';
import { REVEAL_SENT_C2D_COMMAND } from '../receive/feedbackWatch';
import type { TreeNode } from './treeNode';

export const HUBS_VIEW_ID = 'iotHubMessaging.hubs';

export interface HubsTree {
  readonly provider: HubsTreeProvider;
  readonly view: vscode.TreeView<TreeNode>;
}

export function isTreeNode(x: unknown): x is TreeNode {
  return isHubNodeArg(x) && typeof (x as Partial<TreeNode>).treeItem === 'function';
}

export function registerHubsTree(runtime: ExtensionRuntime): HubsTree {
  const provider = runtime.own(new HubsTreeProvider(runtime.hubs, runtime.feedback.sent));
  const view = runtime.own(vscode.window.createTreeView(HUBS_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true }));
  const tree: HubsTree = { provider, view };

  // Palette commands that need a running hub show only while one runs.
  const statusSubscriptions = new Map<string, { dispose(): void }>();
  const updateRunning = (): void => {
    void vscode.commands.executeCommand('setContext', 'iotHubMessaging.anyHubRunning', runtime.hubs.all().some((h) => h.status.state === 'running'));
  };
  const followStatus = (): void => {
    for (const [id, s] of statusSubscriptions) if (!runtime.hubs.get(id)) { s.dispose(); statusSubscriptions.delete(id); }
    for (const h of runtime.hubs.all()) if (!statusSubscriptions.has(h.id)) statusSubscriptions.set(h.id, h.onDidChangeStatus(updateRunning));
    updateRunning();
  };
  followStatus();
  runtime.own(runtime.hubs.onDidChange(followStatus));
  runtime.own({ dispose: () => { for (const s of statusSubscriptions.values()) s.dispose(); statusSubscriptions.clear(); } });

  // autoStart 'onView': the first time the view shows, start the local hub (trusted workspaces only).
  let shown = false;
  const onShown = (): void => {
    if (shown || !view.visible) return;
    shown = true;
    if (localHubAutoStart() === 'onView' && vscode.workspace.isTrusted && runtime.localHub.status.state === 'stopped') {
      void vscode.commands.executeCommand('iotHubMessaging.localHub.start');
    }
  };
  runtime.own(view.onDidChangeVisibility(onShown));
  onShown();
  const command = (id: string, run: (arg?: unknown) => unknown): void => {
    runtime.own(vscode.commands.registerCommand(id, run));
  };

  const hubNodeOf = async (arg: unknown, title: string): Promise<HubNode | undefined> => {
    const hub = isHubNodeArg(arg) ? arg.hub : await pickHub(runtime.hubs, { title, running: true });
    return hub ? provider.hubNode(hub) : undefined;
  };
  const devicesNodeOf = async (arg: unknown, title: string): Promise<DevicesNode | undefined> => {
    if (arg instanceof DevicesNode) return arg;
    return (await hubNodeOf(arg, title))?.devices;
  };

  command('iotHubMessaging.tree.refresh', (arg?: unknown) => {
    if (isTreeNode(arg) && !(arg instanceof HubNode)) {
      if (arg instanceof DevicesNode) arg.reset();
      provider.refresh(arg);
      return;
    }
    const hubs: HubConnection[] = isHubNodeArg(arg) ? [arg.hub] : [...runtime.hubs.all()];
    for (const hub of hubs) {
      const node = provider.hubNode(hub);
      if (node) provider.resetHub(node);
    }
  });

  command('iotHubMessaging.tree.loadMore', async (arg?: unknown) => {
    const devices = arg instanceof LoadMoreNode ? arg.parent : arg instanceof DevicesNode ? arg : undefined;
    if (!devices) return;
    await devices.loadMore();
    provider.refresh(devices);
  });

  command('iotHubMessaging.tree.filterDevices', async (arg?: unknown) => {
    const devices = await devicesNodeOf(arg, 'Filter Devices');
    if (!devices) return;
    const text = await vscode.window.showInputBox({
      title: `Filter Devices of ${devices.hub.label}`,
      prompt: 'Part of a device id, or a pattern with * (any characters) and ? (one character). Ids are case-sensitive. Empty: all devices.',
      placeHolder: 'sensor-*',
      value: devices.filter ?? '',
    });
    if (text === undefined) return;
    applyFilter(devices, text);
  });

  command('iotHubMessaging.tree.clearFilter', async (arg?: unknown) => {
    const devices = await devicesNodeOf(arg, 'Clear Device Filter');
    if (devices) applyFilter(devices, '');
  });

  const applyFilter = (devices: DevicesNode, text: string): void => {
    devices.setFilter(compileDeviceFilter(text).text);
    void vscode.commands.executeCommand('setContext', 'iotHubMessaging.tree.filtered', provider.roots().some((r) => r.devices.filter !== undefined));
    provider.refresh(devices);
    // Show the result: the folder opens on the filtered list.
    void view.reveal(devices, { expand: true, focus: false, select: false }).then(undefined, () => undefined);
  };

  command('iotHubMessaging.tree.goToDevice', async (arg?: unknown) => {
    const hubNode = await hubNodeOf(arg, 'Go to Device');
    if (!hubNode) return undefined;
    const typed = isHubNodeArg(arg) && arg.deviceId !== undefined ? arg.deviceId : await vscode.window.showInputBox({
      title: `Go to Device on ${hubNode.hub.label}`,
      prompt: 'The device id (exact, case-sensitive): the device is looked up, not listed, so this is quick on any hub.',
    });
    const deviceId = typed?.trim();
    if (!deviceId) return undefined;
    try {
      const device = await hubNode.hub.getDevice(deviceId);
      if (!device) {
        void vscode.window.showWarningMessage(`IoT Hub: ${hubNode.hub.label} has no device '${deviceId}'.`, 'Create Device').then((a) => {
          if (a) void vscode.commands.executeCommand('iotHubMessaging.device.create', { hub: hubNode.hub, deviceId });
        });
        return undefined;
      }
      // The folder must be read before a device can sit in it; then place this one even if beyond the pages read.
      if (!hubNode.devices.isLoaded) await hubNode.devices.children();
      const listed = hubNode.devices.device(device.deviceId) !== undefined;
      const node = hubNode.devices.pin(device);
      // A device beyond the pages read is new to VS Code: it can be revealed once VS Code has read the folder again.
      if (listed) provider.refresh(hubNode.devices);
      else await provider.refreshAndReread(hubNode.devices);
      await view.reveal(node, { select: true, focus: true, expand: true });
      return node;
    } catch (e) {
      showHubError(runtime.log, `Go to device '${deviceId}' failed`, e, { hub: hubNode.hub, deviceId });
      return undefined;
    }
  });

  // From a feedback notification: the message it answers, under its device, with its outcome.
  command(REVEAL_SENT_C2D_COMMAND, async (arg?: unknown) => {
    if (!isHubNodeArg(arg) || arg.deviceId === undefined) return undefined;
    const messageId = (arg as { messageId?: unknown }).messageId;
    const device: TreeNode | undefined = await vscode.commands.executeCommand('iotHubMessaging.tree.goToDevice', { hub: arg.hub, deviceId: arg.deviceId });
    const sent = device instanceof DeviceNode ? device.sent : undefined;
    if (!sent || sent.entries.length === 0) return device;
    const target = sent.children().find((n) => n.entry.messageId === messageId) ?? sent;
    await view.reveal(target, { select: true, focus: true, expand: true }).then(undefined, () => undefined);
    return target;
  });

  return tree;
}
