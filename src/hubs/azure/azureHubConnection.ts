// An Azure IoT Hub behind the HubConnection interface, over the official service SDK: `Registry`
// for devices (listed through the query API, page by page with its continuation), `Client` for C2D
// (AMQP) and its feedback receiver, IoT Hub's REST API for purge and the device HTTPS API for
// receiving C2D as a device. Connection strings and SAS tokens are made here from keys; nothing
// secret leaves through a listed device, an event, a log line or an error message.
//
// Azure differs from the local hub in what it lets a client see, and says so through
// `capabilities`: queue contents are private (depth only, from cloudToDeviceMessageCount), feedback
// is consumed by whoever receives it (so the receiver starts only when the user asks for feedback
// or sends a message that asks for it, and keeps what this window received), consumer groups are
// managed in Azure (ARM), and there is no event stream: changes made through this connection are
// reported as they are made, everything else on Refresh.
// The SDK (./sdkClients with azure-iothub) is loaded on the first request, not when the extension
// activates (a lazy module, scripts/build.mjs).
import { randomBytes, randomUUID } from 'node:crypto';
import type { Client, Registry } from 'azure-iothub';
import { formatDeviceConnectionString, parseHubConnectionString, type HubConnectionString } from '../../core/auth/connectionString';
import { createSasToken, resourceUriForDevice } from '../../core/auth/sas';
import { computeSize } from '../../core/message/size';
import { SENDER_SYSTEM_PROPERTIES, type IotMessage, type SystemProperties, type SystemPropertyName } from '../../core/message/model';
import { LocalHubClient, type ReceivedC2dMessage } from '../../hub/client/localHubClient';
import { LocalHubSender, type MessageSender, type SentMessage } from '../../hub/client/messageSender';
import type { DeviceStatus, Page } from '../../hub/contracts';
import { fillPage, pageOf } from '../../hub/paging';
import { compileDeviceFilter } from '../deviceFilter';
import {
  HubRequestError, type C2dSettlement, type DeviceAuthType, type DeviceKeys, type DeviceListRequest, type DeviceMqttEndpoint,
  type Disposable, type EventHubsEndpoint, type FeedbackRecordView, type HubCapabilities, type HubChange, type HubConnection,
  type HubDevice, type HubStatus, type KeyName, type QueuedC2dMessage,
} from '../hubConnection';
import { HubStatusCell, Listeners } from '../listeners';
import { toAzureHubError } from './azureErrors';
import { resolveEventHubsEndpoint } from './eventHubsRedirect';
import { errorText } from '../../core/errorText';
import type { LocalTrust } from './sdkClients';

type SdkClients = typeof import('./sdkClients');

export const AZURE_HUB_ID_PREFIX = 'azure:';
const DEFAULT_PAGE_SIZE = 100;
/** Query pages read while filtering: IoT Hub's maximum page, so a filter over 10,000 devices takes ten requests. */
const FILTER_SCAN_PAGE = 1000;
/** A request that has not answered by then is reported (the SDK's HTTP layer has no timeout of its own). */
const DEFAULT_TIMEOUT_MS = 30_000;
/** Feedback records kept for the Feedback node (what this window received). */
const FEEDBACK_KEPT = 1000;
/** Device tokens made for one request live this long. */
const DEVICE_TOKEN_TTL_SECONDS = 300;
/**
 * How each C2D system property travels over IoT Hub's service AMQP (what Microsoft's service SDKs
 * send): `user-id` as AMQP `user_id` (the Node SDK drops it; sdkClients.ts mends that), the creation
 * time as the application property `iothub-creation-time-utc`, the subject (MQTT `$.sub`, the
 * component) as the message annotation `dt-subject` (the Node SDK's own mapping for a `dt-subject`
 * property). `to` is not the sender's: IoT Hub addresses every C2D message to
 * `/devices/{id}/messages/devicebound` (documented as not user-settable, and the SDK's transport
 * overwrites it), so any other value is reported as not carried.
 */
const CREATION_TIME_PROPERTY = 'iothub-creation-time-utc';
const SUBJECT_PROPERTY = 'dt-subject';

export interface AzureHubOptions {
  /** The IoT Hub connection string (HostName, SharedAccessKeyName, SharedAccessKey): a secret. */
  connectionString: string;
  /** The Event Hubs-compatible connection string when the user gave one (otherwise resolved through the redirect). */
  eventHubsConnectionString?: string;
  /** Read D2C over AMQP over WebSocket on 443 (for networks that block 5671). */
  webSockets?: boolean;
  /** Consumer groups the user named for this hub besides `$Default` (Azure lists them only through ARM). */
  consumerGroups?: string[];
  /** Test-only: a local hub standing in for Azure (never from a user setting). */
  localTrust?: LocalTrust;
  timeoutMs?: number;
  /** Hears background failures (feedback receiver); never given a secret. */
  log?: (line: string) => void;
}

/** IoT Hub's query results are twins; the registry's `get` returns devices: both become a HubDevice. */
interface DeviceOrTwinJson {
  deviceId?: string;
  generationId?: string;
  etag?: string;
  deviceEtag?: string;
  status?: string;
  statusReason?: string;
  statusUpdatedTime?: string;
  statusUpdateTime?: string;
  connectionState?: string;
  connectionStateUpdatedTime?: string;
  lastActivityTime?: string;
  cloudToDeviceMessageCount?: number | string;
  authenticationType?: string;
  authentication?: { type?: string; symmetricKey?: { primaryKey?: string; secondaryKey?: string } };
}

function time(v: string | undefined): string | undefined {
  return v === undefined || v === '' || v.startsWith('0001-01-01') ? undefined : v;
}

function authType(v: string | undefined): DeviceAuthType {
  return v === 'selfSigned' || v === 'certificateAuthority' || v === 'none' ? v : 'sas';
}

export function azureDeviceToHubDevice(d: DeviceOrTwinJson): HubDevice {
  const out: HubDevice = {
    deviceId: d.deviceId ?? '',
    generationId: d.generationId ?? '',
    // A twin's own etag is the twin's; the device's is `deviceEtag`.
    etag: d.deviceEtag ?? d.etag ?? '',
    status: d.status?.toLowerCase() === 'disabled' ? 'disabled' : 'enabled',
    connectionState: d.connectionState === 'Connected' ? 'Connected' : 'Disconnected',
    cloudToDeviceMessageCount: Number(d.cloudToDeviceMessageCount ?? 0) || 0,
    authType: authType(d.authenticationType ?? d.authentication?.type),
  };
  const set = <K extends keyof HubDevice>(k: K, v: HubDevice[K] | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  if (d.statusReason !== undefined && d.statusReason !== null && d.statusReason !== '') out.statusReason = d.statusReason;
  set('statusUpdatedTime', time(d.statusUpdatedTime ?? d.statusUpdateTime));
  set('connectionStateUpdatedTime', time(d.connectionStateUpdatedTime));
  set('lastActivityTime', time(d.lastActivityTime));
  return out;
}

/** The hub's id in the tree and in storage: stable for one host name. */
export function azureHubId(hostName: string): string {
  return `${AZURE_HUB_ID_PREFIX}${hostName.toLowerCase()}`;
}

function isFeedbackStatus(s: unknown): s is FeedbackRecordView['statusCode'] {
  return s === 'Success' || s === 'Expired' || s === 'DeliveryCountExceeded' || s === 'Rejected' || s === 'Purged';
}

/** Body of a feedback message (`application/vnd.microsoft.iothub.feedback.json`): a JSON array of records. */
export function parseFeedbackBody(body: Buffer | string): FeedbackRecordView[] {
  const parsed: unknown = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  const list = Array.isArray(parsed) ? parsed : [parsed];
  const out: FeedbackRecordView[] = [];
  for (const r of list as Array<Record<string, unknown>>) {
    const statusCode = r['statusCode'] ?? r['StatusCode'];
    if (!isFeedbackStatus(statusCode)) continue;
    out.push({
      originalMessageId: String(r['originalMessageId'] ?? r['OriginalMessageId'] ?? ''),
      deviceId: String(r['deviceId'] ?? r['DeviceId'] ?? ''),
      statusCode,
      description: String(r['description'] ?? r['Description'] ?? ''),
      enqueuedTimeUtc: String(r['enqueuedTimeUtc'] ?? r['EnqueuedTimeUtc'] ?? ''),
    });
  }
  return out;
}

/** Rejects with `onAbort()` when `signal` aborts, with a timeout error after `ms`; the work itself may finish later unseen. */
function guard<T>(work: Promise<T>, ms: number, onTimeout: () => Error, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    const abort = (): void => reject(new HubRequestError('Cancelled.', 'failed'));
    if (signal?.aborted === true) abort();
    signal?.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
    });
  });
}

interface DeviceJsonForUpdate {
  deviceId: string;
  status?: string;
  statusReason?: string;
  etag?: string;
  authentication?: { type?: string; symmetricKey?: { primaryKey?: string; secondaryKey?: string } };
  [key: string]: unknown;
}

export class AzureHubConnection implements HubConnection {
  readonly id: string;
  readonly kind = 'azure' as const;
  readonly label: string;
  readonly hostName: string;
  readonly capabilities: HubCapabilities = { queuePeek: false, feedbackHistory: false, manageConsumerGroups: false, lifecycle: false };
  private readonly cs: HubConnectionString;
  private sdkLoading: Promise<SdkClients> | undefined;
  private registryOpening: Promise<{ registry: Registry; dispose(): void }> | undefined;
  /** The registry REST client of IoT Hub's device-facing HTTPS API and purge (the SDK has neither). */
  private readonly rest: LocalHubClient;
  private client: Client | undefined;
  private clientOpening: Promise<Client> | undefined;
  private feedbackStarting: Promise<void> | undefined;
  private readonly feedback: FeedbackRecordView[] = [];
  private readonly statusCell = new HubStatusCell({ state: 'starting' });
  private readonly changeListeners = new Listeners<HubChange>();
  private disposed = false;
  readonly sender: MessageSender;

  constructor(private readonly options: AzureHubOptions) {
    // Throws ConnectionStringError with a message naming the field: the Add command shows it.
    this.cs = parseHubConnectionString(options.connectionString);
    if (this.cs.hostName.includes(':')) {
      throw new HubRequestError(`The connection string's HostName '${this.cs.hostName}' has a port; IoT Hub's service SDK always uses the standard ports (443, 5671).`, 'invalid');
    }
    this.hostName = this.cs.hostName;
    this.id = azureHubId(this.hostName);
    this.label = this.hostName;
    const restHost = options.localTrust?.restPort !== undefined ? `${this.hostName}:${options.localTrust.restPort}` : this.hostName;
    const restOptions: ConstructorParameters<typeof LocalHubClient>[3] = { timeoutMs: this.timeoutMs };
    if (options.localTrust !== undefined) restOptions.ca = options.localTrust.ca;
    this.rest = new LocalHubClient(restHost, this.cs.sharedAccessKeyName, this.cs.sharedAccessKey, restOptions);
    const d2c = new LocalHubSender(this.rest);
    this.sender = {
      // D2C through the device HTTPS API with the device's own token (LocalHubSender does exactly IoT Hub's calls).
      sendD2c: async (deviceId, message) => {
        try {
          return this.ok(await d2c.sendD2c(deviceId, message));
        } catch (e) {
          throw this.fail(e, `Send D2C as '${deviceId}'`);
        }
      },
      sendC2d: (deviceId, message) => this.sendC2d(deviceId, message),
    };
  }

  /** The SDK's module, loaded once, on first use. */
  private sdk(): Promise<SdkClients> {
    this.sdkLoading ??= import('./sdkClients');
    return this.sdkLoading;
  }

  /** The SDK's `Registry`, made on first use. */
  private async registry(): Promise<Registry> {
    this.registryOpening ??= this.sdk().then((sdk) => sdk.createRegistry(this.options.connectionString, this.options.localTrust));
    return (await this.registryOpening).registry;
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  get status(): HubStatus {
    return this.statusCell.current;
  }

  /** Whether the user chose WebSockets for this hub's D2C reading. */
  get webSockets(): boolean {
    return this.options.webSockets === true;
  }

  private setStatus(status: HubStatus): void {
    this.statusCell.set(status);
  }

  onDidChangeStatus(listener: (status: HubStatus) => void): Disposable {
    return this.statusCell.onDidChange(listener);
  }

  onDidChange(listener: (change: HubChange) => void): Disposable {
    return this.changeListeners.add(listener);
  }

  describe(): string[] {
    const lines = [
      `Azure IoT Hub \`${this.hostName}\` (policy \`${this.cs.sharedAccessKeyName}\`)`,
      'C2D queue contents are private on Azure: the tree shows each queue\'s depth only.',
      this.feedbackStarting === undefined
        ? 'Feedback: read when you open the Feedback node or send a message that asks for it (Azure hands each record to one receiver).'
        : 'Feedback: what this window has received (Azure hands each record to one receiver).',
    ];
    if (this.options.webSockets === true) lines.push('D2C monitoring over AMQP over WebSocket (port 443).');
    return lines;
  }

  /** One registry call: proves the host resolves, the key is right and the policy may read the registry. */
  async open(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.setStatus({ state: 'starting' });
    try {
      await guard(this.queryPage(1), this.timeoutMs, () => new HubRequestError(`Connect to ${this.hostName}: no answer within ${this.timeoutMs / 1000} s. Check the network (port 443).`, 'unreachable'), options.signal);
      this.setStatus({ state: 'running' });
    } catch (e) {
      const error = toAzureHubError(e, `Connect to ${this.hostName}`, this.hostName);
      this.setStatus({ state: 'failed', message: error.message });
      throw error;
    }
  }

  /** A call that worked: the hub is reachable. */
  private ok<T>(value: T): T {
    if (this.statusCell.current.state !== 'running') this.setStatus({ state: 'running' });
    return value;
  }

  /** A call that failed: as a HubRequestError; a hub that cannot be reached shows as failed. */
  private fail(e: unknown, what: string): HubRequestError {
    const error = toAzureHubError(e, what, this.hostName);
    if (error.kind === 'unreachable' || error.kind === 'unauthorized') this.setStatus({ state: 'failed', message: error.message });
    return error;
  }

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    if (this.disposed) throw new HubRequestError(`${what}: the hub ${this.hostName} was removed.`, 'hub-stopped');
    try {
      return this.ok(await guard(run(), this.timeoutMs, () => new HubRequestError(`${what}: ${this.hostName} did not answer within ${this.timeoutMs / 1000} s. Check the network and try again.`, 'unreachable')));
    } catch (e) {
      throw this.fail(e, what);
    }
  }

  private fire(change: HubChange): void {
    this.changeListeners.fire(change);
  }

  // ---------------------------------------------------------------- registry

  private async queryPage(pageSize: number, continuationToken?: string): Promise<Page<HubDevice>> {
    const query = (await this.registry()).createQuery('SELECT * FROM devices', pageSize);
    const { result } = await (continuationToken === undefined ? query.next() : query.next(continuationToken));
    const next = query.continuationToken;
    return pageOf((result as DeviceOrTwinJson[]).map(azureDeviceToHubDevice), query.hasMoreResults && typeof next === 'string' ? next : undefined);
  }

  listDevices(request: DeviceListRequest = {}): Promise<Page<HubDevice>> {
    const pageSize = request.pageSize ?? DEFAULT_PAGE_SIZE;
    return this.call('List devices', async () => {
      if (request.filter === undefined || request.filter.trim() === '') return this.queryPage(pageSize, request.continuationToken);
      // IoT Hub's query language has no wildcard match: scan large pages and keep matches until a
      // page's worth is found (a page may hold a few more; the continuation stays IoT Hub's own).
      const filter = compileDeviceFilter(request.filter);
      return fillPage((token) => this.queryPage(FILTER_SCAN_PAGE, token), (d) => (filter.matches(d.deviceId) ? d : undefined), pageSize, request.continuationToken);
    });
  }

  private async rawDevice(deviceId: string): Promise<DeviceJsonForUpdate> {
    return (await (await this.registry()).get(deviceId)).responseBody as unknown as DeviceJsonForUpdate;
  }

  async getDevice(deviceId: string): Promise<HubDevice | undefined> {
    try {
      return await this.call(`Get device '${deviceId}'`, async () => azureDeviceToHubDevice(await this.rawDevice(deviceId)));
    } catch (e) {
      if (e instanceof HubRequestError && e.kind === 'device-not-found') return undefined;
      throw e;
    }
  }

  createDevice(deviceId: string, options: { status?: DeviceStatus; statusReason?: string } = {}): Promise<HubDevice> {
    return this.call(`Create device '${deviceId}'`, async () => {
      const body: { deviceId: string; status: DeviceStatus; statusReason?: string } = { deviceId, status: options.status ?? 'enabled' };
      if (options.statusReason !== undefined) body.statusReason = options.statusReason;
      // No keys given: the SDK sends empty ones and IoT Hub generates both.
      const created = azureDeviceToHubDevice((await (await this.registry()).create(body)).responseBody as unknown as DeviceOrTwinJson);
      this.fire({ kind: 'device', device: created });
      return created;
    });
  }

  /**
   * Changes a device by read-modify-write: IoT Hub's PUT replaces the whole device, so the keys and
   * everything else are sent back as read. The SDK's update always sends `If-Match: *`, so `etag`
   * is checked against what was just read.
   */
  private async modify(deviceId: string, etag: string | undefined, change: (d: DeviceJsonForUpdate) => void): Promise<HubDevice> {
    const current = await this.rawDevice(deviceId);
    if (etag !== undefined && current.etag !== undefined && current.etag.replace(/^"|"$/g, '') !== etag.replace(/^"|"$/g, '')) {
      throw new HubRequestError(`Device '${deviceId}' changed meanwhile (its etag no longer matches). Refresh and try again.`, 'changed-meanwhile');
    }
    change(current);
    const updated = azureDeviceToHubDevice((await (await this.registry()).update(current as never)).responseBody as unknown as DeviceOrTwinJson);
    this.fire({ kind: 'device', device: updated });
    return updated;
  }

  setDeviceStatus(deviceId: string, status: DeviceStatus, statusReason?: string, etag?: string): Promise<HubDevice> {
    return this.call(`${status === 'enabled' ? 'Enable' : 'Disable'} device '${deviceId}'`, () => this.modify(deviceId, etag, (d) => {
      d.status = status;
      d.statusReason = statusReason ?? '';
    }));
  }

  regenerateKey(deviceId: string, which: KeyName): Promise<HubDevice> {
    return this.call(`Regenerate the ${which} key of '${deviceId}'`, () => this.modify(deviceId, undefined, (d) => {
      if (d.authentication?.type !== undefined && d.authentication.type !== 'sas') {
        throw new HubRequestError(`Device '${deviceId}' authenticates with X.509 (${d.authentication.type}); it has no keys to regenerate.`, 'unsupported');
      }
      const keys = { ...(d.authentication?.symmetricKey ?? {}) };
      keys[which === 'primary' ? 'primaryKey' : 'secondaryKey'] = randomBytes(32).toString('base64');
      d.authentication = { ...(d.authentication ?? {}), type: 'sas', symmetricKey: keys };
    }));
  }

  deleteDevice(deviceId: string, etag?: string): Promise<void> {
    return this.call(`Delete device '${deviceId}'`, async () => {
      if (etag !== undefined) {
        const current = await this.rawDevice(deviceId);
        if (current.etag !== undefined && current.etag.replace(/^"|"$/g, '') !== etag.replace(/^"|"$/g, '')) {
          throw new HubRequestError(`Device '${deviceId}' changed meanwhile (its etag no longer matches). Refresh and try again.`, 'changed-meanwhile');
        }
      }
      await (await this.registry()).delete(deviceId);
      this.fire({ kind: 'deviceDeleted', deviceId });
    });
  }

  deviceKeys(deviceId: string): Promise<DeviceKeys> {
    return this.call(`Read the keys of '${deviceId}'`, async () => {
      const d = await this.rawDevice(deviceId);
      const k = d.authentication?.symmetricKey;
      if (d.authentication?.type !== undefined && d.authentication.type !== 'sas') {
        throw new HubRequestError(`Device '${deviceId}' authenticates with X.509 (${d.authentication.type}); it has no symmetric keys.`, 'unsupported');
      }
      return { primaryKey: k?.primaryKey ?? '', secondaryKey: k?.secondaryKey ?? '' };
    });
  }

  private async key(deviceId: string, which: KeyName): Promise<string> {
    const keys = await this.deviceKeys(deviceId);
    const key = which === 'primary' ? keys.primaryKey : keys.secondaryKey;
    if (key === '') throw new HubRequestError(`Device '${deviceId}' has no ${which} key.`, 'unsupported');
    return key;
  }

  async deviceConnectionString(deviceId: string, which: KeyName = 'primary'): Promise<string> {
    return formatDeviceConnectionString({ hostName: this.hostName, deviceId, sharedAccessKey: await this.key(deviceId, which) });
  }

  async deviceSasToken(deviceId: string, lifetimeSeconds: number, which: KeyName = 'primary'): Promise<string> {
    const key = await this.key(deviceId, which);
    return createSasToken({ resourceUri: resourceUriForDevice(this.hostName, deviceId), key, expiresAtSeconds: Math.floor(Date.now() / 1000) + lifetimeSeconds });
  }

  // ---------------------------------------------------------------- C2D, service side

  /** The service Client, opened once and kept (AMQP to 5671); a failed open is retried on the next use. */
  private serviceClient(): Promise<Client> {
    if (this.client !== undefined) return Promise.resolve(this.client);
    if (this.clientOpening !== undefined) return this.clientOpening;
    const opening = (async (): Promise<Client> => {
      const trust = this.options.localTrust;
      const { createServiceClient, NoRetry } = await this.sdk();
      const client = createServiceClient(this.options.connectionString, trust === undefined ? {} : { trust });
      // The SDK retries a failed open for up to 4 minutes; a user waiting on a send wants the reason now.
      client.setRetryPolicy(new NoRetry());
      client.on('disconnect', () => {
        if (this.client === client) this.client = undefined;
        if (this.feedbackStarting !== undefined) {
          this.feedbackStarting = undefined;
          this.options.log?.(`Azure IoT Hub ${this.hostName}: the AMQP connection closed; feedback resumes on the next send or refresh.`);
        }
      });
      try {
        await guard(client.open(), this.timeoutMs, () => new HubRequestError(`${this.hostName} did not answer on port 5671 (AMQP) within ${this.timeoutMs / 1000} s. A firewall may block it.`, 'unreachable'));
      } catch (e) {
        void client.close().catch(() => undefined);
        throw e;
      }
      if (this.disposed) {
        void client.close().catch(() => undefined);
        throw new HubRequestError(`The hub ${this.hostName} was removed.`, 'hub-stopped');
      }
      this.client = client;
      return client;
    })();
    this.clientOpening = opening;
    void opening.finally(() => {
      if (this.clientOpening === opening) this.clientOpening = undefined;
    }).catch(() => undefined);
    return opening;
  }

  private async sendC2d(deviceId: string, message: IotMessage): Promise<SentMessage> {
    const what = `Send C2D to '${deviceId}'`;
    if (message.moduleId !== undefined && message.moduleId !== '') {
      throw new HubRequestError(`${what}: the message is for module '${message.moduleId}'; IoT Hub's C2D queue belongs to the device. Remove moduleId.`, 'unsupported');
    }
    const { Message, userIdCarried } = await this.sdk();
    const systemProperties: SystemProperties = {};
    const notCarried: SystemPropertyName[] = [];
    const address = `/devices/${encodeURIComponent(deviceId)}/messages/devicebound`;
    for (const [key, value] of Object.entries(message.systemProperties) as Array<[SystemPropertyName, string | undefined]>) {
      if (value === undefined) continue;
      const carried = SENDER_SYSTEM_PROPERTIES.includes(key)
        && (key !== 'to' || value === address || value === `/devices/${deviceId}/messages/devicebound`)
        && (key !== 'userId' || userIdCarried);
      if (carried) systemProperties[key] = value;
      else notCarried.push(key);
    }
    const messageIdAssigned = systemProperties.messageId === undefined || systemProperties.messageId === '';
    if (messageIdAssigned) systemProperties.messageId = randomUUID();
    const m = new Message(Buffer.from(message.body));
    m.messageId = systemProperties.messageId!;
    if (systemProperties.correlationId !== undefined) m.correlationId = systemProperties.correlationId;
    if (systemProperties.contentType !== undefined) m.contentType = systemProperties.contentType as 'application/json';
    if (systemProperties.contentEncoding !== undefined) m.contentEncoding = systemProperties.contentEncoding as 'utf-8';
    if (systemProperties.ack !== undefined) m.ack = systemProperties.ack;
    if (systemProperties.userId !== undefined) m.userId = systemProperties.userId;
    if (systemProperties.expiryTimeUtc !== undefined) {
      const at = new Date(systemProperties.expiryTimeUtc);
      if (Number.isNaN(at.getTime())) throw new HubRequestError(`${what}: expiryTimeUtc '${systemProperties.expiryTimeUtc}' is not a date and time.`, 'invalid');
      // A number (ms since the epoch): rhea encodes an AMQP timestamp from it (the SDK samples do the same).
      m.expiryTimeUtc = at.getTime();
    }
    // The creation time and the subject travel as properties too (see CREATION_TIME_PROPERTY): the SDK
    // turns a property named dt-subject into the message annotation IoT Hub reads the component from.
    const properties = [...message.applicationProperties];
    if (systemProperties.creationTimeUtc !== undefined) properties.push({ name: CREATION_TIME_PROPERTY, value: systemProperties.creationTimeUtc });
    if (systemProperties.subject !== undefined) properties.push({ name: SUBJECT_PROPERTY, value: systemProperties.subject });
    const seen = new Set<string>();
    for (const { name, value } of properties) {
      if (name === '') throw new HubRequestError(`${what}: an application property has an empty name.`, 'invalid');
      // AMQP application properties are a map: a second name differing only in case would be lost or refused.
      if (seen.has(name.toLowerCase())) {
        const clash = name === CREATION_TIME_PROPERTY ? ' (the creation time travels under that name)' : name === SUBJECT_PROPERTY ? ' (the subject travels under that name)' : '';
        throw new HubRequestError(`${what}: application property '${name}' appears twice${clash} (IoT Hub compares names ignoring case).`, 'invalid');
      }
      seen.add(name.toLowerCase());
      m.properties.add(name, value);
    }
    const wantsFeedback = systemProperties.ack !== undefined && systemProperties.ack !== 'none';
    if (wantsFeedback) void this.startFeedback();
    await this.call(what, async () => {
      const client = await this.serviceClient();
      await client.send(deviceId, m);
    });
    // The depth is read in the background: Azure updates cloudToDeviceMessageCount on its own time
    // and the send should not wait on another round trip.
    void this.rawDevice(deviceId).then(
      (d) => this.fire({ kind: 'queue', deviceId, depth: azureDeviceToHubDevice(d).cloudToDeviceMessageCount }),
      () => undefined,
    );
    const out: SentMessage = {
      direction: 'c2d', deviceId, messageId: systemProperties.messageId!, messageIdAssigned,
      sizeBytes: computeSize({ ...message, systemProperties }, 'c2d').total, notCarried,
    };
    if (systemProperties.expiryTimeUtc !== undefined) out.expiryTimeUtc = systemProperties.expiryTimeUtc;
    return out;
  }

  peekQueue(deviceId: string): Promise<QueuedC2dMessage[]> {
    return Promise.reject(new HubRequestError(`Read the C2D queue of '${deviceId}': Azure IoT Hub keeps queued messages private; only the queue's depth can be read.`, 'unsupported'));
  }

  purgeQueue(deviceId: string): Promise<number> {
    return this.call(`Purge the C2D queue of '${deviceId}'`, async () => {
      // Not in the SDK's public API: IoT Hub's REST call DELETE /devices/{id}/commands.
      const count = (await this.rest.purgeQueue(deviceId)).totalMessagesPurged;
      this.fire({ kind: 'purged', deviceId, count });
      this.fire({ kind: 'queue', deviceId, depth: 0 });
      return count;
    });
  }

  /** Starts the feedback receiver once (see the file header for why not at once). */
  private startFeedback(): Promise<void> {
    if (this.feedbackStarting !== undefined) return this.feedbackStarting;
    const starting = (async (): Promise<void> => {
      const client = await this.serviceClient();
      const { result: receiver } = await client.getFeedbackReceiver() as unknown as { result: { on(event: 'message', l: (m: { data: Buffer | string }) => void): void; on(event: 'error', l: (e: Error) => void): void } };
      receiver.on('message', (msg) => {
        let records: FeedbackRecordView[];
        try {
          records = parseFeedbackBody(msg.data);
        } catch (e) {
          this.options.log?.(`Azure IoT Hub ${this.hostName}: a feedback message could not be read: ${errorText(e)}`);
          return;
        }
        if (records.length === 0) return;
        this.feedback.unshift(...[...records].reverse());
        this.feedback.splice(FEEDBACK_KEPT);
        this.fire({ kind: 'feedback', records });
      });
      receiver.on('error', (e) => this.disposed || this.options.log?.(`Azure IoT Hub ${this.hostName}: feedback receiver: ${toAzureHubError(e, 'Feedback', this.hostName).message}`));
    })();
    this.feedbackStarting = starting;
    starting.catch((e: unknown) => {
      if (this.feedbackStarting === starting) this.feedbackStarting = undefined;
      this.options.log?.(`Azure IoT Hub ${this.hostName}: ${toAzureHubError(e, 'Start the feedback receiver', this.hostName).message}`);
    });
    return starting;
  }

  async recentFeedback(max = 100): Promise<FeedbackRecordView[]> {
    await this.call('Read feedback', () => this.startFeedback());
    return this.feedback.slice(0, max);
  }

  // ---------------------------------------------------------------- C2D, as the device

  private async deviceToken(deviceId: string): Promise<string> {
    const keys = await this.deviceKeys(deviceId);
    const key = keys.primaryKey || keys.secondaryKey;
    if (key === '') throw new HubRequestError(`Device '${deviceId}' has no symmetric key, so it cannot be acted as here (X.509 devices need their certificate).`, 'unsupported');
    return createSasToken({ resourceUri: resourceUriForDevice(this.hostName, deviceId), key, expiresAtSeconds: Math.floor(Date.now() / 1000) + DEVICE_TOKEN_TTL_SECONDS });
  }

  receiveC2dAsDevice(deviceId: string): Promise<ReceivedC2dMessage | undefined> {
    return this.call(`Receive C2D as '${deviceId}'`, async () => this.rest.receiveC2d(deviceId, await this.deviceToken(deviceId)));
  }

  settleC2dAsDevice(deviceId: string, lockToken: string, outcome: C2dSettlement): Promise<void> {
    return this.call(`${outcome[0]?.toUpperCase()}${outcome.slice(1)} the C2D message of '${deviceId}'`, async () => {
      const token = await this.deviceToken(deviceId);
      switch (outcome) {
        case 'complete': return this.rest.completeC2d(deviceId, lockToken, token);
        case 'reject': return this.rest.rejectC2d(deviceId, lockToken, token);
        case 'abandon': return this.rest.abandonC2d(deviceId, lockToken, token);
      }
    });
  }

  // ---------------------------------------------------------------- Event Hubs-compatible endpoint

  async listConsumerGroups(): Promise<string[]> {
    const names = ['$Default', ...(this.options.consumerGroups ?? [])];
    return [...new Set(names)];
  }

  createConsumerGroup(name: string): Promise<void> {
    return Promise.reject(new HubRequestError(`Create consumer group '${name}': on Azure, consumer groups are managed in the Azure portal (IoT Hub > Built-in endpoints) or with 'az iot hub consumer-group create'.`, 'unsupported'));
  }

  deleteConsumerGroup(name: string): Promise<void> {
    return Promise.reject(new HubRequestError(`Delete consumer group '${name}': on Azure, consumer groups are managed in the Azure portal (IoT Hub > Built-in endpoints) or with 'az iot hub consumer-group delete'.`, 'unsupported'));
  }

  private resolved: Promise<EventHubsEndpoint> | undefined;

  eventHubsEndpoint(options: { signal?: AbortSignal } = {}): Promise<EventHubsEndpoint> {
    const webSockets = this.options.webSockets === true;
    const given = this.options.eventHubsConnectionString;
    if (given !== undefined && given !== '') {
      const eventHubName = /(?:^|;)\s*EntityPath=([^;]+)/i.exec(given)?.[1]?.trim() ?? this.cs.hubName;
      return Promise.resolve({ connectionString: given, eventHubName, emulator: false, webSockets });
    }
    if (this.resolved !== undefined) return this.resolved;
    const trust = this.options.localTrust;
    const redirect: Parameters<typeof resolveEventHubsEndpoint>[1] = { webSockets, timeoutMs: this.timeoutMs };
    if (options.signal !== undefined) redirect.signal = options.signal;
    if (trust !== undefined) {
      redirect.ca = trust.ca;
      if (trust.amqpPort !== undefined) redirect.amqpPort = trust.amqpPort;
      if (trust.restPort !== undefined) redirect.restPort = trust.restPort;
    }
    const resolving = resolveEventHubsEndpoint(this.cs, redirect).then(
      (r) => this.ok({ connectionString: this.localWebSocketPort(r.connectionString), eventHubName: r.eventHubName, emulator: false, webSockets }),
      (e: unknown) => {
        this.resolved = undefined;
        throw e instanceof HubRequestError ? e : this.fail(e, 'Resolve the Event Hubs-compatible endpoint');
      },
    );
    this.resolved = resolving;
    return resolving;
  }

  /**
   * Over WebSockets @azure/event-hubs dials `wss://<Endpoint host>:<Endpoint port or 443>/$servicebus/websocket`.
   * Azure's redirect names no port (so 443); a local hub standing in for Azure (test-only LocalTrust)
   * serves WebSockets on its HTTPS port instead, so the endpoint is pointed there.
   */
  private localWebSocketPort(connectionString: string): string {
    const restPort = this.options.localTrust?.restPort;
    if (this.options.webSockets !== true || restPort === undefined) return connectionString;
    return connectionString.replace(/^Endpoint=sb:\/\/([^/:;]+)(?::\d+)?\//i, `Endpoint=sb://$1:${restPort}/`);
  }

  // ---------------------------------------------------------------- devices over MQTT

  async deviceMqttEndpoint(): Promise<DeviceMqttEndpoint> {
    const trust = this.options.localTrust;
    const out: DeviceMqttEndpoint = { hostName: this.hostName, connectHost: this.hostName, port: trust?.mqttPort ?? 8883 };
    // Azure: the system's trust store (no CA given).
    if (trust !== undefined) out.ca = trust.ca;
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) void client.close().catch(() => undefined);
    else void this.clientOpening?.then((c) => c.close()).catch(() => undefined);
    this.rest.close();
    void this.registryOpening?.then((r) => r.dispose(), () => undefined);
    this.statusCell.clear();
    this.changeListeners.clear();
  }
}

