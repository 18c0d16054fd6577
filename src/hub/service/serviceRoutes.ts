// The registry calls of azure-iothub's Registry beyond device CRUD (which http/registryRoutes.ts
// serves): the device query with continuation (`POST /devices/query`, `x-ms-max-item-count`,
// `x-ms-continuation`), statistics (`GET /statistics/devices`, `GET /statistics/service`) and the
// bulk registry operation (`POST /devices` with an array, addDevices/updateDevices/removeDevices,
// in bulkRegistry.ts).
import type { HubState } from '../contracts';
import { apiError } from '../http/apiErrors';
import { readJson, sendJson, type Router } from '../http/httpUtil';
import { requireRight } from '../http/requestAuth';
import { addBulkRegistryRoute } from './bulkRegistry';
import { DeviceQueryError, deviceTwinJson, matches, parseDeviceQuery } from './deviceQuery';

/** IoT Hub's default and largest query page. */
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;
/** Registry pages read per step while filtering. */
const SCAN_PAGE = 1000;

interface QueryToken { t?: string; skip: number }

function parseToken(raw: string | undefined): QueryToken {
  if (raw === undefined || raw === '') return { skip: 0 };
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as QueryToken;
    if (typeof v.skip !== 'number' || (v.t !== undefined && typeof v.t !== 'string')) throw new Error('shape');
    return v;
  } catch {
    throw apiError('ArgumentInvalid', 'The x-ms-continuation token is not one this hub issued (send back the one the previous page returned).');
  }
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export function addServiceRoutes(router: Router, hub: HubState): void {
  addBulkRegistryRoute(router, hub);
  router.add('POST', /^\/devices\/query\/?$/i, async (ctx) => {
    requireRight(ctx.principal(), 'RegistryRead');
    const body = await readJson(ctx.req);
    const sql = typeof body === 'object' && body !== null ? (body as { query?: unknown }).query : undefined;
    if (typeof sql !== 'string') throw apiError('ArgumentInvalid', 'The query request must be {"query": "SELECT ..."}.');
    let query;
    try {
      query = parseDeviceQuery(sql);
    } catch (e) {
      if (e instanceof DeviceQueryError) throw apiError('ArgumentInvalid', e.message);
      throw e;
    }
    const maxText = header(ctx.req.headers['x-ms-max-item-count']);
    const max = maxText === undefined ? DEFAULT_PAGE : Number(maxText);
    if (!Number.isInteger(max) || max < 1 || max > MAX_PAGE) throw apiError('ArgumentInvalid', `x-ms-max-item-count must be a whole number from 1 to ${MAX_PAGE}, not "${maxText}".`);
    // Resume: the registry page (its own token) and how many of its devices were already looked at.
    let { t, skip } = parseToken(header(ctx.req.headers['x-ms-continuation']));
    const out: Record<string, unknown>[] = [];
    let next: QueryToken | undefined;
    for (;;) {
      const page = hub.registry.list(t === undefined ? { pageSize: SCAN_PAGE } : { pageSize: SCAN_PAGE, continuationToken: t });
      let i = skip;
      for (; i < page.items.length && out.length < max; i++) {
        const twin = deviceTwinJson(page.items[i]!);
        if (matches(query, twin)) out.push(twin);
      }
      if (out.length >= max) {
        if (i < page.items.length) next = { ...(t === undefined ? {} : { t }), skip: i };
        else if (page.continuationToken !== undefined) next = { t: page.continuationToken, skip: 0 };
        break;
      }
      if (page.continuationToken === undefined) break;
      t = page.continuationToken;
      skip = 0;
    }
    const headers: Record<string, string> = { 'x-ms-item-type': 'Twin' };
    if (next !== undefined) headers['x-ms-continuation'] = Buffer.from(JSON.stringify(next), 'utf8').toString('base64url');
    sendJson(ctx.res, 200, out, headers);
  });

  router.add('GET', /^\/statistics\/devices\/?$/i, (ctx) => {
    requireRight(ctx.principal(), 'RegistryRead');
    let total = 0;
    let enabled = 0;
    for (const d of hub.registry.all()) {
      total++;
      if (d.status === 'enabled') enabled++;
    }
    sendJson(ctx.res, 200, { totalDeviceCount: total, enabledDeviceCount: enabled, disabledDeviceCount: total - enabled });
  });

  router.add('GET', /^\/statistics\/service\/?$/i, (ctx) => {
    requireRight(ctx.principal(), 'ServiceConnect', 'RegistryRead');
    let connected = 0;
    for (const d of hub.registry.all()) if (d.connectionState === 'Connected') connected++;
    sendJson(ctx.res, 200, { connectedDeviceCount: connected });
  });
}
