// The embedded local hub behind the HubConnection interface, over its HTTPS APIs (LocalHubClient).
// Whoever runs the hub process (the extension's LocalHubProcess, a test) calls `attach` when a hub
// is running and `detach` when it is not; this object lives as long as the tree's hub node, so the
// tree keeps one hub per id across restarts. Changes come from the hub's event stream (never
// polling); a new hub process, or a stream the hub cannot resume, is reported as `reset`.
import { randomBytes } from 'node:crypto';
import { formatDeviceConnectionString } from '../../core/auth/connectionString';
import { createSasToken, resourceUriForDevice } from '../../core/auth/sas';
import { C2D_DEFAULT_MAX_DELIVERY_COUNT } from '../../core/message/limits';
import { LocalHubApiError, type HubEvent, type LocalHubClient, type ReceivedC2dMessage, type Subscription } from '../../hub/client/localHubClient';
import { LocalHubSender, MessageSendError, type MessageSender, type SentMessage } from '../../hub/client/messageSender';
import type { Device, DeviceStatus, FeedbackBatch, Page } from '../../hub/contracts';
import { fillPage, pageOf, pageRequest } from '../../hub/paging';
import type { C2dMessageJson, DeviceEventJson } from '../../hub/http/jsonShapes';
import type { ConnectionInfoJson } from '../../hub/localHub';
import type { IotMessage } from '../../core/message/model';
import { compileDeviceFilter } from '../deviceFilter';
import { knownHubError } from '../hubErrorCodes';
import { HubStatusCell, Listeners } from '../listeners';
import {
  HubRequestError, hubRequestErrorOfSend, type C2dSettlement, type DeviceKeys, type DeviceListRequest, type DeviceMqttEndpoint, type Disposable,
  type EventHubsEndpoint, type FeedbackRecordView, type HubCapabilities, type HubChange, type HubConnection, type HubDevice,
  type HubStatus, type KeyName, type QueuedC2dMessage,
} from '../hubConnection';
import type { HubRouting } from '../hubRouting';
import { LocalHubRouting } from './localHubRouting';
import { errorText } from '../../core/errorText';
import { errnoOf, isNoAnswerErrno } from '../../core/networkErrors';

export const LOCAL_HUB_ID = 'local';

const DEFAULT_PAGE_SIZE = 100;

interface Running {
  info: ConnectionInfoJson;
  client: LocalHubClient;
  sender: MessageSender;
  events: Subscription;
}

export function deviceToHubDevice(d: Device | DeviceEventJson): HubDevice {
  const out: HubDevice = {
    deviceId: d.deviceId,
    generationId: d.generationId,
    etag: d.etag,
    status: d.status,
    statusUpdatedTime: d.statusUpdatedTime,
    connectionState: d.connectionState,
    connectionStateUpdatedTime: d.connectionStateUpdatedTime,
    lastActivityTime: d.lastActivityTime,
    cloudToDeviceMessageCount: d.cloudToDeviceMessageCount,
    authType: d.authentication.type,
  };
  if (d.statusReason !== undefined && d.statusReason !== '') out.statusReason = d.statusReason;
  return out;
}

function queued(m: C2dMessageJson, maxDeliveryCount: number): QueuedC2dMessage {
  const out: QueuedC2dMessage = {
    deviceId: m.deviceId,
    sequenceNumber: m.sequenceNumber,
    systemProperties: m.systemProperties,
    applicationProperties: m.applicationProperties,
    body: Buffer.from(m.bodyBase64, 'base64'),
    state: m.state,
    deliveryCount: m.deliveryCount,
    maxDeliveryCount,
    enqueuedTime: m.enqueuedTime,
    expiryTime: m.expiryTime,
  };
  if (m.messageId !== undefined) out.messageId = m.messageId;
  if (m.lockedUntil !== undefined) out.lockedUntil = m.lockedUntil;
  return out;
}

function feedbackRecords(batches: readonly FeedbackBatch[]): FeedbackRecordView[] {
  const out: FeedbackRecordView[] = [];
  for (const b of batches) {
    for (const r of b.records) {
      out.push({ originalMessageId: r.originalMessageId, deviceId: r.deviceId, statusCode: r.statusCode, description: r.description, enqueuedTimeUtc: r.enqueuedTimeUtc });
    }
  }
  return out;
}

/** What the hub or the network said, as an error a user can act on. */
export function toHubRequestError(e: unknown, what: string): HubRequestError {
  if (e instanceof HubRequestError) return e;
  if (e instanceof MessageSendError) return hubRequestErrorOfSend(e, e.message);
  if (e instanceof LocalHubApiError) {
    const details: HubRequestError['details'] = { status: e.status };
    if (e.errorCode !== undefined) details.errorCode = e.errorCode;
    const code = e.errorCode ?? '';
    // The local hub answers 404 only for what the request names, which for these calls is a device.
    const known = knownHubError({ code, status: e.status }) ?? (e.status === 404 ? knownHubError({ code: 'DeviceNotFound' }) : undefined);
    if (known) return new HubRequestError(`${what}: ${known.advice}`, known.kind, details);
    if (e.status === 413) return new HubRequestError(`${what}: ${e.message}`, 'too-large', details);
    if (e.status === 401 || e.status === 403) return new HubRequestError(`${what}: ${e.message}`, 'unauthorized', details);
    if (e.status === 400) return new HubRequestError(`${what}: ${e.message}`, 'invalid', details);
    return new HubRequestError(`${what}: the hub answered ${e.status}${code ? ` ${code}` : ''}: ${e.message}`, 'failed', details);
  }
  const errno = errnoOf(e);
  if (isNoAnswerErrno(errno)) return new HubRequestError(`${what}: the local hub did not answer (${errno}). Is it running?`, 'unreachable');
  return new HubRequestError(`${what}: ${errorText(e)}`, 'failed');
}

export class LocalHubConnection implements HubConnection {
  readonly id = LOCAL_HUB_ID;
  readonly kind = 'local' as const;
  readonly label = 'Local hub';
  readonly capabilities: HubCapabilities = { queuePeek: true, feedbackHistory: true, manageConsumerGroups: true, lifecycle: true };
  private readonly statusCell = new HubStatusCell({ state: 'stopped' });
  private running: Running | undefined;
  private readonly changeListeners = new Listeners<HubChange>();
  /** Sends that wait for the hub to run (a stopped hub says so instead). */
  readonly sender: MessageSender = {
    sendD2c: (deviceId: string, message: IotMessage): Promise<SentMessage> => this.require('Send D2C').sender.sendD2c(deviceId, message),
    sendC2d: (deviceId: string, message: IotMessage): Promise<SentMessage> => this.require('Send C2D').sender.sendC2d(deviceId, message),
  };

  readonly routing: HubRouting = new LocalHubRouting({
    client: (what) => this.require(what).client,
    eventHubsEndpoint: () => this.eventHubsEndpoint(),
  });

  constructor(
    private readonly options: {
      maxDeliveryCount?: number;
      /** Hears event-stream drops and errors (for the log); never given a secret. */
      onStreamError?: (error: Error) => void;
    } = {},
  ) {}

  get status(): HubStatus {
    return this.statusCell.current;
  }

  get hostName(): string | undefined {
    return this.running?.info.hostName;
  }

  /** The running hub's connection info (endpoints, CA path), for local-only commands. */
  get info(): ConnectionInfoJson | undefined {
    return this.running?.info;
  }

  /** A hub is running at `info`; `client` is owned by the caller. A different process than before resets listeners' views. */
  attach(info: ConnectionInfoJson, client: LocalHubClient): void {
    const previous = this.running;
    if (previous?.info.pid === info.pid && previous.client === client) return;
    previous?.events.close();
    const events = client.subscribe((e) => this.onHubEvent(e), (error) => this.options.onStreamError?.(error));
    this.running = { info, client, sender: new LocalHubSender(client), events };
    this.setStatus({ state: 'running' });
    // Whatever a listener showed belongs to another process (or to nothing): list again.
    this.changeListeners.fire({ kind: 'reset', reason: previous ? 'the local hub restarted' : 'the local hub is running' });
  }

  /** The hub is not running (stopped, starting, failed). */
  detach(status: Exclude<HubStatus, { state: 'running' }>): void {
    this.running?.events.close();
    this.running = undefined;
    this.setStatus(status);
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
    const r = this.running;
    if (!r) return [];
    const lines = [`MQTT (TLS): \`${r.info.mqtt.url}\``, `HTTPS API: \`${r.info.api.url}\``, `MQTT over WebSocket: \`${r.info.api.websocketUrl}\``];
    if (r.info.amqp) lines.push(`Event Hubs-compatible (AMQP): \`amqp://localhost:${r.info.amqp.port}\``);
    lines.push(`Data directory: \`${r.info.dataDir}\``, `CA certificate: \`${r.info.caCertPath}\``);
    return lines;
  }

  private get maxDeliveryCount(): number {
    return this.options.maxDeliveryCount ?? C2D_DEFAULT_MAX_DELIVERY_COUNT;
  }

  private onHubEvent(e: HubEvent): void {
    const fire = (c: HubChange): void => this.changeListeners.fire(c);
    if (e.kind === 'reset') return fire({ kind: 'reset', reason: e.reason });
    if (e.kind === 'routing') return fire({ kind: 'routing' });
    if (e.kind === 'registry') {
      const r = e.event;
      switch (r.type) {
        case 'deviceCreated':
        case 'deviceUpdated': return fire({ kind: 'device', device: deviceToHubDevice(r.device) });
        case 'deviceDeleted': return fire({ kind: 'deviceDeleted', deviceId: r.deviceId });
        case 'connectionStateChanged': return fire({ kind: 'connection', deviceId: r.deviceId, connectionState: r.connectionState });
      }
    }
    const q = e.event;
    switch (q.type) {
      case 'c2dEnqueued':
      case 'c2dStateChanged': return fire({ kind: 'queue', deviceId: q.deviceId, depth: q.depth, message: queued(q.message, this.maxDeliveryCount) });
      case 'c2dPurged': return fire({ kind: 'purged', deviceId: q.deviceId, count: q.count });
      case 'feedback': return fire({ kind: 'feedback', records: feedbackRecords([q.batch]) });
    }
  }

  private require(what: string): Running {
    const r = this.running;
    if (r) return r;
    const status = this.statusCell.current;
    const why = status.state === 'failed' ? `it failed: ${status.message}` : `it is ${status.state}`;
    throw new HubRequestError(`${what}: the local hub is not running (${why}). Start it first.`, 'hub-stopped');
  }

  private async call<T>(what: string, run: (r: Running) => Promise<T>): Promise<T> {
    const r = this.require(what);
    try {
      return await run(r);
    } catch (e) {
      throw toHubRequestError(e, what);
    }
  }

  // ---------------------------------------------------------------- registry

  async listDevices(request: DeviceListRequest = {}): Promise<Page<HubDevice>> {
    const pageSize = request.pageSize ?? DEFAULT_PAGE_SIZE;
    return this.call('List devices', async ({ client }) => {
      if (request.filter === undefined || request.filter.trim() === '') {
        const page = await client.listDevices(pageRequest(pageSize, request.continuationToken));
        return pageOf(page.items.map(deviceToHubDevice), page.continuationToken);
      }
      // The hub filters before paging (one request over the whole registry). The matches are checked
      // here too, and the loop goes on while a page came back short: a hub process from an older
      // build ignores `filter` and pages through every device instead.
      const filter = compileDeviceFilter(request.filter);
      const keep = (d: Device): HubDevice | undefined => (filter.matches(d.deviceId) ? deviceToHubDevice(d) : undefined);
      return fillPage((token) => client.listDevices(pageRequest(pageSize, token, filter.text)), keep, pageSize, request.continuationToken);
    });
  }

  async getDevice(deviceId: string): Promise<HubDevice | undefined> {
    const r = this.require('Get device');
    try {
      return deviceToHubDevice(await r.client.getDevice(deviceId));
    } catch (e) {
      if (e instanceof LocalHubApiError && e.status === 404) return undefined;
      throw toHubRequestError(e, `Get device '${deviceId}'`);
    }
  }

  createDevice(deviceId: string, options: { status?: DeviceStatus; statusReason?: string } = {}): Promise<HubDevice> {
    return this.call(`Create device '${deviceId}'`, async ({ client }) => {
      const input: Parameters<LocalHubClient['createDevice']>[0] = { deviceId };
      if (options.status !== undefined) input.status = options.status;
      if (options.statusReason !== undefined) input.statusReason = options.statusReason;
      return deviceToHubDevice(await client.createDevice(input));
    });
  }

  setDeviceStatus(deviceId: string, status: DeviceStatus, statusReason?: string, etag?: string): Promise<HubDevice> {
    return this.call(`${status === 'enabled' ? 'Enable' : 'Disable'} device '${deviceId}'`, async ({ client }) => {
      const patch: Parameters<LocalHubClient['updateDevice']>[1] = { status, statusReason: statusReason ?? '' };
      return deviceToHubDevice(await client.updateDevice(deviceId, patch, etag));
    });
  }

  regenerateKey(deviceId: string, which: KeyName): Promise<HubDevice> {
    return this.call(`Regenerate the ${which} key of '${deviceId}'`, async ({ client }) => {
      const key = randomBytes(32).toString('base64');
      const patch = which === 'primary' ? { primaryKey: key } : { secondaryKey: key };
      return deviceToHubDevice(await client.updateDevice(deviceId, patch));
    });
  }

  deleteDevice(deviceId: string, etag?: string): Promise<void> {
    return this.call(`Delete device '${deviceId}'`, ({ client }) => client.deleteDevice(deviceId, etag));
  }

  deviceKeys(deviceId: string): Promise<DeviceKeys> {
    return this.call(`Read the keys of '${deviceId}'`, async ({ client }) => {
      const d = await client.getDevice(deviceId);
      return { primaryKey: d.authentication.symmetricKey.primaryKey, secondaryKey: d.authentication.symmetricKey.secondaryKey };
    });
  }

  async deviceConnectionString(deviceId: string, which: KeyName = 'primary'): Promise<string> {
    const keys = await this.deviceKeys(deviceId);
    const hostName = this.require('Device connection string').info.hostName;
    return formatDeviceConnectionString({ hostName: this.hostWithMqttPort(hostName), deviceId, sharedAccessKey: which === 'primary' ? keys.primaryKey : keys.secondaryKey });
  }

  /** The template carries `HostName=localhost[:port]` as devices need it; reuse it rather than guess. */
  private hostWithMqttPort(fallback: string): string {
    const template = this.running?.info.deviceConnectionStringTemplate ?? '';
    return /HostName=([^;]+)/.exec(template)?.[1] ?? fallback;
  }

  async deviceSasToken(deviceId: string, lifetimeSeconds: number, which: KeyName = 'primary'): Promise<string> {
    const keys = await this.deviceKeys(deviceId);
    const hostName = this.require('Device SAS token').info.hostName;
    return createSasToken({
      resourceUri: resourceUriForDevice(hostName, deviceId),
      key: which === 'primary' ? keys.primaryKey : keys.secondaryKey,
      expiresAtSeconds: Math.floor(Date.now() / 1000) + lifetimeSeconds,
    });
  }

  // ---------------------------------------------------------------- C2D

  peekQueue(deviceId: string): Promise<QueuedC2dMessage[]> {
    return this.call(`Read the C2D queue of '${deviceId}'`, async ({ client }) => (await client.peekQueue(deviceId)).map((m) => queued(m, this.maxDeliveryCount)));
  }

  purgeQueue(deviceId: string): Promise<number> {
    return this.call(`Purge the C2D queue of '${deviceId}'`, async ({ client }) => (await client.purgeQueue(deviceId)).totalMessagesPurged);
  }

  recentFeedback(max = 100): Promise<FeedbackRecordView[]> {
    return this.call('Read feedback', async ({ client }) => {
      // The hub keeps batches until a back end acknowledges them; read them all without acknowledging.
      const batches: FeedbackBatch[] = [];
      let after: number | undefined;
      for (;;) {
        const page = await client.readFeedback(after, 1000);
        if (page.length === 0) break;
        batches.push(...page);
        after = page[page.length - 1]?.batchId;
        if (page.length < 1000) break;
      }
      return feedbackRecords(batches).reverse().slice(0, max);
    });
  }

  receiveC2dAsDevice(deviceId: string): Promise<ReceivedC2dMessage | undefined> {
    return this.call(`Receive C2D as '${deviceId}'`, ({ client }) => client.receiveC2d(deviceId));
  }

  settleC2dAsDevice(deviceId: string, lockToken: string, outcome: C2dSettlement): Promise<void> {
    return this.call(`${outcome[0]?.toUpperCase()}${outcome.slice(1)} the C2D message of '${deviceId}'`, ({ client }) => {
      switch (outcome) {
        case 'complete': return client.completeC2d(deviceId, lockToken);
        case 'reject': return client.rejectC2d(deviceId, lockToken);
        case 'abandon': return client.abandonC2d(deviceId, lockToken);
      }
    });
  }

  // ---------------------------------------------------------------- Event Hubs-compatible endpoint

  listConsumerGroups(): Promise<string[]> {
    return this.call('List consumer groups', ({ client }) => client.listConsumerGroups());
  }

  createConsumerGroup(name: string): Promise<void> {
    return this.call(`Create consumer group '${name}'`, ({ client }) => client.createConsumerGroup(name));
  }

  deleteConsumerGroup(name: string): Promise<void> {
    return this.call(`Delete consumer group '${name}'`, ({ client }) => client.deleteConsumerGroup(name));
  }

  async eventHubsEndpoint(): Promise<EventHubsEndpoint> {
    const { info } = this.require('Event Hubs-compatible endpoint');
    const connectionString = info.amqp?.eventHubsConnectionString;
    if (connectionString === undefined) throw new HubRequestError('The local hub runs without its Event Hubs-compatible endpoint (started with --amqp-port off).', 'unsupported');
    const eventHubName = /EntityPath=([^;]+)/.exec(connectionString)?.[1] ?? info.hubName;
    return { connectionString, eventHubName, emulator: true };
  }

  async deviceMqttEndpoint(): Promise<DeviceMqttEndpoint> {
    const { info } = this.require('Device endpoint');
    const { readFile } = await import('node:fs/promises');
    const ca = await readFile(info.caCertPath, 'utf8');
    const connectHost = info.bindAddress === '0.0.0.0' || info.bindAddress === '::' ? '127.0.0.1' : info.bindAddress;
    return { hostName: info.hostName, connectHost, port: info.mqtt.port, ca };
  }

  dispose(): void {
    this.running?.events.close();
    this.running = undefined;
    this.statusCell.clear();
    this.changeListeners.clear();
  }
}
