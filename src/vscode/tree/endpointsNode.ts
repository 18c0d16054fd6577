// A hub's Endpoints folder (hubs whose routing can be read here): the built-in `events`, then each
// custom endpoint with its kind, where it is read from, its message count and its health (a
// storage endpoint whose last write failed shows the error). `endpoint;kind=builtIn|eventHub|storage`.
import * as vscode from 'vscode';
import { errorText } from '../../core/errorText';
import type { HubEndpoint, HubRouting } from '../../hubs/hubRouting';
import type { HubNode } from './hubNode';
import { InfoNode } from './infoNode';
import { contextValue, nodeId, type TreeNode } from './treeNode';

export class EndpointsNode implements TreeNode {
  readonly id: string;
  endpoints: HubEndpoint[] = [];
  /** Listed at least once (the commands refresh only a folder VS Code has read). */
  loaded = false;

  constructor(readonly parent: HubNode, readonly routing: HubRouting) {
    this.id = nodeId(parent.hub, 'endpoints');
  }

  get hub(): HubNode['hub'] {
    return this.parent.hub;
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Endpoints', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('plug');
    item.contextValue = 'endpoints';
    item.tooltip = 'Where routes send messages: the built-in Event Hubs-compatible endpoint (events), Event Hubs-style endpoints (read with @azure/event-hubs and their entity path) and storage endpoints (files in the data directory).';
    return item;
  }

  async children(): Promise<TreeNode[]> {
    try {
      this.endpoints = (await this.routing.read()).endpoints;
      this.loaded = true;
    } catch (e) {
      return [new InfoNode(this, this.hub, 'error', `Could not read the endpoints: ${errorText(e)}`, {
        icon: 'error', color: 'errorForeground', action: { command: 'iotHubMessaging.tree.refresh', title: 'Retry', arguments: [this] },
      })];
    }
    return this.endpoints.map((e) => new EndpointNode(this, e));
  }
}

const KIND_LABELS: Record<HubEndpoint['type'], string> = { builtIn: 'built-in', eventHub: 'Event Hubs', storage: 'storage' };

export class EndpointNode implements TreeNode {
  readonly id: string;
  constructor(readonly parent: EndpointsNode, readonly endpoint: HubEndpoint) {
    this.id = `${parent.id}/${encodeURIComponent(endpoint.name)}`;
  }

  get hub(): EndpointsNode['hub'] {
    return this.parent.hub;
  }

  get name(): string {
    return this.endpoint.name;
  }

  treeItem(): vscode.TreeItem {
    const e = this.endpoint;
    const item = new vscode.TreeItem(e.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    const count = `${e.messages} message${e.messages === 1 ? '' : 's'}`;
    const where = e.type === 'storage' ? `${e.filesWritten ?? 0} file${e.filesWritten === 1 ? '' : 's'}${e.backlog ? `, ${e.backlog} waiting` : ''}` : `entity ${e.entityPath ?? ''}`;
    item.description = `${KIND_LABELS[e.type]} · ${where} · ${count}${e.healthy ? '' : ' · failing'}`;
    item.iconPath = !e.healthy ? new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'))
      : new vscode.ThemeIcon(e.type === 'storage' ? 'archive' : e.type === 'builtIn' ? 'radio-tower' : 'symbol-event');
    item.contextValue = contextValue('endpoint', { kind: e.type, healthy: String(e.healthy) });
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**Endpoint ${e.name}** (${KIND_LABELS[e.type]})\n\n`);
    if (e.entityPath !== undefined) md.appendMarkdown(`Event Hub (EntityPath): \`${e.entityPath}\`\n\n`);
    if (e.directory !== undefined) md.appendMarkdown(`Files: \`${e.directory}\`\n\n`);
    md.appendMarkdown(`${count} in its log${e.type === 'storage' ? `; ${e.filesWritten ?? 0} files written since the hub started, ${e.backlog ?? 0} messages not yet in a file` : ''}\n\n`);
    if (e.lastError !== undefined) md.appendMarkdown(`Last error: ${e.lastError}\n\n`);
    item.tooltip = md;
    return item;
  }

  children(): TreeNode[] {
    return [];
  }
}
