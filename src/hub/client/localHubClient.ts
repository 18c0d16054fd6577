// A typed client for the local hub's HTTPS API (registry REST, device-facing C2D, and the /local/
// management endpoints), with paging and Server-Sent Events subscriptions. Plain Node (no vscode
// import): the extension's tree, the CLI and tests all use it. Authenticates with a shared-access
// policy from the hub connection string, signing short-lived SAS tokens itself.
import { Agent, request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { parseHubConnectionString } from '../../core/auth/connectionString';
import { createSasToken } from '../../core/auth/sas';
import type { ApplicationProperty, SystemProperties } from '../../core/message/model';
import type { Device, DeviceCreate, DeviceUpdate, FeedbackBatch, DevicePageRequest, Page } from '../contracts';
import type {
  ApiErrorJson, C2dMessageJson, C2dSendRequest, D2cEventJson, EndpointPutRequest, EndpointStatusJson, EnrichmentJson, HubInfoJson,
  PurgeResult, QueueEventJson, RegistryEventJson, RouteJson, RoutePutRequest, RouteTestJson, RouteTestRequest, RoutingConfigJson,
} from '../http/jsonShapes';
import { API_VERSION } from '../http/jsonShapes';
import { everyItem, pageRequest } from '../paging';
import { toError } from '../../core/errorText';

export interface LocalHubClientOptions {
  /** PEM of the hub's CA (DATA_DIR/tls/ca.pem). Without it Node's default trust store is used. */
  ca?: string | Buffer;
  /** Lifetime of the SAS tokens the client signs (default 1 hour). */
  tokenTtlSeconds?: number;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
}

/** An error answer of the hub, with IoT Hub's error code. */
export class LocalHubApiError extends Error {
  override readonly name = 'LocalHubApiError';
  constructor(message: string, readonly status: number, readonly errorCode: string | undefined, readonly errorNumber: number | undefined) {
    super(message);
  }
}

/** A C2D message received over the device-facing HTTPS endpoint, locked until completed/rejected/abandoned. */
export interface ReceivedC2dMessage {
  lockToken: string;
  sequenceNumber: number;
  deliveryCount: number;
  enqueuedTime?: string;
  systemProperties: SystemProperties;
  applicationProperties: ApplicationProperty[];
  body: Buffer;
}

export type HubEvent =
  | { kind: 'registry'; event: RegistryEventJson }
  | { kind: 'queue'; event: QueueEventJson }
  /** Routes, endpoints, the fallback route or enrichments changed: read the routing again. */
  | { kind: 'routing' }
  /** The stream reconnected but the hub could not replay what was missed (it restarted, or too much happened): list again. */
  | { kind: 'reset'; reason: string };

export interface Subscription {
  close(): void;
  /** Resolves once the stream is connected (rejects if the hub refused it). */
  readonly ready: Promise<void>;
}

export interface TailOptions {
  /** One partition, or all when omitted. */
  partition?: number;
  /** `earliest`, `latest` (default), a sequence number, or an ISO time. */
  from?: 'earliest' | 'latest' | number | string;
}

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5_000;

interface Reply { status: number; headers: IncomingMessage['headers']; body: Buffer }

function parseError(reply: Reply): LocalHubApiError {
  let message = `HTTP ${reply.status}`;
  let number: number | undefined;
  const headerCode = reply.headers['iothub-errorcode'];
  let code = Array.isArray(headerCode) ? headerCode[0] : headerCode;
  try {
    const json = JSON.parse(reply.body.toString('utf8')) as Partial<ApiErrorJson>;
    if (typeof json.Message === 'string') {
      const m = /^ErrorCode:([^;]*);(.*)$/s.exec(json.Message);
      message = m?.[2] ?? json.Message;
      code ??= m?.[1];
    }
    if (typeof json.errorCode === 'number') number = json.errorCode;
  } catch {
    if (reply.body.length > 0) message = reply.body.toString('utf8').slice(0, 500);
  }
  return new LocalHubApiError(message, reply.status, code, number);
}

function header(h: IncomingMessage['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

export class LocalHubClient {
  private readonly agent: Agent;
  private token: { value: string; renewAt: number } | undefined;
  private readonly hostname: string;
  private readonly port: number;

  /** `HostName=localhost:8443;SharedAccessKeyName=iothubowner;SharedAccessKey=...` (connection.json's hubConnectionString). */
  static fromConnectionString(connectionString: string, options: LocalHubClientOptions = {}): LocalHubClient {
    const cs = parseHubConnectionString(connectionString);
    return new LocalHubClient(cs.hostName, cs.sharedAccessKeyName, cs.sharedAccessKey, options);
  }

  constructor(
    /** `host[:port]` of the hub's HTTPS API. */
    readonly host: string,
    private readonly keyName: string,
    private readonly key: string,
    private readonly options: LocalHubClientOptions = {},
  ) {
    const m = /^(.*?)(?::(\d+))?$/.exec(host);
    this.hostname = m?.[1] ?? host;
    this.port = m?.[2] !== undefined ? Number(m[2]) : 443;
    const agentOptions: ConstructorParameters<typeof Agent>[0] = { keepAlive: true, maxSockets: 16 };
    if (options.ca !== undefined) agentOptions.ca = options.ca;
    this.agent = new Agent(agentOptions);
  }

  /** Releases pooled connections. */
  close(): void {
    this.agent.destroy();
  }

  /** The hub's host name without the port (what device SAS tokens name as their resource). */
  get hostName(): string {
    return this.hostname;
  }

  private authorization(): string {
    const now = Date.now();
    if (this.token === undefined || now >= this.token.renewAt) {
      const ttl = this.options.tokenTtlSeconds ?? 3600;
      const value = createSasToken({ resourceUri: this.host, key: this.key, keyName: this.keyName, expiresAtSeconds: Math.floor(now / 1000) + ttl });
      this.token = { value, renewAt: now + (ttl * 1000) / 2 };
    }
    return this.token.value;
  }

  private requestOptions(method: string, path: string, headers: Record<string, string | number>): RequestOptions {
    const sep = path.includes('?') ? '&' : '?';
    return {
      method,
      hostname: this.hostname,
      port: this.port,
      path: `${path}${sep}api-version=${API_VERSION}`,
      agent: this.agent,
      headers: { authorization: this.authorization(), ...headers },
    };
  }

  private send(method: string, path: string, body?: Uint8Array | string, headers: Record<string, string | number> = {}): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      const h = { ...headers };
      if (body !== undefined) h['content-length'] = Buffer.byteLength(body);
      const req = request(this.requestOptions(method, path, h), (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.setTimeout(this.options.timeoutMs ?? 30_000, () => req.destroy(Object.assign(
        new Error(`The local hub did not answer ${method} ${path} within ${this.options.timeoutMs ?? 30_000} ms.`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(body);
    });
  }

  private async json<T>(method: string, path: string, value?: unknown, headers: Record<string, string> = {}): Promise<{ value: T; headers: IncomingMessage['headers'] }> {
    const body = value === undefined ? undefined : JSON.stringify(value);
    const h: Record<string, string> = { accept: 'application/json', ...headers };
    if (body !== undefined) h['content-type'] = 'application/json; charset=utf-8';
    const reply = await this.send(method, path, body, h);
    if (reply.status >= 400) throw parseError(reply);
    const text = reply.body.toString('utf8');
    return { value: (text.length > 0 ? JSON.parse(text) : undefined) as T, headers: reply.headers };
  }

  private async noContent(method: string, path: string, headers: Record<string, string> = {}, body?: Uint8Array): Promise<void> {
    const reply = await this.send(method, path, body, headers);
    if (reply.status >= 400) throw parseError(reply);
  }

  // ------------------------------------------------------------ registry (IoT Hub REST shapes)

  async getDevice(deviceId: string): Promise<Device> {
    return (await this.json<Device>('GET', `/devices/${encodeURIComponent(deviceId)}`)).value;
  }

  /** A page of devices in id order; `filter` (part of an id, or `*`/`?`) is applied by the hub before paging. */
  async listDevices(page: DevicePageRequest = {}): Promise<Page<Device>> {
    const params = new URLSearchParams();
    if (page.pageSize !== undefined) params.set('top', String(page.pageSize));
    if (page.filter !== undefined && page.filter !== '') params.set('filter', page.filter);
    const q = params.size > 0 ? `?${params.toString()}` : '';
    const headers: Record<string, string> = {};
    if (page.continuationToken !== undefined) headers['x-ms-continuation'] = page.continuationToken;
    const r = await this.json<Device[]>('GET', `/devices${q}`, undefined, headers);
    const out: Page<Device> = { items: r.value };
    const next = header(r.headers, 'x-ms-continuation');
    if (next !== undefined && next !== '') out.continuationToken = next;
    return out;
  }

  /** Every device, page by page. */
  allDevices(pageSize = 100): AsyncGenerator<Device> {
    return everyItem((token) => this.listDevices(pageRequest(pageSize, token)));
  }

  async createDevice(input: DeviceCreate): Promise<Device> {
    const body: Record<string, unknown> = { deviceId: input.deviceId, status: input.status ?? 'enabled' };
    if (input.statusReason !== undefined) body['statusReason'] = input.statusReason;
    if (input.primaryKey !== undefined || input.secondaryKey !== undefined) {
      body['authentication'] = { type: 'sas', symmetricKey: { primaryKey: input.primaryKey ?? '', secondaryKey: input.secondaryKey ?? '' } };
    }
    // No If-Match: the hub answers 409 DeviceAlreadyExists rather than overwrite (as IoT Hub does).
    return (await this.json<Device>('PUT', `/devices/${encodeURIComponent(input.deviceId)}`, body)).value;
  }

  async updateDevice(deviceId: string, patch: DeviceUpdate, etag?: string): Promise<Device> {
    const body: Record<string, unknown> = { deviceId };
    if (patch.status !== undefined) body['status'] = patch.status;
    if (patch.statusReason !== undefined) body['statusReason'] = patch.statusReason;
    if (patch.primaryKey !== undefined || patch.secondaryKey !== undefined) {
      const sk: Record<string, string> = {};
      if (patch.primaryKey !== undefined) sk['primaryKey'] = patch.primaryKey;
      if (patch.secondaryKey !== undefined) sk['secondaryKey'] = patch.secondaryKey;
      body['authentication'] = { type: 'sas', symmetricKey: sk };
    }
    return (await this.json<Device>('PUT', `/devices/${encodeURIComponent(deviceId)}`, body, { 'if-match': etag === undefined ? '*' : `"${etag}"` })).value;
  }

  async deleteDevice(deviceId: string, etag?: string): Promise<void> {
    await this.noContent('DELETE', `/devices/${encodeURIComponent(deviceId)}`, { 'if-match': etag === undefined ? '*' : `"${etag}"` });
  }

  /** IoT Hub's purge: removes every queued C2D message of the device. */
  async purgeQueue(deviceId: string): Promise<PurgeResult> {
    return (await this.json<PurgeResult>('DELETE', `/devices/${encodeURIComponent(deviceId)}/commands`)).value;
  }

  // ------------------------------------------------------------ D2C (device side, IoT Hub's HTTPS API)

  /**
   * Sends one D2C message as the device (`POST /devices/{id}/messages/events`), authorised by the
   * device's own SAS token instead of this client's policy; `headers` carry the properties.
   */
  async sendDeviceEvent(deviceId: string, body: Uint8Array, headers: Record<string, string>, deviceToken: string): Promise<void> {
    await this.noContent('POST', `/devices/${encodeURIComponent(deviceId)}/messages/events`, { ...headers, authorization: deviceToken }, body);
  }

  // ------------------------------------------------------------ C2D (service side, /local/)

  async sendC2d(deviceId: string, message: C2dSendRequest): Promise<C2dMessageJson> {
    return (await this.json<C2dMessageJson>('POST', `/local/devices/${encodeURIComponent(deviceId)}/messages`, message)).value;
  }

  async peekQueue(deviceId: string): Promise<C2dMessageJson[]> {
    return (await this.json<C2dMessageJson[]>('GET', `/local/devices/${encodeURIComponent(deviceId)}/queue`)).value;
  }

  async readFeedback(afterBatchId?: number, max?: number): Promise<FeedbackBatch[]> {
    const q = new URLSearchParams();
    if (afterBatchId !== undefined) q.set('after', String(afterBatchId));
    if (max !== undefined) q.set('max', String(max));
    const qs = q.toString();
    return (await this.json<FeedbackBatch[]>('GET', `/local/feedback${qs ? `?${qs}` : ''}`)).value;
  }

  async acknowledgeFeedback(batchId: number): Promise<void> {
    await this.noContent('POST', `/local/feedback/${batchId}/ack`);
  }

  // ------------------------------------------------------------ device-facing HTTPS C2D (as the device)

  /**
   * The device-facing C2D calls authorise with this client's policy (it needs DeviceConnect), or
   * with `deviceToken`, the device's own SAS token (what an Azure IoT Hub client uses: src/hubs/azure).
   */
  async receiveC2d(deviceId: string, deviceToken?: string): Promise<ReceivedC2dMessage | undefined> {
    const reply = await this.send('GET', `/devices/${encodeURIComponent(deviceId)}/messages/deviceBound`, undefined, deviceAuth(deviceToken));
    if (reply.status === 204) return undefined;
    if (reply.status >= 400) throw parseError(reply);
    const h = reply.headers;
    const sys: SystemProperties = {};
    const map: Array<[keyof SystemProperties, string]> = [
      ['messageId', 'iothub-messageid'], ['correlationId', 'iothub-correlationid'], ['userId', 'iothub-userid'], ['to', 'iothub-to'],
      ['expiryTimeUtc', 'iothub-expiry'], ['ack', 'iothub-ack'], ['contentType', 'content-type'], ['contentEncoding', 'content-encoding'],
      ['creationTimeUtc', 'iothub-creation-time-utc'],
    ];
    for (const [key, name] of map) {
      const v = header(h, name);
      if (v !== undefined) sys[key] = v;
    }
    const app: ApplicationProperty[] = [];
    for (const [name, value] of Object.entries(h)) {
      if (name.startsWith('iothub-app-') && value !== undefined) app.push({ name: name.slice(11), value: Array.isArray(value) ? value.join(',') : value });
    }
    const etag = header(h, 'etag') ?? '';
    const out: ReceivedC2dMessage = {
      lockToken: etag.replace(/^"|"$/g, ''),
      sequenceNumber: Number(header(h, 'iothub-sequencenumber') ?? 0),
      deliveryCount: Number(header(h, 'iothub-deliverycount') ?? 0),
      systemProperties: sys,
      applicationProperties: app,
      body: reply.body,
    };
    const enq = header(h, 'iothub-enqueuedtime');
    if (enq !== undefined) out.enqueuedTime = enq;
    return out;
  }

  async completeC2d(deviceId: string, lockToken: string, deviceToken?: string): Promise<void> {
    await this.noContent('DELETE', `/devices/${encodeURIComponent(deviceId)}/messages/deviceBound/${encodeURIComponent(lockToken)}`, deviceAuth(deviceToken));
  }

  async rejectC2d(deviceId: string, lockToken: string, deviceToken?: string): Promise<void> {
    await this.noContent('DELETE', `/devices/${encodeURIComponent(deviceId)}/messages/deviceBound/${encodeURIComponent(lockToken)}?reject`, deviceAuth(deviceToken));
  }

  async abandonC2d(deviceId: string, lockToken: string, deviceToken?: string): Promise<void> {
    await this.noContent('POST', `/devices/${encodeURIComponent(deviceId)}/messages/deviceBound/${encodeURIComponent(lockToken)}/abandon`, deviceAuth(deviceToken));
  }

  // ------------------------------------------------------------ hub, consumer groups

  async info(): Promise<HubInfoJson> {
    return (await this.json<HubInfoJson>('GET', '/local/info')).value;
  }

  async listConsumerGroups(): Promise<string[]> {
    return (await this.json<string[]>('GET', '/local/consumergroups')).value;
  }

  async createConsumerGroup(name: string): Promise<void> {
    await this.json('PUT', `/local/consumergroups/${encodeURIComponent(name)}`);
  }

  async deleteConsumerGroup(name: string): Promise<void> {
    await this.noContent('DELETE', `/local/consumergroups/${encodeURIComponent(name)}`);
  }

  // ------------------------------------------------------------ message routing

  /** The whole routing configuration (routes, fallback route, custom endpoints, enrichments). */
  async getRouting(): Promise<RoutingConfigJson> {
    return (await this.json<RoutingConfigJson>('GET', '/local/routing')).value;
  }

  /** Replaces the whole routing configuration; a 400 lists every problem and changes nothing. */
  async setRouting(config: unknown): Promise<RoutingConfigJson> {
    return (await this.json<RoutingConfigJson>('PUT', '/local/routing', config)).value;
  }

  async setFallbackRoute(isEnabled: boolean): Promise<void> {
    await this.json('PUT', '/local/routing/fallback', { isEnabled });
  }

  /** Which routes and endpoints a message would take (nothing is stored). */
  async testRoutes(request: RouteTestRequest): Promise<RouteTestJson> {
    return (await this.json<RouteTestJson>('POST', '/local/routing/test', request)).value;
  }

  async listRoutes(): Promise<RouteJson[]> {
    return (await this.json<RouteJson[]>('GET', '/local/routes')).value;
  }

  /** Adds or changes a route (fields left out keep their value, or their default for a new route). */
  async putRoute(name: string, route: RoutePutRequest): Promise<RouteJson> {
    return (await this.json<RouteJson>('PUT', `/local/routes/${encodeURIComponent(name)}`, route)).value;
  }

  async deleteRoute(name: string): Promise<void> {
    await this.noContent('DELETE', `/local/routes/${encodeURIComponent(name)}`);
  }

  /** Every endpoint (built-in and custom) with its health and message counts. */
  async listEndpoints(): Promise<EndpointStatusJson[]> {
    return (await this.json<EndpointStatusJson[]>('GET', '/local/endpoints')).value;
  }

  async putEndpoint(name: string, endpoint: EndpointPutRequest): Promise<EndpointStatusJson> {
    return (await this.json<EndpointStatusJson>('PUT', `/local/endpoints/${encodeURIComponent(name)}`, endpoint)).value;
  }

  /** Refused (400) while a route or enrichment names the endpoint. */
  async deleteEndpoint(name: string): Promise<void> {
    await this.noContent('DELETE', `/local/endpoints/${encodeURIComponent(name)}`);
  }

  async putEnrichment(key: string, enrichment: { value: string; endpointNames: string[] }): Promise<EnrichmentJson> {
    return (await this.json<EnrichmentJson>('PUT', `/local/enrichments/${encodeURIComponent(key)}`, enrichment)).value;
  }

  async deleteEnrichment(key: string): Promise<void> {
    await this.noContent('DELETE', `/local/enrichments/${encodeURIComponent(key)}`);
  }

  // ------------------------------------------------------------ event streams (SSE)

  /** Registry, C2D queue and routing-changed events as they happen (for an evented tree). */
  subscribe(listener: (event: HubEvent) => void, onError?: (error: Error) => void): Subscription {
    return this.sse('/local/events', (name, data) => {
      if (name === 'registry') listener({ kind: 'registry', event: data as RegistryEventJson });
      else if (name === 'queue') listener({ kind: 'queue', event: data as QueueEventJson });
      else if (name === 'routing') listener({ kind: 'routing' });
      else if (name === 'reset') listener({ kind: 'reset', reason: String((data as { reason?: unknown }).reason ?? 'events were missed') });
    }, onError);
  }

  /** D2C events from `from` on, following new ones. */
  tailD2c(options: TailOptions, listener: (event: D2cEventJson) => void, onError?: (error: Error) => void): Subscription {
    const q = new URLSearchParams();
    if (options.partition !== undefined) q.set('partition', String(options.partition));
    if (options.from !== undefined) q.set('from', String(options.from));
    return this.sse(`/local/d2c/tail?${q.toString()}`, (name, data) => {
      if (name === 'd2c') listener(data as D2cEventJson);
      else if (name === 'error') onError?.(new Error(String((data as { message?: unknown }).message ?? 'D2C tail failed')));
    }, onError);
  }

  /**
   * One Server-Sent Events stream. Once connected it stays connected: when the stream drops, it
   * reconnects (0.25 s, doubling to 5 s) with the last event id it saw, so the hub continues where
   * it left off (or says `reset`). `onError` hears each drop and a refusal; a refused first
   * connection (or a 4xx later) ends the subscription, as retrying cannot fix it.
   */
  private sse(path: string, onEvent: (name: string, data: unknown) => void, onError?: (error: Error) => void): Subscription {
    let closed = false;
    let lastEventId: string | undefined;
    let current: ReturnType<typeof request> | undefined;
    let retry: NodeJS.Timeout | undefined;
    let delay = RECONNECT_MIN_MS;
    let settle: { resolve: () => void; reject: (e: Error) => void } | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    // A subscription nobody awaits must not crash the process with an unhandled rejection.
    ready.catch(() => undefined);
    const report = (e: Error): void => {
      if (!closed) onError?.(e);
    };
    const giveUp = (e: Error): void => {
      settle?.reject(e);
      settle = undefined;
      report(e);
      closed = true;
    };
    const connect = (): void => {
      let done = false;
      const lost = (e: Error): void => {
        if (done || closed) return;
        done = true;
        // Never connected: the caller hears it through `ready` and decides.
        if (settle !== undefined) return giveUp(e);
        report(e);
        retry = setTimeout(connect, delay);
        // Waiting to reconnect is not work: a process with nothing else to do may exit.
        retry.unref();
        delay = Math.min(delay * 2, RECONNECT_MAX_MS);
      };
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
      const req = request(this.requestOptions('GET', path, headers), (res) => {
        if ((res.statusCode ?? 0) >= 400) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            done = true;
            giveUp(parseError({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          });
          return;
        }
        settle?.resolve();
        settle = undefined;
        delay = RECONNECT_MIN_MS;
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let sep: number;
          while ((sep = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, sep);
            buffer = buffer.slice(sep + 2);
            let name = 'message';
            const data: string[] = [];
            for (const line of frame.split('\n')) {
              if (line.startsWith(':')) continue;
              if (line.startsWith('event:')) name = line.slice(6).trim();
              else if (line.startsWith('id:')) lastEventId = line.slice(3).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
            }
            if (data.length === 0 || closed) continue;
            try {
              onEvent(name, JSON.parse(data.join('\n')) as unknown);
            } catch (e) {
              onError?.(toError(e));
            }
          }
        });
        res.on('end', () => lost(new Error('The local hub closed the event stream; reconnecting.')));
        res.on('error', (e) => lost(e));
        res.on('close', () => lost(new Error('The event stream was interrupted; reconnecting.')));
      });
      req.on('error', (e) => lost(e));
      req.end();
      current = req;
    };
    connect();
    return {
      ready,
      close(): void {
        closed = true;
        clearTimeout(retry);
        current?.destroy();
      },
    };
  }
}

/** Headers that replace the policy token with a device's own SAS token, when one is given. */
function deviceAuth(deviceToken: string | undefined): Record<string, string> {
  return deviceToken === undefined ? {} : { authorization: deviceToken };
}
