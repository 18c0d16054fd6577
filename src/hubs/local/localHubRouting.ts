// The local hub's message routing behind the HubRouting interface, over its management API
// (`/local/routing`, `/local/routes`, `/local/endpoints`; see docs/hub-routing.md). The hub checks
// every change whole before applying it, so a refused change reaches the user as the hub's list of
// problems (an `invalid` HubRequestError) with nothing changed.
import { LocalHubApiError, type LocalHubClient } from '../../hub/client/localHubClient';
import { HubRequestError, type EventHubsEndpoint } from '../hubConnection';
import type { EndpointPutRequest, HubEndpoint, HubRoute, HubRouteInput, HubRouting, HubRoutingView, RouteTestJson, RouteTestRequest } from '../hubRouting';
import { toHubRequestError } from './localHubConnection';

export interface LocalRoutingAccess {
  /** The running hub's client, or a `hub-stopped` error naming `what`. */
  client(what: string): LocalHubClient;
  /** The built-in endpoint's Event Hubs connection string (its EntityPath is replaced per endpoint). */
  eventHubsEndpoint(): Promise<EventHubsEndpoint>;
}

export class LocalHubRouting implements HubRouting {
  constructor(private readonly access: LocalRoutingAccess) {}

  private async call<T>(what: string, kind: 'route' | 'endpoint' | undefined, name: string | undefined, run: (c: LocalHubClient) => Promise<T>): Promise<T> {
    const client = this.access.client(what);
    try {
      return await run(client);
    } catch (e) {
      // The shared mapping reads a 404 as "device not found": here it is the route or endpoint.
      if (e instanceof LocalHubApiError && e.status === 404 && kind !== undefined) {
        throw new HubRequestError(`${what}: the hub has no ${kind} named '${name ?? ''}' (it may have been deleted meanwhile). Nothing was changed.`, 'invalid', { status: 404 });
      }
      throw toHubRequestError(e, what);
    }
  }

  read(): Promise<HubRoutingView> {
    return this.call('Read the routing configuration', undefined, undefined, async (c) => {
      const [config, endpoints] = await Promise.all([c.getRouting(), c.listEndpoints()]);
      return { routes: config.routes, fallbackEnabled: config.fallbackRoute.isEnabled, endpoints };
    });
  }

  putRoute(name: string, route: HubRouteInput): Promise<HubRoute> {
    return this.call(`Save route '${name}'`, undefined, name, (c) => c.putRoute(name, {
      source: route.source, condition: route.condition, endpointNames: [route.endpointName], isEnabled: route.isEnabled,
    }));
  }

  setRouteEnabled(name: string, isEnabled: boolean): Promise<HubRoute> {
    return this.call(`${isEnabled ? 'Enable' : 'Disable'} route '${name}'`, 'route', name, async (c) => {
      // PUT merges into an existing route but creates a missing one: check first so a route
      // deleted meanwhile is not brought back as an empty catch-all.
      if (!(await c.listRoutes()).some((r) => r.name === name)) throw new LocalHubApiError(`no route ${name}`, 404, undefined, undefined);
      return c.putRoute(name, { isEnabled });
    });
  }

  deleteRoute(name: string): Promise<void> {
    return this.call(`Delete route '${name}'`, 'route', name, (c) => c.deleteRoute(name));
  }

  setFallbackEnabled(isEnabled: boolean): Promise<void> {
    return this.call(`${isEnabled ? 'Enable' : 'Disable'} the fallback route`, undefined, undefined, (c) => c.setFallbackRoute(isEnabled));
  }

  putEndpoint(name: string, endpoint: EndpointPutRequest): Promise<HubEndpoint> {
    return this.call(`Save endpoint '${name}'`, undefined, name, (c) => c.putEndpoint(name, endpoint));
  }

  deleteEndpoint(name: string): Promise<void> {
    return this.call(`Delete endpoint '${name}'`, 'endpoint', name, (c) => c.deleteEndpoint(name));
  }

  test(message: RouteTestRequest): Promise<RouteTestJson> {
    return this.call('Test routes', undefined, undefined, (c) => c.testRoutes(message));
  }

  async eventHubsEndpoint(endpointName: string): Promise<EventHubsEndpoint> {
    const what = `Read endpoint '${endpointName}'`;
    const builtIn = await this.access.eventHubsEndpoint();
    const endpoints = await this.call(what, undefined, undefined, (c) => c.listEndpoints());
    const found = endpoints.find((e) => e.name.toLowerCase() === endpointName.toLowerCase());
    if (found === undefined) throw new HubRequestError(`${what}: the hub has no endpoint named '${endpointName}'.`, 'invalid');
    if (found.type === 'builtIn') return builtIn;
    if (found.type !== 'eventHub' || found.entityPath === undefined) {
      throw new HubRequestError(`${what}: '${endpointName}' is a ${found.type} endpoint; only Event Hubs-style endpoints can be read as a stream (its files are in ${found.directory ?? 'the data directory'}).`, 'unsupported');
    }
    const connectionString = /EntityPath=[^;]*/.test(builtIn.connectionString)
      ? builtIn.connectionString.replace(/EntityPath=[^;]*/, `EntityPath=${found.entityPath}`)
      : `${builtIn.connectionString.replace(/;?$/, ';')}EntityPath=${found.entityPath}`;
    return { ...builtIn, connectionString, eventHubName: found.entityPath };
  }
}
