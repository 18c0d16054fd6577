// JSON shapes of the local hub's management API (`/local/...`), shared by the server and the typed
// client (src/hub/client). Bodies travel as base64 because they are opaque bytes.
import type { ApplicationProperty, SystemProperties } from '../../core/message/model';
import type { EventHubEndpointConfig, StorageEndpointConfig } from '../routing/routingConfig';
import type { C2dMessage, C2dState, D2cEvent, Device, FeedbackBatch, PartitionInfo, QueueEvent, RegistryEvent } from '../contracts';

export const API_VERSION = '2021-04-12';

export interface C2dMessageJson {
  deviceId: string;
  sequenceNumber: number;
  messageId?: string;
  systemProperties: SystemProperties;
  applicationProperties: ApplicationProperty[];
  bodyBase64: string;
  state: C2dState;
  deliveryCount: number;
  /** ISO 8601 UTC. */
  enqueuedTime: string;
  expiryTime: string;
  lockedUntil?: string;
}

export interface D2cEventJson {
  partition: number;
  sequenceNumber: number;
  offset: string;
  enqueuedTime: string;
  deviceId: string;
  moduleId?: string;
  systemProperties: SystemProperties;
  applicationProperties: ApplicationProperty[];
  bodyBase64: string;
}

/** Body of `POST /local/devices/{id}/messages`. */
export interface C2dSendRequest {
  systemProperties?: SystemProperties;
  /** A list (order and duplicates preserved) or a name -> value object. */
  applicationProperties?: ApplicationProperty[] | Record<string, string>;
  /** The body as base64 (bytes) ... */
  bodyBase64?: string;
  /** ... or as text, sent as UTF-8. */
  body?: string;
  /** Time to live in milliseconds (default 1 hour, at most 48 hours). */
  ttlMs?: number;
}

export interface PurgeResult {
  deviceId: string;
  moduleId: string | null;
  totalMessagesPurged: number;
}

export interface HubInfoJson {
  hubName: string;
  hostName: string;
  version: string;
  pid: number;
  startedAt: string;
  deviceCount: number;
  connectedDevices: number;
  partitionCount: number;
  partitions: PartitionInfo[];
  consumerGroups: string[];
  /** `serviceAmqp`: IoT Hub's service AMQP endpoint (TLS); `https`: the API again on IoT Hub's port 443. */
  ports: { mqtt: number; api: number; amqp?: number; serviceAmqp?: number; https?: number };
}

/**
 * A device as registry events carry it: everything but its keys. The event stream is open to
 * ServiceConnect, which may not read keys (IoT Hub gives them only with RegistryRead, through
 * GET /devices/{id}), and an event is no place to spread secrets anyway.
 */
export type DeviceEventJson = Omit<Device, 'authentication'> & { authentication: { type: 'sas' } };

export type RegistryEventJson =
  | { type: 'deviceCreated'; device: DeviceEventJson }
  | { type: 'deviceUpdated'; device: DeviceEventJson }
  | { type: 'deviceDeleted'; deviceId: string }
  | { type: 'connectionStateChanged'; deviceId: string; connectionState: Device['connectionState'] };

export function registryEventToJson(event: RegistryEvent): RegistryEventJson {
  if (event.type !== 'deviceCreated' && event.type !== 'deviceUpdated') return event;
  const { authentication, ...rest } = event.device;
  return { type: event.type, device: { ...rest, authentication: { type: authentication.type } } };
}

export type QueueEventJson =
  | { type: 'c2dEnqueued'; deviceId: string; message: C2dMessageJson; depth: number }
  | { type: 'c2dStateChanged'; deviceId: string; message: C2dMessageJson; depth: number }
  | { type: 'c2dPurged'; deviceId: string; count: number }
  | { type: 'feedback'; batch: FeedbackBatch };

/** The error body IoT Hub's REST API returns, plus the numeric code. */
export interface ApiErrorJson {
  Message: string;
  ExceptionMessage: string;
  errorCode?: number | string;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function c2dMessageToJson(m: C2dMessage): C2dMessageJson {
  const out: C2dMessageJson = {
    deviceId: m.deviceId,
    sequenceNumber: m.sequenceNumber,
    systemProperties: m.systemProperties,
    applicationProperties: m.applicationProperties,
    bodyBase64: Buffer.from(m.body).toString('base64'),
    state: m.state,
    deliveryCount: m.deliveryCount,
    enqueuedTime: iso(m.enqueuedTime),
    expiryTime: iso(m.expiryTime),
  };
  if (m.messageId !== undefined) out.messageId = m.messageId;
  if (m.lockedUntil !== undefined) out.lockedUntil = iso(m.lockedUntil);
  return out;
}

export function d2cEventToJson(e: D2cEvent): D2cEventJson {
  const out: D2cEventJson = {
    partition: e.partition,
    sequenceNumber: e.sequenceNumber,
    offset: e.offset,
    enqueuedTime: iso(e.enqueuedTime),
    deviceId: e.deviceId,
    systemProperties: e.systemProperties,
    applicationProperties: e.applicationProperties,
    bodyBase64: Buffer.from(e.body).toString('base64'),
  };
  if (e.moduleId !== undefined) out.moduleId = e.moduleId;
  return out;
}

export function queueEventToJson(e: QueueEvent): QueueEventJson {
  switch (e.type) {
    case 'c2dEnqueued':
    case 'c2dStateChanged':
      return { type: e.type, deviceId: e.deviceId, message: c2dMessageToJson(e.message), depth: e.depth };
    case 'c2dPurged':
      return e;
    case 'feedback':
      return e;
  }
}

// ---------------------------------------------------------------- message routing (/local/routing, /local/routes, /local/endpoints)

export type { EndpointStatusJson } from '../routing/messageRouter';
export type { EnrichmentConfig as EnrichmentJson, EventHubEndpointConfig as EventHubEndpointJson, RouteConfig as RouteJson, RoutingConfig as RoutingConfigJson, StorageEndpointConfig as StorageEndpointJson } from '../routing/routingConfig';

/** Body of `PUT /local/routes/{name}` (the name is in the path). */
export interface RoutePutRequest {
  source?: 'DeviceMessages' | 'DeviceLifecycleEvents' | 'DeviceConnectionStateEvents';
  condition?: string;
  /** One endpoint; `endpointName` is accepted as a shorthand. */
  endpointNames?: string[];
  endpointName?: string;
  isEnabled?: boolean;
}

/** Body of `PUT /local/endpoints/{name}`: the endpoint's settings and its kind. */
export type EndpointPutRequest =
  | ({ type: 'eventHub' } & Omit<EventHubEndpointConfig, 'name'>)
  | ({ type: 'storage' } & Omit<Partial<StorageEndpointConfig>, 'name'>);

/** Body of `POST /local/routing/test`: a message to route (nothing is stored or sent). */
export interface RouteTestRequest {
  source?: 'DeviceMessages' | 'DeviceLifecycleEvents' | 'DeviceConnectionStateEvents';
  deviceId?: string;
  systemProperties?: SystemProperties;
  applicationProperties?: ApplicationProperty[] | Record<string, string>;
  body?: string;
  bodyBase64?: string;
}

export interface RouteTestJson {
  /** Routes whose condition matched, in order. */
  routes: string[];
  /** Endpoints the message would go to, each once. */
  endpoints: string[];
  fallback: boolean;
  /** No route matched and the fallback route is off: IoT Hub drops the message. */
  dropped: boolean;
}

/** A refused routing change (400): every problem, with its JSON path and, for a condition, where in it. */
export interface RoutingProblemJson {
  path: string;
  message: string;
  offset?: number;
  length?: number;
}
