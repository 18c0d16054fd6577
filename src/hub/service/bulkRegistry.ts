// IoT Hub's bulk registry operation, `POST /devices` with an array of ExportImportDevice (at most
// 100): what azure-iothub's Registry.addDevices / updateDevices / removeDevices send, each entry
// `{ id, importMode, eTag?, status?, statusReason?, authentication? }` with importMode create,
// update, updateIfMatchETag, delete, deleteIfMatchETag or createOrUpdate (the default; any case). The answer is IoT Hub's
// BulkRegistryOperationResult `{ isSuccessful, errors: [{ deviceId, errorCode, errorStatus,
// operation }], warnings }`: 200 when every entry was applied, else 400.
// Every entry is checked against the registry before anything changes, so a batch with a bad entry
// changes nothing here (bad input loses nothing); an entry that still fails while the batch is
// applied (a concurrent change in between) is reported in `errors` and the rest go on.
import { errorText } from '../../core/errorText';
import type { DeviceCreate, DeviceUpdate, HubState } from '../contracts';
import { HubError } from '../contracts';
import { apiError } from '../http/apiErrors';
import { readJson, sendJson, stripEtagQuotes, type Router } from '../http/httpUtil';
import { asObject, keys, optionalString, status } from '../http/registryRoutes';
import { requireRight } from '../http/requestAuth';
import { deviceIdProblem } from '../registry/deviceId';
import { keyProblem } from '../registry/deviceRegistry';

/** IoT Hub's limit per call (the SDK checks it too). */
export const MAX_BULK_DEVICES = 100;

type Mode = 'createOrUpdate' | 'create' | 'update' | 'updateIfMatchETag' | 'delete' | 'deleteIfMatchETag';
const MODES: readonly Mode[] = ['createOrUpdate', 'create', 'update', 'updateIfMatchETag', 'delete', 'deleteIfMatchETag'];

interface Operation {
  deviceId: string;
  mode: Mode;
  etag?: string;
  create?: DeviceCreate;
  update?: DeviceUpdate;
}

export interface BulkError { deviceId: string; errorCode: string; errorStatus: string; moduleId: null; operation: string }
export interface BulkRegistryOperationResult { isSuccessful: boolean; errors: BulkError[]; warnings: never[] }

class EntryError extends Error {
  constructor(readonly errorCode: string, message: string) {
    super(message);
  }
}

/** One entry of the request, read and checked on its own (no registry access yet). */
function parseEntry(raw: unknown, index: number): Operation {
  const o = asObject(raw, `Entry ${index} of the bulk request`);
  const id = optionalString(o, 'id', `entry ${index}: id`) ?? optionalString(o, 'deviceId', `entry ${index}: deviceId`);
  if (id === undefined) throw apiError('ArgumentInvalid', `Entry ${index} of the bulk request has no "id".`);
  const modeText = optionalString(o, 'importMode', `entry ${index}: importMode`) ?? 'createOrUpdate';
  const mode = MODES.find((m) => m.toLowerCase() === modeText.toLowerCase());
  if (mode === undefined) {
    throw apiError('ArgumentInvalid', `Entry ${index} ("${id}"): importMode "${modeText}" is not one the local hub serves (${MODES.join(', ')}).`);
  }
  const op: Operation = { deviceId: id, mode };
  const etag = optionalString(o, 'eTag', `entry ${index}: eTag`) ?? optionalString(o, 'etag', `entry ${index}: etag`);
  if (etag !== undefined && etag !== '') op.etag = stripEtagQuotes(etag);
  if (!mode.startsWith('delete')) {
    const fields: DeviceUpdate = { ...keys(o) };
    const st = status(o);
    if (st !== undefined) fields.status = st;
    const reason = optionalString(o, 'statusReason', `entry ${index}: statusReason`);
    if (reason !== undefined) fields.statusReason = reason;
    if (mode === 'create' || mode === 'createOrUpdate') op.create = { deviceId: id, ...fields };
    if (mode !== 'create') op.update = fields;
  }
  return op;
}

/** What the registry would say to this entry now; undefined when it would be applied. */
function check(hub: HubState, op: Operation): EntryError | undefined {
  const problem = deviceIdProblem(op.deviceId);
  if (problem !== undefined) return new EntryError('ArgumentInvalid', problem);
  const fields = op.create ?? op.update;
  for (const [key, which] of [[fields?.primaryKey, 'primary'], [fields?.secondaryKey, 'secondary']] as const) {
    const kp = key === undefined ? undefined : keyProblem(key, which);
    if (kp !== undefined) return new EntryError('ArgumentInvalid', kp);
  }
  const existing = hub.registry.get(op.deviceId);
  if (op.mode === 'createOrUpdate') return undefined;
  if (op.mode === 'create') {
    return existing === undefined ? undefined : new EntryError('DeviceAlreadyExists', `A device with id "${op.deviceId}" already exists.`);
  }
  if (existing === undefined) return new EntryError('DeviceNotFound', `Device "${op.deviceId}" is not registered in this hub.`);
  if (op.mode.endsWith('IfMatchETag')) {
    if (op.etag === undefined) return new EntryError('ArgumentInvalid', `importMode ${op.mode} needs the device's eTag ("${op.deviceId}").`);
    if (op.etag !== stripEtagQuotes(existing.etag)) {
      return new EntryError('PreconditionFailed', `The device "${op.deviceId}" was changed since eTag "${op.etag}" (current "${stripEtagQuotes(existing.etag)}").`);
    }
  }
  return undefined;
}

async function apply(hub: HubState, op: Operation): Promise<void> {
  switch (op.mode) {
    case 'createOrUpdate':
      if (hub.registry.get(op.deviceId) === undefined) await hub.registry.create(op.create!);
      else await hub.registry.update(op.deviceId, op.update!);
      return;
    case 'create':
      await hub.registry.create(op.create!);
      return;
    case 'update':
    case 'updateIfMatchETag':
      await hub.registry.update(op.deviceId, op.update!, op.mode === 'update' ? undefined : op.etag);
      return;
    case 'delete':
    case 'deleteIfMatchETag':
      await hub.registry.delete(op.deviceId, op.mode === 'delete' ? undefined : op.etag);
      return;
  }
}

function bulkError(op: Operation, e: unknown): BulkError {
  const errorCode = e instanceof EntryError || e instanceof HubError ? e.errorCode : 'ServerError';
  const errorStatus = errorText(e);
  return { deviceId: op.deviceId, errorCode, errorStatus, moduleId: null, operation: op.mode };
}

/** Runs a bulk request: all entries checked first, then applied in order. */
export async function runBulk(hub: HubState, body: unknown): Promise<BulkRegistryOperationResult> {
  if (!Array.isArray(body)) throw apiError('ArgumentInvalid', 'The bulk registry request must be a JSON array of devices, each with "id" and "importMode".');
  if (body.length === 0 || body.length > MAX_BULK_DEVICES) {
    throw apiError('ArgumentInvalid', `A bulk registry request holds 1 to ${MAX_BULK_DEVICES} devices, not ${body.length}.`);
  }
  const ops = body.map((raw, i) => parseEntry(raw, i));
  const seen = new Set<string>();
  for (const op of ops) {
    if (seen.has(op.deviceId)) throw apiError('ArgumentInvalid', `Device "${op.deviceId}" appears more than once in the bulk request; each device may be named once.`);
    seen.add(op.deviceId);
  }
  const errors: BulkError[] = [];
  for (const op of ops) {
    const e = check(hub, op);
    if (e !== undefined) errors.push(bulkError(op, e));
  }
  if (errors.length > 0) return { isSuccessful: false, errors, warnings: [] };
  for (const op of ops) {
    try {
      await apply(hub, op);
    } catch (e) {
      errors.push(bulkError(op, e));
    }
  }
  return { isSuccessful: errors.length === 0, errors, warnings: [] };
}

export function addBulkRegistryRoute(router: Router, hub: HubState): void {
  router.add('POST', /^\/devices\/?$/i, async (ctx) => {
    requireRight(ctx.principal(), 'RegistryWrite');
    const result = await runBulk(hub, await readJson(ctx.req));
    sendJson(ctx.res, result.isSuccessful ? 200 : 400, result);
  });
}
