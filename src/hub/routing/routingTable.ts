// A validated routing configuration compiled for the ingest path: routes grouped by source with
// their conditions parsed once, and per endpoint the enrichments it gets. `targets` answers, for
// one message, which endpoints it goes to (each once, however many routes matched it: IoT Hub
// delivers a message to an endpoint once) and whether the fallback route took it.
import type { ApplicationProperty } from '../../core/message/model';
import { parseCondition, type CompiledCondition, type RoutingMessage } from '../../core/routing/condition';
import { BUILT_IN_ENDPOINT, type RouteSource, type RoutingConfig } from './routingConfig';

export interface CompiledRoute {
  readonly name: string;
  readonly endpoint: string;
  /** Undefined for `true` (no evaluation needed). */
  readonly condition: CompiledCondition | undefined;
}

export interface RouteDecision {
  /** Endpoint names, each once, in the order routes matched. */
  endpoints: string[];
  /** Names of the routes that matched. */
  routes: string[];
  /** True when no route matched and the fallback route sent the message to `events`. */
  fallback: boolean;
}

export class RoutingTable {
  private readonly bySource = new Map<RouteSource, CompiledRoute[]>();
  /** Endpoint name -> enrichment properties (values resolved). */
  private readonly enrichments = new Map<string, ApplicationProperty[]>();
  readonly fallbackEnabled: boolean;
  /**
   * True when every telemetry message goes to the built-in endpoint alone, unchanged: no enabled
   * telemetry route, the fallback on, no enrichment for `events`. The ingest then takes the
   * unrouted hot path.
   */
  readonly passThrough: boolean;

  constructor(readonly config: RoutingConfig, hubName: string) {
    for (const route of config.routes) {
      if (!route.isEnabled) continue;
      const parsed = parseCondition(route.condition);
      // The config was validated; a condition that no longer parses is a bug, not user input.
      if (!parsed.ok) throw new Error(`Route "${route.name}": ${parsed.error.message}`);
      const trivial = route.condition.trim() === '' || route.condition.trim().toLowerCase() === 'true';
      const list = this.bySource.get(route.source) ?? [];
      list.push({ name: route.name, endpoint: route.endpointNames[0]!, condition: trivial ? undefined : parsed.condition });
      this.bySource.set(route.source, list);
    }
    for (const e of config.enrichments) {
      const value = e.value.toLowerCase() === '$iothubname' ? hubName : e.value;
      for (const endpoint of e.endpointNames) {
        const list = this.enrichments.get(endpoint) ?? [];
        list.push({ name: e.key, value });
        this.enrichments.set(endpoint, list);
      }
    }
    this.fallbackEnabled = config.fallbackRoute.isEnabled;
    this.passThrough = (this.bySource.get('DeviceMessages') ?? []).length === 0 && this.fallbackEnabled && !this.enrichments.has(BUILT_IN_ENDPOINT);
  }

  routesFor(source: RouteSource): readonly CompiledRoute[] {
    return this.bySource.get(source) ?? [];
  }

  /** True when some enabled route reads this source (system events are only built when one does). */
  hasRoutes(source: RouteSource): boolean {
    return (this.bySource.get(source) ?? []).length > 0;
  }

  enrichmentsFor(endpoint: string): readonly ApplicationProperty[] | undefined {
    return this.enrichments.get(endpoint);
  }

  /** Where a message of `source` goes. A condition that throws counts as false (IoT Hub: an error is no match). */
  targets(source: RouteSource, message: RoutingMessage): RouteDecision {
    const endpoints: string[] = [];
    const routes: string[] = [];
    for (const route of this.bySource.get(source) ?? []) {
      let matched: boolean;
      try {
        matched = route.condition === undefined || route.condition.evaluate(message);
      } catch {
        matched = false;
      }
      if (!matched) continue;
      routes.push(route.name);
      if (!endpoints.includes(route.endpoint)) endpoints.push(route.endpoint);
    }
    // IoT Hub's fallback route serves device telemetry only.
    const fallback = routes.length === 0 && source === 'DeviceMessages' && this.fallbackEnabled;
    if (fallback) endpoints.push(BUILT_IN_ENDPOINT);
    return { endpoints, routes, fallback };
  }
}

/** The application properties an endpoint stores: the message's, with the enrichments set over them (names ignore case). */
export function enrich(properties: readonly ApplicationProperty[], enrichments: readonly ApplicationProperty[]): ApplicationProperty[] {
  const out = properties.filter((p) => !enrichments.some((e) => e.name.toLowerCase() === p.name.toLowerCase()));
  for (const e of enrichments) out.push({ name: e.name, value: e.value });
  return out;
}
