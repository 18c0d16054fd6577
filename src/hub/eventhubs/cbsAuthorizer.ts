// Claims-based security (CBS) for the Event Hubs-compatible endpoint: validates the SAS tokens a
// client puts on `$cbs` and remembers, per connection, which entity paths it may use until when.
//
// Signatures: @azure/event-hubs (like every Service Bus client) signs with the key's UTF-8 text
// (core-amqp `signString` passes the key string to HMAC), while IoT Hub tooling signs with the
// base64-decoded key. Real IoT Hub's built-in endpoint accepts the Event Hubs form; we accept both
// so tokens made by either family of tools work. Parsing and checking are the core's (core/auth/sas).
//
// The same authorizer serves the IoT Hub service endpoint (src/hub/service), whose clients name
// their audience IoT Hub's way: `{host}` or `{host}/messages/devicebound` (no scheme), while
// Event Hubs clients send `sb://{host}:{port}/{hub}/...`. `hostAudiences` tells them apart.
import { parseSasToken, verifySasToken } from '../../core/auth/sas';
import type { SharedAccessPolicy } from '../contracts';
import { entityPath, pathCovers } from './entityAddress';
import { errorText } from '../../core/errorText';

export const SAS_TOKEN_TYPES = ['servicebus.windows.net:sastoken', 'azure-devices.net:sastoken'];

export interface PutTokenRequest {
  /** The CBS `name`: the audience the client wants access to. */
  audience: string;
  type: string;
  token: unknown;
}

export type PutTokenResult =
  | { ok: true; claimPath: string; expiresAt: number; keyName: string }
  | { ok: false; statusCode: 400 | 401 | 404; description: string };

export interface CbsAuthorizerOptions {
  /**
   * Audiences and token resources without a scheme start with a host name (IoT Hub's `sr=host/path`),
   * which is dropped: `localhost/messages/events` -> `messages/events`, `localhost` -> `` (the whole hub).
   */
  hostAudiences?: boolean;
  /** Paths outside the Event Hub a token may also be put for (the IoT Hub service nodes). */
  isServicePath?: (path: string) => boolean;
}

export class CbsAuthorizer {
  constructor(
    /** The Event Hubs served (lower-case names are compared). */
    private readonly eventHubNames: () => readonly string[],
    private readonly policies: () => readonly SharedAccessPolicy[],
    private readonly now: () => number,
    private readonly options: CbsAuthorizerOptions = {},
  ) {}

  /** The entity path an audience, token resource or link address names (see CbsAuthorizerOptions). */
  pathOf(addressOrAudience: string): string {
    const path = entityPath(addressOrAudience);
    if (this.options.hostAudiences !== true || /^[a-z][a-z0-9+.-]*:\/\//i.test(addressOrAudience.trim())) return path;
    const slash = path.indexOf('/');
    return slash < 0 ? '' : path.slice(slash + 1);
  }

  /** Validates a put-token request. Descriptions never echo the key or the signature. */
  putToken(req: PutTokenRequest): PutTokenResult {
    if (!SAS_TOKEN_TYPES.includes(req.type)) {
      return { ok: false, statusCode: 400, description: `Unsupported token type "${req.type}": this endpoint accepts SAS tokens (servicebus.windows.net:sastoken).` };
    }
    if (typeof req.token !== 'string') {
      return { ok: false, statusCode: 400, description: 'The put-token body must be the SAS token as an AMQP string.' };
    }
    const check = this.verify(req.token);
    if (!check.ok) return check;
    const claimPath = this.pathOf(req.audience);
    const names = this.eventHubNames();
    const first = claimPath.split('/')[0]!;
    if (claimPath !== '' && !names.some((n) => n.toLowerCase() === first) && this.options.isServicePath?.(claimPath) !== true) {
      return { ok: false, statusCode: 404, description: `The audience "${req.audience}" is not an entity of this endpoint (Event Hubs here: ${names.map((n) => `"${n}"`).join(', ')}).` };
    }
    if (!pathCovers(check.tokenPath, claimPath)) {
      return { ok: false, statusCode: 401, description: `The token's resource "${check.resource}" does not cover the audience "${req.audience}".` };
    }
    return { ok: true, claimPath, expiresAt: check.expiresAt, keyName: check.keyName };
  }

  /** Checks a token (signature, policy rights, expiry). Used for put-token and for `$management` requests' security_token. */
  verify(token: string):
    | { ok: true; tokenPath: string; resource: string; expiresAt: number; keyName: string }
    | { ok: false; statusCode: 400 | 401; description: string } {
    let keyName: string | undefined;
    try {
      keyName = parseSasToken(token).keyName;
    } catch (e) {
      return { ok: false, statusCode: 401, description: `Malformed SAS token: ${errorText(e)}` };
    }
    if (keyName === undefined) {
      return { ok: false, statusCode: 401, description: 'The SAS token has no skn (key name): the Event Hubs-compatible endpoint needs a shared access policy with ServiceConnect.' };
    }
    const policy = this.policies().find((p) => p.keyName === keyName);
    if (policy === undefined) {
      return { ok: false, statusCode: 401, description: `Unknown shared access policy "${keyName}".` };
    }
    if (!policy.rights.includes('ServiceConnect')) {
      return { ok: false, statusCode: 401, description: `The shared access policy "${keyName}" lacks the ServiceConnect right this endpoint needs (reading events, sending C2D, reading feedback).` };
    }
    // The core verifies with base64-decoded keys (IoT Hub's way); the base64 of a key's UTF-8 text
    // makes it verify Event Hubs-style signatures too.
    const keys = [policy.primaryKey, policy.secondaryKey];
    const result = verifySasToken(token, {
      keys: [...keys, ...keys.map((k) => (k === '' ? '' : Buffer.from(k, 'utf8').toString('base64')))],
      now: new Date(this.now()),
      requireKeyName: keyName,
    });
    if (!result.ok) {
      const description = result.reason === 'bad-signature'
        ? `Invalid signature for the shared access policy "${keyName}": check the key in the connection string.`
        : result.message;
      return { ok: false, statusCode: 401, description };
    }
    const resource = result.token.resourceUri;
    return { ok: true, tokenPath: this.pathOf(resource), resource, expiresAt: result.token.expiresAtSeconds * 1000, keyName };
  }
}

/** Distinct entity paths one connection may hold claims for (an SDK client needs 1 + partitions). */
export const MAX_CLAIMS_PER_CONNECTION = 1000;

/** The claims one AMQP connection holds: entity path -> expiry. */
export class ConnectionClaims {
  private readonly claims = new Map<string, number>();

  /** Records a claim; false when the connection already holds too many (expired ones are dropped first). */
  add(path: string, expiresAt: number, now: number): boolean {
    if (!this.claims.has(path) && this.claims.size >= MAX_CLAIMS_PER_CONNECTION) {
      for (const [p, until] of this.claims) if (until <= now) this.claims.delete(p);
      if (this.claims.size >= MAX_CLAIMS_PER_CONNECTION) return false;
    }
    const prev = this.claims.get(path) ?? 0;
    this.claims.set(path, Math.max(prev, expiresAt));
    return true;
  }

  /** The latest expiry of a claim covering `path`, or undefined when none is valid at `now`. */
  validUntil(path: string, now: number): number | undefined {
    let best: number | undefined;
    for (const [claimPath, expiresAt] of this.claims) {
      if (expiresAt > now && pathCovers(claimPath, path) && (best === undefined || expiresAt > best)) best = expiresAt;
    }
    return best;
  }
}
