// One hub as the extension sees it, local or Azure. The tree, the commands, the D2C monitor, the
// C2D receive flow and the device simulator talk only to this interface, so nothing above it may
// assume the hub is local. Plain Node (no vscode import): each implementation is tested in plain
// Node against a real hub. Implementations: src/hubs/local (the embedded hub), src/hubs/azure.
//
// Invariants every implementation keeps:
// - No key, token or connection string is ever part of a listed device, an event or an error
//   message; keys are read on purpose through `deviceKeys` and friends.
// - Failures are `HubRequestError`s with a kind a UI can act on (refresh, purge, start the hub).
// - `onDidChange` reports changes as they happen; `reset` means "list everything again".
import type { DeviceStatus, Page } from '../hub/contracts';
import type { ReceivedC2dMessage } from '../hub/client/localHubClient';
import type { MessageSendError, MessageSender, SendErrorKind } from '../hub/client/messageSender';
import type { ApplicationProperty, SystemProperties } from '../core/message/model';
import type { HubRouting } from './hubRouting';

export type HubKind = 'local' | 'azure';

/** Where a hub is, for its tree node; `failed` carries a reason a user can act on. */
export type HubStatus =
  | { state: 'starting' }
  | { state: 'running' }
  | { state: 'stopped' }
  | { state: 'failed'; message: string };

export interface HubCapabilities {
  /** Queued C2D messages can be listed with state, delivery count and expiry (local hub only: IoT Hub keeps them private). */
  readonly queuePeek: boolean;
  /** Feedback can be read without consuming it (the local hub keeps history; Azure's feedback receiver consumes). */
  readonly feedbackHistory: boolean;
  /** Consumer groups of the Event Hubs-compatible endpoint can be created and deleted here. */
  readonly manageConsumerGroups: boolean;
  /** The hub starts and stops with this machine (start/stop/restart commands apply). */
  readonly lifecycle: boolean;
}

export type DeviceAuthType = 'sas' | 'selfSigned' | 'certificateAuthority' | 'none';

/** A registry entry without its keys (IoT Hub's registry field names). */
export interface HubDevice {
  deviceId: string;
  generationId: string;
  etag: string;
  status: DeviceStatus;
  statusReason?: string;
  statusUpdatedTime?: string;
  connectionState: 'Connected' | 'Disconnected';
  connectionStateUpdatedTime?: string;
  lastActivityTime?: string;
  cloudToDeviceMessageCount: number;
  authType: DeviceAuthType;
}

export interface DeviceKeys {
  primaryKey: string;
  secondaryKey: string;
}

export type KeyName = 'primary' | 'secondary';

export interface DeviceListRequest {
  /** Default 100. */
  pageSize?: number;
  continuationToken?: string;
  /** Part of an id, or a pattern with `*` and `?` (see deviceFilter.ts); ids are compared as IoT Hub does (case-sensitive). */
  filter?: string;
}

/** A C2D message waiting in a device's queue (local hub: readable; Azure: not). */
export interface QueuedC2dMessage {
  deviceId: string;
  sequenceNumber: number;
  messageId?: string;
  systemProperties: SystemProperties;
  applicationProperties: ApplicationProperty[];
  body: Uint8Array;
  state: 'Enqueued' | 'Invisible' | 'Completed' | 'DeadLettered';
  deliveryCount: number;
  /** IoT Hub's maximum before the message is dead-lettered. */
  maxDeliveryCount: number;
  /** ISO 8601 UTC. */
  enqueuedTime: string;
  expiryTime: string;
  /** While locked (Invisible). */
  lockedUntil?: string;
}

export interface FeedbackRecordView {
  originalMessageId: string;
  deviceId: string;
  statusCode: 'Success' | 'Expired' | 'DeliveryCountExceeded' | 'Rejected' | 'Purged';
  description: string;
  /** When the hub recorded the outcome (ISO 8601 UTC). */
  enqueuedTimeUtc: string;
}

export type C2dSettlement = 'complete' | 'reject' | 'abandon';

/** What an Event Hubs client needs to read this hub's telemetry (built-in endpoint). */
export interface EventHubsEndpoint {
  /** `Endpoint=sb://...;SharedAccessKeyName=...;SharedAccessKey=...;EntityPath=...` (a secret: never log it). */
  connectionString: string;
  /** Event hub name (the connection string's EntityPath). */
  eventHubName: string;
  /** The local hub's plain-AMQP emulator endpoint (`UseDevelopmentEmulator=true`). */
  emulator: boolean;
  /** Read over AMQP over WebSocket on port 443 (networks that block 5671): the user chose so for this hub. */
  webSockets?: boolean;
}

/** What a device (the simulator) needs to connect over MQTT with TLS. */
export interface DeviceMqttEndpoint {
  /** The host name devices put in their SAS token and connect to. */
  hostName: string;
  /** Address to connect to when it differs from hostName (a local hub's bind address). */
  connectHost: string;
  port: number;
  /** PEM of the CA to trust; absent: the system's trust store (Azure). */
  ca?: string;
}

export type HubChange =
  /** Created or changed (status, keys, etag); `device` is the new state. */
  | { kind: 'device'; device: HubDevice }
  | { kind: 'deviceDeleted'; deviceId: string }
  | { kind: 'connection'; deviceId: string; connectionState: HubDevice['connectionState'] }
  /** A queued message was added, locked, completed, rejected, abandoned or expired; `depth` is the queue's depth after it. */
  | { kind: 'queue'; deviceId: string; depth: number; message?: QueuedC2dMessage }
  | { kind: 'purged'; deviceId: string; count: number }
  | { kind: 'feedback'; records: FeedbackRecordView[] }
  /** Routes, endpoints or the fallback route changed (here, from the CLI or another window): read `routing` again. */
  | { kind: 'routing' }
  /** Changes were missed (hub restarted, stream could not resume): list everything again. */
  | { kind: 'reset'; reason: string };

export interface Disposable { dispose(): void }

export interface HubConnection extends Disposable {
  /** Stable across restarts and windows: `local`, or `azure:<hostName>`. */
  readonly id: string;
  readonly kind: HubKind;
  /** What the tree shows: `Local hub`, or the Azure host name. */
  readonly label: string;
  /** The IoT Hub host name (`localhost`, or `<name>.azure-devices.net`); may be unknown until running. */
  readonly hostName: string | undefined;
  readonly capabilities: HubCapabilities;

  readonly status: HubStatus;
  onDidChangeStatus(listener: (status: HubStatus) => void): Disposable;
  /** Registry, queue, feedback and routing changes as they happen (never by polling). */
  onDidChange(listener: (change: HubChange) => void): Disposable;
  /** Markdown lines for the hub node's tooltip (endpoints; never a key). */
  describe(): string[];
  /** Message routing, where this machine can read and change it (the local hub; see hubRouting.ts). */
  readonly routing?: HubRouting;

  // ---- registry
  listDevices(request?: DeviceListRequest): Promise<Page<HubDevice>>;
  /** Undefined when the hub has no such device. */
  getDevice(deviceId: string): Promise<HubDevice | undefined>;
  createDevice(deviceId: string, options?: { status?: DeviceStatus; statusReason?: string }): Promise<HubDevice>;
  /** Enable or disable; `etag` (when given) guards against a change made meanwhile. */
  setDeviceStatus(deviceId: string, status: DeviceStatus, statusReason?: string, etag?: string): Promise<HubDevice>;
  /** Replaces one key with a new random one (the device must reconnect with it). */
  regenerateKey(deviceId: string, which: KeyName): Promise<HubDevice>;
  deleteDevice(deviceId: string, etag?: string): Promise<void>;
  deviceKeys(deviceId: string): Promise<DeviceKeys>;
  /** `HostName=...;DeviceId=...;SharedAccessKey=...` with the chosen key (a secret). */
  deviceConnectionString(deviceId: string, which?: KeyName): Promise<string>;
  /** A device SAS token valid for `lifetimeSeconds` (a secret). */
  deviceSasToken(deviceId: string, lifetimeSeconds: number, which?: KeyName): Promise<string>;

  // ---- C2D, service side
  /** Sends D2C as a device (device HTTPS API, never MQTT) and C2D with every property. */
  readonly sender: MessageSender;
  /** Throws `unsupported` unless capabilities.queuePeek. */
  peekQueue(deviceId: string): Promise<QueuedC2dMessage[]>;
  /** Removes every queued message; resolves with how many went (each gets `Purged` feedback when it asked for it). */
  purgeQueue(deviceId: string): Promise<number>;
  /** Recent feedback records, newest first (local: history; Azure: what this window has received). */
  recentFeedback(max?: number): Promise<FeedbackRecordView[]>;

  // ---- C2D, as the device (IoT Hub's device HTTPS API: the device's MQTT connection stays up)
  /** Locks and returns the next message, or undefined when none waits. */
  receiveC2dAsDevice(deviceId: string): Promise<ReceivedC2dMessage | undefined>;
  settleC2dAsDevice(deviceId: string, lockToken: string, outcome: C2dSettlement): Promise<void>;

  // ---- Event Hubs-compatible endpoint
  listConsumerGroups(): Promise<string[]>;
  createConsumerGroup(name: string): Promise<void>;
  deleteConsumerGroup(name: string): Promise<void>;
  /** May take a network round trip (Azure resolves it through IoT Hub's redirect): cancellable. */
  eventHubsEndpoint(options?: { signal?: AbortSignal }): Promise<EventHubsEndpoint>;

  // ---- devices over MQTT (the simulator)
  deviceMqttEndpoint(): Promise<DeviceMqttEndpoint>;
}

export type HubRequestErrorKind =
  | 'device-not-found'
  | 'device-exists'
  /** The device changed meanwhile (etag mismatch): refresh and try again. */
  | 'changed-meanwhile'
  | 'queue-full'
  | 'too-large'
  | 'invalid'
  | 'unauthorized'
  | 'throttled'
  | 'quota'
  | 'unsupported'
  /** The hub is not running (local) or not reachable (network). */
  | 'hub-stopped'
  | 'unreachable'
  | 'failed';

/** A hub operation that failed, said so a user can act on it (never with a secret in it). */
export class HubRequestError extends Error {
  override readonly name = 'HubRequestError';
  constructor(message: string, readonly kind: HubRequestErrorKind, readonly details: { status?: number; errorCode?: string } = {}) {
    super(message);
  }
}

const KIND_OF_SEND_ERROR: Record<SendErrorKind, HubRequestErrorKind> = {
  'device-not-found': 'device-not-found',
  'queue-full': 'queue-full',
  'invalid-message': 'invalid',
  'too-large': 'too-large',
  unauthorized: 'unauthorized',
  unsupported: 'unsupported',
  unreachable: 'unreachable',
  failed: 'failed',
};

/** A refused send as a HubRequestError of the matching kind; `message` is the send error's (redacted where the hub is remote). */
export function hubRequestErrorOfSend(e: MessageSendError, message: string): HubRequestError {
  return new HubRequestError(message, KIND_OF_SEND_ERROR[e.kind], e.details);
}
