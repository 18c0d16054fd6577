// A hub's message routing as the extension sees it: routes, the fallback route and the endpoints
// (with their health), changed one at a time. Only a hub whose routing this machine can read and
// change offers it (`HubConnection.routing`): the local hub. An Azure hub's routes live in its ARM
// resource, which a connection string cannot reach, so an Azure connection leaves it out.
// Plain Node (no vscode import). Failures are `HubRequestError`s (hubConnection.ts); a refused
// change says every problem the hub found and that nothing was changed.
import type { EndpointPutRequest, EndpointStatusJson, RouteJson, RouteTestJson, RouteTestRequest } from '../hub/http/jsonShapes';
import type { EventHubsEndpoint } from './hubConnection';

export type { EndpointPutRequest, RouteTestJson, RouteTestRequest };

export type HubRoute = RouteJson;
export type HubEndpoint = EndpointStatusJson;

/** Everything the tree shows of a hub's routing, read at once. */
export interface HubRoutingView {
  routes: HubRoute[];
  fallbackEnabled: boolean;
  /** The built-in `events` first, then the custom endpoints, each with its message count and health. */
  endpoints: HubEndpoint[];
}

/** A route to add (or to replace whole): IoT Hub allows exactly one endpoint per route. */
export interface HubRouteInput {
  source: HubRoute['source'];
  condition: string;
  endpointName: string;
  isEnabled: boolean;
}

export interface HubRouting {
  read(): Promise<HubRoutingView>;
  putRoute(name: string, route: HubRouteInput): Promise<HubRoute>;
  setRouteEnabled(name: string, isEnabled: boolean): Promise<HubRoute>;
  deleteRoute(name: string): Promise<void>;
  setFallbackEnabled(isEnabled: boolean): Promise<void>;
  putEndpoint(name: string, endpoint: EndpointPutRequest): Promise<HubEndpoint>;
  /** Refused (`invalid`) while a route or an enrichment names the endpoint. */
  deleteEndpoint(name: string): Promise<void>;
  /** Which routes and endpoints a message would take right now (nothing is stored or sent). */
  test(message: RouteTestRequest): Promise<RouteTestJson>;
  /** How an Event Hubs client reads a custom Event Hubs-style endpoint (its own entity path). */
  eventHubsEndpoint(endpointName: string): Promise<EventHubsEndpoint>;
}
