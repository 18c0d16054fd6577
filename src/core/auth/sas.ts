// IoT Hub shared access signature tokens:
//   SharedAccessSignature sr={url-encoded resource}&sig={url-encoded base64 HMAC}&se={expiry s}[&skn={policy}]
// sig = base64(HMAC-SHA256(base64decode(key), `{sr as sent}\n{se}`)). Interoperates with
// azure-iot-common's SharedAccessSignature both ways (see test/unit/core/sas.test.ts).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { errorText } from '../errorText';

export const SAS_PREFIX = 'SharedAccessSignature ';

export class SasTokenError extends Error {
  override readonly name = 'SasTokenError';
}

/**
 * encodeURIComponent plus `! ' ( ) *`, exactly as azure-iot-common's `encodeUriComponentStrict`
 * (including its lower-case `%2a`), so tokens we make are byte-identical to the SDK's.
 */
export function encodeUriComponentStrict(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
}

function sign(keyBase64: string, stringToSign: string): Buffer {
  return createHmac('sha256', Buffer.from(keyBase64, 'base64')).update(stringToSign, 'utf8').digest();
}

export interface CreateSasTokenOptions {
  /** The resource, NOT url-encoded, e.g. `myhub.azure-devices.net/devices/dev1`. */
  resourceUri: string;
  /** The base64 symmetric key (device key or policy key). */
  key: string;
  /** The shared access policy name (`skn`), only for policy (service / registry) tokens. */
  keyName?: string;
  /** Seconds since the Unix epoch. */
  expiresAtSeconds: number;
}

export function createSasToken(options: CreateSasTokenOptions): string {
  const { resourceUri, key, keyName, expiresAtSeconds } = options;
  if (resourceUri.length === 0) throw new SasTokenError('Cannot create a SAS token: the resource URI is empty.');
  if (key.length === 0) throw new SasTokenError('Cannot create a SAS token: the key is empty.');
  if (!Number.isSafeInteger(expiresAtSeconds) || expiresAtSeconds <= 0) {
    throw new SasTokenError(`Cannot create a SAS token: the expiry must be a positive whole number of seconds, not ${expiresAtSeconds}.`);
  }
  const sr = encodeUriComponentStrict(resourceUri);
  const se = String(expiresAtSeconds);
  const sig = encodeUriComponentStrict(sign(key, `${sr}\n${se}`).toString('base64'));
  // Field order as azure-iot-common writes it: sr, sig, skn, se.
  let token = `${SAS_PREFIX}sr=${sr}&sig=${sig}`;
  if (keyName !== undefined && keyName.length > 0) token += `&skn=${encodeUriComponentStrict(keyName)}`;
  return `${token}&se=${se}`;
}

export interface ParsedSasToken {
  /** `sr`, url-decoded. */
  resourceUri: string;
  /** `sr` exactly as sent (this is what was signed). */
  rawResourceUri: string;
  /** `sig`, url-decoded (base64). */
  signature: string;
  expiresAtSeconds: number;
  /** `skn`, url-decoded, when present. */
  keyName?: string;
  /** Every field as sent (not decoded), including unknown ones. */
  fields: Record<string, string>;
}

function decodeField(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new SasTokenError(`The SAS token field '${name}' has malformed percent-encoding.`);
  }
}

/** Parses a token; fields may come in any order. Never puts the signature in an error message. */
export function parseSasToken(token: string): ParsedSasToken {
  if (!token.startsWith(SAS_PREFIX)) {
    const hint = /^sharedaccesssignature\s/i.test(token) ? ` (it must be spelled exactly '${SAS_PREFIX.trim()}' followed by one space)` : '';
    throw new SasTokenError(`A SAS token must start with '${SAS_PREFIX}'${hint}.`);
  }
  const body = token.slice(SAS_PREFIX.length);
  if (body.length === 0) throw new SasTokenError("The SAS token has no fields after 'SharedAccessSignature '.");
  if (/\s/.test(body)) throw new SasTokenError('The SAS token contains whitespace after its prefix; fields are joined by & with no spaces.');
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const part of body.split('&')) {
    if (part.length === 0) continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new SasTokenError(`The SAS token has a field without a name=value form ('${eq === 0 ? '=...' : part.slice(0, 20)}').`);
    const name = part.slice(0, eq);
    if (name in fields) throw new SasTokenError(`The SAS token has the field '${name}' more than once.`);
    fields[name] = part.slice(eq + 1);
  }
  const missing = ['sr', 'sig', 'se'].filter((f) => fields[f] === undefined || fields[f] === '');
  if (missing.length > 0) throw new SasTokenError(`The SAS token is missing ${missing.map((f) => `'${f}'`).join(', ')}.`);
  const rawResourceUri = fields['sr'] ?? '';
  const se = fields['se'] ?? '';
  if (!/^\d{1,15}$/.test(se)) throw new SasTokenError(`The SAS token expiry 'se' must be whole seconds since 1970, not '${se.slice(0, 20)}'.`);
  const parsed: ParsedSasToken = {
    resourceUri: decodeField('sr', rawResourceUri),
    rawResourceUri,
    signature: decodeField('sig', fields['sig'] ?? ''),
    expiresAtSeconds: Number(se),
    fields: { ...fields },
  };
  const skn = fields['skn'];
  if (skn !== undefined) parsed.keyName = decodeField('skn', skn);
  return parsed;
}

export type SasFailureReason = 'malformed' | 'expired' | 'bad-signature' | 'wrong-resource' | 'wrong-key-name';

export type SasVerifyResult =
  | { ok: true; token: ParsedSasToken; /** Index into `keys` of the key that verified. */ keyIndex: number }
  | { ok: false; reason: SasFailureReason; message: string };

export interface VerifySasOptions {
  /** Candidate base64 keys, e.g. [primary, secondary]. Empty entries are skipped. */
  keys: readonly string[];
  now: Date;
  /**
   * The resource the token must name: a URI compared case-insensitively with the url-decoded `sr`
   * (a trailing `/` ignored), or a predicate given the url-decoded `sr` (e.g. `sasScopeCovers`).
   */
  expectedResourceUri?: string | ((resourceUri: string) => boolean);
  /** Require `skn` to equal this (policy tokens); tokens with another or no `skn` fail. */
  requireKeyName?: string;
}

function normalizeResource(uri: string): string {
  return uri.toLowerCase().replace(/\/+$/, '');
}

/**
 * Checks a token. Order: malformed, wrong resource, wrong key name, bad signature, expired (an
 * expired token with a bad signature reports bad-signature). Signatures are compared with
 * `crypto.timingSafeEqual`. Messages never contain the key or the signature.
 */
export function verifySasToken(token: string, options: VerifySasOptions): SasVerifyResult {
  let parsed: ParsedSasToken;
  try {
    parsed = parseSasToken(token);
  } catch (e) {
    return { ok: false, reason: 'malformed', message: errorText(e) };
  }
  const expected = options.expectedResourceUri;
  if (expected !== undefined) {
    const matches = typeof expected === 'string'
      ? normalizeResource(parsed.resourceUri) === normalizeResource(expected)
      : expected(parsed.resourceUri);
    if (!matches) {
      const want = typeof expected === 'string' ? ` (expected '${expected}')` : '';
      return { ok: false, reason: 'wrong-resource', message: `The SAS token is for '${parsed.resourceUri}', which does not grant access here${want}.` };
    }
  }
  if (options.requireKeyName !== undefined && parsed.keyName !== options.requireKeyName) {
    const got = parsed.keyName === undefined ? 'no policy name (skn)' : `the policy '${parsed.keyName}'`;
    return { ok: false, reason: 'wrong-key-name', message: `The SAS token names ${got}; expected the policy '${options.requireKeyName}'.` };
  }
  // Buffer.from(.., 'base64') skips characters outside the alphabet, so only the exact canonical
  // encoding of a 32-byte HMAC is let through; anything else could verify with junk around it.
  const given = Buffer.from(parsed.signature, 'base64');
  const canonical = given.length === 32 && given.toString('base64') === parsed.signature;
  const stringToSign = `${parsed.rawResourceUri}\n${parsed.fields['se'] ?? ''}`;
  let keyIndex = -1;
  options.keys.forEach((key, i) => {
    if (!canonical || key.length === 0 || keyIndex >= 0) return;
    const computed = sign(key, stringToSign);
    if (computed.length === given.length && timingSafeEqual(computed, given)) keyIndex = i;
  });
  if (keyIndex < 0) {
    return { ok: false, reason: 'bad-signature', message: 'The SAS token signature does not match the key (was the token made with another key, or edited?).' };
  }
  const nowSeconds = Math.floor(options.now.getTime() / 1000);
  if (parsed.expiresAtSeconds <= nowSeconds) {
    const when = new Date(parsed.expiresAtSeconds * 1000).toISOString();
    return { ok: false, reason: 'expired', message: `The SAS token expired at ${when} (now ${options.now.toISOString()}).` };
  }
  return { ok: true, token: parsed, keyIndex };
}

/**
 * True when a token for `tokenResource` grants access to `requested`: equal ignoring case and a
 * trailing `/`, or a path prefix ending at a `/` boundary (a hub-scoped token `host` covers
 * `host/devices/dev1`, a device token does not cover another device).
 */
export function sasScopeCovers(tokenResource: string, requested: string): boolean {
  const t = normalizeResource(tokenResource);
  const r = normalizeResource(requested);
  return r === t || r.startsWith(`${t}/`);
}

export function resourceUriForHub(host: string): string {
  return host;
}

export function resourceUriForDevice(host: string, deviceId: string): string {
  return `${host}/devices/${deviceId}`;
}

export function resourceUriForModule(host: string, deviceId: string, moduleId: string): string {
  return `${host}/devices/${deviceId}/modules/${moduleId}`;
}
