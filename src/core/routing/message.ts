// What a routing condition reads from a message: system properties by name, application
// properties (matched ignoring case, as IoT Hub does), and the body bytes, parsed at most once
// per message however many routes read it (the parse is cached on the message itself).
import type { IotMessage } from '../message/model';
import { parseRoutingBody, type ParsedBody } from './body';

export interface RoutingMessage {
  /**
   * Keyed by the message model's names (src/core/message/model.ts: contentType, contentEncoding,
   * messageId, correlationId, userId, to, ...) plus the hub's stamps: connectionDeviceId,
   * connectionModuleId, connectionAuthMethod, connectionAuthGenerationId, enqueuedTime (or the model's
   * enqueuedTimeUtc), messageSource, dtDataSchema, dtSubject. Wire names (`content-type`,
   * `iothub-enqueuedtime`, ...) are accepted too (see systemProperties.ts).
   */
  systemProperties: Record<string, string | undefined>;
  applicationProperties: ReadonlyArray<{ name: string; value: string }>;
  body: Uint8Array;
  /**
   * The parsed body, filled by the first `$body` reference evaluated on this message and reused by
   * every later one. A caller that changes `body` or the content properties must reset it to undefined.
   */
  parsedBody?: ParsedBody | undefined;
}

/** Hub stamps a message gets on receipt, for testing a message file as the hub would see it. */
export interface RoutingStamps {
  connectionDeviceId?: string;
  connectionModuleId?: string;
  enqueuedTime?: string;
  messageSource?: string;
  connectionAuthMethod?: string;
}

/**
 * A routing view of a message model. `deviceId` / `moduleId` of the model become the connection
 * ids the hub would stamp, unless `stamps` or the message's own system properties say otherwise.
 */
export function routingMessageFromIotMessage(msg: IotMessage, stamps: RoutingStamps = {}): RoutingMessage {
  const sp: Record<string, string | undefined> = { ...msg.systemProperties };
  const deviceId = stamps.connectionDeviceId ?? msg.systemProperties.connectionDeviceId ?? msg.deviceId;
  const moduleId = stamps.connectionModuleId ?? msg.systemProperties.connectionModuleId ?? msg.moduleId;
  if (deviceId !== undefined) sp['connectionDeviceId'] = deviceId;
  if (moduleId !== undefined) sp['connectionModuleId'] = moduleId;
  const enqueued = stamps.enqueuedTime ?? msg.systemProperties.enqueuedTimeUtc;
  if (enqueued !== undefined) sp['enqueuedTime'] = enqueued;
  if (stamps.messageSource !== undefined) sp['messageSource'] = stamps.messageSource;
  if (stamps.connectionAuthMethod !== undefined) sp['connectionAuthMethod'] = stamps.connectionAuthMethod;
  return { systemProperties: sp, applicationProperties: msg.applicationProperties, body: msg.body };
}

/** The message's parsed body, parsing and caching it on first use. */
export function bodyOf(m: RoutingMessage): ParsedBody {
  let b = m.parsedBody;
  if (b === undefined) {
    b = parseRoutingBody(m);
    m.parsedBody = b;
  }
  return b;
}

/** The value of application property `name` (any case; `lower` is its lower-case form), or undefined. */
export function applicationProperty(props: RoutingMessage['applicationProperties'], name: string, lower: string): string | undefined {
  for (let i = 0; i < props.length; i++) {
    const p = props[i] as { name: string; value: string };
    const n = p.name;
    if (n === name || (n.length === lower.length && n.toLowerCase() === lower)) return p.value;
  }
  return undefined;
}

/** The system property value under the first of `keys` that the message has. */
export function systemProperty(sp: RoutingMessage['systemProperties'], keys: readonly string[]): string | undefined {
  for (const k of keys) {
    const v = sp[k];
    if (v !== undefined) return v;
  }
  return undefined;
}
