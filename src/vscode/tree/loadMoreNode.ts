// The last item of a Devices folder that has more devices than it has read: clicking it reads the
// next 100 (iotHubMessaging.tree.loadMore with this node).
import * as vscode from 'vscode';
import type { DevicesNode } from './devicesNode';
import { DEVICE_PAGE_SIZE } from './devicesNode';
import type { TreeNode } from './treeNode';

export class LoadMoreNode implements TreeNode {
  readonly id: string;
  constructor(readonly parent: DevicesNode) {
    this.id = `${parent.id}/loadMore`;
  }

  get hub(): DevicesNode['hub'] {
    return this.parent.hub;
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Load more...', vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = `next ${DEVICE_PAGE_SIZE}`;
    item.iconPath = new vscode.ThemeIcon('more');
    item.contextValue = 'loadMore';
    item.command = { command: 'iotHubMessaging.tree.loadMore', title: 'Load More Devices', arguments: [this] };
    return item;
  }

  children(): TreeNode[] {
    return [];
  }
}
