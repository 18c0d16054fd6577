// The IoT Hub message model shared by the hub, the validators, the language rules and the
// inspector. No `vscode` import: this runs in plain Node, the hub process and the webview.

export type Direction = 'd2c' | 'c2d';

/** IoT Hub's C2D acknowledgement modes (`iothub-ack`). */
export type AckMode = 'none' | 'positive' | 'negative' | 'full';
export const ACK_MODES: readonly AckMode[] = ['none', 'positive', 'negative', 'full'];

/**
 * System properties. Keys are our camelCase names; `SYSTEM_PROPERTY_WIRE_NAMES` maps them to
 * the names IoT Hub documents (`message-id`, ...). Values are kept as the strings that travel on
 * the wire so that validation and size accounting see exactly what the hub sees.
 */
export interface SystemProperties {
  messageId?: string;
  correlationId?: string;
  userId?: string;
  to?: string;
  /** ISO 8601 UTC, e.g. `2026-11-22T10:00:00.000Z` (`absolute-expiry-time`, MQTT `$.exp`). */
  expiryTimeUtc?: string;
  contentType?: string;
  contentEncoding?: string;
  /** ISO 8601 UTC with no offset (`iothub-creation-time-utc`, MQTT `$.ctime`). */
  creationTimeUtc?: string;
  /** C2D only. Kept as a string so an unknown value can be reported rather than lost. */
  ack?: string;
  /** MQTT `$.sub` (subject / module routing). */
  subject?: string;
  // Stamped by the hub (D2C) or by the C2D queue; never set by a sender.
  enqueuedTimeUtc?: string;
  sequenceNumber?: string;
  connectionDeviceId?: string;
  connectionModuleId?: string;
  connectionAuthGenerationId?: string;
  connectionAuthMethod?: string;
  messageSource?: string;
  lockToken?: string;
  deliveryCount?: string;
}

export type SystemPropertyName = keyof SystemProperties;

export const SYSTEM_PROPERTY_WIRE_NAMES: Readonly<Record<SystemPropertyName, string>> = {
  messageId: 'message-id',
  correlationId: 'correlation-id',
  userId: 'user-id',
  to: 'to',
  expiryTimeUtc: 'absolute-expiry-time',
  contentType: 'content-type',
  contentEncoding: 'content-encoding',
  creationTimeUtc: 'iothub-creation-time-utc',
  ack: 'iothub-ack',
  subject: 'subject',
  enqueuedTimeUtc: 'iothub-enqueuedtime',
  sequenceNumber: 'sequence-number',
  connectionDeviceId: 'iothub-connection-device-id',
  connectionModuleId: 'iothub-connection-module-id',
  connectionAuthGenerationId: 'iothub-connection-auth-generation-id',
  connectionAuthMethod: 'iothub-connection-auth-method',
  messageSource: 'iothub-message-source',
  lockToken: 'lock-token',
  deliveryCount: 'delivery-count',
};

/** Properties a sender may set. The rest are stamped by the hub. */
export const SENDER_SYSTEM_PROPERTIES: readonly SystemPropertyName[] = [
  'messageId', 'correlationId', 'userId', 'to', 'expiryTimeUtc', 'contentType', 'contentEncoding',
  'creationTimeUtc', 'ack', 'subject',
];

/**
 * One application property. Kept as an ordered list (not a record) so that case-insensitive
 * duplicates, which IoT Hub collapses, can be found and reported with their position.
 */
export interface ApplicationProperty {
  name: string;
  value: string;
}

export interface IotMessage {
  /** Omitted when unknown; validation then applies the stricter (C2D) character rules only where stated. */
  direction?: Direction;
  deviceId?: string;
  moduleId?: string;
  systemProperties: SystemProperties;
  applicationProperties: ApplicationProperty[];
  /** The opaque body bytes. */
  body: Uint8Array;
}

export function createMessage(init: Omit<Partial<IotMessage>, 'body'> & { body?: Uint8Array | string } = {}): IotMessage {
  const body = typeof init.body === 'string' ? new TextEncoder().encode(init.body) : init.body ?? new Uint8Array();
  const msg: IotMessage = {
    systemProperties: { ...(init.systemProperties ?? {}) },
    applicationProperties: [...(init.applicationProperties ?? [])],
    body,
  };
  if (init.direction !== undefined) msg.direction = init.direction;
  if (init.deviceId !== undefined) msg.deviceId = init.deviceId;
  if (init.moduleId !== undefined) msg.moduleId = init.moduleId;
  return msg;
}
