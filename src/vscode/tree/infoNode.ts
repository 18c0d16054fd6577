// A line of guidance in the tree where a list would be: an empty list (create a device), a hub
// that is stopped (start it) or failed (the reason, Show Log, the port settings), a list the hub
// could not read (the error, Retry). Clicking it runs the action it names; it has no context menu.
import * as vscode from 'vscode';
import type { HubConnection } from '../../hubs/hubConnection';
import { nodeId, type TreeNode } from './treeNode';

export interface InfoAction {
  command: string;
  title: string;
  arguments?: unknown[];
}

export class InfoNode implements TreeNode {
  readonly id: string;
  constructor(
    readonly parent: TreeNode | undefined,
    readonly hub: HubConnection,
    key: string,
    private readonly label: string,
    private readonly options: { icon?: string; color?: string; tooltip?: string; action?: InfoAction } = {},
  ) {
    this.id = `${parent?.id ?? nodeId(hub)}/info:${key}`;
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.contextValue = 'info';
    if (this.options.icon) item.iconPath = new vscode.ThemeIcon(this.options.icon, this.options.color ? new vscode.ThemeColor(this.options.color) : undefined);
    if (this.options.tooltip) item.tooltip = this.options.tooltip;
    if (this.options.action) item.command = this.options.action;
    return item;
  }

  children(): TreeNode[] {
    return [];
  }
}
