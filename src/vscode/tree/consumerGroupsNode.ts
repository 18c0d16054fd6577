// A hub's Consumer groups folder: the groups of its Event Hubs-compatible endpoint (readers of
// D2C telemetry each use one). Create and delete are commands on this folder and its items.
import * as vscode from 'vscode';
import { ConsumerGroupNode } from './consumerGroupNode';
import type { HubNode } from './hubNode';
import { InfoNode } from './infoNode';
import { errorText } from '../../core/errorText';
import { nodeId, type TreeNode } from './treeNode';

export class ConsumerGroupsNode implements TreeNode {
  readonly id: string;
  groups: string[] = [];

  constructor(readonly parent: HubNode) {
    this.id = nodeId(parent.hub, 'consumerGroups');
  }

  get hub(): HubNode['hub'] {
    return this.parent.hub;
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Consumer groups', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('organization');
    item.contextValue = 'consumerGroups';
    item.tooltip = 'Consumer groups of the Event Hubs-compatible endpoint: each reader of D2C telemetry should use its own.';
    return item;
  }

  async children(): Promise<TreeNode[]> {
    try {
      this.groups = (await this.hub.listConsumerGroups()).sort();
    } catch (e) {
      return [new InfoNode(this, this.hub, 'error', `Could not list consumer groups: ${errorText(e)}`, {
        icon: 'error', color: 'errorForeground', action: { command: 'iotHubMessaging.tree.refresh', title: 'Retry', arguments: [this] },
      })];
    }
    return this.groups.map((g) => new ConsumerGroupNode(this, g));
  }
}
