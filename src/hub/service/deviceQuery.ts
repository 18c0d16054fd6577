// IoT Hub's device query (`POST /devices/query`, what azure-iothub's Registry.createQuery sends)
// for the subset a local hub can answer honestly: `SELECT * FROM devices`, optionally with a WHERE
// of `field = 'value'` comparisons joined by AND on a twin's top-level fields (deviceId, status,
// connectionState, authenticationType, ...). Results are device twins as IoT Hub shapes them.
// Anything else is refused with a message naming what is supported, never answered wrongly.
import type { Device } from '../contracts';

export interface DeviceQuery {
  /** Field -> wanted value (compared as strings; deviceId case-sensitively, as IoT Hub). */
  where: [string, string][];
}

export class DeviceQueryError extends Error {}

const SUPPORTED = "The local hub answers SELECT * FROM devices, optionally WHERE field = 'value' [AND ...] on top-level twin fields (deviceId, status, connectionState, ...).";

export function parseDeviceQuery(sql: string): DeviceQuery {
  const m = /^\s*select\s+\*\s+from\s+devices\s*(?:where\s+(.+?))?\s*;?\s*$/is.exec(sql);
  if (m === null) throw new DeviceQueryError(`Unsupported query "${sql.slice(0, 200)}". ${SUPPORTED}`);
  const where: [string, string][] = [];
  if (m[1] !== undefined) {
    for (const part of m[1].split(/\s+and\s+/i)) {
      const c = /^\s*([A-Za-z][A-Za-z0-9]*)\s*=\s*'((?:[^']|'')*)'\s*$/.exec(part);
      if (c === null) throw new DeviceQueryError(`Unsupported condition "${part.trim().slice(0, 200)}". ${SUPPORTED}`);
      where.push([c[1]!, c[2]!.replace(/''/g, "'")]);
    }
  }
  return { where };
}

/** A device as IoT Hub's query returns it (the twin shape, with empty desired/reported properties). */
export function deviceTwinJson(d: Device): Record<string, unknown> {
  const twin: Record<string, unknown> = {
    deviceId: d.deviceId,
    etag: d.etag,
    deviceEtag: d.etag,
    status: d.status,
    statusUpdateTime: d.statusUpdatedTime,
    connectionState: d.connectionState,
    lastActivityTime: d.lastActivityTime,
    cloudToDeviceMessageCount: d.cloudToDeviceMessageCount,
    authenticationType: 'sas',
    x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null },
    modelId: '',
    version: 1,
    properties: {
      desired: { $metadata: { $lastUpdated: d.statusUpdatedTime }, $version: 1 },
      reported: { $metadata: { $lastUpdated: d.statusUpdatedTime }, $version: 1 },
    },
    capabilities: { iotEdge: false },
  };
  if (d.statusReason !== undefined) twin['statusReason'] = d.statusReason;
  return twin;
}

export function matches(query: DeviceQuery, twin: Record<string, unknown>): boolean {
  return query.where.every(([field, value]) => {
    const key = Object.keys(twin).find((k) => k.toLowerCase() === field.toLowerCase());
    const v = key === undefined ? undefined : twin[key];
    return v !== undefined && v !== null && typeof v !== 'object' && String(v) === value;
  });
}
