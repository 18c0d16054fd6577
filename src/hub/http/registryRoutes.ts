// IoT Hub's registry REST API (api-version 2021-04-12), the subset the service SDK's Registry and
// the Azure CLI use: PUT/GET/DELETE /devices/{id} with If-Match, GET /devices with paging
// (`top`, `x-ms-continuation`), and the C2D purge DELETE /devices/{id}/commands.
import type { Device, DeviceCreate, DeviceStatus, DeviceUpdate, HubState } from '../contracts';
import { apiError } from './apiErrors';
import { param, readJson, sendEmpty, sendJson, stripEtagQuotes, type RouteContext, type Router } from './httpUtil';
import type { PurgeResult } from './jsonShapes';
import { requireRight } from './requestAuth';

const DEVICE = '([^/]+)';

export function asObject(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw apiError('ArgumentInvalid', `${what} must be a JSON object.`);
  return v as Record<string, unknown>;
}

export function optionalString(o: Record<string, unknown>, key: string, what = key): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw apiError('ArgumentInvalid', `${what} must be a string.`);
  return v;
}

export function status(o: Record<string, unknown>): DeviceStatus | undefined {
  const s = optionalString(o, 'status');
  if (s === undefined) return undefined;
  const lower = s.toLowerCase();
  if (lower !== 'enabled' && lower !== 'disabled') throw apiError('ArgumentInvalid', `status must be "enabled" or "disabled", not "${s}".`);
  return lower;
}

/** The keys of `authentication.symmetricKey`, if given. */
export function keys(o: Record<string, unknown>): { primaryKey?: string; secondaryKey?: string } {
  const auth = o['authentication'];
  if (auth === undefined || auth === null) return {};
  const a = asObject(auth, 'authentication');
  const type = optionalString(a, 'type', 'authentication.type');
  if (type !== undefined && type.toLowerCase() !== 'sas') {
    throw apiError('ArgumentInvalid', `authentication.type "${type}" is not supported by the local hub (only sas).`);
  }
  const sk = a['symmetricKey'];
  if (sk === undefined || sk === null) return {};
  const k = asObject(sk, 'authentication.symmetricKey');
  const out: { primaryKey?: string; secondaryKey?: string } = {};
  const p = optionalString(k, 'primaryKey', 'authentication.symmetricKey.primaryKey');
  const s = optionalString(k, 'secondaryKey', 'authentication.symmetricKey.secondaryKey');
  // The SDK sends empty strings to mean "generate one".
  if (p !== undefined && p !== '') out.primaryKey = p;
  if (s !== undefined && s !== '') out.secondaryKey = s;
  return out;
}

function ifMatch(ctx: RouteContext, body?: Record<string, unknown>): string | undefined {
  const h = ctx.req.headers['if-match'];
  const v = (Array.isArray(h) ? h[0] : h) ?? (body !== undefined ? optionalString(body, 'etag') : undefined);
  if (v === undefined) return undefined;
  // `*` (the service SDK sends it quoted: `"*"`) means "whatever the current version".
  const bare = stripEtagQuotes(v);
  return bare === '*' || bare === '' ? undefined : bare;
}

/** Device JSON as IoT Hub returns it (the contract's Device already uses the REST field names). */
function deviceJson(d: Device): Record<string, unknown> {
  return {
    ...d,
    moduleId: null,
    capabilities: { iotEdge: false },
    cloudToDeviceMessageCount: d.cloudToDeviceMessageCount,
    authentication: { type: 'sas', symmetricKey: d.authentication.symmetricKey, x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null } },
  };
}

function pageSize(ctx: RouteContext): number | undefined {
  const top = ctx.query.get('top') ?? ctx.query.get('pageSize');
  if (top === null) return undefined;
  const n = Number(top);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw apiError('ArgumentInvalid', `top must be a whole number from 1 to 1000, not "${top}".`);
  return n;
}

export function addRegistryRoutes(router: Router, hub: HubState): void {
  router.add('GET', /^\/devices\/?$/i, (ctx) => {
    requireRight(ctx.principal(), 'RegistryRead');
    const token = (ctx.req.headers['x-ms-continuation'] as string | undefined) ?? ctx.query.get('continuationToken') ?? undefined;
    const request: { pageSize?: number; continuationToken?: string; filter?: string } = {};
    const size = pageSize(ctx);
    if (size !== undefined) request.pageSize = size;
    if (token !== undefined && token !== '') request.continuationToken = token;
    // Our extension to IoT Hub's route: `filter` (part of an id, or * and ?) is applied before paging.
    const filter = ctx.query.get('filter');
    if (filter !== null && filter !== '') request.filter = filter;
    const page = hub.registry.list(request);
    const headers: Record<string, string> = {};
    if (page.continuationToken !== undefined) headers['x-ms-continuation'] = page.continuationToken;
    sendJson(ctx.res, 200, page.items.map(deviceJson), headers);
  });

  router.add('GET', new RegExp(`^/devices/${DEVICE}$`, 'i'), (ctx) => {
    requireRight(ctx.principal(), 'RegistryRead');
    const id = param(ctx, 0);
    const d = hub.registry.get(id);
    if (d === undefined) throw apiError('DeviceNotFound', `Device "${id}" is not registered in this hub.`);
    sendJson(ctx.res, 200, deviceJson(d), { etag: `"${d.etag}"` });
  });

  router.add('PUT', new RegExp(`^/devices/${DEVICE}$`, 'i'), async (ctx) => {
    requireRight(ctx.principal(), 'RegistryWrite');
    const id = param(ctx, 0);
    const body = asObject(await readJson(ctx.req), 'The device');
    const bodyId = optionalString(body, 'deviceId');
    if (bodyId !== undefined && bodyId !== id) throw apiError('ArgumentInvalid', `The body's deviceId "${bodyId}" does not match the URL's "${id}".`);
    const st = status(body);
    const reason = optionalString(body, 'statusReason');
    const k = keys(body);
    const existing = hub.registry.get(id);
    let device: Device;
    if (existing === undefined) {
      const match = ifMatch(ctx);
      if (match !== undefined) throw apiError('DeviceNotFound', `Device "${id}" is not registered in this hub (If-Match was given, so it was not created).`);
      const create: DeviceCreate = { deviceId: id, ...k };
      if (st !== undefined) create.status = st;
      if (reason !== undefined) create.statusReason = reason;
      device = await hub.registry.create(create);
    } else {
      // IoT Hub: a PUT without If-Match (or an etag in the body) creates, so it conflicts with an existing device.
      if (ctx.req.headers['if-match'] === undefined && optionalString(body, 'etag') === undefined) {
        throw apiError('DeviceAlreadyExists', `Device "${id}" already exists; send If-Match ("*" or its etag) to update it.`);
      }
      const update: DeviceUpdate = { ...k };
      if (st !== undefined) update.status = st;
      if (reason !== undefined) update.statusReason = reason;
      device = await hub.registry.update(id, update, ifMatch(ctx, body));
    }
    sendJson(ctx.res, 200, deviceJson(device), { etag: `"${device.etag}"` });
  });

  router.add('DELETE', new RegExp(`^/devices/${DEVICE}$`, 'i'), async (ctx) => {
    requireRight(ctx.principal(), 'RegistryWrite');
    await hub.registry.delete(param(ctx, 0), ifMatch(ctx));
    sendEmpty(ctx.res, 204);
  });

  router.add('DELETE', new RegExp(`^/devices/${DEVICE}/commands$`, 'i'), async (ctx) => {
    requireRight(ctx.principal(), 'ServiceConnect');
    const id = param(ctx, 0);
    const total = await hub.c2d.purge(id);
    const result: PurgeResult = { deviceId: id, moduleId: null, totalMessagesPurged: total };
    sendJson(ctx.res, 200, result);
  });
}
