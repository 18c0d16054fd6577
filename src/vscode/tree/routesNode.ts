// A hub's Routes folder (hubs whose routing can be read here: `HubConnection.routing`): each route
// with its endpoint, condition and state, then the fallback route. The fallback route's item warns
// when it is off while routes exist, because the hub then drops every telemetry message that
// matches no route (and a monitor on the built-in endpoint sees nothing of them).
import * as vscode from 'vscode';
import { errorText } from '../../core/errorText';
import type { HubRoute, HubRouting, HubRoutingView } from '../../hubs/hubRouting';
import type { HubNode } from './hubNode';
import { InfoNode } from './infoNode';
import { contextValue, nodeId, type TreeNode } from './treeNode';

export const FALLBACK_ROUTE_NAME = '$fallback';

export class RoutesNode implements TreeNode {
  readonly id: string;
  /** The last configuration read (the commands and tests look at it). */
  view: HubRoutingView | undefined;

  constructor(readonly parent: HubNode, readonly routing: HubRouting) {
    this.id = nodeId(parent.hub, 'routes');
  }

  get hub(): HubNode['hub'] {
    return this.parent.hub;
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Routes', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('git-merge');
    item.contextValue = 'routes';
    item.tooltip = 'Message routing: each enabled route sends the messages its condition matches to its endpoint; the fallback route sends those no route matched to the built-in endpoint.';
    return item;
  }

  async children(): Promise<TreeNode[]> {
    try {
      this.view = await this.routing.read();
    } catch (e) {
      return [new InfoNode(this, this.hub, 'error', `Could not read the routes: ${errorText(e)}`, {
        icon: 'error', color: 'errorForeground', action: { command: 'iotHubMessaging.tree.refresh', title: 'Retry', arguments: [this] },
      })];
    }
    const telemetryRoutes = this.view.routes.filter((r) => r.source === 'DeviceMessages' && r.isEnabled).length;
    return [
      ...this.view.routes.map((r) => new RouteNode(this, r)),
      new FallbackRouteNode(this, this.view.fallbackEnabled, telemetryRoutes),
    ];
  }
}

const SOURCE_LABELS: Record<HubRoute['source'], string> = {
  DeviceMessages: 'device telemetry',
  DeviceLifecycleEvents: 'device lifecycle events',
  DeviceConnectionStateEvents: 'device connection state events',
};

export class RouteNode implements TreeNode {
  readonly id: string;
  constructor(readonly parent: RoutesNode, readonly route: HubRoute) {
    this.id = `${parent.id}/${encodeURIComponent(route.name)}`;
  }

  get hub(): RoutesNode['hub'] {
    return this.parent.hub;
  }

  get name(): string {
    return this.route.name;
  }

  treeItem(): vscode.TreeItem {
    const { route } = this;
    const item = new vscode.TreeItem(route.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    const condition = route.condition.trim() === '' ? 'true' : route.condition;
    item.description = `${route.isEnabled ? '' : 'disabled · '}→ ${route.endpointNames.join(', ')} · ${condition}`;
    item.iconPath = route.isEnabled ? new vscode.ThemeIcon('arrow-right', new vscode.ThemeColor('charts.green')) : new vscode.ThemeIcon('circle-slash');
    item.contextValue = contextValue('route', { enabled: String(route.isEnabled) });
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**Route ${route.name}** (${route.isEnabled ? 'enabled' : 'disabled'})\n\n`);
    md.appendMarkdown(`Source: ${SOURCE_LABELS[route.source]} (\`${route.source}\`)\n\n`);
    md.appendMarkdown(`Endpoint: \`${route.endpointNames.join(', ')}\`\n\n`);
    md.appendMarkdown('Condition:\n');
    md.appendCodeblock(condition, 'sql');
    item.tooltip = md;
    return item;
  }

  children(): TreeNode[] {
    return [];
  }
}

/** The fallback route: `route;enabled=…;fallback` (enable/disable apply; delete does not). */
export class FallbackRouteNode implements TreeNode {
  readonly id: string;
  constructor(readonly parent: RoutesNode, readonly isEnabled: boolean, private readonly enabledTelemetryRoutes: number) {
    this.id = `${parent.id}/${encodeURIComponent(FALLBACK_ROUTE_NAME)}`;
  }

  get hub(): RoutesNode['hub'] {
    return this.parent.hub;
  }

  get name(): string {
    return FALLBACK_ROUTE_NAME;
  }

  /** Routes exist and the fallback is off: unmatched telemetry is dropped. */
  get drops(): boolean {
    return !this.isEnabled && this.enabledTelemetryRoutes > 0;
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Fallback route', vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.contextValue = contextValue('route', { enabled: String(this.isEnabled), fallback: true });
    if (this.isEnabled) {
      item.description = '→ events · messages no route matched';
      item.iconPath = new vscode.ThemeIcon('arrow-right', new vscode.ThemeColor('charts.green'));
      item.tooltip = 'On: telemetry that matches no enabled route goes to the built-in endpoint (events).';
    } else if (this.drops) {
      item.description = 'off: messages no route matched are dropped';
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
      item.tooltip = 'Off: telemetry that matches no enabled route is dropped (still acknowledged to the device), as IoT Hub does. A monitor on the built-in endpoint will not see it. Enable the fallback route to keep it.';
    } else {
      item.description = 'off';
      item.iconPath = new vscode.ThemeIcon('circle-slash');
      item.tooltip = 'Off. With no enabled telemetry route, every message still goes to the built-in endpoint (events).';
    }
    return item;
  }

  children(): TreeNode[] {
    return [];
  }
}
