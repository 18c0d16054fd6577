// "Sent from this window" under a device: the C2D messages sent to it from this window (newest
// first, bounded: src/hubs/sentC2dMessages.ts), each with what became of it: queued, delivered and
// locked, completed, rejected, expired, dead-lettered or purged, and the feedback status code and
// time when the message asked for feedback. Shown only once a message was sent. The same on every
// hub: where the hub reports nothing about a queued message (Azure), only feedback tells.
import * as vscode from 'vscode';
import { describeSentC2d, type SentC2dEntry, type SentC2dMessages, type SentC2dTone } from '../../hubs/sentC2dMessages';
import type { DeviceNode } from './deviceNode';
import { escapeMd } from './hubNode';
import { shortTime, type TreeNode } from './treeNode';

export class SentC2dNode implements TreeNode {
  readonly id: string;

  constructor(readonly parent: DeviceNode, private readonly sent: SentC2dMessages) {
    this.id = `${parent.id}/sent`;
  }

  get hub(): DeviceNode['hub'] {
    return this.parent.hub;
  }

  get deviceId(): string {
    return this.parent.deviceId;
  }

  get entries(): readonly SentC2dEntry[] {
    return this.sent.forDevice(this.hub.id, this.deviceId);
  }

  treeItem(): vscode.TreeItem {
    const n = this.entries.length;
    // Open: the point is to see the answer without looking for it.
    const item = new vscode.TreeItem('Sent from this window', vscode.TreeItemCollapsibleState.Expanded);
    item.id = this.id;
    item.description = `${n}`;
    item.iconPath = new vscode.ThemeIcon('history');
    item.contextValue = 'sentC2d';
    item.tooltip = `The newest C2D messages sent to '${this.deviceId}' from this window and what became of each (kept until the window closes).`
      + (this.hub.capabilities.queuePeek ? '' : ' IoT Hub tells a service nothing about a queued message: send with an ack mode to hear how it ended.');
    return item;
  }

  children(): SentC2dMessageNode[] {
    return this.entries.map((e) => new SentC2dMessageNode(this, e));
  }
}

const TONE_ICONS: Record<SentC2dTone, [string, string | undefined]> = {
  pending: ['clock', undefined],
  success: ['pass', 'testing.iconPassed'],
  failure: ['close', 'errorForeground'],
  warning: ['warning', 'list.warningForeground'],
  neutral: ['circle-outline', undefined],
};

export class SentC2dMessageNode implements TreeNode {
  readonly id: string;

  constructor(readonly parent: SentC2dNode, readonly entry: SentC2dEntry) {
    // sentAt tells two sends of one message id apart.
    this.id = `${parent.id}/${encodeURIComponent(`${entry.messageId}|${entry.sentAt}|${entry.sequenceNumber ?? ''}`)}`;
  }

  get hub(): SentC2dNode['hub'] {
    return this.parent.hub;
  }

  get deviceId(): string {
    return this.parent.deviceId;
  }

  treeItem(): vscode.TreeItem {
    const e = this.entry;
    const { text, tone } = describeSentC2d(e, (iso) => shortTime(iso));
    const item = new vscode.TreeItem(e.messageId, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = text;
    const [icon, color] = TONE_ICONS[tone];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    item.contextValue = 'sentC2dMessage';
    return item;
  }

  tooltip(): vscode.MarkdownString {
    const e = this.entry;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**C2D message ${escapeMd(e.messageId)}** to ${escapeMd(e.deviceId)}, ack ${escapeMd(e.ack)}\n\n`);
    if (e.feedback) md.appendMarkdown(`Feedback **${escapeMd(e.feedback.statusCode)}** at ${escapeMd(shortTime(e.feedback.enqueuedTimeUtc))}: ${escapeMd(e.feedback.description)}\n\n`);
    else if (e.ack === 'none') md.appendMarkdown('Sent without an ack mode: the hub sends no feedback for it.\n\n');
    md.appendMarkdown('| | |\n|---|---|\n');
    // In time order: the feedback carries the hub's time, which may be a little before the queue event was seen here.
    const history = [...e.history].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    for (const h of history) md.appendMarkdown(`| ${escapeMd(shortTime(h.at)).replace(/ /g, '\u00a0')} | ${escapeMd(h.text)} |\n`);
    if (e.expiryTimeUtc) md.appendMarkdown(`\nExpires ${escapeMd(shortTime(e.expiryTimeUtc))} (${escapeMd(e.expiryTimeUtc)}).`);
    return md;
  }

  children(): TreeNode[] {
    return [];
  }
}
