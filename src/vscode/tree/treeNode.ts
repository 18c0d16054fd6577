// What every node of the Hubs tree is: a TreeItem factory with its hub (and, below a device, its
// device id) so commands run from a context menu get `{ hub, deviceId }` (the HubNodeArg that
// src/vscode/hubs/pickers.ts resolves). Nodes keep their children between refreshes so a refresh
// of one node re-reads only that node; `parent` makes `TreeView.reveal` possible (Go to Device).
import type * as vscode from 'vscode';
import type { HubConnection } from '../../hubs/hubConnection';

export interface TreeNode {
  readonly hub: HubConnection;
  readonly deviceId?: string;
  readonly parent: TreeNode | undefined;
  /** Stable across refreshes (VS Code keeps expansion and selection by it). */
  readonly id: string;
  treeItem(): vscode.TreeItem;
  children(): Promise<TreeNode[]> | TreeNode[];
  /** A tooltip built only when the user hovers (TreeDataProvider.resolveTreeItem): 10,000 listed devices carry none until then. */
  tooltip?(): vscode.MarkdownString | string;
}

/** contextValue: node type first, then `;key=value` flags (see agents/COMMON.md, tree conventions). */
export function contextValue(type: string, flags: Record<string, string | boolean> = {}): string {
  const parts = [type];
  for (const [k, v] of Object.entries(flags)) {
    if (v === false) continue;
    parts.push(v === true ? k : `${k}=${v}`);
  }
  return parts.join(';');
}

/** Tree item ids are per hub, so one device id on two hubs are two nodes. */
export function nodeId(hub: HubConnection, ...path: string[]): string {
  return [hub.id, ...path].map(encodeURIComponent).join('/');
}

/** A short local time for descriptions (the tooltip carries the full ISO time). */
export function shortTime(iso: string | undefined): string {
  if (iso === undefined || iso === '') return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? d.toLocaleTimeString() : d.toLocaleString();
}
