// `iot-hub-local route ...`, `endpoint ...` and `enrichment ...`: message routing of the local
// hub. Each change is made to the whole configuration and validated whole by the hub (through a
// running hub's management API, or in the data dir directly when none runs); a refused change
// prints every problem (with a condition's character position) and changes nothing.
import * as fs from 'node:fs';
import type { LocalHubClient } from '../../client/localHubClient';
import type { LocalHubState } from '../../openHubState';
import { RoutingConfigError } from '../../routing/messageRouter';
import { endpointInUse, ROUTE_SOURCES, type RouteSource, type RoutingConfig } from '../../routing/routingConfig';
import { withHub } from '../hubAccess';
import { requireId, UsageError, type Values } from '../options';
import { print } from '../output';
import { errorText } from '../../../core/errorText';

/** Reads the configuration, applies `change` and saves it, through the API or the data dir. */
async function changeRouting(values: Values, change: (config: RoutingConfig) => unknown): Promise<RoutingConfig> {
  return withHub(values,
    async (c: LocalHubClient) => c.setRouting(change(await c.getRouting())),
    async (s: LocalHubState) => {
      try {
        return await s.routing.update(change);
      } catch (e) {
        // The API answers the same problems as a 400; print them without the class name.
        if (e instanceof RoutingConfigError) throw new Error(e.message);
        throw e;
      }
    });
}

function readRouting(values: Values): Promise<RoutingConfig> {
  return withHub(values, (c) => c.getRouting(), async (s) => s.routing.config);
}

function sourceOption(values: Values): RouteSource | undefined {
  const v = values.source;
  if (v === undefined) return undefined;
  const s = ROUTE_SOURCES.find((x) => x.toLowerCase() === v.toLowerCase());
  if (s === undefined) throw new UsageError(`--source must be one of ${ROUTE_SOURCES.join(', ')}, not "${v}".`);
  return s;
}

function intOption(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`${what} must be a whole number, not "${text}".`);
  return Number(text);
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export async function cmdRoute(values: Values, positionals: string[]): Promise<number> {
  const sub = positionals[1];
  const json = values.json === true;
  switch (sub) {
    case 'list': {
      const config = await readRouting(values);
      if (json) print(JSON.stringify(config.routes));
      else {
        for (const r of config.routes) print(`${r.name}\t${r.isEnabled ? 'enabled' : 'disabled'}\t${r.source}\t-> ${r.endpointNames.join(', ')}\t${r.condition}`);
        print(`fallback route (-> events): ${config.fallbackRoute.isEnabled ? 'on' : 'off'}`);
      }
      return 0;
    }
    case 'add':
    case 'set': {
      const name = requireId(positionals, 2, 'route name');
      const endpoint = values.endpoint?.[0];
      const source = sourceOption(values);
      const config = await changeRouting(values, (c) => {
        const existing = c.routes.find((r) => sameName(r.name, name));
        if (sub === 'add' && existing !== undefined) throw new Error(`A route named "${existing.name}" already exists; use "route set" to change it.`);
        if (existing === undefined && endpoint === undefined) throw new UsageError('A new route needs --endpoint NAME (events, or a custom endpoint).');
        const route = {
          name,
          source: source ?? existing?.source ?? 'DeviceMessages',
          condition: values.condition ?? existing?.condition ?? 'true',
          endpointNames: endpoint !== undefined ? [endpoint] : existing!.endpointNames,
          isEnabled: values.disabled === true ? false : existing?.isEnabled ?? true,
        };
        return { ...c, routes: existing === undefined ? [...c.routes, route] : c.routes.map((r) => (r === existing ? route : r)) };
      });
      const route = config.routes.find((r) => sameName(r.name, name))!;
      print(json ? JSON.stringify(route) : `Route ${route.name}: ${route.source} where ${route.condition} -> ${route.endpointNames.join(', ')}${route.isEnabled ? '' : ' (disabled)'}`);
      return 0;
    }
    case 'enable':
    case 'disable': {
      const name = requireId(positionals, 2, 'route name');
      await changeRouting(values, (c) => {
        if (!c.routes.some((r) => sameName(r.name, name))) throw new Error(`No route named "${name}".`);
        return { ...c, routes: c.routes.map((r) => (sameName(r.name, name) ? { ...r, isEnabled: sub === 'enable' } : r)) };
      });
      if (!json) print(`Route ${name} ${sub}d`);
      return 0;
    }
    case 'remove': {
      const name = requireId(positionals, 2, 'route name');
      await changeRouting(values, (c) => {
        if (!c.routes.some((r) => sameName(r.name, name))) throw new Error(`No route named "${name}".`);
        return { ...c, routes: c.routes.filter((r) => !sameName(r.name, name)) };
      });
      if (!json) print(`Removed route ${name}`);
      return 0;
    }
    case 'fallback': {
      const state = positionals[2];
      if (state !== 'on' && state !== 'off') throw new UsageError('Usage: route fallback on|off');
      await changeRouting(values, (c) => ({ ...c, fallbackRoute: { isEnabled: state === 'on' } }));
      if (!json) print(`Fallback route ${state}`);
      return 0;
    }
    case 'export': {
      print(JSON.stringify(await readRouting(values), null, 2));
      return 0;
    }
    case 'import': {
      const file = requireId(positionals, 2, 'routes file');
      let raw: unknown;
      try {
        raw = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (e) {
        throw new Error(`Cannot read ${file} as JSON: ${errorText(e)}. Nothing was changed.`);
      }
      const config = await changeRouting(values, () => raw);
      if (!json) print(`Imported ${config.routes.length} route(s), ${config.endpoints.eventHubs.length + config.endpoints.storageContainers.length} endpoint(s), ${config.enrichments.length} enrichment(s) from ${file}`);
      return 0;
    }
    case 'test': {
      const applicationProperties = (values.property ?? []).map((p) => {
        const i = p.indexOf('=');
        if (i <= 0) throw new UsageError(`--property must be NAME=VALUE, not "${p}".`);
        return { name: p.slice(0, i), value: p.slice(i + 1) };
      });
      const systemProperties: Record<string, string> = {};
      if (values['content-type'] !== undefined) systemProperties['contentType'] = values['content-type'];
      if (values['content-encoding'] !== undefined) systemProperties['contentEncoding'] = values['content-encoding'];
      const request = { applicationProperties, systemProperties, body: values.body ?? '', ...(sourceOption(values) === undefined ? {} : { source: sourceOption(values)! }) };
      const result = await withHub(values, (c) => c.testRoutes(request), async (s) => {
        const d = s.routing.test(request.source ?? 'DeviceMessages', {
          deviceId: 'test-device', systemProperties, applicationProperties, body: Buffer.from(request.body, 'utf8'),
          stamp: { properties: { connectionDeviceId: 'test-device', messageSource: 'Telemetry' }, json: '' },
        });
        return { routes: d.routes, endpoints: [...d.endpoints], fallback: d.fallback, dropped: d.endpoints.length === 0 };
      });
      if (json) print(JSON.stringify(result));
      else print(result.dropped ? 'No route matched and the fallback route is off: the message would be dropped.'
        : `routes: ${result.routes.length > 0 ? result.routes.join(', ') : '(none)'} -> ${result.endpoints.join(', ')}; fallback: ${result.fallback ? 'yes' : 'no'}`);
      return 0;
    }
    default:
      throw new UsageError(sub === undefined ? 'Missing route subcommand (list, add, set, enable, disable, remove, fallback, test, export, import).' : `Unknown route subcommand "${sub}".`);
  }
}

export async function cmdEndpoint(values: Values, positionals: string[]): Promise<number> {
  const sub = positionals[1];
  const json = values.json === true;
  switch (sub) {
    case 'list': {
      const rows = await withHub(values, (c) => c.listEndpoints(), async (s) => s.routing.endpointStatus());
      if (json) print(JSON.stringify(rows));
      else {
        for (const e of rows) {
          const where = e.entityPath !== undefined ? `Event Hub "${e.entityPath}"` : `files in ${e.directory ?? '?'}`;
          const extra = e.type === 'storage' ? `, ${e.filesWritten ?? 0} file(s) written, ${e.backlog ?? 0} waiting` : '';
          print(`${e.name}\t${e.type}\t${where}\t${e.messages} message(s)${extra}\t${e.healthy ? 'healthy' : `UNHEALTHY: ${e.lastError ?? ''}`}`);
        }
      }
      return 0;
    }
    case 'add': {
      const name = requireId(positionals, 2, 'endpoint name');
      const type = (values.type ?? '').toLowerCase();
      if (type !== 'eventhub' && type !== 'storage') throw new UsageError('--type must be eventhub or storage.');
      await changeRouting(values, (c) => {
        const lower = name.toLowerCase();
        if ([...c.endpoints.eventHubs, ...c.endpoints.storageContainers].some((e) => e.name.toLowerCase() === lower)) {
          throw new Error(`An endpoint named "${name}" already exists; remove it first to change it.`);
        }
        if (type === 'eventhub') {
          const e: RoutingConfig['endpoints']['eventHubs'][number] = { name };
          if (values['entity-path'] !== undefined) e.entityPath = values['entity-path'];
          const partitions = intOption(values.partitions, '--partitions');
          if (partitions !== undefined) e.partitionCount = partitions;
          if (values['consumer-group'] !== undefined) e.consumerGroups = values['consumer-group'];
          return { ...c, endpoints: { ...c.endpoints, eventHubs: [...c.endpoints.eventHubs, e] } };
        }
        // Left-out settings take the validator's defaults.
        const e: Partial<RoutingConfig['endpoints']['storageContainers'][number]> = { name };
        if (values.container !== undefined) e.containerName = values.container;
        if (values['file-name-format'] !== undefined) e.fileNameFormat = values['file-name-format'];
        if (values.encoding !== undefined) e.encoding = values.encoding as 'avro' | 'json';
        const batch = intOption(values['batch-frequency'], '--batch-frequency');
        if (batch !== undefined) e.batchFrequencyInSeconds = batch;
        const chunk = intOption(values['max-chunk'], '--max-chunk');
        if (chunk !== undefined) e.maxChunkSizeInBytes = chunk;
        return { ...c, endpoints: { ...c.endpoints, storageContainers: [...c.endpoints.storageContainers, e] } };
      });
      if (!json) print(`Added ${type === 'eventhub' ? 'Event Hubs-style' : 'storage'} endpoint ${name}`);
      return 0;
    }
    case 'remove': {
      const name = requireId(positionals, 2, 'endpoint name');
      await changeRouting(values, (c) => {
        const lower = name.toLowerCase();
        if (![...c.endpoints.eventHubs, ...c.endpoints.storageContainers].some((e) => e.name.toLowerCase() === lower)) throw new Error(`No custom endpoint named "${name}".`);
        const inUse = endpointInUse(c, name);
        if (inUse !== undefined) throw new Error(inUse);
        return {
          ...c,
          endpoints: {
            eventHubs: c.endpoints.eventHubs.filter((e) => e.name.toLowerCase() !== lower),
            storageContainers: c.endpoints.storageContainers.filter((e) => e.name.toLowerCase() !== lower),
          },
        };
      });
      if (!json) print(`Removed endpoint ${name} (its data stays in the data dir)`);
      return 0;
    }
    default:
      throw new UsageError(sub === undefined ? 'Missing endpoint subcommand (list, add, remove).' : `Unknown endpoint subcommand "${sub}".`);
  }
}

export async function cmdEnrichment(values: Values, positionals: string[]): Promise<number> {
  const sub = positionals[1];
  switch (sub) {
    case 'list': {
      const config = await readRouting(values);
      if (values.json === true) print(JSON.stringify(config.enrichments));
      else for (const e of config.enrichments) print(`${e.key}\t${e.value}\t-> ${e.endpointNames.join(', ')}`);
      return 0;
    }
    case 'set': {
      const key = requireId(positionals, 2, 'enrichment key');
      const value = requireId(positionals, 3, 'enrichment value (a static value or $iothubname)');
      const endpoints = values.endpoint ?? [];
      if (endpoints.length === 0) throw new UsageError('An enrichment needs at least one --endpoint NAME.');
      await changeRouting(values, (c) => ({ ...c, enrichments: [...c.enrichments.filter((e) => !sameName(e.key, key)), { key, value, endpointNames: endpoints }] }));
      if (values.json !== true) print(`Enrichment ${key}=${value} on ${endpoints.join(', ')}`);
      return 0;
    }
    case 'remove': {
      const key = requireId(positionals, 2, 'enrichment key');
      await changeRouting(values, (c) => {
        if (!c.enrichments.some((e) => sameName(e.key, key))) throw new Error(`No enrichment with key "${key}".`);
        return { ...c, enrichments: c.enrichments.filter((e) => !sameName(e.key, key)) };
      });
      if (values.json !== true) print(`Removed enrichment ${key}`);
      return 0;
    }
    default:
      throw new UsageError(sub === undefined ? 'Missing enrichment subcommand (list, set, remove).' : `Unknown enrichment subcommand "${sub}".`);
  }
}
