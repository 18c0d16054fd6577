// A device in the tree: its connection state and enabled/disabled status by icon, a description
// such as `connected · 3 queued`, a Markdown tooltip with every registry field (never a key), and
// its C2D queue under it, and the C2D messages sent to it from this window with their outcome
// (once there are any). `update` takes the device as the hub now has it (from an event), so a
// refresh of this node alone shows the change.
import * as vscode from 'vscode';
import { C2D_MAX_QUEUE_DEPTH } from '../../core/message/limits';
import type { HubDevice } from '../../hubs/hubConnection';
import { C2dQueueNode } from './c2dQueueNode';
import { SentC2dNode } from './sentC2dNode';
import type { DevicesNode } from './devicesNode';
import { escapeMd } from './hubNode';
import { contextValue, type TreeNode } from './treeNode';

export class DeviceNode implements TreeNode {
  readonly id: string;
  readonly queue: C2dQueueNode;
  readonly sent: SentC2dNode | undefined;

  constructor(readonly parent: DevicesNode, private current: HubDevice) {
    this.id = `${parent.id}/${encodeURIComponent(current.deviceId)}`;
    this.queue = new C2dQueueNode(this);
    const sent = parent.parent.sent;
    this.sent = sent ? new SentC2dNode(this, sent) : undefined;
  }

  get hub(): DevicesNode['hub'] {
    return this.parent.hub;
  }

  get deviceId(): string {
    return this.current.deviceId;
  }

  get device(): HubDevice {
    return this.current;
  }

  update(device: HubDevice): void {
    this.current = device;
  }

  /** Changes the fields an event carries without the whole device. */
  patch(fields: Partial<HubDevice>): void {
    this.current = { ...this.current, ...fields };
  }

  treeItem(): vscode.TreeItem {
    const d = this.current;
    const item = new vscode.TreeItem(d.deviceId, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.description = describeDevice(d);
    item.iconPath = deviceIcon(d);
    item.contextValue = contextValue('device', { status: d.status, connection: d.connectionState === 'Connected' ? 'connected' : 'disconnected' });
    return item;
  }

  tooltip(): vscode.MarkdownString {
    return deviceTooltip(this.current);
  }

  children(): TreeNode[] {
    return this.sent && this.sent.entries.length > 0 ? [this.queue, this.sent] : [this.queue];
  }
}

export function describeDevice(d: HubDevice): string {
  const parts: string[] = [];
  if (d.status === 'disabled') parts.push('disabled');
  parts.push(d.connectionState === 'Connected' ? 'connected' : 'disconnected');
  if (d.cloudToDeviceMessageCount > 0) parts.push(`${d.cloudToDeviceMessageCount} queued`);
  return parts.join(' \u00b7 ');
}

function deviceIcon(d: HubDevice): vscode.ThemeIcon {
  if (d.status === 'disabled') return new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground'));
  return d.connectionState === 'Connected'
    ? new vscode.ThemeIcon('vm-active', new vscode.ThemeColor('charts.green'))
    : new vscode.ThemeIcon('vm-outline');
}

const AUTH_NAMES: Record<HubDevice['authType'], string> = {
  sas: 'shared access key (SAS)', selfSigned: 'X.509 self-signed', certificateAuthority: 'X.509 CA-signed', none: 'none',
};

/** Every registry field IoT Hub shows for a device, never a key. */
export function deviceTooltip(d: HubDevice): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  const row = (name: string, value: string | undefined): void => {
    md.appendMarkdown(`| ${name} | ${value === undefined || value === '' ? '\u2014' : escapeMd(value)} |\n`);
  };
  md.appendMarkdown(`**${escapeMd(d.deviceId)}**\n\n| | |\n|---|---|\n`);
  row('Status', d.status + (d.statusReason ? ` (${d.statusReason})` : ''));
  row('Status updated', d.statusUpdatedTime);
  row('Connection', d.connectionState);
  row('Connection since', d.connectionStateUpdatedTime);
  row('Last activity', d.lastActivityTime);
  row('C2D messages queued', `${d.cloudToDeviceMessageCount} of ${C2D_MAX_QUEUE_DEPTH}`);
  row('Authentication', AUTH_NAMES[d.authType]);
  row('Generation id', d.generationId);
  row('ETag', d.etag);
  return md;
}
