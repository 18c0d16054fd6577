// Which routing endpoint a D2C monitor reads, and the warning when the built-in one is starved by
// routing. A hub whose routing can be read here (the local hub) may have custom Event Hubs-style
// endpoints: the palette asks which one to read only when it has any; an Endpoints node in the tree
// names its endpoint. A monitor started on the built-in endpoint while routes exist and the
// fallback route is off gets one non-modal warning (routingWarning.ts says what it tells), with
// Enable Fallback Route and Show Routes.
import * as vscode from 'vscode';
import type { HubConnection } from '../../hubs/hubConnection';
import type { HubEndpoint, HubRoutingView } from '../../hubs/hubRouting';
import { BUILT_IN_ENDPOINT } from '../../core/routing/routesFile';
import { builtInEndpointWarning, isBuiltInEndpoint } from '../../monitor/routingWarning';
import { showHubError } from '../hubs/hubErrors';
import type { ExtensionRuntime } from '../runtime';

const TITLE = 'Start Monitoring D2C Messages';

/** The hub's routing as it is now, or undefined when it has none here or cannot be read (the monitor still starts). */
export async function readRouting(hub: HubConnection): Promise<HubRoutingView | undefined> {
  return hub.routing?.read().catch(() => undefined);
}

/**
 * Asks which endpoint to read when the hub has custom Event Hubs-style endpoints; the built-in one
 * otherwise (no question). Undefined when the user cancelled.
 */
export async function askEndpoint(hub: HubConnection, view: HubRoutingView | undefined): Promise<string | undefined> {
  const custom = (view?.endpoints ?? []).filter((e) => e.type === 'eventHub');
  if (custom.length === 0) return BUILT_IN_ENDPOINT;
  const pick = await vscode.window.showQuickPick([
    { label: BUILT_IN_ENDPOINT, description: 'built-in', detail: 'The Event Hubs-compatible endpoint: telemetry no route sent elsewhere (the fallback route) and what routes send to events.', name: BUILT_IN_ENDPOINT },
    ...custom.map((e) => ({ label: e.name, description: `Event Hubs · entity ${e.entityPath ?? e.name}`, detail: routesTo(view, e.name), name: e.name })),
  ], { title: `${TITLE}: which endpoint of ${hub.label}?`, placeHolder: 'Routes send telemetry to custom endpoints; the built-in endpoint gets the rest' });
  return pick?.name;
}

function routesTo(view: HubRoutingView | undefined, endpoint: string): string {
  const names = (view?.routes ?? []).filter((r) => r.endpointNames.some((n) => n.toLowerCase() === endpoint.toLowerCase())).map((r) => `${r.name}${r.isEnabled ? '' : ' (disabled)'}`);
  return names.length === 0 ? 'No route sends to it yet.' : `Routes sending to it: ${names.join(', ')}`;
}

/** The consumer groups of a custom endpoint (`$Default` first); its settings hold them, so none is created here. */
export async function askEndpointConsumerGroup(endpoint: HubEndpoint | undefined): Promise<string | undefined> {
  const groups = endpoint?.consumerGroups ?? ['$Default'];
  if (groups.length === 1) return groups[0];
  const pick = await vscode.window.showQuickPick(groups.map((g) => ({ label: g })), {
    title: `${TITLE}: consumer group of endpoint '${endpoint?.name ?? ''}'`, placeHolder: "The endpoint's consumer groups (set in its settings)",
  });
  return pick?.label;
}

/** The endpoint's status row (undefined for the built-in one or one not found). */
export function customEndpoint(view: HubRoutingView | undefined, name: string | undefined): HubEndpoint | undefined {
  if (isBuiltInEndpoint(name)) return undefined;
  return view?.endpoints.find((e) => e.name.toLowerCase() === name!.toLowerCase());
}

/**
 * Shows, without waiting for an answer, the warning a monitor on the built-in endpoint gets when
 * routing starves it; returns its text (undefined: no warning).
 */
export function warnIfStarved(runtime: ExtensionRuntime, hub: HubConnection, view: HubRoutingView | undefined): string | undefined {
  const routing = hub.routing;
  if (view === undefined || routing === undefined) return undefined;
  const warning = builtInEndpointWarning(hub.label, view);
  if (warning === undefined) return undefined;
  runtime.log.warn(`monitor: ${warning.message}`);
  const enable = 'Enable Fallback Route';
  const show = 'Show Routes';
  void vscode.window.showWarningMessage(`IoT Hub: ${warning.message}`, enable, show).then(async (picked) => {
    if (picked === enable) {
      try {
        await routing.setFallbackEnabled(true);
        runtime.log.info(`enabled the fallback route on ${hub.label} (from the monitor's warning)`);
        const routes = runtime.tree.provider.hubNode(hub)?.routes;
        if (routes?.view) runtime.tree.provider.refresh(routes);
      } catch (e) {
        showHubError(runtime.log, 'The fallback route was not enabled', e, { hub });
      }
    } else if (picked === show) {
      const routes = runtime.tree.provider.hubNode(hub)?.routes;
      if (routes) await runtime.tree.view.reveal(routes, { expand: true, select: true, focus: true }).then(undefined, () => undefined);
    }
  });
  return warning.message;
}
