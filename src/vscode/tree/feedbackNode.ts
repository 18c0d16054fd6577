// A hub's Feedback folder: the recent C2D feedback records (original message id, device, status
// code, time), newest first. Read when expanded and again on each feedback event.
import * as vscode from 'vscode';
import type { FeedbackRecordView } from '../../hubs/hubConnection';
import { FeedbackRecordNode } from './feedbackRecordNode';
import type { HubNode } from './hubNode';
import { InfoNode } from './infoNode';
import { errorText } from '../../core/errorText';
import { nodeId, type TreeNode } from './treeNode';

/** Records shown (the hub may keep more). */
export const FEEDBACK_SHOWN = 100;

export class FeedbackNode implements TreeNode {
  readonly id: string;
  records: FeedbackRecordView[] = [];

  constructor(readonly parent: HubNode) {
    this.id = nodeId(parent.hub, 'feedback');
  }

  get hub(): HubNode['hub'] {
    return this.parent.hub;
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Feedback', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('feedback');
    item.contextValue = 'feedback';
    item.tooltip = this.hub.capabilities.feedbackHistory
      ? 'C2D delivery feedback the hub recorded (for messages sent with an ack mode), newest first.'
      : 'C2D delivery feedback received in this window (IoT Hub hands each record to one reader), newest first.';
    return item;
  }

  async children(): Promise<TreeNode[]> {
    try {
      this.records = await this.hub.recentFeedback(FEEDBACK_SHOWN);
    } catch (e) {
      return [new InfoNode(this, this.hub, 'error', `Could not read feedback: ${errorText(e)}`, {
        icon: 'error', color: 'errorForeground', action: { command: 'iotHubMessaging.tree.refresh', title: 'Retry', arguments: [this] },
      })];
    }
    if (this.records.length === 0) {
      return [new InfoNode(this, this.hub, 'empty', 'No feedback yet: send C2D with an ack mode', { icon: 'info' })];
    }
    return this.records.map((r, i) => new FeedbackRecordNode(this, r, i));
  }
}
