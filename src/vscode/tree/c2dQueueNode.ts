// "C2D queue (3/50)" under a device: the depth against IoT Hub's maximum, and (where the hub lets
// anyone read a queue: the local hub) every queued message. The depth comes from the device (its
// C2D message count, kept current by queue events); the messages are read when it is expanded or
// refreshed.
import * as vscode from 'vscode';
import { errorText } from '../../core/errorText';
import { C2D_MAX_QUEUE_DEPTH } from '../../core/message/limits';
import type { QueuedC2dMessage } from '../../hubs/hubConnection';
import { C2dMessageNode } from './c2dMessageNode';
import type { DeviceNode } from './deviceNode';
import { InfoNode } from './infoNode';
import { contextValue, type TreeNode } from './treeNode';

export class C2dQueueNode implements TreeNode {
  readonly id: string;
  /** What the last read returned (tests and the inspector command read it). */
  messages: QueuedC2dMessage[] = [];

  constructor(readonly parent: DeviceNode) {
    this.id = `${parent.id}/c2d`;
  }

  get hub(): DeviceNode['hub'] {
    return this.parent.hub;
  }

  get deviceId(): string {
    return this.parent.deviceId;
  }

  get depth(): number {
    return this.parent.device.cloudToDeviceMessageCount;
  }

  label(): string {
    return `C2D queue (${this.depth}/${C2D_MAX_QUEUE_DEPTH})`;
  }

  treeItem(): vscode.TreeItem {
    const peek = this.hub.capabilities.queuePeek;
    const item = new vscode.TreeItem(this.label(), peek ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(this.depth >= C2D_MAX_QUEUE_DEPTH ? 'warning' : 'inbox');
    item.contextValue = contextValue('c2dQueue', { empty: this.depth === 0 });
    item.tooltip = this.depth >= C2D_MAX_QUEUE_DEPTH
      ? `The queue is full: the hub refuses new C2D messages for '${this.deviceId}' until the device receives some, or the queue is purged.`
      : peek
        ? `${this.depth} C2D message(s) waiting for '${this.deviceId}' (IoT Hub keeps at most ${C2D_MAX_QUEUE_DEPTH}). Expand to see them.`
        : `${this.depth} C2D message(s) waiting for '${this.deviceId}'. IoT Hub does not let a service read queued messages; purging empties the queue.`;
    return item;
  }

  async children(): Promise<TreeNode[]> {
    if (!this.hub.capabilities.queuePeek) return [];
    try {
      this.messages = await this.hub.peekQueue(this.deviceId);
    } catch (e) {
      this.messages = [];
      return [new InfoNode(this, this.hub, 'error', `Could not read the queue: ${errorText(e)}`, {
        icon: 'error', color: 'errorForeground', action: { command: 'iotHubMessaging.tree.refresh', title: 'Retry', arguments: [this] },
      })];
    }
    // The count may lag a read made right after an event; the messages are the truth.
    if (this.messages.length !== this.depth) this.parent.patch({ cloudToDeviceMessageCount: this.messages.length });
    if (this.messages.length === 0) return [new InfoNode(this, this.hub, 'empty', 'No queued messages', { icon: 'info' })];
    return this.messages.map((m) => new C2dMessageNode(this, m));
  }
}
