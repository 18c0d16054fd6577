// Sending one message to a hub, D2C as a device or C2D to a device, behind an interface a cloud
// IoT Hub implementation can also sit behind. Plain Node (no vscode import): the extension's send
// commands call it, the unit tests run it against a real local hub.
//
// D2C goes through IoT Hub's device-facing HTTPS API (`POST /devices/{id}/messages/events`) with
// a SAS token made from the device's own key. Not MQTT: IoT Hub allows one MQTT connection per
// device, and a second one would kick the real device off.
import { randomUUID } from 'node:crypto';
import { createSasToken, resourceUriForDevice } from '../../core/auth/sas';
import { APP_PROPERTY_ALLOWED, describeCharacter, findInvalidRanges, isAllowedPropertyChar } from '../../core/message/charset';
import { SENDER_SYSTEM_PROPERTIES, type Direction, type IotMessage, type SystemProperties, type SystemPropertyName } from '../../core/message/model';
import { computeSize } from '../../core/message/size';
import { LocalHubApiError, type LocalHubClient } from './localHubClient';
import { errorText } from '../../core/errorText';
import { errnoOf, isNoAnswerErrno, isNoNameErrno } from '../../core/networkErrors';

/** What a send did, for the user and the log (never a key or token). */
export interface SentMessage {
  direction: Direction;
  deviceId: string;
  messageId: string;
  /** True when the message had no message-id and the sender gave it one (a UUID, as `az iot` does). */
  messageIdAssigned: boolean;
  /** IoT Hub's size of what was sent: body + system property values + application property names and values. */
  sizeBytes: number;
  /** C2D: messages in the device's queue after this send, when the hub tells. */
  queueDepth?: number;
  /** C2D: the message's sequence number in the device's queue. */
  sequenceNumber?: number;
  /** C2D: when the hub will dead-letter it if the device has not completed it (ISO 8601 UTC). */
  expiryTimeUtc?: string;
  /** Properties of the message that this path cannot carry and were left out. */
  notCarried: SystemPropertyName[];
}

export interface MessageSender {
  /** Sends `message` as device `deviceId` (device-to-cloud telemetry). */
  sendD2c(deviceId: string, message: IotMessage): Promise<SentMessage>;
  /** Queues `message` for device `deviceId` (cloud-to-device), with every system and application property. */
  sendC2d(deviceId: string, message: IotMessage): Promise<SentMessage>;
}

export type SendErrorKind =
  | 'device-not-found'
  | 'queue-full'
  | 'invalid-message'
  | 'too-large'
  | 'unauthorized'
  | 'unsupported'
  | 'unreachable'
  | 'failed';

/** A send the hub (or the path to it) refused, with a message a user can act on. */
export class MessageSendError extends Error {
  override readonly name = 'MessageSendError';
  constructor(
    message: string,
    readonly kind: SendErrorKind,
    readonly details: { status?: number; errorCode?: string; errorNumber?: number } = {},
  ) {
    super(message);
  }
}

export interface LocalHubSenderOptions {
  /** Message id for a message that has none (default: a random UUID). */
  newMessageId?: () => string;
}

/** D2C over HTTPS: IoT Hub's request headers for the system properties a device may set. */
const D2C_HEADERS: ReadonlyArray<[SystemPropertyName, string]> = [
  ['messageId', 'iothub-messageid'],
  ['correlationId', 'iothub-correlationid'],
  ['userId', 'iothub-userid'],
  ['to', 'iothub-to'],
  ['expiryTimeUtc', 'iothub-expiry'],
  ['contentType', 'iothub-contenttype'],
  ['contentEncoding', 'iothub-contentencoding'],
  ['creationTimeUtc', 'iothub-creation-time-utc'],
];
/** Sender properties with no D2C HTTPS header: `ack` is C2D only, `subject` exists on MQTT only. */
const D2C_NOT_CARRIED: readonly SystemPropertyName[] = ['ack', 'subject'];
/** A device token is used once, right away: a short life limits what a leaked one could do. */
const DEVICE_TOKEN_TTL_SECONDS = 300;

/** Sends through the local hub: C2D via its management API, D2C via its device-facing HTTPS API. */
export class LocalHubSender implements MessageSender {
  /** The client (its connection pool, CA and timeout) stays with its owner. */
  constructor(private readonly client: LocalHubClient, private readonly options: LocalHubSenderOptions = {}) {}

  async sendC2d(deviceId: string, message: IotMessage): Promise<SentMessage> {
    rejectModule(message);
    const { systemProperties, messageIdAssigned, notCarried } = this.senderProperties(message, []);
    const sent = await this.mapErrors(deviceId, 'c2d', () => this.client.sendC2d(deviceId, {
      systemProperties,
      // A list, not an object: order and case-duplicates travel as written (the hub judges them).
      applicationProperties: message.applicationProperties.map((p) => ({ name: p.name, value: p.value })),
      bodyBase64: Buffer.from(message.body).toString('base64'),
    }));
    const out: SentMessage = {
      direction: 'c2d',
      deviceId,
      messageId: systemProperties.messageId ?? '',
      messageIdAssigned,
      sizeBytes: computeSize({ ...message, systemProperties }, 'c2d').total,
      sequenceNumber: sent.sequenceNumber,
      expiryTimeUtc: sent.expiryTime,
      notCarried,
    };
    const depth = await this.client.peekQueue(deviceId).then(
      (q) => q.filter((m) => m.state === 'Enqueued' || m.state === 'Invisible').length,
      () => undefined, // the message is queued; a depth we cannot read is just not shown
    );
    if (depth !== undefined) out.queueDepth = depth;
    return out;
  }

  async sendD2c(deviceId: string, message: IotMessage): Promise<SentMessage> {
    rejectModule(message);
    const { systemProperties, messageIdAssigned, notCarried } = this.senderProperties(message, D2C_NOT_CARRIED);
    const headers = d2cHeaders(systemProperties, message);
    const device = await this.mapErrors(deviceId, 'd2c', () => this.client.getDevice(deviceId));
    const key = device.authentication.symmetricKey.primaryKey || device.authentication.symmetricKey.secondaryKey;
    const token = createSasToken({
      resourceUri: resourceUriForDevice(this.client.hostName, deviceId),
      key,
      expiresAtSeconds: Math.floor(Date.now() / 1000) + DEVICE_TOKEN_TTL_SECONDS,
    });
    await this.mapErrors(deviceId, 'd2c', () => this.client.sendDeviceEvent(deviceId, message.body, headers, token));
    return {
      direction: 'd2c',
      deviceId,
      messageId: systemProperties.messageId ?? '',
      messageIdAssigned,
      sizeBytes: computeSize({ ...message, systemProperties }, 'd2c').total,
      notCarried,
    };
  }

  /** The properties a sender may set, minus what this path cannot carry, with a message id. */
  private senderProperties(message: IotMessage, notOnThisPath: readonly SystemPropertyName[]): { systemProperties: SystemProperties; messageIdAssigned: boolean; notCarried: SystemPropertyName[] } {
    const systemProperties: SystemProperties = {};
    const notCarried: SystemPropertyName[] = [];
    for (const [key, value] of Object.entries(message.systemProperties) as Array<[SystemPropertyName, string | undefined]>) {
      if (value === undefined) continue;
      if (SENDER_SYSTEM_PROPERTIES.includes(key) && !notOnThisPath.includes(key)) systemProperties[key] = value;
      else notCarried.push(key);
    }
    // Feedback, logs and the result name a message by its id, so one without gets one.
    const messageIdAssigned = systemProperties.messageId === undefined || systemProperties.messageId === '';
    if (messageIdAssigned) systemProperties.messageId = (this.options.newMessageId ?? randomUUID)();
    return { systemProperties, messageIdAssigned, notCarried };
  }

  private async mapErrors<T>(deviceId: string, direction: Direction, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      throw toSendError(e, direction, deviceId, this.client.host);
    }
  }
}

function rejectModule(message: IotMessage): void {
  if (message.moduleId !== undefined && message.moduleId !== '') {
    throw new MessageSendError(`The message is for module '${message.moduleId}'; the local hub has no module identities. Remove moduleId to send to the device.`, 'unsupported');
  }
}

/**
 * Why IoT Hub's HTTPS device API cannot carry this D2C message's properties (a space or a
 * non-ASCII character in an application property, a non-ASCII system property value), naming
 * every property it refuses, one line each; undefined when it can. MQTT carries such properties,
 * so the send command offers it instead.
 */
export function httpsD2cRefusal(message: IotMessage): string | undefined {
  const sys: SystemProperties = {};
  for (const [key, value] of Object.entries(message.systemProperties) as Array<[SystemPropertyName, string | undefined]>) {
    if (value !== undefined && SENDER_SYSTEM_PROPERTIES.includes(key) && !D2C_NOT_CARRIED.includes(key)) sys[key] = value;
  }
  const { problems } = d2cHeaderProblems(sys, message);
  return problems.length === 0 ? undefined : problems.join('\n');
}

/**
 * Request headers of a D2C message. IoT Hub's HTTPS API refuses application properties outside
 * its character set, and some of those characters cannot be written in a header at all, so they
 * are refused here with the same rule and a message naming every property and character refused.
 */
function d2cHeaders(sys: SystemProperties, message: IotMessage): Record<string, string> {
  const { headers, problems } = d2cHeaderProblems(sys, message);
  if (problems.length > 0) throw new MessageSendError(problems.join(' '), 'invalid-message');
  return headers;
}

function d2cHeaderProblems(sys: SystemProperties, message: IotMessage): { headers: Record<string, string>; problems: string[] } {
  // The body's own content type travels in iothub-contenttype; this one only frames the request.
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  const problems: string[] = [];
  for (const [key, name] of D2C_HEADERS) {
    const value = sys[key];
    if (value === undefined) continue;
    const bad = findInvalidRanges(value, (ch) => ch >= ' ' && ch <= '~')[0];
    if (bad) problems.push(`System property ${key} contains ${describeCharacter(bad.text)} at offset ${bad.start}, which cannot travel in an HTTP header (IoT Hub's HTTPS D2C API); use printable ASCII.`);
    else headers[name] = value;
  }
  const seen = new Set<string>();
  let charsetRefused = false;
  for (const { name, value } of message.applicationProperties) {
    if (name === '') {
      problems.push('An application property has an empty name.');
      continue;
    }
    const faults: string[] = [];
    for (const [what, text] of [['name', name], ['value', value]] as const) {
      const bad = findInvalidRanges(text, isAllowedPropertyChar)[0];
      if (bad) faults.push(`its ${what} contains ${describeCharacter(bad.text)} at offset ${bad.start}`);
    }
    if (faults.length > 0) {
      charsetRefused = true;
      problems.push(`Application property '${name}': ${faults.join(', and ')}.`);
      continue;
    }
    // HTTP header names are case-insensitive, as IoT Hub's property names: two would merge into one.
    if (seen.has(name.toLowerCase())) problems.push(`Application property '${name}' appears twice (IoT Hub compares names ignoring case).`);
    seen.add(name.toLowerCase());
    // Node writes header names as given, so the property keeps its case on the wire.
    headers[`iothub-app-${name}`] = value;
  }
  if (charsetRefused) problems.push(`IoT Hub's HTTPS D2C API allows only ${APP_PROPERTY_ALLOWED.description} in application property names and values.`);
  return { headers, problems };
}

/** Turns what the hub or the network said into a MessageSendError a user can act on. */
export function toSendError(e: unknown, direction: Direction, deviceId: string, host: string): MessageSendError {
  if (e instanceof MessageSendError) return e;
  if (e instanceof LocalHubApiError) {
    const details: MessageSendError['details'] = { status: e.status };
    if (e.errorCode !== undefined) details.errorCode = e.errorCode;
    if (e.errorNumber !== undefined) details.errorNumber = e.errorNumber;
    const code = e.errorCode ?? '';
    if (code === 'DeviceNotFound' || (e.status === 404 && code === '')) {
      return new MessageSendError(`Device '${deviceId}' is not registered on the hub.`, 'device-not-found', details);
    }
    if (code === 'DeviceMaximumQueueDepthExceeded' || e.errorNumber === 403004) {
      return new MessageSendError(`The C2D queue of device '${deviceId}' is full (IoT Hub allows 50 messages): the device must receive or the queue be purged before another message can be sent (403004).`, 'queue-full', details);
    }
    if (code === 'MessageTooLarge' || e.status === 413) return new MessageSendError(`The message is too large: ${e.message}`, 'too-large', details);
    if (e.status === 400) return new MessageSendError(`The hub refused the ${direction.toUpperCase()} message: ${e.message}`, 'invalid-message', details);
    if (e.status === 401 || e.status === 403) return new MessageSendError(`The hub refused the ${direction.toUpperCase()} message: ${e.message}`, 'unauthorized', details);
    return new MessageSendError(`The hub answered ${e.status}${code ? ` ${code}` : ''}: ${e.message}`, 'failed', details);
  }
  const errno = errnoOf(e);
  if (isNoAnswerErrno(errno) || isNoNameErrno(errno)) {
    return new MessageSendError(`The hub at ${host} did not answer (${errno}). Is it running?`, 'unreachable');
  }
  return new MessageSendError(errorText(e), 'failed');
}
