// One consumer group of a hub's Event Hubs-compatible endpoint. `$Default` cannot be deleted.
import * as vscode from 'vscode';
import type { ConsumerGroupsNode } from './consumerGroupsNode';
import { contextValue, type TreeNode } from './treeNode';

export class ConsumerGroupNode implements TreeNode {
  readonly id: string;
  constructor(readonly parent: ConsumerGroupsNode, readonly name: string) {
    this.id = `${parent.id}/${encodeURIComponent(name)}`;
  }

  get hub(): ConsumerGroupsNode['hub'] {
    return this.parent.hub;
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('person');
    item.contextValue = contextValue('consumerGroup', { builtin: this.name === '$Default' });
    return item;
  }

  children(): TreeNode[] {
    return [];
  }
}
