// A hub at the tree's root: its state in the description (running, starting, stopped, failed with
// the reason), its endpoints in the tooltip, and under it Devices, Feedback and Consumer groups
// (and, where the hub's routing can be read here, Routes and Endpoints) while it runs. A hub that
// does not run shows what to do next instead (start it; or the reason, Show Log and the settings
// to change when it failed). Nothing here assumes the hub is local:
// start/stop apply when `capabilities.lifecycle` says so.
import * as vscode from 'vscode';
import type { HubConnection, HubStatus } from '../../hubs/hubConnection';
import type { SentC2dMessages } from '../../hubs/sentC2dMessages';
import { ConsumerGroupsNode } from './consumerGroupsNode';
import { DevicesNode } from './devicesNode';
import { EndpointsNode } from './endpointsNode';
import { FeedbackNode } from './feedbackNode';
import { InfoNode } from './infoNode';
import { RoutesNode } from './routesNode';
import { contextValue, nodeId, type TreeNode } from './treeNode';

export function describeStatus(status: HubStatus): string {
  return status.state === 'failed' ? `failed: ${status.message}` : status.state;
}

export class HubNode implements TreeNode {
  readonly parent = undefined;
  readonly id: string;
  readonly devices: DevicesNode;
  readonly feedback: FeedbackNode;
  readonly consumerGroups: ConsumerGroupsNode;
  /** Present when the hub's routing can be read here (HubConnection.routing). */
  readonly routes: RoutesNode | undefined;
  readonly endpoints: EndpointsNode | undefined;

  /** `sent`: the C2D messages sent from this window, shown under each device with their outcome. */
  constructor(readonly hub: HubConnection, readonly sent?: SentC2dMessages) {
    this.id = nodeId(hub);
    this.devices = new DevicesNode(this);
    this.feedback = new FeedbackNode(this);
    this.consumerGroups = new ConsumerGroupsNode(this);
    this.routes = hub.routing ? new RoutesNode(this, hub.routing) : undefined;
    this.endpoints = hub.routing ? new EndpointsNode(this, hub.routing) : undefined;
  }

  treeItem(): vscode.TreeItem {
    const { hub } = this;
    const status = hub.status;
    const item = new vscode.TreeItem(hub.label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = this.id;
    item.description = describeStatus(status);
    item.contextValue = contextValue('hub', { kind: hub.kind, state: status.state });
    item.iconPath = statusIcon(status, hub.kind);
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${escapeMd(hub.label)}** (${hub.kind === 'local' ? 'local IoT Hub on this machine' : 'Azure IoT Hub'})\n\n`);
    md.appendMarkdown(`State: ${escapeMd(describeStatus(status))}\n\n`);
    if (hub.hostName) md.appendMarkdown(`Host name: \`${hub.hostName}\`\n\n`);
    for (const line of hub.describe()) md.appendMarkdown(`- ${line}\n`);
    item.tooltip = md;
    return item;
  }

  children(): TreeNode[] {
    const { hub } = this;
    const status = hub.status;
    switch (status.state) {
      case 'running':
        return [this.devices, this.feedback, this.consumerGroups, ...(this.routes ? [this.routes] : []), ...(this.endpoints ? [this.endpoints] : [])];
      case 'starting':
        return [new InfoNode(this, hub, 'starting', 'Starting the hub...', { icon: 'loading~spin' })];
      case 'stopped':
        return hub.capabilities.lifecycle
          ? [new InfoNode(this, hub, 'start', 'Start the local hub to see its devices', { icon: 'play', action: { command: 'iotHubMessaging.localHub.start', title: 'Start Local Hub' } })]
          : [new InfoNode(this, hub, 'stopped', 'Not connected: refresh to try again', { icon: 'refresh', action: { command: 'iotHubMessaging.tree.refresh', title: 'Refresh', arguments: [this] } })];
      case 'failed':
        return [
          new InfoNode(this, hub, 'reason', status.message, { icon: 'error', color: 'errorForeground', tooltip: status.message }),
          new InfoNode(this, hub, 'log', 'Show Log', { icon: 'output', action: { command: 'iotHubMessaging.showLog', title: 'Show Log' } }),
          ...(hub.capabilities.lifecycle
            ? [
              new InfoNode(this, hub, 'ports', 'Port taken? Change the local hub\'s ports in Settings', { icon: 'settings-gear', action: { command: 'workbench.action.openSettings', title: 'Open Settings', arguments: ['iotHubMessaging.localHub'] } }),
              new InfoNode(this, hub, 'start', 'Start the local hub again', { icon: 'play', action: { command: 'iotHubMessaging.localHub.start', title: 'Start Local Hub' } }),
            ]
            : []),
        ];
    }
  }
}

function statusIcon(status: HubStatus, kind: HubConnection['kind']): vscode.ThemeIcon {
  switch (status.state) {
    case 'running': return new vscode.ThemeIcon(kind === 'local' ? 'radio-tower' : 'azure', new vscode.ThemeColor('charts.green'));
    case 'starting': return new vscode.ThemeIcon('loading~spin');
    case 'stopped': return new vscode.ThemeIcon('circle-slash');
    case 'failed': return new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
  }
}

export function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
