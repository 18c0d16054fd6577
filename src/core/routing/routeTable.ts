// Decides where a message goes under a routes file, as IoT Hub does: every enabled route of the
// message's source whose condition is true sends it to its endpoint (each endpoint once, however
// many routes chose it); a message no route took goes to the built-in `events` endpoint when the
// fallback route is enabled, and is dropped otherwise. Enrichments are the application properties
// each endpoint adds. Shared by the local hub's router, the route tester, the inspector and the CLI.
import { parseCondition, type CompiledCondition, type ConditionExplanation, type RoutingMessage } from './condition';
import { BUILT_IN_ENDPOINT, type EnrichmentDef, type RouteDef, type RouteSource, type RoutesFile } from './routesFile';

export interface CompiledRoute {
  readonly def: RouteDef;
  readonly condition: CompiledCondition;
}

export interface RouteDecision {
  /** Enabled routes of the source whose condition was true, in file order. */
  readonly matched: readonly CompiledRoute[];
  /** Endpoints the message goes to, each once, in the order first chosen (`events` if the fallback took it). */
  readonly endpoints: readonly string[];
  /** The fallback route took the message (no route matched and the fallback is enabled). */
  readonly fallback: boolean;
  /** No route matched and the fallback is disabled: IoT Hub drops the message. */
  readonly dropped: boolean;
}

export interface RouteExplanation {
  readonly route: RouteDef;
  readonly matched: boolean;
  /** Why not considered (disabled, another source) or the condition's explanation. */
  readonly skipped?: string;
  readonly explanation?: ConditionExplanation;
}

/** Routes beyond this many are decided without the decision cache (a bit per route in a 31-bit mask). */
const CACHED_ROUTES = 31;
/** Decisions kept per source: combinations of matched routes beyond these are built per message. */
const CACHED_DECISIONS = 1024;

export class RouteTable {
  /**
   * Decisions by source and set of matched routes (a bit per route): a decision depends only on
   * which routes matched, so the hub's ingest builds no arrays per message. Decisions are frozen.
   */
  private readonly decisions = new Map<RouteSource, Map<number, RouteDecision>>();

  private constructor(readonly file: RoutesFile, readonly routes: readonly CompiledRoute[]) {}

  /** Compiles every route's condition. Throws if one does not parse: validate the file first. */
  static compile(file: RoutesFile): RouteTable {
    const routes = file.routes.map((def) => {
      const r = parseCondition(def.condition);
      if (!r.ok) throw new Error(`Route '${def.name}': ${r.error.message} (at offset ${r.error.offset} of its condition)`);
      return { def, condition: r.condition };
    });
    return new RouteTable(file, routes);
  }

  /** Where `message` from `source` goes (the same frozen object for messages the same routes take). */
  route(message: RoutingMessage, source: RouteSource = 'DeviceMessages'): RouteDecision {
    const routes = this.routes;
    if (routes.length > CACHED_ROUTES) return this.decide(message, source);
    let mask = 0;
    for (let i = 0; i < routes.length; i++) {
      const r = routes[i]!;
      if (r.def.isEnabled && r.def.source === source && r.condition.evaluate(message)) mask |= 1 << i;
    }
    let bySource = this.decisions.get(source);
    if (bySource === undefined) {
      bySource = new Map();
      this.decisions.set(source, bySource);
    }
    let d = bySource.get(mask);
    if (d === undefined) {
      d = this.decisionFor(routes.filter((_, i) => (mask & (1 << i)) !== 0), source);
      Object.freeze(d.matched);
      Object.freeze(d.endpoints);
      Object.freeze(d);
      if (bySource.size < CACHED_DECISIONS) bySource.set(mask, d);
    }
    return d;
  }

  private decide(message: RoutingMessage, source: RouteSource): RouteDecision {
    const matched: CompiledRoute[] = [];
    for (const r of this.routes) {
      if (!r.def.isEnabled || r.def.source !== source) continue;
      if (!r.condition.evaluate(message)) continue;
      matched.push(r);
    }
    return this.decisionFor(matched, source);
  }

  /** The decision once the matched routes (enabled, of `source`, in file order) are known. */
  private decisionFor(matched: CompiledRoute[], source: RouteSource): RouteDecision {
    const endpoints: string[] = [];
    for (const r of matched) for (const e of r.def.endpointNames) if (!endpoints.includes(e)) endpoints.push(e);
    if (matched.length > 0) return { matched, endpoints, fallback: false, dropped: false };
    const fallback = this.file.fallbackRoute.isEnabled && source === 'DeviceMessages';
    return { matched, endpoints: fallback ? [BUILT_IN_ENDPOINT] : [], fallback, dropped: !fallback };
  }

  /** Every route's verdict for `message`, with the condition's explanation for the ones evaluated. */
  explain(message: RoutingMessage, source: RouteSource = 'DeviceMessages'): RouteExplanation[] {
    return this.routes.map((r) => {
      if (!r.def.isEnabled) return { route: r.def, matched: false, skipped: 'the route is disabled' };
      if (r.def.source !== source) return { route: r.def, matched: false, skipped: `the route's source is ${r.def.source}, not ${source}` };
      const explanation = r.condition.explain(message);
      return { route: r.def, matched: explanation.result, explanation };
    });
  }

  /** Application properties an endpoint adds to the messages it receives (`$iothubname` replaced). */
  enrichmentsFor(endpoint: string, hubName: string): Array<{ name: string; value: string }> {
    return this.file.enrichments
      .filter((e: EnrichmentDef) => e.endpointNames.includes(endpoint))
      .map((e) => ({ name: e.key, value: e.value === '$iothubname' ? hubName : e.value }));
  }
}
