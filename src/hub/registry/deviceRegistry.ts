// The device identity registry. Identities live in memory (so `get` and `list` are synchronous for
// the MQTT CONNECT path) and are written through to SQLite before create/update/delete resolve.
// Connection state and last activity change on every connect/publish; they are kept in memory
// and flushed lazily (they need not survive a crash, and IoT Hub itself reports them loosely).
import { randomBytes } from 'node:crypto';
import type {
  Clock, ClockTimer, ConnectionState, Device, DeviceCreate, DeviceRegistry, DeviceStatus, DeviceUpdate, HubLogger, Page,
  DevicePageRequest, RegistryEvent,
} from '../contracts';
import { hubError } from '../state/hubErrors';
import type { SqliteStore } from '../state/sqliteStore';
import { TypedEvents } from '../state/typedEvents';
import { compileDeviceFilter } from './deviceFilter';
import { deviceIdProblem } from './deviceId';
import { errorText } from '../../core/errorText';
import { isBase64Key } from '../../core/base64';

const EPOCH_ISO = '0001-01-01T00:00:00Z';
const ACTIVITY_FLUSH_MS = 30_000;

interface DeviceRecord {
  deviceId: string;
  generationId: string;
  etagVersion: number;
  status: DeviceStatus;
  statusReason?: string;
  statusUpdatedTime: string;
  primaryKey: string;
  secondaryKey: string;
  connectionState: ConnectionState;
  connectionStateUpdatedTime: string;
  lastActivityTime: string;
  /** Set on the hot path (every D2C message) instead of formatting an ISO string each time. */
  lastActivityMs?: number;
}

interface DeviceRow {
  device_id: string; generation_id: string; etag_version: number; status: string; status_reason: string | null;
  status_updated_time: string; primary_key: string; secondary_key: string;
  connection_state_updated_time: string; last_activity_time: string;
}

export function generateKey(): string {
  return randomBytes(32).toString('base64');
}

/** A symmetric key must be base64 of 16 to 64 bytes (IoT Hub's rule). */
export function keyProblem(key: string, which: string): string | undefined {
  if (!isBase64Key(key)) return `The ${which} key is not valid base64.`;
  const n = Buffer.from(key, 'base64').length;
  if (n < 16 || n > 64) return `The ${which} key decodes to ${n} bytes; IoT Hub requires 16 to 64 bytes.`;
  return undefined;
}

/** IoT Hub generation ids look like .NET ticks (e.g. 638123456789012345): unique per identity incarnation. */
let lastTicks = 0n;
function newGenerationId(now: number): string {
  let ticks = BigInt(now) * 10_000n + 621_355_968_000_000_000n;
  if (ticks <= lastTicks) ticks = lastTicks + 1n;
  lastTicks = ticks;
  return ticks.toString();
}

function etagOf(version: number): string {
  return Buffer.from(String(version), 'utf8').toString('base64');
}

function normalizeEtag(etag: string): string {
  const t = etag.trim().replace(/^W\//, '');
  return t.startsWith('"') && t.endsWith('"') && t.length >= 2 ? t.slice(1, -1) : t;
}

export class SqliteDeviceRegistry implements DeviceRegistry {
  readonly events: TypedEvents<RegistryEvent>;
  private readonly devices = new Map<string, DeviceRecord>();
  private sortedIds: string[] | undefined;
  private readonly dirtyActivity = new Set<string>();
  private activityTimer: ClockTimer | undefined;
  /** Set by the hub state once the C2D queues exist (cloudToDeviceMessageCount). */
  queueDepth: (deviceId: string) => number = () => 0;
  /** Called (and awaited) when a device is deleted, so its C2D queue goes with it. */
  onDeviceDeleted: (deviceId: string) => void = () => undefined;

  constructor(private readonly store: SqliteStore, private readonly clock: Clock, private readonly log: HubLogger) {
    this.events = new TypedEvents<RegistryEvent>(log);
    for (const row of store.db.all('SELECT * FROM devices') as unknown as DeviceRow[]) {
      const rec: DeviceRecord = {
        deviceId: row.device_id,
        generationId: row.generation_id,
        etagVersion: Number(row.etag_version),
        status: row.status === 'disabled' ? 'disabled' : 'enabled',
        statusUpdatedTime: row.status_updated_time,
        primaryKey: row.primary_key,
        secondaryKey: row.secondary_key,
        // Nobody is connected to a hub that is just starting.
        connectionState: 'Disconnected',
        connectionStateUpdatedTime: row.connection_state_updated_time,
        lastActivityTime: row.last_activity_time,
      };
      if (row.status_reason !== null) rec.statusReason = row.status_reason;
      this.devices.set(rec.deviceId, rec);
    }
  }

  get count(): number {
    return this.devices.size;
  }

  get(deviceId: string): Device | undefined {
    const rec = this.devices.get(deviceId);
    return rec === undefined ? undefined : this.toDevice(rec);
  }

  /** The device's keys and status without building a full Device (hot path for authentication). */
  getRecord(deviceId: string): Readonly<{ generationId: string; status: DeviceStatus; primaryKey: string; secondaryKey: string }> | undefined {
    return this.devices.get(deviceId);
  }

  /**
   * A page of devices in id order. With `filter`, only matching ids count towards the page: the
   * scan runs over the sorted ids in memory (10,000 ids in about a millisecond), so one request
   * answers a filter over the whole registry.
   */
  list(request: DevicePageRequest = {}): Page<Device> {
    const pageSize = Math.min(1000, Math.max(1, Math.floor(request.pageSize ?? 100)));
    let after: string | undefined;
    if (request.continuationToken !== undefined && request.continuationToken !== '') {
      try {
        const parsed = JSON.parse(Buffer.from(request.continuationToken, 'base64url').toString('utf8')) as { after?: unknown };
        if (typeof parsed.after !== 'string') throw new Error('bad token');
        after = parsed.after;
      } catch {
        throw hubError('ArgumentInvalid', 'The continuation token is not one this hub issued.');
      }
    }
    const ids = this.sortedIds ??= [...this.devices.keys()].sort(compareIds);
    let start = 0;
    if (after !== undefined) {
      let lo = 0;
      let hi = ids.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compareIds(ids[mid]!, after) <= 0) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const filter = request.filter === undefined || request.filter.trim() === '' ? undefined : compileDeviceFilter(request.filter);
    let slice: string[];
    let end: number;
    if (filter === undefined) {
      slice = ids.slice(start, start + pageSize);
      end = start + slice.length;
    } else {
      slice = [];
      end = start;
      while (end < ids.length && slice.length < pageSize) {
        const id = ids[end++]!;
        if (filter.matches(id)) slice.push(id);
      }
    }
    const page: Page<Device> = { items: slice.map((id) => this.toDevice(this.devices.get(id)!)) };
    if (end < ids.length && slice.length > 0) {
      page.continuationToken = Buffer.from(JSON.stringify({ after: slice[slice.length - 1] }), 'utf8').toString('base64url');
    }
    return page;
  }

  /** Every device in id order (in-process readers; over HTTP, list() pages). */
  *all(): Generator<Device> {
    const ids = this.sortedIds ??= [...this.devices.keys()].sort(compareIds);
    for (const id of ids) {
      const rec = this.devices.get(id);
      if (rec !== undefined) yield this.toDevice(rec);
    }
  }

  async create(input: DeviceCreate): Promise<Device> {
    const problem = deviceIdProblem(input.deviceId);
    if (problem !== undefined) throw hubError('ArgumentInvalid', problem);
    if (this.devices.has(input.deviceId)) throw hubError('DeviceAlreadyExists', `A device with id "${input.deviceId}" already exists.`);
    if (input.status !== undefined && input.status !== 'enabled' && input.status !== 'disabled') {
      throw hubError('ArgumentInvalid', `Device status must be "enabled" or "disabled" (got "${String(input.status)}").`);
    }
    for (const [key, which] of [[input.primaryKey, 'primary'], [input.secondaryKey, 'secondary']] as const) {
      if (key !== undefined) {
        const kp = keyProblem(key, which);
        if (kp !== undefined) throw hubError('ArgumentInvalid', kp);
      }
    }
    const now = new Date(this.clock.now()).toISOString();
    const rec: DeviceRecord = {
      deviceId: input.deviceId,
      generationId: newGenerationId(this.clock.now()),
      etagVersion: 1,
      status: input.status ?? 'enabled',
      statusUpdatedTime: now,
      primaryKey: input.primaryKey ?? generateKey(),
      secondaryKey: input.secondaryKey ?? generateKey(),
      connectionState: 'Disconnected',
      connectionStateUpdatedTime: EPOCH_ISO,
      lastActivityTime: EPOCH_ISO,
    };
    if (input.statusReason !== undefined) rec.statusReason = input.statusReason;
    this.devices.set(rec.deviceId, rec);
    this.sortedIds = undefined;
    try {
      await this.store.write((db) => {
        db.run('INSERT INTO devices (device_id, generation_id, etag_version, status, status_reason, status_updated_time, primary_key, secondary_key, connection_state_updated_time, last_activity_time) VALUES (?,?,?,?,?,?,?,?,?,?)',
          [rec.deviceId, rec.generationId, rec.etagVersion, rec.status, rec.statusReason ?? null, rec.statusUpdatedTime, rec.primaryKey, rec.secondaryKey, rec.connectionStateUpdatedTime, rec.lastActivityTime]);
      });
    } catch (e) {
      if (this.devices.get(rec.deviceId) === rec) {
        this.devices.delete(rec.deviceId);
        this.sortedIds = undefined;
      }
      throw e;
    }
    const device = this.toDevice(rec);
    this.events.emit({ type: 'deviceCreated', device });
    return device;
  }

  async update(deviceId: string, patch: DeviceUpdate, ifMatch?: string): Promise<Device> {
    const rec = this.requireDevice(deviceId);
    this.checkEtag(rec, ifMatch);
    if (patch.status !== undefined && patch.status !== 'enabled' && patch.status !== 'disabled') {
      throw hubError('ArgumentInvalid', `Device status must be "enabled" or "disabled" (got "${String(patch.status)}").`);
    }
    for (const [key, which] of [[patch.primaryKey, 'primary'], [patch.secondaryKey, 'secondary']] as const) {
      if (key !== undefined) {
        const kp = keyProblem(key, which);
        if (kp !== undefined) throw hubError('ArgumentInvalid', kp);
      }
    }
    const next: DeviceRecord = { ...rec, etagVersion: rec.etagVersion + 1 };
    if (patch.status !== undefined && patch.status !== rec.status) {
      next.status = patch.status;
      next.statusUpdatedTime = new Date(this.clock.now()).toISOString();
    }
    if (patch.statusReason !== undefined) next.statusReason = patch.statusReason;
    if (patch.primaryKey !== undefined) next.primaryKey = patch.primaryKey;
    if (patch.secondaryKey !== undefined) next.secondaryKey = patch.secondaryKey;
    this.devices.set(deviceId, next);
    try {
      await this.store.write((db) => {
        db.run('UPDATE devices SET etag_version = ?, status = ?, status_reason = ?, status_updated_time = ?, primary_key = ?, secondary_key = ? WHERE device_id = ?',
          [next.etagVersion, next.status, next.statusReason ?? null, next.statusUpdatedTime, next.primaryKey, next.secondaryKey, deviceId]);
      });
    } catch (e) {
      if (this.devices.get(deviceId) === next) this.devices.set(deviceId, rec);
      throw e;
    }
    const device = this.toDevice(next);
    this.events.emit({ type: 'deviceUpdated', device });
    return device;
  }

  async delete(deviceId: string, ifMatch?: string): Promise<void> {
    const rec = this.requireDevice(deviceId);
    this.checkEtag(rec, ifMatch);
    this.devices.delete(deviceId);
    this.sortedIds = undefined;
    this.dirtyActivity.delete(deviceId);
    this.onDeviceDeleted(deviceId);
    await this.store.write((db) => {
      db.run('DELETE FROM devices WHERE device_id = ?', [deviceId]);
    });
    this.events.emit({ type: 'deviceDeleted', deviceId });
  }

  recordConnection(deviceId: string, connected: boolean): void {
    const rec = this.devices.get(deviceId);
    if (rec === undefined) return;
    const state: ConnectionState = connected ? 'Connected' : 'Disconnected';
    const now = new Date(this.clock.now()).toISOString();
    rec.lastActivityTime = now;
    delete rec.lastActivityMs;
    if (rec.connectionState !== state) {
      rec.connectionState = state;
      rec.connectionStateUpdatedTime = now;
      this.events.emit({ type: 'connectionStateChanged', deviceId, connectionState: state });
    }
    this.markDirty(deviceId);
  }

  recordActivity(deviceId: string): void {
    const rec = this.devices.get(deviceId);
    if (rec === undefined) return;
    rec.lastActivityMs = this.clock.now();
    this.markDirty(deviceId);
  }

  private markDirty(deviceId: string): void {
    this.dirtyActivity.add(deviceId);
    if (this.activityTimer !== undefined) return;
    this.activityTimer = this.clock.setTimeout(() => {
      this.activityTimer = undefined;
      this.flushActivity().catch((e: unknown) => this.log.warn(`Saving device activity failed: ${errorText(e)}`));
    }, ACTIVITY_FLUSH_MS);
  }

  /** Writes connection-state times and last activity of devices that changed since the last flush. */
  flushActivity(): Promise<void> {
    const rows = [...this.dirtyActivity].map((id) => this.devices.get(id)).filter((r): r is DeviceRecord => r !== undefined)
      .map((r) => [r.connectionStateUpdatedTime, lastActivityOf(r), r.deviceId] as const);
    this.dirtyActivity.clear();
    if (rows.length === 0) return Promise.resolve();
    return this.store.write((db) => {
      for (const r of rows) db.run('UPDATE devices SET connection_state_updated_time = ?, last_activity_time = ? WHERE device_id = ?', [...r]);
    });
  }

  /** Stops the lazy flush timer and queues the final activity write (the store commits it on close). */
  async close(): Promise<void> {
    if (this.activityTimer !== undefined) this.clock.clearTimeout(this.activityTimer);
    this.activityTimer = undefined;
    const p = this.flushActivity();
    this.store.flush();
    await p;
  }

  private requireDevice(deviceId: string): DeviceRecord {
    const rec = this.devices.get(deviceId);
    if (rec === undefined) throw hubError('DeviceNotFound', `Device "${deviceId}" is not registered in this hub.`);
    return rec;
  }

  private checkEtag(rec: DeviceRecord, ifMatch: string | undefined): void {
    if (ifMatch === undefined || ifMatch.trim() === '*' || ifMatch.trim() === '') return;
    if (normalizeEtag(ifMatch) !== etagOf(rec.etagVersion)) {
      throw hubError('PreconditionFailed', `The device "${rec.deviceId}" was changed since etag ${ifMatch} (current etag "${etagOf(rec.etagVersion)}").`);
    }
  }

  private toDevice(rec: DeviceRecord): Device {
    const d: Device = {
      deviceId: rec.deviceId,
      generationId: rec.generationId,
      etag: etagOf(rec.etagVersion),
      status: rec.status,
      statusUpdatedTime: rec.statusUpdatedTime,
      connectionState: rec.connectionState,
      connectionStateUpdatedTime: rec.connectionStateUpdatedTime,
      lastActivityTime: lastActivityOf(rec),
      cloudToDeviceMessageCount: this.queueDepth(rec.deviceId),
      authentication: { type: 'sas', symmetricKey: { primaryKey: rec.primaryKey, secondaryKey: rec.secondaryKey } },
    };
    if (rec.statusReason !== undefined) d.statusReason = rec.statusReason;
    return d;
  }
}

function lastActivityOf(rec: DeviceRecord): string {
  if (rec.lastActivityMs !== undefined) {
    rec.lastActivityTime = new Date(rec.lastActivityMs).toISOString();
    delete rec.lastActivityMs;
  }
  return rec.lastActivityTime;
}

/** Ordinal (code unit) order, the same on every platform and locale. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
