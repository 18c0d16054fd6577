// One message waiting in a device's C2D queue: message id, state (enqueued, or locked until a
// time), delivery count against the maximum, expiry and ack mode. Clicking it opens it in the
// message inspector as a queued message (hub-stamped properties shown as stamps).
import * as vscode from 'vscode';
import type { QueuedC2dMessage } from '../../hubs/hubConnection';
import type { C2dQueueNode } from './c2dQueueNode';
import { escapeMd } from './hubNode';
import { shortTime, type TreeNode } from './treeNode';

export const OPEN_QUEUED_MESSAGE_COMMAND = 'iotHubMessaging.queue.openMessage';

export class C2dMessageNode implements TreeNode {
  readonly id: string;
  constructor(readonly parent: C2dQueueNode, readonly message: QueuedC2dMessage) {
    this.id = `${parent.id}/${message.sequenceNumber}`;
  }

  get hub(): C2dQueueNode['hub'] {
    return this.parent.hub;
  }

  get deviceId(): string {
    return this.parent.deviceId;
  }

  treeItem(): vscode.TreeItem {
    const m = this.message;
    const item = new vscode.TreeItem(m.messageId ?? `#${m.sequenceNumber}`, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = describeQueued(m);
    item.iconPath = new vscode.ThemeIcon(m.state === 'Invisible' ? 'lock' : 'mail');
    item.contextValue = 'c2dMessage';
    item.command = { command: OPEN_QUEUED_MESSAGE_COMMAND, title: 'Open in Inspector', arguments: [this] };
    return item;
  }

  tooltip(): vscode.MarkdownString {
    return queuedTooltip(this.message);
  }

  children(): TreeNode[] {
    return [];
  }
}

export function stateText(m: QueuedC2dMessage): string {
  if (m.state === 'Invisible') return m.lockedUntil ? `locked until ${shortTime(m.lockedUntil)}` : 'locked';
  return m.state === 'Enqueued' ? 'enqueued' : m.state === 'Completed' ? 'completed' : 'dead-lettered';
}

export function describeQueued(m: QueuedC2dMessage): string {
  return [
    stateText(m),
    `delivered ${m.deliveryCount}/${m.maxDeliveryCount}`,
    `expires ${shortTime(m.expiryTime)}`,
    `ack ${m.systemProperties.ack ?? 'none'}`,
  ].join(' \u00b7 ');
}

function queuedTooltip(m: QueuedC2dMessage): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  const row = (name: string, value: string | undefined): void => {
    md.appendMarkdown(`| ${name} | ${value === undefined || value === '' ? '\u2014' : escapeMd(value)} |\n`);
  };
  md.appendMarkdown(`**C2D message ${escapeMd(m.messageId ?? `#${m.sequenceNumber}`)}** for ${escapeMd(m.deviceId)}\n\n| | |\n|---|---|\n`);
  row('State', m.state === 'Invisible' ? `locked until ${m.lockedUntil ?? '?'}` : m.state);
  row('Delivery count', `${m.deliveryCount} of ${m.maxDeliveryCount}`);
  row('Enqueued', m.enqueuedTime);
  row('Expires', m.expiryTime);
  row('Acknowledgement', m.systemProperties.ack ?? 'none');
  row('Sequence number', String(m.sequenceNumber));
  row('Correlation id', m.systemProperties.correlationId);
  row('Content type', m.systemProperties.contentType);
  row('Body', `${m.body.byteLength.toLocaleString('en-US')} bytes`);
  if (m.applicationProperties.length > 0) row('Application properties', m.applicationProperties.map((p) => p.name).join(', '));
  md.appendMarkdown('\nClick to open it in the message inspector.');
  return md;
}
