// IoT Hub connection strings: `Name=value;Name=value`. Like azure-iot-common's ConnectionString,
// names are case-sensitive and a value runs to the next `;` (so base64 keys may contain `=`).
// Unlike it, malformed input is an error rather than silently dropped. Error messages name the
// fields involved but never echo a value, so a key pasted by mistake never reaches a log.
import { isBase64Key } from '../base64';

export class ConnectionStringError extends Error {
  override readonly name = 'ConnectionStringError';
  constructor(message: string, readonly missing: readonly string[] = [], readonly malformed: readonly string[] = []) {
    super(message);
  }
}

/** Name -> value, names case-sensitive. Empty segments (a trailing `;`) are allowed. */
export function parseConnectionString(s: string): Record<string, string> {
  const text = s.trim();
  if (text.length === 0) throw new ConnectionStringError('The connection string is empty.');
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  text.split(';').forEach((segment, index) => {
    if (segment.trim().length === 0) return;
    const eq = segment.indexOf('=');
    if (eq < 0) {
      throw new ConnectionStringError(`Part ${index + 1} of the connection string has no '=' (expected Name=value separated by ';').`, [], [`part ${index + 1}`]);
    }
    const name = segment.slice(0, eq).trim();
    if (name.length === 0) {
      throw new ConnectionStringError(`Part ${index + 1} of the connection string has a value but no name.`, [], [`part ${index + 1}`]);
    }
    // A base64 key pasted on its own ends in '=' and, when it holds no '+' or '/', looks like a
    // name with an empty value: no setting is empty, so treat both as "not Name=value".
    if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(name) || segment.slice(eq + 1).trim().length === 0) {
      // Not shown: a part that is not Name=value is often a key pasted on its own.
      throw new ConnectionStringError(`Part ${index + 1} of the connection string is not Name=value (its text is not shown).`, [], [`part ${index + 1}`]);
    }
    if (name in out) throw new ConnectionStringError(`The connection string sets ${name} more than once.`, [], [name]);
    out[name] = segment.slice(eq + 1);
  });
  return { ...out };
}

function missingMessage(kind: string, missing: string[], fields: Record<string, string>): string {
  const described = missing.map((m) => {
    const wrongCase = Object.keys(fields).find((k) => k.toLowerCase() === m.toLowerCase());
    return wrongCase !== undefined ? `${m} (found '${wrongCase}'; names are case-sensitive)` : m;
  });
  return `The ${kind} connection string is missing ${described.join(', ')}.`;
}

function requireFields(kind: string, fields: Record<string, string>, names: string[]): void {
  const missing = names.filter((n) => fields[n] === undefined || fields[n].trim() === '');
  if (missing.length > 0) throw new ConnectionStringError(missingMessage(kind, missing, fields), missing);
}

function checkKey(kind: string, name: string, value: string): void {
  if (!isBase64Key(value)) {
    throw new ConnectionStringError(`The ${kind} connection string's ${name} is not valid base64 (the value is not shown).`, [], [name]);
  }
}

function checkHostName(kind: string, host: string): void {
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?$/.test(host)) {
    throw new ConnectionStringError(`The ${kind} connection string's HostName '${host}' is not a host name.`, [], ['HostName']);
  }
}

export interface HubConnectionString {
  hostName: string;
  sharedAccessKeyName: string;
  sharedAccessKey: string;
  /** The first label of HostName (`myhub` in `myhub.azure-devices.net`). */
  hubName: string;
}

export function parseHubConnectionString(s: string): HubConnectionString {
  const kind = 'IoT Hub';
  const f = parseConnectionString(s);
  if (f['DeviceId'] !== undefined && f['SharedAccessKeyName'] === undefined) {
    throw new ConnectionStringError('This is a device connection string (it has DeviceId); an IoT Hub connection string has HostName, SharedAccessKeyName and SharedAccessKey.', ['SharedAccessKeyName']);
  }
  requireFields(kind, f, ['HostName', 'SharedAccessKeyName', 'SharedAccessKey']);
  const hostName = (f['HostName'] ?? '').trim();
  checkHostName(kind, hostName);
  const sharedAccessKey = (f['SharedAccessKey'] ?? '').trim();
  checkKey(kind, 'SharedAccessKey', sharedAccessKey);
  return {
    hostName,
    sharedAccessKeyName: (f['SharedAccessKeyName'] ?? '').trim(),
    sharedAccessKey,
    hubName: hostName.split('.')[0] ?? hostName,
  };
}

export interface DeviceConnectionString {
  hostName: string;
  deviceId: string;
  moduleId?: string;
  sharedAccessKey?: string;
  sharedAccessSignature?: string;
  gatewayHostName?: string;
  /** `x509=true`: the device authenticates with a certificate. */
  x509?: boolean;
}

export function parseDeviceConnectionString(s: string): DeviceConnectionString {
  const kind = 'device';
  const f = parseConnectionString(s);
  if (f['SharedAccessKeyName'] !== undefined && f['DeviceId'] === undefined) {
    throw new ConnectionStringError('This is an IoT Hub (service) connection string (it has SharedAccessKeyName); a device connection string has HostName, DeviceId and SharedAccessKey.', ['DeviceId']);
  }
  requireFields(kind, f, ['HostName', 'DeviceId']);
  const hostName = (f['HostName'] ?? '').trim();
  checkHostName(kind, hostName);
  const out: DeviceConnectionString = { hostName, deviceId: f['DeviceId'] ?? '' };
  const moduleId = f['ModuleId'];
  if (moduleId !== undefined && moduleId !== '') out.moduleId = moduleId;
  const key = f['SharedAccessKey'];
  const sas = f['SharedAccessSignature'];
  const x509 = f['x509'];
  if (x509 !== undefined && x509.toLowerCase() !== 'true' && x509.toLowerCase() !== 'false') {
    throw new ConnectionStringError("The device connection string's x509 must be true or false.", [], ['x509']);
  }
  const usesX509 = x509?.toLowerCase() === 'true';
  const methods = [key !== undefined, sas !== undefined, usesX509].filter(Boolean).length;
  if (methods === 0) {
    throw new ConnectionStringError('The device connection string needs one of SharedAccessKey, SharedAccessSignature or x509=true.', ['SharedAccessKey']);
  }
  if (methods > 1) {
    throw new ConnectionStringError('The device connection string sets more than one of SharedAccessKey, SharedAccessSignature and x509=true; keep one.', [], ['SharedAccessKey', 'SharedAccessSignature', 'x509']);
  }
  if (key !== undefined) {
    checkKey(kind, 'SharedAccessKey', key.trim());
    out.sharedAccessKey = key.trim();
  }
  if (sas !== undefined) {
    if (!sas.startsWith('SharedAccessSignature ')) {
      throw new ConnectionStringError("The device connection string's SharedAccessSignature does not start with 'SharedAccessSignature ' (the value is not shown).", [], ['SharedAccessSignature']);
    }
    out.sharedAccessSignature = sas;
  }
  if (usesX509) out.x509 = true;
  const gateway = f['GatewayHostName'];
  if (gateway !== undefined && gateway !== '') {
    checkHostName(kind, gateway.trim());
    out.gatewayHostName = gateway.trim();
  }
  return out;
}

function checkValue(name: string, value: string): string {
  if (value.includes(';')) throw new ConnectionStringError(`${name} cannot contain ';' in a connection string.`, [], [name]);
  if (value.length === 0) throw new ConnectionStringError(`${name} is empty.`, [name]);
  return value;
}

export function formatHubConnectionString(c: Pick<HubConnectionString, 'hostName' | 'sharedAccessKeyName' | 'sharedAccessKey'>): string {
  return `HostName=${checkValue('HostName', c.hostName)};SharedAccessKeyName=${checkValue('SharedAccessKeyName', c.sharedAccessKeyName)};` +
    `SharedAccessKey=${checkValue('SharedAccessKey', c.sharedAccessKey)}`;
}

export function formatDeviceConnectionString(c: DeviceConnectionString): string {
  const parts = [`HostName=${checkValue('HostName', c.hostName)}`, `DeviceId=${checkValue('DeviceId', c.deviceId)}`];
  if (c.moduleId !== undefined) parts.push(`ModuleId=${checkValue('ModuleId', c.moduleId)}`);
  if (c.sharedAccessKey !== undefined) parts.push(`SharedAccessKey=${checkValue('SharedAccessKey', c.sharedAccessKey)}`);
  if (c.sharedAccessSignature !== undefined) parts.push(`SharedAccessSignature=${checkValue('SharedAccessSignature', c.sharedAccessSignature)}`);
  if (c.x509 === true) parts.push('x509=true');
  if (c.gatewayHostName !== undefined) parts.push(`GatewayHostName=${checkValue('GatewayHostName', c.gatewayHostName)}`);
  return parts.join(';');
}
