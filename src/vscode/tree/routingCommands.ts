// Routes and endpoints of a hub from the Hubs tree (and the palette): enable and disable a route
// (the fallback route too), create and delete routes and endpoints. Every change goes through
// `HubConnection.routing`, which the hub checks whole: a refused change shows the hub's problems
// and changes nothing. The hub's routing event redraws the Routes and Endpoints folders for any
// change (here or elsewhere); the commands also refresh them at once, so the tree does not wait for
// the event stream after a change made here.
import * as vscode from 'vscode';
import { parseCondition } from '../../core/routing/condition';
import { ROUTE_SOURCES, type RouteSource } from '../../core/routing/routesFile';
import type { HubConnection } from '../../hubs/hubConnection';
import type { EndpointPutRequest, HubRouteInput, HubRouting } from '../../hubs/hubRouting';
import { showHubError } from '../hubs/hubErrors';
import { isHubNodeArg, pickHub } from '../hubs/pickers';
import type { ExtensionRuntime } from '../runtime';
import { EndpointNode } from './endpointsNode';
import type { HubsTree } from './hubsTree';
import { FALLBACK_ROUTE_NAME, FallbackRouteNode, RouteNode } from './routesNode';

/** Route and endpoint names: IoT Hub's rule (letters, digits, `-`, `_`, `.`; up to 64). */
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const NAME_RULE = 'Letters, digits, hyphen, underscore and period only; 1 to 64 characters.';

/** What tests (and other commands) may pass instead of answering the questions. */
export interface RouteCreateInput { name: string; source?: RouteSource; condition: string; endpointName: string; isEnabled?: boolean }
export type EndpointCreateInput = { name: string } & EndpointPutRequest;

export function registerRoutingCommands(runtime: ExtensionRuntime, tree: HubsTree): void {
  const { log, hubs } = runtime;
  const command = (id: string, run: (...args: unknown[]) => unknown): void => {
    runtime.own(vscode.commands.registerCommand(id, run));
  };
  // Only folders already listed: one never opened is read when it opens, and a refresh racing that
  // first read makes VS Code fetch its children twice at once ("Element with id ... is already registered").
  const refresh = (hub: HubConnection): void => {
    const node = tree.provider.hubNode(hub);
    if (node?.routes?.view) tree.provider.refresh(node.routes);
    if (node?.endpoints?.loaded) tree.provider.refresh(node.endpoints);
  };
  const routingOf = async (arg: unknown, title: string): Promise<{ hub: HubConnection; routing: HubRouting } | undefined> => {
    const hub = isHubNodeArg(arg) ? arg.hub : await pickHub(hubs, { title, running: true });
    if (!hub) return undefined;
    if (!hub.routing) {
      void vscode.window.showInformationMessage(`IoT Hub: the routes of ${hub.label} cannot be changed from here (an Azure hub's routes are part of its Azure resource: use the Azure portal or CLI).`);
      return undefined;
    }
    return { hub, routing: hub.routing };
  };

  const setEnabled = async (arg: unknown, isEnabled: boolean): Promise<boolean> => {
    if (!(arg instanceof RouteNode) && !(arg instanceof FallbackRouteNode)) {
      void vscode.window.showInformationMessage(`IoT Hub: right-click a route in the Hubs view to ${isEnabled ? 'enable' : 'disable'} it.`);
      return false;
    }
    const routing = arg.parent.routing;
    const what = arg instanceof FallbackRouteNode ? 'the fallback route' : `route '${arg.name}'`;
    try {
      if (arg instanceof FallbackRouteNode) await routing.setFallbackEnabled(isEnabled);
      else await routing.setRouteEnabled(arg.name, isEnabled);
      log.info(`${isEnabled ? 'enabled' : 'disabled'} ${what} on ${arg.hub.label}`);
      refresh(arg.hub);
      return true;
    } catch (e) {
      showHubError(log, `${what[0]!.toUpperCase()}${what.slice(1)} was not ${isEnabled ? 'enabled' : 'disabled'}`, e, { hub: arg.hub });
      refresh(arg.hub);
      return false;
    }
  };
  command('iotHubMessaging.route.enable', (arg?: unknown) => setEnabled(arg, true));
  command('iotHubMessaging.route.disable', (arg?: unknown) => setEnabled(arg, false));

  command('iotHubMessaging.route.create', async (arg?: unknown, given?: unknown): Promise<string | undefined> => {
    const title = 'Create Route';
    const target = await routingOf(arg, title);
    if (!target) return undefined;
    const { hub, routing } = target;
    const input = isRouteInput(given) ? given : await askRoute(hub, routing, title);
    if (!input) return undefined;
    const route: HubRouteInput = { source: input.source ?? 'DeviceMessages', condition: input.condition, endpointName: input.endpointName, isEnabled: input.isEnabled ?? true };
    try {
      if ((await routing.read()).routes.some((r) => r.name.toLowerCase() === input.name.toLowerCase())) {
        void vscode.window.showErrorMessage(`IoT Hub: ${hub.label} already has a route named '${input.name}'. Nothing was changed.`);
        return undefined;
      }
      await routing.putRoute(input.name, route);
      log.info(`created route ${input.name} -> ${route.endpointName} on ${hub.label}`);
      refresh(hub);
      return input.name;
    } catch (e) {
      showHubError(log, `Route '${input.name}' was not created`, e, { hub });
      return undefined;
    }
  });

  command('iotHubMessaging.route.delete', async (arg?: unknown, options?: unknown): Promise<boolean> => {
    if (!(arg instanceof RouteNode)) {
      void vscode.window.showInformationMessage('IoT Hub: right-click a route in the Hubs view to delete it.');
      return false;
    }
    if (!isNoConfirm(options)) {
      const del = 'Delete';
      const answer = await vscode.window.showWarningMessage(`Delete route '${arg.name}' of ${arg.hub.label}?`, {
        modal: true, detail: `Messages it matched stop going to '${arg.route.endpointNames.join(', ')}'. To pause it instead, disable it.`,
      }, del);
      if (answer !== del) return false;
    }
    try {
      await arg.parent.routing.deleteRoute(arg.name);
      log.info(`deleted route ${arg.name} on ${arg.hub.label}`);
      refresh(arg.hub);
      return true;
    } catch (e) {
      showHubError(log, `Route '${arg.name}' was not deleted`, e, { hub: arg.hub });
      refresh(arg.hub);
      return false;
    }
  });

  command('iotHubMessaging.endpoint.create', async (arg?: unknown, given?: unknown): Promise<string | undefined> => {
    const title = 'Create Endpoint';
    const target = await routingOf(arg, title);
    if (!target) return undefined;
    const { hub, routing } = target;
    const input = isEndpointInput(given) ? given : await askEndpoint(hub, title);
    if (!input) return undefined;
    const { name, ...endpoint } = input;
    try {
      if ((await routing.read()).endpoints.some((e) => e.name.toLowerCase() === name.toLowerCase())) {
        void vscode.window.showErrorMessage(`IoT Hub: ${hub.label} already has an endpoint named '${name}'. Nothing was changed.`);
        return undefined;
      }
      await routing.putEndpoint(name, endpoint);
      log.info(`created ${endpoint.type} endpoint ${name} on ${hub.label}`);
      refresh(hub);
      return name;
    } catch (e) {
      showHubError(log, `Endpoint '${name}' was not created`, e, { hub });
      return undefined;
    }
  });

  command('iotHubMessaging.endpoint.delete', async (arg?: unknown, options?: unknown): Promise<boolean> => {
    if (!(arg instanceof EndpointNode) || arg.endpoint.type === 'builtIn') {
      void vscode.window.showInformationMessage('IoT Hub: right-click a custom endpoint in the Hubs view to delete it (the built-in endpoint always exists).');
      return false;
    }
    if (!isNoConfirm(options)) {
      const del = 'Delete';
      const answer = await vscode.window.showWarningMessage(`Delete endpoint '${arg.name}' of ${arg.hub.label}?`, {
        modal: true, detail: arg.endpoint.type === 'storage'
          ? 'Messages not yet written to a file are lost; files already written stay in the data directory.'
          : 'Its messages are lost and its readers are disconnected.',
      }, del);
      if (answer !== del) return false;
    }
    try {
      await arg.parent.routing.deleteEndpoint(arg.name);
      log.info(`deleted endpoint ${arg.name} on ${arg.hub.label}`);
      refresh(arg.hub);
      return true;
    } catch (e) {
      showHubError(log, `Endpoint '${arg.name}' was not deleted`, e, { hub: arg.hub });
      return false;
    }
  });
}

function isNoConfirm(x: unknown): boolean {
  return typeof x === 'object' && x !== null && (x as { confirm?: unknown }).confirm === false;
}

function isRouteInput(x: unknown): x is RouteCreateInput {
  const r = x as Partial<RouteCreateInput> | undefined;
  return typeof r === 'object' && r !== null && typeof r.name === 'string' && typeof r.condition === 'string' && typeof r.endpointName === 'string';
}

function isEndpointInput(x: unknown): x is EndpointCreateInput {
  const r = x as Partial<EndpointCreateInput> | undefined;
  return typeof r === 'object' && r !== null && typeof r.name === 'string' && (r.type === 'eventHub' || r.type === 'storage');
}

const SOURCE_ITEMS: Record<RouteSource, string> = {
  DeviceMessages: 'Device telemetry messages',
  DeviceLifecycleEvents: 'Device created and deleted',
  DeviceConnectionStateEvents: 'Device connected and disconnected',
};

/** The condition's syntax problem as the input box shows it (a `$twin` warning), or undefined when it parses. */
export function conditionProblem(text: string): string | vscode.InputBoxValidationMessage | undefined {
  if (text.trim() === '') return undefined;
  const r = parseCondition(text);
  if (!r.ok) return `At character ${r.error.offset + 1}: ${r.error.message}`;
  return r.condition.usesTwin
    ? { message: '$twin is recognised, but the local hub has no device twins: this part is undefined (false) here.', severity: vscode.InputBoxValidationSeverity.Warning }
    : undefined;
}

async function askRoute(hub: HubConnection, routing: HubRouting, title: string): Promise<RouteCreateInput | undefined> {
  const view = await routing.read().catch(() => undefined);
  const taken = new Set((view?.routes ?? []).map((r) => r.name.toLowerCase()));
  const name = await vscode.window.showInputBox({
    title: `${title} on ${hub.label} (1/4): name`,
    validateInput: (v) => (!NAME.test(v) ? NAME_RULE : taken.has(v.toLowerCase()) || v === FALLBACK_ROUTE_NAME ? `A route named '${v}' exists.` : undefined),
  });
  if (!name) return undefined;
  const source = await vscode.window.showQuickPick(ROUTE_SOURCES.map((s) => ({ label: SOURCE_ITEMS[s], description: s, source: s })), { title: `${title} (2/4): source` });
  if (!source) return undefined;
  const condition = await vscode.window.showInputBox({
    title: `${title} (3/4): condition`,
    prompt: "IoT Hub's routing query: e.g. level = 'critical' OR $body.temperature > 30. Empty or true: every message.",
    value: 'true',
    validateInput: conditionProblem,
  });
  if (condition === undefined) return undefined;
  const endpoints = (view?.endpoints ?? [{ name: 'events', type: 'builtIn' as const }]);
  const endpoint = await vscode.window.showQuickPick(endpoints.map((e) => ({ label: e.name, description: e.type === 'builtIn' ? 'built-in' : e.type === 'eventHub' ? 'Event Hubs' : 'storage' })), {
    title: `${title} (4/4): endpoint`, placeHolder: 'One endpoint per route (several routes may share one). Create Endpoint adds more.',
  });
  if (!endpoint) return undefined;
  return { name, source: source.source, condition: condition.trim() === '' ? 'true' : condition, endpointName: endpoint.label };
}

async function askEndpoint(hub: HubConnection, title: string): Promise<EndpointCreateInput | undefined> {
  const name = await vscode.window.showInputBox({
    title: `${title} on ${hub.label}: name`,
    validateInput: (v) => (!NAME.test(v) ? NAME_RULE : v.toLowerCase() === 'events' ? "'events' is the built-in endpoint." : undefined),
  });
  if (!name) return undefined;
  const kind = await vscode.window.showQuickPick([
    { label: 'Event Hubs', detail: 'A further Event Hub on the hub\'s AMQP endpoint: read it with @azure/event-hubs and its entity path.', type: 'eventHub' as const },
    { label: 'Storage (Avro files)', detail: 'Batches written as Avro files in the data directory, named as IoT Hub names them.', type: 'storage' as const, encoding: 'avro' as const },
    { label: 'Storage (JSON files)', detail: 'Batches written as JSON lines files in the data directory.', type: 'storage' as const, encoding: 'json' as const },
  ], { title: `${title}: kind` });
  if (!kind) return undefined;
  if (kind.type === 'storage') return { name, type: 'storage', encoding: kind.encoding };
  const entityPath = await vscode.window.showInputBox({
    title: `${title}: entity path`, prompt: 'The Event Hub name readers put in EntityPath', value: name.toLowerCase(),
    validateInput: (v) => (/^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/.test(v) ? undefined : 'Letters, digits, . _ -; up to 50 characters, starting with a letter or digit.'),
  });
  if (!entityPath) return undefined;
  return { name, type: 'eventHub', entityPath };
}
