// Authorization of HTTPS requests: `Authorization: SharedAccessSignature ...` signed either by a
// shared-access policy (skn present; its rights decide what it may do) or by a device key (only
// that device's device-facing endpoints). As on the MQTT side, the host part of `sr` is not
// checked (the hub answers on several names); the signature, scope and expiry are.
import type { IncomingMessage } from 'node:http';
import { verifySasToken } from '../../core/auth/sas';
import type { AccessRight, Device, SharedAccessPolicy } from '../contracts';
import { apiError } from './apiErrors';

export type Principal =
  | { kind: 'policy'; policy: SharedAccessPolicy }
  | { kind: 'device'; deviceId: string };

export interface AuthContext {
  policies: readonly SharedAccessPolicy[];
  getDevice(deviceId: string): Device | undefined;
  now: number;
}

function resourcePath(resourceUri: string): string {
  const slash = resourceUri.indexOf('/');
  return slash < 0 ? '' : resourceUri.slice(slash + 1).replace(/^\/+|\/+$/g, '');
}

function unauthorized(message: string): Error {
  return apiError('IotHubUnauthorizedAccess', message);
}

/** The caller, from the Authorization header. Throws a 401 HubError with a reason a user can act on. */
export function authenticateRequest(req: IncomingMessage, ctx: AuthContext): Principal {
  const header = req.headers.authorization;
  if (header === undefined || header.length === 0) throw unauthorized('Missing Authorization header (expected a SharedAccessSignature token).');
  const token = header.trim();
  const skn = /(?:^|[ &])skn=([^&]*)/.exec(token)?.[1];
  const now = new Date(ctx.now);
  if (skn !== undefined) {
    let name: string;
    try {
      name = decodeURIComponent(skn);
    } catch {
      throw unauthorized('The SAS token has a malformed skn.');
    }
    const policy = ctx.policies.find((p) => p.keyName === name);
    if (policy === undefined) throw unauthorized(`No shared access policy named '${name}'.`);
    const result = verifySasToken(token, { keys: [policy.primaryKey, policy.secondaryKey], now, requireKeyName: name });
    if (!result.ok) throw unauthorized(result.message);
    return { kind: 'policy', policy };
  }
  // A device token: sr names the device.
  const m = /(?:^|[ &])sr=([^&]*)/.exec(token);
  let sr = '';
  try {
    sr = decodeURIComponent(m?.[1] ?? '');
  } catch {
    throw unauthorized('The SAS token has a malformed sr.');
  }
  const path = resourcePath(sr);
  const dm = /^devices\/([^/]+)$/i.exec(path);
  if (dm === null || dm[1] === undefined) throw unauthorized(`The SAS token's resource '${sr}' names neither a policy (skn) nor a device.`);
  const deviceId = dm[1];
  const device = ctx.getDevice(deviceId);
  if (device === undefined) throw unauthorized(`Device '${deviceId}' is not registered.`);
  const result = verifySasToken(token, {
    keys: [device.authentication.symmetricKey.primaryKey, device.authentication.symmetricKey.secondaryKey],
    now,
  });
  if (!result.ok) throw unauthorized(result.message);
  if (device.status !== 'enabled') throw unauthorized(`Device '${deviceId}' is disabled.`);
  return { kind: 'device', deviceId };
}

/** Requires a policy with at least one of `rights`. */
export function requireRight(p: Principal, ...rights: AccessRight[]): void {
  if (p.kind !== 'policy') throw unauthorized(`This operation needs a shared access policy with ${rights.join(' or ')}; a device token was given.`);
  if (!rights.some((r) => p.policy.rights.includes(r))) {
    throw unauthorized(`Policy '${p.policy.keyName}' lacks ${rights.join(' or ')}.`);
  }
}

/** Device-facing endpoints: the device itself, or a policy with DeviceConnect. */
export function requireDevice(p: Principal, deviceId: string): void {
  if (p.kind === 'device') {
    if (p.deviceId !== deviceId) throw unauthorized(`A token for device '${p.deviceId}' cannot act for device '${deviceId}'.`);
    return;
  }
  requireRight(p, 'DeviceConnect');
}
