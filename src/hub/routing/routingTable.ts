// The core's route table (src/core/routing/routeTable.ts: which routes match, which endpoints,
// the fallback) with what the hub's ingest path adds: whether telemetry can skip routing entirely
// (the unrouted hot path), whether a source has routes at all (system events are only built when
// one does), and each endpoint's enrichments resolved once.
import type { ApplicationProperty } from '../../core/message/model';
import type { RoutingMessage } from '../../core/routing/condition';
import { RouteTable, type RouteDecision as CoreDecision } from '../../core/routing/routeTable';
import { BUILT_IN_ENDPOINT, type RouteSource, type RoutingConfig } from './routingConfig';

export interface RouteDecision {
  /** Endpoint names, each once, in the order routes chose them. */
  endpoints: readonly string[];
  /** Names of the routes that matched. */
  readonly routes: readonly string[];
  /** True when no route matched and the fallback route sent the message to `events`. */
  fallback: boolean;
}

export class RoutingTable {
  private readonly table: RouteTable;
  private readonly sources = new Set<RouteSource>();
  /** Endpoint name -> enrichment properties (values resolved). */
  private readonly enrichments = new Map<string, ApplicationProperty[]>();
  /** This table's decision per core decision (the core reuses one per set of matched routes). */
  private readonly decisions = new WeakMap<CoreDecision, RouteDecision>();
  /**
   * True when every telemetry message goes to the built-in endpoint alone, unchanged: no enabled
   * telemetry route, the fallback on, no enrichment for `events`. The ingest then takes the
   * unrouted hot path.
   */
  readonly passThrough: boolean;

  constructor(readonly config: RoutingConfig, hubName: string) {
    this.table = RouteTable.compile(config);
    for (const r of config.routes) if (r.isEnabled) this.sources.add(r.source);
    const endpoints = new Set(config.enrichments.flatMap((e) => e.endpointNames));
    for (const endpoint of endpoints) this.enrichments.set(endpoint, this.table.enrichmentsFor(endpoint, hubName));
    this.passThrough = !this.sources.has('DeviceMessages') && config.fallbackRoute.isEnabled && !this.enrichments.has(BUILT_IN_ENDPOINT);
  }

  /** True when some enabled route reads this source. */
  hasRoutes(source: RouteSource): boolean {
    return this.sources.has(source);
  }

  enrichmentsFor(endpoint: string): readonly ApplicationProperty[] | undefined {
    return this.enrichments.get(endpoint);
  }

  /** Where a message of `source` goes (each endpoint once; the fallback serves telemetry only). */
  targets(source: RouteSource, message: RoutingMessage): RouteDecision {
    const d = this.table.route(message, source);
    let out = this.decisions.get(d);
    if (out === undefined) {
      out = { endpoints: d.endpoints, routes: d.matched.map((r) => r.def.name), fallback: d.fallback };
      this.decisions.set(d, out);
    }
    return out;
  }
}

/** The application properties an endpoint stores: the message's, with the enrichments set over them (names ignore case). */
export function enrich(properties: readonly ApplicationProperty[], enrichments: readonly ApplicationProperty[]): ApplicationProperty[] {
  const out = properties.filter((p) => !enrichments.some((e) => e.name.toLowerCase() === p.name.toLowerCase()));
  for (const e of enrichments) out.push({ name: e.name, value: e.value });
  return out;
}
