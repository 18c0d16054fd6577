// The routes file: routes, custom endpoints, the fallback route and message enrichments, in the
// shape of IoT Hub's ARM `routing` properties (names and fields as ARM writes them). One type and
// one validator for every reader: the local hub (its data directory's `routes.json`), the CLI,
// the language server (`*.iotroutes.json` and the data directory's file) and the route tester.
// `validateRoutesFile` reports every problem at once with the JSON path it belongs to (and, for a
// condition's syntax error, the offset inside the condition string), and returns the file with
// defaults filled in when there is no error.
import { parseCondition } from './condition';
import { errorText } from '../errorText';

export const ROUTES_FILE_NAME = 'routes.json';
export const ROUTES_FILE_GLOB = '*.iotroutes.json';
/** The built-in endpoint (IoT Hub's `events`), target of the fallback route. */
export const BUILT_IN_ENDPOINT = 'events';
/** Endpoint names IoT Hub reserves. */
export const RESERVED_ENDPOINT_NAMES: readonly string[] = ['events', 'fileNotifications', '$default'];
export const ROUTE_SOURCES = ['DeviceMessages', 'DeviceLifecycleEvents', 'DeviceConnectionStateEvents'] as const;
export type RouteSource = (typeof ROUTE_SOURCES)[number];
/** Sources IoT Hub has that the local hub does not produce. */
export const UNSUPPORTED_ROUTE_SOURCES: readonly string[] = ['TwinChangeEvents', 'DigitalTwinChangeEvents', 'DeviceJobLifecycleEvents'];
export const DEFAULT_FILE_NAME_FORMAT = '{iothub}/{partition}/{YYYY}/{MM}/{DD}/{HH}/{mm}';
export const FILE_NAME_TOKENS: readonly string[] = ['{iothub}', '{partition}', '{YYYY}', '{MM}', '{DD}', '{HH}', '{mm}'];
export const MAX_ROUTES = 100;
export const MAX_ENRICHMENTS = 10;
/** IoT Hub's limits for storage endpoints; the local hub accepts shorter batches for testing. */
export const STORAGE_BATCH_SECONDS = { min: 60, max: 720, default: 300 } as const;
export const STORAGE_CHUNK_BYTES = { min: 10_485_760, max: 524_288_000, default: 314_572_800 } as const;
const NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export interface RouteDef {
  name: string;
  source: RouteSource;
  /** Routing query condition; `'true'` when omitted. */
  condition: string;
  /** Exactly one endpoint (IoT Hub allows one per route): `events` or a custom endpoint's name. */
  endpointNames: string[];
  isEnabled: boolean;
}

export interface EventHubEndpointDef {
  name: string;
  /** The entity back ends read (`@azure/event-hubs` eventHubName); defaults to the endpoint name. */
  entityPath?: string;
}

export type StorageEncoding = 'avro' | 'json';

export interface StorageEndpointDef {
  name: string;
  /** Default `{iothub}/{partition}/{YYYY}/{MM}/{DD}/{HH}/{mm}`; must hold every token. */
  fileNameFormat?: string;
  encoding: StorageEncoding;
  batchFrequencyInSeconds: number;
  maxChunkSizeInBytes: number;
}

export interface EnrichmentDef {
  key: string;
  /** A static value, or `$iothubname` (replaced by the hub's name). */
  value: string;
  endpointNames: string[];
}

export interface RoutesFile {
  routes: RouteDef[];
  fallbackRoute: { isEnabled: boolean };
  endpoints: { eventHubs: EventHubEndpointDef[]; storageContainers: StorageEndpointDef[] };
  enrichments: EnrichmentDef[];
}

export type JsonPath = ReadonlyArray<string | number>;

export interface RoutesProblem {
  /** Where in the file: `['routes', 2, 'condition']`. Empty for the whole file. */
  path: JsonPath;
  message: string;
  severity: 'error' | 'warning';
  code: RoutesProblemCode;
  /** For a condition: the characters of the (decoded) condition string that are wrong. */
  range?: { start: number; end: number };
  /** For a condition syntax error: what was expected there. */
  expected?: string[];
}

export type RoutesProblemCode =
  | 'invalid-json' | 'wrong-type' | 'missing-field' | 'unknown-field' | 'invalid-name' | 'duplicate-name'
  | 'reserved-name' | 'unknown-endpoint' | 'one-endpoint' | 'unknown-source' | 'unsupported-source'
  | 'condition-syntax' | 'condition-twin' | 'too-many' | 'out-of-range' | 'file-name-format';

export interface RoutesValidation {
  problems: RoutesProblem[];
  /** The file with defaults filled in; present when no problem is an error. */
  file?: RoutesFile;
}

export function emptyRoutesFile(): RoutesFile {
  return { routes: [], fallbackRoute: { isEnabled: true }, endpoints: { eventHubs: [], storageContainers: [] }, enrichments: [] };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  readonly problems: RoutesProblem[] = [];

  add(path: JsonPath, code: RoutesProblemCode, message: string, extra: Partial<RoutesProblem> = {}): void {
    this.problems.push({ path, code, message, severity: 'error', ...extra });
  }

  warn(path: JsonPath, code: RoutesProblemCode, message: string): void {
    this.problems.push({ path, code, message, severity: 'warning' });
  }

  unknownFields(o: Obj, path: JsonPath, known: readonly string[]): void {
    for (const k of Object.keys(o)) {
      if (!known.includes(k)) this.warn([...path, k], 'unknown-field', `Unknown field '${k}' (known: ${known.join(', ')}); it is ignored`);
    }
  }

  string(o: Obj, key: string, path: JsonPath, required: boolean): string | undefined {
    const v = o[key];
    if (v === undefined) {
      if (required) this.add(path, 'missing-field', `Missing '${key}'`);
      return undefined;
    }
    if (typeof v !== 'string') { this.add([...path, key], 'wrong-type', `'${key}' must be a string`); return undefined; }
    return v;
  }

  boolean(o: Obj, key: string, path: JsonPath, fallback: boolean | undefined): boolean | undefined {
    const v = o[key];
    if (v === undefined) {
      if (fallback === undefined) this.add(path, 'missing-field', `Missing '${key}' (true or false)`);
      return fallback;
    }
    if (typeof v !== 'boolean') { this.add([...path, key], 'wrong-type', `'${key}' must be true or false`); return undefined; }
    return v;
  }

  array(o: Obj, key: string, path: JsonPath): unknown[] {
    const v = o[key];
    if (v === undefined) return [];
    if (!Array.isArray(v)) { this.add([...path, key], 'wrong-type', `'${key}' must be an array`); return []; }
    return v;
  }

  name(v: string, path: JsonPath, what: string): void {
    if (!NAME_PATTERN.test(v)) {
      this.add(path, 'invalid-name', `${what} name '${v}' must be 1 to 64 characters: letters, digits, '.', '_' and '-'`);
    }
  }

  integer(o: Obj, key: string, path: JsonPath, def: number, range: { min: number; max: number }, hardMin: number, unit: string): number {
    const v = o[key];
    if (v === undefined) return def;
    if (typeof v !== 'number' || !Number.isInteger(v)) { this.add([...path, key], 'wrong-type', `'${key}' must be a whole number of ${unit}`); return def; }
    if (v < hardMin) this.add([...path, key], 'out-of-range', `'${key}' must be at least ${hardMin} ${unit}`);
    else if (v < range.min || v > range.max) {
      this.warn([...path, key], 'out-of-range', `IoT Hub accepts ${range.min} to ${range.max} ${unit} for '${key}'; the local hub accepts ${v}, but a deployment would be refused`);
    }
    return v;
  }
}

/** Validates a parsed routes file (any JSON value). Never throws. */
export function validateRoutesFile(value: unknown): RoutesValidation {
  const c = new Checker();
  const file = emptyRoutesFile();
  if (!isObj(value)) {
    c.add([], 'wrong-type', 'A routes file is a JSON object with "routes", "endpoints", "fallbackRoute" and "enrichments"');
    return { problems: c.problems };
  }
  c.unknownFields(value, [], ['$schema', 'routes', 'fallbackRoute', 'endpoints', 'enrichments']);

  // Endpoints first: routes and enrichments refer to them.
  const endpointNames = new Map<string, JsonPath>();
  const addEndpointName = (name: string, path: JsonPath): void => {
    const lower = name.toLowerCase();
    if (RESERVED_ENDPOINT_NAMES.some((r) => r.toLowerCase() === lower)) {
      c.add(path, 'reserved-name', `'${name}' is reserved by IoT Hub and cannot name a custom endpoint`);
      return;
    }
    const first = [...endpointNames.entries()].find(([n]) => n.toLowerCase() === lower);
    if (first !== undefined) c.add(path, 'duplicate-name', `Endpoint name '${name}' is already used at ${formatJsonPath(first[1])}: endpoint names are unique across all endpoints`);
    else endpointNames.set(name, path);
  };
  const endpoints = value['endpoints'];
  if (endpoints !== undefined && !isObj(endpoints)) c.add(['endpoints'], 'wrong-type', "'endpoints' must be an object with \"eventHubs\" and \"storageContainers\"");
  if (isObj(endpoints)) {
    c.unknownFields(endpoints, ['endpoints'], ['eventHubs', 'storageContainers', 'serviceBusQueues', 'serviceBusTopics', 'cosmosDBSqlContainers']);
    for (const kind of ['serviceBusQueues', 'serviceBusTopics', 'cosmosDBSqlContainers']) {
      if (Array.isArray(endpoints[kind]) && (endpoints[kind] as unknown[]).length > 0) {
        c.add(['endpoints', kind], 'unsupported-source', `The local hub has no ${kind} endpoints; use eventHubs or storageContainers`);
      }
    }
    c.array(endpoints, 'eventHubs', ['endpoints']).forEach((e, i) => {
      const path: JsonPath = ['endpoints', 'eventHubs', i];
      if (!isObj(e)) { c.add(path, 'wrong-type', 'An Event Hubs endpoint is an object with "name" and optionally "entityPath"'); return; }
      c.unknownFields(e, path, ['name', 'entityPath', 'connectionString', 'endpointUri', 'authenticationType', 'identity', 'id', 'subscriptionId', 'resourceGroup']);
      const name = c.string(e, 'name', path, true);
      const entityPath = c.string(e, 'entityPath', path, false);
      if (name === undefined) return;
      c.name(name, [...path, 'name'], 'Endpoint');
      addEndpointName(name, [...path, 'name']);
      if (entityPath !== undefined && !NAME_PATTERN.test(entityPath)) c.add([...path, 'entityPath'], 'invalid-name', `Entity path '${entityPath}' must be 1 to 64 characters: letters, digits, '.', '_' and '-'`);
      file.endpoints.eventHubs.push(entityPath === undefined ? { name } : { name, entityPath });
    });
    c.array(endpoints, 'storageContainers', ['endpoints']).forEach((e, i) => {
      const path: JsonPath = ['endpoints', 'storageContainers', i];
      if (!isObj(e)) { c.add(path, 'wrong-type', 'A storage endpoint is an object with "name", "encoding", "batchFrequencyInSeconds" and "maxChunkSizeInBytes"'); return; }
      c.unknownFields(e, path, ['name', 'fileNameFormat', 'encoding', 'batchFrequencyInSeconds', 'maxChunkSizeInBytes', 'containerName', 'connectionString', 'endpointUri', 'authenticationType', 'identity', 'id', 'subscriptionId', 'resourceGroup']);
      const name = c.string(e, 'name', path, true);
      const format = c.string(e, 'fileNameFormat', path, false);
      if (format !== undefined) {
        const missing = FILE_NAME_TOKENS.filter((t) => !format.includes(t));
        if (missing.length > 0) c.add([...path, 'fileNameFormat'], 'file-name-format', `The file name format must hold every one of ${FILE_NAME_TOKENS.join(' ')} (in any order); missing ${missing.join(' ')}`);
      }
      const encRaw = c.string(e, 'encoding', path, false);
      let encoding: StorageEncoding = 'avro';
      if (encRaw !== undefined) {
        const lower = encRaw.toLowerCase();
        if (lower === 'avro' || lower === 'json') encoding = lower;
        else c.add([...path, 'encoding'], 'wrong-type', `Encoding '${encRaw}' is not supported: use "avro" (the default) or "json"`);
      }
      const batch = c.integer(e, 'batchFrequencyInSeconds', path, STORAGE_BATCH_SECONDS.default, STORAGE_BATCH_SECONDS, 1, 'seconds');
      const chunk = c.integer(e, 'maxChunkSizeInBytes', path, STORAGE_CHUNK_BYTES.default, STORAGE_CHUNK_BYTES, 1, 'bytes');
      if (name === undefined) return;
      c.name(name, [...path, 'name'], 'Endpoint');
      addEndpointName(name, [...path, 'name']);
      const def: StorageEndpointDef = { name, encoding, batchFrequencyInSeconds: batch, maxChunkSizeInBytes: chunk };
      if (format !== undefined) def.fileNameFormat = format;
      file.endpoints.storageContainers.push(def);
    });
  }
  const knownEndpoint = (n: string): boolean => n === BUILT_IN_ENDPOINT || endpointNames.has(n);
  const endpointHint = (): string => [BUILT_IN_ENDPOINT, ...endpointNames.keys()].map((n) => `'${n}'`).join(', ');

  const routes = c.array(value, 'routes', []);
  if (routes.length > MAX_ROUTES) c.add(['routes'], 'too-many', `IoT Hub allows at most ${MAX_ROUTES} routes; this file has ${routes.length}`);
  const routeNames = new Map<string, number>();
  routes.forEach((r, i) => {
    const path: JsonPath = ['routes', i];
    if (!isObj(r)) { c.add(path, 'wrong-type', 'A route is an object with "name", "source", "condition", "endpointNames" and "isEnabled"'); return; }
    c.unknownFields(r, path, ['name', 'source', 'condition', 'endpointNames', 'isEnabled']);
    const name = c.string(r, 'name', path, true);
    if (name !== undefined) {
      c.name(name, [...path, 'name'], 'Route');
      const lower = name.toLowerCase();
      const first = routeNames.get(lower);
      if (first !== undefined) c.add([...path, 'name'], 'duplicate-name', `Route name '${name}' is already used by route ${first}: route names are unique`);
      else routeNames.set(lower, i);
    }
    const sourceRaw = c.string(r, 'source', path, true);
    let source: RouteSource | undefined;
    if (sourceRaw !== undefined) {
      source = ROUTE_SOURCES.find((s) => s.toLowerCase() === sourceRaw.toLowerCase());
      if (source === undefined) {
        if (UNSUPPORTED_ROUTE_SOURCES.some((s) => s.toLowerCase() === sourceRaw.toLowerCase())) {
          c.add([...path, 'source'], 'unsupported-source', `The local hub does not produce ${sourceRaw}; it routes ${ROUTE_SOURCES.join(', ')}`);
        } else {
          c.add([...path, 'source'], 'unknown-source', `Unknown source '${sourceRaw}': use one of ${ROUTE_SOURCES.join(', ')}`);
        }
      }
    }
    const condition = c.string(r, 'condition', path, false) ?? 'true';
    const parsed = parseCondition(condition);
    if (!parsed.ok) {
      const { offset, length, message, expected } = parsed.error;
      c.add([...path, 'condition'], 'condition-syntax', `${message} (at offset ${offset} of the condition)`, { range: { start: offset, end: offset + length }, expected });
    } else if (parsed.condition.usesTwin) {
      c.warn([...path, 'condition'], 'condition-twin', 'This condition reads $twin, which the local hub does not have: the twin part is undefined here (so false), while IoT Hub evaluates it');
    }
    const names = c.array(r, 'endpointNames', path);
    if (r['endpointNames'] === undefined) c.add(path, 'missing-field', "Missing 'endpointNames' (one endpoint name, e.g. [\"events\"])");
    else if (names.length !== 1) c.add([...path, 'endpointNames'], 'one-endpoint', `A route sends to exactly one endpoint (IoT Hub allows one per route), not ${names.length}`);
    const endpointList: string[] = [];
    names.forEach((n, j) => {
      if (typeof n !== 'string') { c.add([...path, 'endpointNames', j], 'wrong-type', 'An endpoint name is a string'); return; }
      if (!knownEndpoint(n)) c.add([...path, 'endpointNames', j], 'unknown-endpoint', `Unknown endpoint '${n}': known endpoints are ${endpointHint()}`);
      endpointList.push(n);
    });
    const isEnabled = c.boolean(r, 'isEnabled', path, undefined);
    if (name !== undefined && source !== undefined && isEnabled !== undefined) {
      file.routes.push({ name, source, condition, endpointNames: endpointList, isEnabled });
    }
  });

  const fallback = value['fallbackRoute'];
  if (fallback !== undefined) {
    if (!isObj(fallback)) c.add(['fallbackRoute'], 'wrong-type', "'fallbackRoute' must be an object such as { \"isEnabled\": true }");
    else {
      c.unknownFields(fallback, ['fallbackRoute'], ['isEnabled', 'name', 'source', 'condition', 'endpointNames']);
      file.fallbackRoute.isEnabled = c.boolean(fallback, 'isEnabled', ['fallbackRoute'], true) ?? true;
      const names = fallback['endpointNames'];
      if (Array.isArray(names) && (names.length !== 1 || names[0] !== BUILT_IN_ENDPOINT)) {
        c.add(['fallbackRoute', 'endpointNames'], 'unknown-endpoint', `The fallback route always sends to the built-in endpoint: ["${BUILT_IN_ENDPOINT}"]`);
      }
    }
  }

  const enrichments = c.array(value, 'enrichments', []);
  if (enrichments.length > MAX_ENRICHMENTS) c.add(['enrichments'], 'too-many', `IoT Hub allows at most ${MAX_ENRICHMENTS} enrichments; this file has ${enrichments.length}`);
  const keys = new Map<string, number>();
  enrichments.forEach((e, i) => {
    const path: JsonPath = ['enrichments', i];
    if (!isObj(e)) { c.add(path, 'wrong-type', 'An enrichment is an object with "key", "value" and "endpointNames"'); return; }
    c.unknownFields(e, path, ['key', 'value', 'endpointNames']);
    const key = c.string(e, 'key', path, true);
    const val = c.string(e, 'value', path, true);
    if (key !== undefined) {
      if (key.length === 0) c.add([...path, 'key'], 'invalid-name', 'An enrichment key cannot be empty');
      const first = keys.get(key.toLowerCase());
      if (first !== undefined) c.add([...path, 'key'], 'duplicate-name', `Enrichment key '${key}' is already used by enrichment ${first} (keys are application property names, matched ignoring case)`);
      else keys.set(key.toLowerCase(), i);
    }
    const names = c.array(e, 'endpointNames', path);
    if (names.length === 0) c.add(e['endpointNames'] === undefined ? path : [...path, 'endpointNames'], 'missing-field', 'An enrichment applies to at least one endpoint: list it in "endpointNames"');
    const list: string[] = [];
    names.forEach((n, j) => {
      if (typeof n !== 'string') { c.add([...path, 'endpointNames', j], 'wrong-type', 'An endpoint name is a string'); return; }
      if (!knownEndpoint(n)) c.add([...path, 'endpointNames', j], 'unknown-endpoint', `Unknown endpoint '${n}': known endpoints are ${endpointHint()}`);
      list.push(n);
    });
    if (key !== undefined && val !== undefined) file.enrichments.push({ key, value: val, endpointNames: list });
  });

  const hasError = c.problems.some((p) => p.severity === 'error');
  return hasError ? { problems: c.problems } : { problems: c.problems, file };
}

/** Parses and validates the text of a routes file (strict JSON). Never throws. */
export function parseRoutesFileText(text: string): RoutesValidation {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { problems: [{ path: [], code: 'invalid-json', severity: 'error', message: `The routes file is not valid JSON: ${errorText(e)}` }] };
  }
  return validateRoutesFile(value);
}

/** `routes[2].condition` */
export function formatJsonPath(path: JsonPath): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s === '' ? '(file)' : s;
}
