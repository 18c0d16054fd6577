// The management API of message routing (local, not IoT Hub's API): the whole configuration at
// /local/routing, and one route, endpoint or enrichment at a time under /local/routes,
// /local/endpoints and /local/enrichments. Every change is validated whole before it is applied
// (unknown endpoint, query syntax with its position, ...); a refused change is a 400 that lists
// every problem and changes nothing. Reading needs RegistryRead or ServiceConnect, changing
// RegistryWrite (like consumer groups).
import type { ApplicationProperty, SystemProperties } from '../../core/message/model';
import { SENDER_SYSTEM_PROPERTIES } from '../../core/message/model';
import { RoutingConfigError, type MessageRouter } from '../routing/messageRouter';
import { BUILT_IN_ENDPOINT, endpointInUse, ROUTE_SOURCES, type RouteSource, type RoutingConfig } from '../routing/routingConfig';
import { apiError } from './apiErrors';
import { param, readJson, sendEmpty, sendJson, type RouteContext, type Router } from './httpUtil';
import type { EndpointPutRequest, RoutePutRequest, RouteTestJson, RouteTestRequest } from './jsonShapes';
import { requireRight } from './requestAuth';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function bodyObject(ctx: RouteContext, what: string): Promise<Record<string, unknown>> {
  const raw = await readJson(ctx.req);
  if (!isObject(raw)) throw apiError('ArgumentInvalid', `The ${what} must be a JSON object.`);
  return raw;
}

/** Applies a change; a refused one becomes a 400 naming every problem. */
async function applying(routing: MessageRouter, change: (config: RoutingConfig) => unknown): Promise<RoutingConfig> {
  try {
    return await routing.update(change);
  } catch (e) {
    if (e instanceof RoutingConfigError) throw apiError('ArgumentInvalid', e.message);
    throw e;
  }
}

function sourceOf(v: unknown, fallback: RouteSource): RouteSource {
  if (v === undefined) return fallback;
  const s = ROUTE_SOURCES.find((x) => typeof v === 'string' && x.toLowerCase() === v.toLowerCase());
  if (s === undefined) throw apiError('ArgumentInvalid', `source must be one of ${ROUTE_SOURCES.join(', ')}, not ${JSON.stringify(v)}.`);
  return s;
}

function testMessage(raw: RouteTestRequest & Record<string, unknown>): { deviceId: string; systemProperties: SystemProperties; applicationProperties: ApplicationProperty[]; body: Uint8Array } {
  const systemProperties: SystemProperties = {};
  if (raw.systemProperties !== undefined) {
    if (!isObject(raw.systemProperties)) throw apiError('ArgumentInvalid', 'systemProperties must be an object.');
    for (const [k, v] of Object.entries(raw.systemProperties)) {
      if (!(SENDER_SYSTEM_PROPERTIES as readonly string[]).includes(k) || typeof v !== 'string') {
        throw apiError('ArgumentInvalid', `systemProperties.${k} is not a string system property a sender may set (${SENDER_SYSTEM_PROPERTIES.join(', ')}).`);
      }
      systemProperties[k as keyof SystemProperties] = v;
    }
  }
  let applicationProperties: ApplicationProperty[] = [];
  const props = raw.applicationProperties;
  if (Array.isArray(props)) {
    applicationProperties = props.map((p, i) => {
      if (!isObject(p) || typeof p['name'] !== 'string' || typeof p['value'] !== 'string') throw apiError('ArgumentInvalid', `applicationProperties[${i}] must be {"name": string, "value": string}.`);
      return { name: p['name'], value: p['value'] };
    });
  } else if (isObject(props)) {
    applicationProperties = Object.entries(props).map(([name, value]) => {
      if (typeof value !== 'string') throw apiError('ArgumentInvalid', `applicationProperties.${name} must be a string.`);
      return { name, value };
    });
  } else if (props !== undefined) {
    throw apiError('ArgumentInvalid', 'applicationProperties must be a list of {name, value} or an object of strings.');
  }
  let body: Uint8Array = new Uint8Array();
  if (typeof raw.bodyBase64 === 'string') body = Buffer.from(raw.bodyBase64, 'base64');
  else if (typeof raw.body === 'string') body = Buffer.from(raw.body, 'utf8');
  const deviceId = typeof raw.deviceId === 'string' && raw.deviceId !== '' ? raw.deviceId : 'test-device';
  return { deviceId, systemProperties, applicationProperties, body };
}

export function addRoutingRoutes(router: Router, routing: MessageRouter): void {
  const read = (ctx: RouteContext): void => requireRight(ctx.principal(), 'RegistryRead', 'ServiceConnect');
  const write = (ctx: RouteContext): void => requireRight(ctx.principal(), 'RegistryWrite');

  router.add('GET', /^\/local\/routing$/, (ctx) => {
    read(ctx);
    sendJson(ctx.res, 200, routing.config);
  });

  router.add('PUT', /^\/local\/routing$/, async (ctx) => {
    write(ctx);
    const raw = await readJson(ctx.req);
    sendJson(ctx.res, 200, await applying(routing, () => raw));
  });

  router.add('PUT', /^\/local\/routing\/fallback$/, async (ctx) => {
    write(ctx);
    const raw = await bodyObject(ctx, 'fallback route');
    if (typeof raw['isEnabled'] !== 'boolean') throw apiError('ArgumentInvalid', 'The body must be {"isEnabled": true|false}.');
    const enabled = raw['isEnabled'];
    const config = await applying(routing, (c) => ({ ...c, fallbackRoute: { isEnabled: enabled } }));
    sendJson(ctx.res, 200, config.fallbackRoute);
  });

  router.add('POST', /^\/local\/routing\/test$/, async (ctx) => {
    read(ctx);
    const raw = await bodyObject(ctx, 'route test request') as RouteTestRequest & Record<string, unknown>;
    const source = sourceOf(raw.source, 'DeviceMessages');
    const message = testMessage(raw);
    const decision = routing.test(source, { ...message, stamp: { properties: { connectionDeviceId: message.deviceId, messageSource: source === 'DeviceMessages' ? 'Telemetry' : source }, json: '' } });
    const reply: RouteTestJson = { routes: [...decision.routes], endpoints: [...decision.endpoints], fallback: decision.fallback, dropped: decision.endpoints.length === 0 };
    sendJson(ctx.res, 200, reply);
  });

  router.add('GET', /^\/local\/routes$/, (ctx) => {
    read(ctx);
    sendJson(ctx.res, 200, routing.config.routes);
  });

  router.add('PUT', /^\/local\/routes\/([^/]+)$/, async (ctx) => {
    write(ctx);
    const name = param(ctx, 0);
    const raw = await bodyObject(ctx, 'route') as RoutePutRequest & Record<string, unknown>;
    const config = await applying(routing, (c) => {
      const existing = c.routes.find((r) => r.name.toLowerCase() === name.toLowerCase());
      const endpointNames = raw.endpointNames ?? (raw.endpointName !== undefined ? [raw.endpointName] : existing?.endpointNames);
      const route = {
        name,
        source: raw.source ?? existing?.source ?? 'DeviceMessages',
        condition: raw.condition ?? existing?.condition ?? 'true',
        endpointNames,
        isEnabled: raw.isEnabled ?? existing?.isEnabled ?? true,
      };
      const routes = existing === undefined ? [...c.routes, route] : c.routes.map((r) => (r === existing ? route : r));
      return { ...c, routes };
    });
    sendJson(ctx.res, 200, config.routes.find((r) => r.name.toLowerCase() === name.toLowerCase()));
  });

  router.add('DELETE', /^\/local\/routes\/([^/]+)$/, async (ctx) => {
    write(ctx);
    const name = param(ctx, 0);
    if (!routing.config.routes.some((r) => r.name.toLowerCase() === name.toLowerCase())) throw apiError('RouteNotFound', 404, `No route named "${name}".`);
    await applying(routing, (c) => ({ ...c, routes: c.routes.filter((r) => r.name.toLowerCase() !== name.toLowerCase()) }));
    sendEmpty(ctx.res, 204);
  });

  router.add('GET', /^\/local\/endpoints$/, (ctx) => {
    read(ctx);
    sendJson(ctx.res, 200, routing.endpointStatus());
  });

  router.add('PUT', /^\/local\/endpoints\/([^/]+)$/, async (ctx) => {
    write(ctx);
    const name = param(ctx, 0);
    const raw = await bodyObject(ctx, 'endpoint') as EndpointPutRequest & Record<string, unknown>;
    if (raw.type !== 'eventHub' && raw.type !== 'storage') throw apiError('ArgumentInvalid', 'type must be "eventHub" or "storage".');
    if (name.toLowerCase() === BUILT_IN_ENDPOINT) throw apiError('ArgumentInvalid', `"${BUILT_IN_ENDPOINT}" is the built-in endpoint; it cannot be changed.`);
    const { type, ...settings } = raw;
    const endpoint = { ...settings, name };
    await applying(routing, (c) => {
      const lower = name.toLowerCase();
      const eventHubs: unknown[] = c.endpoints.eventHubs.filter((e) => e.name.toLowerCase() !== lower);
      const storageContainers: unknown[] = c.endpoints.storageContainers.filter((e) => e.name.toLowerCase() !== lower);
      if (type === 'eventHub') eventHubs.push(endpoint);
      else storageContainers.push(endpoint);
      return { ...c, endpoints: { eventHubs, storageContainers } };
    });
    sendJson(ctx.res, 200, routing.endpointStatus().find((e) => e.name.toLowerCase() === name.toLowerCase()));
  });

  router.add('DELETE', /^\/local\/endpoints\/([^/]+)$/, async (ctx) => {
    write(ctx);
    const name = param(ctx, 0);
    const lower = name.toLowerCase();
    const c = routing.config;
    if (![...c.endpoints.eventHubs, ...c.endpoints.storageContainers].some((e) => e.name.toLowerCase() === lower)) {
      throw apiError('EndpointNotFound', 404, `No custom endpoint named "${name}".`);
    }
    const inUse = endpointInUse(c, name);
    if (inUse !== undefined) throw apiError('ArgumentInvalid', inUse);
    await applying(routing, (cur) => ({
      ...cur,
      endpoints: {
        eventHubs: cur.endpoints.eventHubs.filter((e) => e.name.toLowerCase() !== lower),
        storageContainers: cur.endpoints.storageContainers.filter((e) => e.name.toLowerCase() !== lower),
      },
    }));
    sendEmpty(ctx.res, 204);
  });

  router.add('GET', /^\/local\/enrichments$/, (ctx) => {
    read(ctx);
    sendJson(ctx.res, 200, routing.config.enrichments);
  });

  router.add('PUT', /^\/local\/enrichments\/([^/]+)$/, async (ctx) => {
    write(ctx);
    const key = param(ctx, 0);
    const raw = await bodyObject(ctx, 'enrichment');
    const config = await applying(routing, (c) => {
      const enrichment = { key, value: raw['value'], endpointNames: raw['endpointNames'] };
      const others = c.enrichments.filter((e) => e.key.toLowerCase() !== key.toLowerCase());
      return { ...c, enrichments: [...others, enrichment] };
    });
    sendJson(ctx.res, 200, config.enrichments.find((e) => e.key.toLowerCase() === key.toLowerCase()));
  });

  router.add('DELETE', /^\/local\/enrichments\/([^/]+)$/, async (ctx) => {
    write(ctx);
    const key = param(ctx, 0);
    if (!routing.config.enrichments.some((e) => e.key.toLowerCase() === key.toLowerCase())) throw apiError('EnrichmentNotFound', 404, `No enrichment with key "${key}".`);
    await applying(routing, (c) => ({ ...c, enrichments: c.enrichments.filter((e) => e.key.toLowerCase() !== key.toLowerCase()) }));
    sendEmpty(ctx.res, 204);
  });
}
