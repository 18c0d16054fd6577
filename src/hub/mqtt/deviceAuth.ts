// MQTT CONNECT authentication as IoT Hub does it: clientId is the device id, the username is
// `{host}/{deviceId}/?api-version=...` (parsed leniently: the SDKs append more query fields and
// some docs omit the query) and the password is a SAS token signed either with one of the
// device's own keys (sr = `{host}/devices/{deviceId}`) or with a shared-access policy that has
// DeviceConnect (skn present; sr the hub or the device). The host part of sr and username is not
// checked: the hub answers on several names (localhost, 127.0.0.1, host:port) and the signature
// is what proves the caller holds a key.
import { sasScopeCovers, verifySasToken } from '../../core/auth/sas';
import { validateDeviceId } from '../../core/message/validation';
import type { Device, SharedAccessPolicy } from '../contracts';

/** MQTT 3.1.1 CONNACK return codes. */
export const CONNACK = {
  identifierRejected: 2,
  serverUnavailable: 3,
  badUsernameOrPassword: 4,
  notAuthorized: 5,
} as const;
export type ConnackRefusal = (typeof CONNACK)[keyof typeof CONNACK];

export type AuthMethod = 'device-key' | 'policy';

export type DeviceAuthResult =
  | { ok: true; deviceId: string; generationId: string; method: AuthMethod; keyName?: string; expiresAtMs: number }
  | { ok: false; returnCode: ConnackRefusal; reason: string };

export interface DeviceAuthContext {
  getDevice(deviceId: string): Device | undefined;
  policies: readonly SharedAccessPolicy[];
  now: number;
}

/** The device id named by a username `{host}/{deviceId}[/{anything}]`, or undefined if it has no such part. */
export function usernameDeviceId(username: string): string | undefined {
  const first = username.indexOf('/');
  if (first < 0) return undefined;
  const rest = username.slice(first + 1);
  const second = rest.indexOf('/');
  const id = second < 0 ? rest : rest.slice(0, second);
  return id.length > 0 ? id : undefined;
}

/** `sr` path after the host, without leading or trailing slashes (`devices/dev1`, or '' for the hub). */
function resourcePath(resourceUri: string): string {
  const slash = resourceUri.indexOf('/');
  return slash < 0 ? '' : resourceUri.slice(slash + 1).replace(/^\/+|\/+$/g, '');
}

function refuse(returnCode: ConnackRefusal, reason: string): DeviceAuthResult {
  return { ok: false, returnCode, reason };
}

export function authenticateDevice(
  clientId: string, username: string | undefined, password: Buffer | undefined, ctx: DeviceAuthContext,
): DeviceAuthResult {
  if (clientId.includes('/')) {
    return refuse(CONNACK.identifierRejected, `client id '${clientId}' names a module; this local hub serves devices only`);
  }
  if (clientId.length === 0 || validateDeviceId(clientId).some((p) => p.severity === 'error')) {
    return refuse(CONNACK.identifierRejected, `client id '${clientId.slice(0, 140)}' is not a valid device id`);
  }
  if (username === undefined || username.length === 0) {
    return refuse(CONNACK.badUsernameOrPassword, 'no username (expected {host}/{deviceId}/?api-version=2021-04-12)');
  }
  const named = usernameDeviceId(username);
  if (named !== undefined && named !== clientId) {
    return refuse(CONNACK.badUsernameOrPassword, `username names device '${named}' but the client id is '${clientId}'`);
  }
  if (named === undefined) {
    return refuse(CONNACK.badUsernameOrPassword, 'username is not {host}/{deviceId}/?api-version=...');
  }
  if (password === undefined || password.length === 0) {
    return refuse(CONNACK.badUsernameOrPassword, 'no password (expected a SAS token)');
  }
  const device = ctx.getDevice(clientId);
  if (device === undefined) return refuse(CONNACK.notAuthorized, `device '${clientId}' is not registered`);
  const token = password.toString('utf8');
  const skn = /(?:^|[ &])skn=([^&]*)/.exec(token)?.[1];
  const now = new Date(ctx.now);
  const devicePath = `devices/${clientId}`;
  let result: ReturnType<typeof verifySasToken>;
  let method: AuthMethod;
  let keyName: string | undefined;
  if (skn !== undefined) {
    let name: string;
    try {
      name = decodeURIComponent(skn);
    } catch {
      return refuse(CONNACK.badUsernameOrPassword, 'SAS token has a malformed skn');
    }
    const policy = ctx.policies.find((p) => p.keyName === name);
    if (policy === undefined) return refuse(CONNACK.notAuthorized, `no shared access policy named '${name}'`);
    if (!policy.rights.includes('DeviceConnect')) return refuse(CONNACK.notAuthorized, `policy '${name}' lacks DeviceConnect`);
    method = 'policy';
    keyName = name;
    result = verifySasToken(token, {
      keys: [policy.primaryKey, policy.secondaryKey],
      now,
      requireKeyName: name,
      expectedResourceUri: (sr) => {
        const p = resourcePath(sr);
        return p === '' || sasScopeCovers(p, devicePath);
      },
    });
  } else {
    method = 'device-key';
    result = verifySasToken(token, {
      keys: [device.authentication.symmetricKey.primaryKey, device.authentication.symmetricKey.secondaryKey],
      now,
      expectedResourceUri: (sr) => resourcePath(sr).toLowerCase() === devicePath.toLowerCase(),
    });
  }
  if (!result.ok) {
    const code = result.reason === 'wrong-resource' ? CONNACK.notAuthorized : CONNACK.badUsernameOrPassword;
    return refuse(code, result.message);
  }
  if (device.status !== 'enabled') {
    return refuse(CONNACK.notAuthorized, `device '${clientId}' is disabled${device.statusReason ? ` (${device.statusReason})` : ''}`);
  }
  const ok: DeviceAuthResult = { ok: true, deviceId: clientId, generationId: device.generationId, method, expiresAtMs: result.token.expiresAtSeconds * 1000 };
  if (keyName !== undefined) ok.keyName = keyName;
  return ok;
}
