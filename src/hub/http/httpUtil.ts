// Small HTTP helpers for the API server: bounded body reading, JSON replies, a tiny router.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiError } from './apiErrors';
import type { Principal } from './requestAuth';
import { errorText } from '../../core/errorText';

/** Largest request body accepted (a D2C message is at most 256 KB; JSON adds base64 overhead). */
export const MAX_BODY_BYTES = 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    total += b.length;
    if (total > limit) throw apiError('MessageTooLarge', `The request body is larger than ${limit} bytes.`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const raw = await readBody(req);
  if (raw.length === 0) throw apiError('ArgumentNull', 'The request needs a JSON body.');
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (e) {
    throw apiError('ArgumentInvalid', `The request body is not valid JSON: ${errorText(e)}`);
  }
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json), ...headers });
  res.end(json);
}

export function sendEmpty(res: ServerResponse, status = 204, headers: Record<string, string> = {}): void {
  res.writeHead(status, headers);
  res.end();
}

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: string[];
  query: URLSearchParams;
  /** Authenticates on first use (so unknown routes answer 404 before 401). */
  principal(): Principal;
}

export type RouteHandler = (ctx: RouteContext) => Promise<void> | void;

interface Route { method: string; pattern: RegExp; handler: RouteHandler }

/** Method + path-regex routing; capture groups become url-decoded `params`. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: RegExp, handler: RouteHandler): this {
    this.routes.push({ method, pattern, handler });
    return this;
  }

  /** The handler and params for a request, 405 if the path exists with another method, 404 if not. */
  match(method: string, path: string): { handler: RouteHandler; params: string[] } {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.pattern.exec(path);
      if (m === null) continue;
      pathMatched = true;
      if (r.method !== method) continue;
      const params = m.slice(1).map((p) => {
        try {
          return decodeURIComponent(p ?? '');
        } catch {
          throw apiError('ArgumentInvalid', `Malformed percent-encoding in the path segment '${p ?? ''}'.`);
        }
      });
      return { handler: r.handler, params };
    }
    if (pathMatched) throw apiError('MethodNotAllowed', `${method} is not supported on ${path}.`);
    throw apiError('NotFound', `No such endpoint: ${method} ${path}.`);
  }
}

/** A required param (routes guarantee presence; this keeps strict indexing honest). */
export function param(ctx: RouteContext, index: number): string {
  const v = ctx.params[index];
  if (v === undefined) throw apiError('ArgumentInvalid', 'Missing path parameter.');
  return v;
}

export function stripEtagQuotes(etag: string): string {
  const t = etag.trim().replace(/^W\//, '');
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}
