// The local hub's routing configuration (routes, fallback route, custom endpoints, enrichments),
// shaped like IoT Hub's ARM `routing` properties so a file exported from a real hub reads here,
// and its validation: every change is checked whole before the hub applies it, and a problem is
// reported with the JSON path it is at (and, for a condition, the character offset in it).
import { parseCondition } from '../../core/routing/condition';

export const ROUTE_SOURCES = ['DeviceMessages', 'DeviceLifecycleEvents', 'DeviceConnectionStateEvents'] as const;
export type RouteSource = (typeof ROUTE_SOURCES)[number];
/** The built-in Event Hubs-compatible endpoint's name, as IoT Hub spells it in routes. */
export const BUILT_IN_ENDPOINT = 'events';
export const DEFAULT_FILE_NAME_FORMAT = '{iothub}/{partition}/{YYYY}/{MM}/{DD}/{HH}/{mm}';
const FILE_NAME_TOKENS = ['{iothub}', '{partition}', '{YYYY}', '{MM}', '{DD}', '{HH}', '{mm}'];
/** IoT Hub allows 60..720 s and 10..500 MB; the local hub also accepts smaller values so tests and demos see files quickly. */
export const BATCH_FREQUENCY_RANGE = { min: 1, max: 720, default: 300 };
export const MAX_CHUNK_RANGE = { min: 1024, max: 524_288_000, default: 314_572_800 };
const NAME = /^[A-Za-z0-9._-]{1,64}$/;
/** Names IoT Hub reserves for endpoints. */
const RESERVED_ENDPOINT_NAMES = ['events', 'filenotifications', '$default', 'operationsmonitoringevents'];

export interface RouteConfig {
  name: string;
  source: RouteSource;
  /** IoT Hub's routing query; `true` when absent. */
  condition: string;
  /** Exactly one endpoint (IoT Hub allows one per route). */
  endpointNames: string[];
  isEnabled: boolean;
}

export interface EventHubEndpointConfig {
  name: string;
  /** The Event Hub name a back end reads (its connection string's EntityPath); default: the endpoint name. */
  entityPath?: string;
  /** Local extension: partitions of this entity (default 4, 1..32; fixed once created). */
  partitionCount?: number;
  /** Local extension: consumer groups besides `$Default`. */
  consumerGroups?: string[];
}

export interface StorageEndpointConfig {
  name: string;
  /** Folder under `<dataDir>/storage/` the files go to (default: the endpoint name). */
  containerName?: string;
  fileNameFormat?: string;
  encoding?: 'avro' | 'json';
  batchFrequencyInSeconds?: number;
  maxChunkSizeInBytes?: number;
}

export interface EnrichmentConfig {
  key: string;
  /** A static value, or `$iothubname`. */
  value: string;
  endpointNames: string[];
}

export interface RoutingConfig {
  routes: RouteConfig[];
  fallbackRoute: { isEnabled: boolean };
  endpoints: { eventHubs: EventHubEndpointConfig[]; storageContainers: StorageEndpointConfig[] };
  enrichments: EnrichmentConfig[];
}

export interface RoutingConfigProblem {
  /** JSON path of the offending value, like `routes[2].condition`. */
  path: string;
  message: string;
  /** For a condition: the character offset and length of the error within it. */
  offset?: number;
  length?: number;
}

export type RoutingConfigResult = { ok: true; config: RoutingConfig } | { ok: false; problems: RoutingConfigProblem[] };

export function emptyRoutingConfig(): RoutingConfig {
  return { routes: [], fallbackRoute: { isEnabled: true }, endpoints: { eventHubs: [], storageContainers: [] }, enrichments: [] };
}

/** Every custom endpoint's name, in config order. */
export function customEndpointNames(c: RoutingConfig): string[] {
  return [...c.endpoints.eventHubs.map((e) => e.name), ...c.endpoints.storageContainers.map((e) => e.name)];
}

/** Why an endpoint cannot be removed now: the routes and enrichments that name it, or undefined. */
export function endpointInUse(c: RoutingConfig, name: string): string | undefined {
  const lower = name.toLowerCase();
  const routes = c.routes.filter((r) => r.endpointNames.some((e) => e.toLowerCase() === lower)).map((r) => `route "${r.name}"`);
  const enrichments = c.enrichments.filter((e) => e.endpointNames.some((n) => n.toLowerCase() === lower)).map((e) => `enrichment "${e.key}"`);
  const users = [...routes, ...enrichments];
  return users.length === 0 ? undefined : `The endpoint "${name}" is used by ${users.join(', ')}; remove or change ${users.length === 1 ? 'it' : 'them'} first. Nothing was changed.`;
}

/** The message a 400 reply and the CLI print: each problem on its own line. */
export function describeProblems(problems: readonly RoutingConfigProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('\n');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks raw JSON (a routes file, or a management API body) and returns it normalised (defaults
 * filled in), or every problem found. Nothing is applied here.
 */
export function validateRoutingConfig(raw: unknown, hubName: string): RoutingConfigResult {
  const problems: RoutingConfigProblem[] = [];
  const add = (path: string, message: string, extra?: { offset: number; length: number }): void => {
    problems.push(extra === undefined ? { path, message } : { path, message, ...extra });
  };
  if (!isObject(raw)) return { ok: false, problems: [{ path: '$', message: 'The routing configuration must be a JSON object with routes, fallbackRoute, endpoints and enrichments.' }] };
  const config = emptyRoutingConfig();

  const endpoints = raw['endpoints'] ?? {};
  const endpointNames = new Map<string, string>();
  const claimName = (path: string, name: unknown): name is string => {
    if (typeof name !== 'string' || !NAME.test(name)) {
      add(path, `An endpoint name must be 1-64 letters, digits, '.', '_' or '-' (got ${JSON.stringify(name)}).`);
      return false;
    }
    if (RESERVED_ENDPOINT_NAMES.includes(name.toLowerCase())) {
      add(path, `"${name}" is reserved by IoT Hub (the built-in endpoint is "${BUILT_IN_ENDPOINT}"); choose another name.`);
      return false;
    }
    const prior = endpointNames.get(name.toLowerCase());
    if (prior !== undefined) {
      add(path, `Duplicate endpoint name "${name}" (also at ${prior}); endpoint names are unique, ignoring case.`);
      return false;
    }
    endpointNames.set(name.toLowerCase(), path);
    return true;
  };
  if (!isObject(endpoints)) {
    add('endpoints', 'endpoints must be an object with eventHubs and storageContainers lists.');
  } else {
    const entityPaths = new Map<string, string>([[hubName.toLowerCase(), 'the built-in endpoint']]);
    listAt(endpoints, 'eventHubs', 'endpoints.eventHubs', add).forEach((e, i) => {
      const path = `endpoints.eventHubs[${i}]`;
      if (!isObject(e)) return add(path, 'An Event Hubs endpoint must be an object like {"name": "eh-alerts"}.');
      if (!claimName(`${path}.name`, e['name'])) return;
      const out: EventHubEndpointConfig = { name: e['name'] as string };
      const entity = e['entityPath'] ?? out.name;
      if (typeof entity !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$/.test(entity)) {
        add(`${path}.entityPath`, `An entity path must be letters, digits, '.', '_' or '-', starting with a letter or digit (got ${JSON.stringify(entity)}).`);
      } else {
        const taken = entityPaths.get(entity.toLowerCase());
        if (taken !== undefined) add(`${path}.entityPath`, `The entity path "${entity}" is already used by ${taken}.`);
        entityPaths.set(entity.toLowerCase(), `endpoint "${out.name}"`);
        if (e['entityPath'] !== undefined) out.entityPath = entity;
      }
      if (e['partitionCount'] !== undefined) {
        const n = e['partitionCount'];
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 32) add(`${path}.partitionCount`, `partitionCount must be an integer from 1 to 32 (got ${JSON.stringify(n)}).`);
        else out.partitionCount = n;
      }
      if (e['consumerGroups'] !== undefined) {
        const groups = e['consumerGroups'];
        if (!Array.isArray(groups) || groups.some((g) => typeof g !== 'string' || !/^[A-Za-z0-9$._-]{1,50}$/.test(g))) {
          add(`${path}.consumerGroups`, 'consumerGroups must be a list of names (1-50 letters, digits, $ . _ -).');
        } else {
          out.consumerGroups = groups as string[];
        }
      }
      config.endpoints.eventHubs.push(out);
    });
    listAt(endpoints, 'storageContainers', 'endpoints.storageContainers', add).forEach((e, i) => {
      const path = `endpoints.storageContainers[${i}]`;
      if (!isObject(e)) return add(path, 'A storage endpoint must be an object like {"name": "archive", "encoding": "avro"}.');
      if (!claimName(`${path}.name`, e['name'])) return;
      const out: StorageEndpointConfig = { name: e['name'] as string };
      const container = e['containerName'];
      if (container !== undefined) {
        if (typeof container !== 'string' || !/^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$/.test(container)) {
          add(`${path}.containerName`, `A container name is 3-63 lower-case letters, digits and '-', as in Azure Storage (got ${JSON.stringify(container)}).`);
        } else {
          out.containerName = container;
        }
      }
      const format = e['fileNameFormat'] ?? DEFAULT_FILE_NAME_FORMAT;
      if (typeof format !== 'string') {
        add(`${path}.fileNameFormat`, 'fileNameFormat must be a string.');
      } else {
        const missing = FILE_NAME_TOKENS.filter((t) => !format.includes(t));
        if (missing.length > 0) add(`${path}.fileNameFormat`, `fileNameFormat must contain every one of ${FILE_NAME_TOKENS.join(' ')} (missing ${missing.join(' ')}), as IoT Hub requires.`);
        else if (/(^|\/)\.\.?(\/|$)|\\|^\//.test(format)) add(`${path}.fileNameFormat`, 'fileNameFormat may not contain "..", "." segments, backslashes or a leading "/".');
        else out.fileNameFormat = format;
      }
      const encoding = e['encoding'] ?? 'avro';
      if (typeof encoding !== 'string' || !['avro', 'json'].includes(encoding.toLowerCase())) add(`${path}.encoding`, `encoding must be "avro" or "json" (got ${JSON.stringify(encoding)}).`);
      else out.encoding = encoding.toLowerCase() as 'avro' | 'json';
      out.batchFrequencyInSeconds = intInRange(e['batchFrequencyInSeconds'], BATCH_FREQUENCY_RANGE, `${path}.batchFrequencyInSeconds`, add);
      out.maxChunkSizeInBytes = intInRange(e['maxChunkSizeInBytes'], MAX_CHUNK_RANGE, `${path}.maxChunkSizeInBytes`, add);
      config.endpoints.storageContainers.push(out);
    });
  }

  const knownEndpoint = (path: string, name: unknown): name is string => {
    if (typeof name !== 'string') {
      add(path, 'An endpoint name must be a string.');
      return false;
    }
    if (name === BUILT_IN_ENDPOINT || endpointNames.has(name.toLowerCase())) return true;
    const known = [BUILT_IN_ENDPOINT, ...[...endpointNames.keys()]];
    add(path, `Unknown endpoint "${name}" (known: ${known.join(', ')}). Add the endpoint first.`);
    return false;
  };

  const routeNames = new Map<string, string>();
  listAt(raw, 'routes', 'routes', add).forEach((r, i) => {
    const path = `routes[${i}]`;
    if (!isObject(r)) return add(path, 'A route must be an object like {"name", "source", "condition", "endpointNames", "isEnabled"}.');
    const name = r['name'];
    if (typeof name !== 'string' || !NAME.test(name)) return add(`${path}.name`, `A route name must be 1-64 letters, digits, '.', '_' or '-' (got ${JSON.stringify(name)}).`);
    const prior = routeNames.get(name.toLowerCase());
    if (prior !== undefined) return add(`${path}.name`, `Duplicate route name "${name}" (also at ${prior}).`);
    routeNames.set(name.toLowerCase(), path);
    const source = r['source'] ?? 'DeviceMessages';
    const knownSource = ROUTE_SOURCES.find((s) => typeof source === 'string' && s.toLowerCase() === source.toLowerCase());
    if (knownSource === undefined) {
      add(`${path}.source`, `Unknown source ${JSON.stringify(source)}: the local hub routes ${ROUTE_SOURCES.join(', ')}.`);
    }
    const condition = r['condition'] ?? 'true';
    if (typeof condition !== 'string') {
      add(`${path}.condition`, 'condition must be a string (a routing query such as `temperature > 30`).');
    } else {
      const parsed = parseCondition(condition);
      if (!parsed.ok) {
        const { message, offset, length, expected } = parsed.error;
        const wanted = expected.length > 0 ? ` (expected ${expected.join(', ')})` : '';
        add(`${path}.condition`, `Syntax error at character ${offset + 1}: ${message}${wanted}.`, { offset, length });
      } else if (parsed.condition.usesTwin) {
        add(`${path}.condition`, 'The condition reads the device twin ($twin), which the local hub does not have; remove the $twin part.');
      }
    }
    const endpointsRaw = r['endpointNames'];
    if (!Array.isArray(endpointsRaw) || endpointsRaw.length !== 1) {
      add(`${path}.endpointNames`, 'endpointNames must list exactly one endpoint (IoT Hub allows one per route; several routes may share an endpoint).');
    } else {
      knownEndpoint(`${path}.endpointNames[0]`, endpointsRaw[0]);
    }
    const enabled = r['isEnabled'] ?? true;
    if (typeof enabled !== 'boolean') add(`${path}.isEnabled`, 'isEnabled must be true or false.');
    if (knownSource !== undefined && typeof condition === 'string' && Array.isArray(endpointsRaw) && typeof enabled === 'boolean') {
      config.routes.push({ name, source: knownSource, condition, endpointNames: endpointsRaw.map(String), isEnabled: enabled });
    }
  });

  const fallback = raw['fallbackRoute'];
  if (fallback !== undefined) {
    if (!isObject(fallback) || (fallback['isEnabled'] !== undefined && typeof fallback['isEnabled'] !== 'boolean')) {
      add('fallbackRoute', 'fallbackRoute must be {"isEnabled": true|false}.');
    } else {
      config.fallbackRoute = { isEnabled: fallback['isEnabled'] !== false };
    }
  }

  const keys = new Set<string>();
  listAt(raw, 'enrichments', 'enrichments', add).forEach((en, i) => {
    const path = `enrichments[${i}]`;
    if (!isObject(en)) return add(path, 'An enrichment must be an object like {"key", "value", "endpointNames"}.');
    const key = en['key'];
    const value = en['value'];
    if (typeof key !== 'string' || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/.test(key)) {
      return add(`${path}.key`, `An enrichment key is an application property name: 1-64 characters of letters, digits and !#$%&'*+-.^_\`|~ (got ${JSON.stringify(key)}).`);
    }
    if (keys.has(key.toLowerCase())) return add(`${path}.key`, `Duplicate enrichment key "${key}".`);
    keys.add(key.toLowerCase());
    if (typeof value !== 'string' || value === '' || value.length > 128) return add(`${path}.value`, 'An enrichment value must be a string of 1-128 characters.');
    if (value.startsWith('$') && value.toLowerCase() !== '$iothubname') {
      return add(`${path}.value`, `"${value}" is not available locally: the local hub enriches with a static value or $iothubname (it has no device twins).`);
    }
    const names = en['endpointNames'];
    if (!Array.isArray(names) || names.length === 0) return add(`${path}.endpointNames`, 'endpointNames must list at least one endpoint.');
    const ok = names.every((n, j) => knownEndpoint(`${path}.endpointNames[${j}]`, n));
    if (ok) config.enrichments.push({ key, value, endpointNames: names as string[] });
  });

  return problems.length === 0 ? { ok: true, config } : { ok: false, problems };
}

function listAt(obj: Record<string, unknown>, key: string, path: string, add: (path: string, message: string) => void): unknown[] {
  const v = obj[key];
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    add(path, `${key} must be a list.`);
    return [];
  }
  return v;
}

function intInRange(v: unknown, range: { min: number; max: number; default: number }, path: string, add: (path: string, message: string) => void): number {
  if (v === undefined) return range.default;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < range.min || v > range.max) {
    add(path, `must be an integer from ${range.min} to ${range.max} (got ${JSON.stringify(v)}).`);
    return range.default;
  }
  return v;
}
