// One feedback record: the original message id as label, status code, device and time beside it.
import * as vscode from 'vscode';
import type { FeedbackRecordView } from '../../hubs/hubConnection';
import type { FeedbackNode } from './feedbackNode';
import { escapeMd } from './hubNode';
import { shortTime, type TreeNode } from './treeNode';

const ICONS: Record<FeedbackRecordView['statusCode'], [string, string | undefined]> = {
  Success: ['pass', 'testing.iconPassed'],
  Expired: ['watch', 'list.warningForeground'],
  DeliveryCountExceeded: ['warning', 'list.warningForeground'],
  Rejected: ['close', 'errorForeground'],
  Purged: ['trash', undefined],
};

export class FeedbackRecordNode implements TreeNode {
  readonly id: string;
  constructor(readonly parent: FeedbackNode, readonly record: FeedbackRecordView, index: number) {
    // Records have no id of their own; message id + time + status is unique enough, the index breaks ties.
    this.id = `${parent.id}/${encodeURIComponent(`${record.originalMessageId}|${record.enqueuedTimeUtc}|${record.statusCode}`)}#${index}`;
  }

  get hub(): FeedbackNode['hub'] {
    return this.parent.hub;
  }

  get deviceId(): string {
    return this.record.deviceId;
  }

  treeItem(): vscode.TreeItem {
    const r = this.record;
    const item = new vscode.TreeItem(r.originalMessageId || '(no message id)', vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = `${r.statusCode} \u00b7 ${r.deviceId} \u00b7 ${shortTime(r.enqueuedTimeUtc)}`;
    const [icon, color] = ICONS[r.statusCode];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    item.contextValue = 'feedbackRecord';
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${escapeMd(r.statusCode)}** for message ${escapeMd(r.originalMessageId)}\n\n`);
    md.appendMarkdown(`Device: ${escapeMd(r.deviceId)}\n\nRecorded: ${escapeMd(r.enqueuedTimeUtc)}\n\n${escapeMd(r.description)}`);
    item.tooltip = md;
    return item;
  }

  children(): TreeNode[] {
    return [];
  }
}
