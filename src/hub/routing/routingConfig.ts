// The local hub's routing configuration: the core's routes file (src/core/routing/routesFile.ts,
// shaped like IoT Hub's ARM `routing` properties, validated there: names, sources, conditions with
// their position, unknown endpoints, storage settings) plus what only the hub checks and keeps:
// an Event Hubs-style endpoint's partitions and consumer groups (local extensions), a storage
// endpoint's folder, entity paths that clash with the hub's own Event Hub, and enrichment values
// the local hub cannot fill. Every change is checked whole before the hub applies it.
import {
  BUILT_IN_ENDPOINT, DEFAULT_FILE_NAME_FORMAT, emptyRoutesFile, formatJsonPath, ROUTE_SOURCES, validateRoutesFile,
  type EnrichmentDef, type EventHubEndpointDef, type RouteDef, type RouteSource, type RoutesFile, type StorageEndpointDef,
} from '../../core/routing/routesFile';

export { BUILT_IN_ENDPOINT, DEFAULT_FILE_NAME_FORMAT, ROUTE_SOURCES, type RouteSource };

export type RouteConfig = RouteDef;
export type EnrichmentConfig = EnrichmentDef;

export interface EventHubEndpointConfig extends EventHubEndpointDef {
  /** Local extension: partitions of this Event Hub (default 4, 1..32; fixed once created). */
  partitionCount?: number;
  /** Local extension: consumer groups besides `$Default`. */
  consumerGroups?: string[];
}

export interface StorageEndpointConfig extends StorageEndpointDef {
  /** Folder under `<dataDir>/storage/` the files go to (default: the endpoint name). */
  containerName?: string;
}

export interface RoutingConfig extends RoutesFile {
  endpoints: { eventHubs: EventHubEndpointConfig[]; storageContainers: StorageEndpointConfig[] };
}

export interface RoutingConfigProblem {
  /** JSON path of the offending value, like `routes[2].condition`. */
  path: string;
  message: string;
  /** For a condition: the character offset and length of the error within it. */
  offset?: number;
  length?: number;
}

export type RoutingConfigResult =
  | { ok: true; config: RoutingConfig; warnings: RoutingConfigProblem[] }
  | { ok: false; problems: RoutingConfigProblem[] };

/** Fields the core's validator does not know but the hub keeps (its unknown-field warnings about them are dropped). */
const HUB_EVENT_HUB_FIELDS = ['partitionCount', 'consumerGroups'];

export function emptyRoutingConfig(): RoutingConfig {
  return emptyRoutesFile();
}

/** The message a 400 reply and the CLI print: each problem on its own line. */
export function describeProblems(problems: readonly RoutingConfigProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('\n');
}

/** Why an endpoint cannot be removed now: the routes and enrichments that name it, or undefined. */
export function endpointInUse(c: RoutingConfig, name: string): string | undefined {
  const lower = name.toLowerCase();
  const routes = c.routes.filter((r) => r.endpointNames.some((e) => e.toLowerCase() === lower)).map((r) => `route "${r.name}"`);
  const enrichments = c.enrichments.filter((e) => e.endpointNames.some((n) => n.toLowerCase() === lower)).map((e) => `enrichment "${e.key}"`);
  const users = [...routes, ...enrichments];
  return users.length === 0 ? undefined : `The endpoint "${name}" is used by ${users.join(', ')}; remove or change ${users.length === 1 ? 'it' : 'them'} first. Nothing was changed.`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks raw JSON (a routes file, or a management API body) and returns it normalised (defaults
 * filled in) with any warnings, or every problem found. Nothing is applied here.
 */
export function validateRoutingConfig(raw: unknown, hubName: string): RoutingConfigResult {
  const core = validateRoutesFile(raw);
  const problems: RoutingConfigProblem[] = [];
  const warnings: RoutingConfigProblem[] = [];
  for (const p of core.problems) {
    const path = formatJsonPath(p.path);
    if (p.code === 'unknown-field' && p.path.length === 4 && p.path[1] === 'eventHubs' && HUB_EVENT_HUB_FIELDS.includes(String(p.path[3]))) continue;
    const out: RoutingConfigProblem = { path, message: p.message };
    if (p.range !== undefined) {
      out.offset = p.range.start;
      out.length = p.range.end - p.range.start;
      if (p.code === 'condition-syntax') out.message = `Syntax error at character ${p.range.start + 1}: ${p.message}${p.expected !== undefined && p.expected.length > 0 ? ` (expected ${p.expected.join(', ')})` : ''}`;
    }
    (p.severity === 'error' ? problems : warnings).push(out);
  }
  const add = (path: string, message: string): void => {
    problems.push({ path, message });
  };

  // What only the hub checks, read from the raw value (the core's file drops fields it does not know).
  const endpoints = isObject(raw) && isObject(raw['endpoints']) ? raw['endpoints'] : {};
  const rawEventHubs = Array.isArray(endpoints['eventHubs']) ? endpoints['eventHubs'] as unknown[] : [];
  const rawStorage = Array.isArray(endpoints['storageContainers']) ? endpoints['storageContainers'] as unknown[] : [];
  const extras = new Map<string, Partial<EventHubEndpointConfig & StorageEndpointConfig>>();
  const entityPaths = new Map<string, string>([[hubName.toLowerCase(), 'the built-in endpoint']]);
  rawEventHubs.forEach((e, i) => {
    if (!isObject(e) || typeof e['name'] !== 'string') return;
    const path = `endpoints.eventHubs[${i}]`;
    const extra: Partial<EventHubEndpointConfig> = {};
    const entity = typeof e['entityPath'] === 'string' ? e['entityPath'] : e['name'];
    const taken = entityPaths.get(entity.toLowerCase());
    if (taken !== undefined) add(`${path}.entityPath`, `The entity path "${entity}" is already used by ${taken}; Event Hub names are unique on the endpoint.`);
    entityPaths.set(entity.toLowerCase(), `endpoint "${e['name']}"`);
    const n = e['partitionCount'];
    if (n !== undefined) {
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 32) add(`${path}.partitionCount`, `partitionCount must be an integer from 1 to 32 (got ${JSON.stringify(n)}).`);
      else extra.partitionCount = n;
    }
    const groups = e['consumerGroups'];
    if (groups !== undefined) {
      if (!Array.isArray(groups) || groups.some((g) => typeof g !== 'string' || !/^[A-Za-z0-9$._-]{1,50}$/.test(g))) {
        add(`${path}.consumerGroups`, 'consumerGroups must be a list of names (1-50 letters, digits, $ . _ -).');
      } else {
        extra.consumerGroups = groups as string[];
      }
    }
    extras.set(e['name'].toLowerCase(), extra);
  });
  rawStorage.forEach((e, i) => {
    if (!isObject(e) || typeof e['name'] !== 'string') return;
    const path = `endpoints.storageContainers[${i}]`;
    const extra: Partial<StorageEndpointConfig> = {};
    const container = e['containerName'];
    if (container !== undefined) {
      if (typeof container !== 'string' || !/^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$/.test(container)) {
        add(`${path}.containerName`, `A container name is 3-63 lower-case letters, digits and '-', as in Azure Storage (got ${JSON.stringify(container)}).`);
      } else {
        extra.containerName = container;
      }
    }
    const format = e['fileNameFormat'];
    // The files live under the data dir: a format may not climb out of it.
    if (typeof format === 'string' && /(^|\/)\.\.?(\/|$)|\\|^\//.test(format)) add(`${path}.fileNameFormat`, 'fileNameFormat may not contain "." or ".." segments, backslashes or a leading "/".');
    extras.set(e['name'].toLowerCase(), extra);
  });
  const rawEnrichments = isObject(raw) && Array.isArray(raw['enrichments']) ? raw['enrichments'] as unknown[] : [];
  rawEnrichments.forEach((e, i) => {
    const value = isObject(e) ? e['value'] : undefined;
    if (typeof value === 'string' && value.startsWith('$') && value !== '$iothubname') {
      add(`enrichments[${i}].value`, `"${value}" is not available locally: the local hub enriches with a static value or $iothubname (it has no device twins).`);
    }
  });

  if (problems.length > 0 || core.file === undefined) return { ok: false, problems: problems.length > 0 ? problems : [{ path: '(file)', message: 'The routing configuration is not valid.' }] };
  const file = core.file;
  const config: RoutingConfig = {
    ...file,
    endpoints: {
      eventHubs: file.endpoints.eventHubs.map((e) => ({ ...e, ...extras.get(e.name.toLowerCase()) })),
      storageContainers: file.endpoints.storageContainers.map((e) => ({ ...e, ...extras.get(e.name.toLowerCase()) })),
    },
  };
  return { ok: true, config, warnings };
}
