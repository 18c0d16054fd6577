// Contracts between the hub's durable domain (registry, D2C log, C2D queues, feedback) and its
// front doors (MQTT, HTTPS device API, management API, Event Hubs-compatible AMQP endpoint).
// No `vscode` import: the hub runs in its own process. Everything here is typed, paged and
// evented so that the extension's tree and a cloud-hub adapter can share one shape.
import type { EventEmitter } from 'node:events';
import type { ApplicationProperty, SystemProperties } from '../core/message/model';

/** Injected time source so lifecycle tests (TTL, lock timeout, feedback batching) run without sleeps. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): ClockTimer;
  clearTimeout(timer: ClockTimer): void;
}
export interface ClockTimer { readonly id: number }

export interface Page<T> {
  items: T[];
  /** Opaque; absent on the last page. */
  continuationToken?: string;
}
export interface PageRequest { pageSize?: number; continuationToken?: string }
/** A device page request that may filter by id (part of an id, or `*`/`?`; see registry/deviceFilter.ts). */
export interface DevicePageRequest extends PageRequest { filter?: string }

// ---------------------------------------------------------------- device registry

export type DeviceStatus = 'enabled' | 'disabled';
export type ConnectionState = 'Connected' | 'Disconnected';

/** Same field names as IoT Hub's registry REST API (api-version 2021-04-12). */
export interface Device {
  deviceId: string;
  generationId: string;
  etag: string;
  status: DeviceStatus;
  statusReason?: string;
  statusUpdatedTime: string;
  connectionState: ConnectionState;
  connectionStateUpdatedTime: string;
  lastActivityTime: string;
  cloudToDeviceMessageCount: number;
  authentication: { type: 'sas'; symmetricKey: { primaryKey: string; secondaryKey: string } };
}

export interface DeviceCreate {
  deviceId: string;
  status?: DeviceStatus;
  statusReason?: string;
  primaryKey?: string;
  secondaryKey?: string;
}
export interface DeviceUpdate {
  status?: DeviceStatus;
  statusReason?: string;
  primaryKey?: string;
  secondaryKey?: string;
}

/** Errors carry IoT Hub's error codes so every front door can map them the same way. */
export class HubError extends Error {
  constructor(
    /** IoT Hub style code, e.g. `DeviceNotFound` (404001), `DeviceMaximumQueueDepthExceeded` (403004). */
    readonly errorCode: string,
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

export type RegistryEvent =
  | { type: 'deviceCreated'; device: Device }
  | { type: 'deviceUpdated'; device: Device }
  | { type: 'deviceDeleted'; deviceId: string }
  | { type: 'connectionStateChanged'; deviceId: string; connectionState: ConnectionState };

// ---------------------------------------------------------------- D2C (the partitioned event log)

/** A D2C message as the hub stored it, with everything the Event Hubs endpoint needs. */
export interface D2cEvent {
  partition: number;
  sequenceNumber: number;
  /** Byte offset within the partition, as a decimal string like Event Hubs' `x-opt-offset`. */
  offset: string;
  /** Milliseconds since the epoch. */
  enqueuedTime: number;
  deviceId: string;
  moduleId?: string;
  /** Includes hub-stamped properties (connectionDeviceId, authMethod, generationId, enqueuedTimeUtc, messageSource). */
  systemProperties: SystemProperties;
  applicationProperties: ApplicationProperty[];
  body: Uint8Array;
}

export interface PartitionInfo {
  partition: number;
  beginningSequenceNumber: number;
  lastEnqueuedSequenceNumber: number;
  lastEnqueuedOffset: string;
  lastEnqueuedTime: number;
  isEmpty: boolean;
}

export type D2cStartPosition =
  | { sequenceNumber: number; inclusive: boolean }
  | { offset: string; inclusive: boolean }
  | { enqueuedTime: number }
  | 'earliest'
  | 'latest';

// ---------------------------------------------------------------- C2D queues and feedback

export type C2dState = 'Enqueued' | 'Invisible' | 'Completed' | 'DeadLettered';

export interface C2dMessage {
  deviceId: string;
  /** The hub's per-device-queue sequence number. */
  sequenceNumber: number;
  messageId?: string;
  systemProperties: SystemProperties;
  applicationProperties: ApplicationProperty[];
  body: Uint8Array;
  state: C2dState;
  deliveryCount: number;
  enqueuedTime: number;
  expiryTime: number;
  /** Present while Invisible (locked). */
  lockToken?: string;
  lockedUntil?: number;
}

export type FeedbackStatus = 'Success' | 'Expired' | 'DeliveryCountExceeded' | 'Rejected' | 'Purged';

export interface FeedbackRecord {
  originalMessageId: string;
  deviceId: string;
  deviceGenerationId: string;
  enqueuedTimeUtc: string;
  statusCode: FeedbackStatus;
  description: string;
}

/** One feedback message: IoT Hub batches records into messages. */
export interface FeedbackBatch {
  batchId: number;
  enqueuedTimeUtc: string;
  userId: string;
  contentType: 'application/vnd.microsoft.iothub.feedback.json';
  records: FeedbackRecord[];
}

export type QueueEvent =
  | { type: 'c2dEnqueued'; deviceId: string; message: C2dMessage; depth: number }
  | { type: 'c2dStateChanged'; deviceId: string; message: C2dMessage; depth: number }
  | { type: 'c2dPurged'; deviceId: string; count: number }
  | { type: 'feedback'; batch: FeedbackBatch };

export interface C2dSendOptions {
  /** Overrides the default TTL; capped at 48 hours. */
  ttlMs?: number;
}

export type EventedBy<E extends { type: string }> = Pick<EventEmitter, 'on' | 'off' | 'once'> & {
  /** Typed subscription helper: returns an unsubscribe function. */
  subscribe(listener: (event: E) => void): () => void;
};

// ---------------------------------------------------------------- the domain interfaces

export interface DeviceRegistry {
  create(input: DeviceCreate): Promise<Device>;
  get(deviceId: string): Device | undefined;
  /** Ordered by deviceId; pageSize defaults to 100, at most 1000. */
  list(request?: DevicePageRequest): Page<Device>;
  /** Every device, ordered by deviceId (in-process readers; over HTTP, list pages). */
  all(): Iterable<Device>;
  readonly count: number;
  update(deviceId: string, patch: DeviceUpdate, ifMatch?: string): Promise<Device>;
  delete(deviceId: string, ifMatch?: string): Promise<void>;
  /** Called by the MQTT front door; emits `connectionStateChanged`. */
  recordConnection(deviceId: string, connected: boolean): void;
  recordActivity(deviceId: string): void;
  readonly events: EventedBy<RegistryEvent>;
}

export interface D2cAppend {
  deviceId: string;
  moduleId?: string;
  /** Sender's properties; the log stamps enqueuedTimeUtc and the caller stamps connection* properties. */
  systemProperties: SystemProperties;
  /** Properties the front door stamps on every message of a connection, serialised once (they win over the sender's). */
  stamp?: D2cStamp;
  applicationProperties: ApplicationProperty[];
  body: Uint8Array;
}

/** See createD2cStamp (src/hub/d2c/recordCodec.ts). */
export interface D2cStamp {
  readonly properties: Readonly<SystemProperties>;
  /** The properties as JSON object members, without the braces. */
  readonly json: string;
}

export interface D2cLog {
  readonly partitionCount: number;
  partitionFor(deviceId: string): number;
  /** Durably appends; resolves only once the record is on disk (group commit), so a PUBACK can follow. */
  append(input: D2cAppend): Promise<D2cEvent>;
  /**
   * The same durable append with no promise or event per message (the MQTT front door's hot
   * path): `done` runs once the record is on disk, or with the error; always asynchronously.
   */
  appendThen(input: D2cAppend, done: (error: Error | undefined) => void): void;
  partitionInfo(partition: number): PartitionInfo;
  /** Next sequence number to deliver for a start position (may be lastEnqueued + 1). */
  resolveStart(partition: number, position: D2cStartPosition): Promise<number>;
  /** Up to `max` events with sequenceNumber >= fromSequenceNumber, in order; fewer if not yet written. */
  read(partition: number, fromSequenceNumber: number, max: number): Promise<D2cEvent[]>;
  /** Notified after each durable append batch. Returns an unsubscribe function. */
  onAppended(listener: (partition: number, lastSequenceNumber: number) => void): () => void;
}

export interface C2dQueues {
  /** Validates with the core (64 KB, property rules); 404001 unknown device, 403004 at depth 50. */
  send(deviceId: string, message: { systemProperties: SystemProperties; applicationProperties: ApplicationProperty[]; body: Uint8Array }, options?: C2dSendOptions): Promise<C2dMessage>;
  /** Locks the next Enqueued message (deliveryCount+1, Invisible, lockToken), or undefined when none. */
  receive(deviceId: string, lockTimeoutMs?: number): Promise<C2dMessage | undefined>;
  complete(deviceId: string, lockToken: string): Promise<void>;
  reject(deviceId: string, lockToken: string): Promise<void>;
  abandon(deviceId: string, lockToken: string): Promise<void>;
  /** Every message not yet Completed/DeadLettered-and-removed, with state, delivery count and expiry. */
  peek(deviceId: string): C2dMessage[];
  depth(deviceId: string): number;
  purge(deviceId: string): Promise<number>;
  readonly events: EventedBy<QueueEvent>;
  /**
   * Called synchronously when a sent message is in the queue and its write is queued, before the
   * commit: a connected device's delivery can start while the sender's acknowledgement waits for
   * durability (`events` report only committed changes). Returns an unsubscribe function.
   */
  onDeliverable(listener: (deviceId: string) => void): () => void;
}

export interface FeedbackStore {
  /** Batches with batchId > afterBatchId, oldest first. */
  read(afterBatchId?: number, max?: number): FeedbackBatch[];
  /** Removes batches up to and including batchId (a service receiver "completing" them). */
  acknowledge(batchId: number): Promise<void>;
}

export type AccessRight = 'RegistryRead' | 'RegistryWrite' | 'ServiceConnect' | 'DeviceConnect';
export interface SharedAccessPolicy {
  keyName: string;
  primaryKey: string;
  secondaryKey: string;
  rights: AccessRight[];
}

export interface ConsumerGroups {
  list(): string[];
  create(name: string): Promise<void>;
  delete(name: string): Promise<void>;
}

/** Everything durable about one local hub, opened from its data dir. */
export interface HubState {
  readonly hubName: string;
  readonly policies: SharedAccessPolicy[];
  readonly registry: DeviceRegistry;
  readonly d2c: D2cLog;
  readonly c2d: C2dQueues;
  readonly feedback: FeedbackStore;
  readonly consumerGroups: ConsumerGroups;
  close(): Promise<void>;
}

/** The hub's one logging path (stderr in the CLI, a child-process pipe under the extension). Never log secrets. */
export interface HubLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}
