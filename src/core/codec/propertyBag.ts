// The MQTT property bag IoT Hub puts at the end of D2C and C2D topics: `k=v&k=v`, url-encoded.
// Behaviour checked against azure-iot-device-mqtt (`_getEventTopicFromMessage`, which encodes
// with querystring/encodeURIComponent, and `_extractPropertiesFromTopicPart`, which decodes with
// decodeURIComponent). Pure code: no Node APIs, so the inspector webview can use it too.
import type { ApplicationProperty, IotMessage, SystemProperties, SystemPropertyName } from '../message/model';

/** A malformed bag or an unencodable property. `offset` is a UTF-16 offset into the bag (or topic). */
export class PropertyBagError extends Error {
  override readonly name = 'PropertyBagError';
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

/** A topic that is not the D2C events / C2D devicebound topic this function parses. */
export class TopicError extends Error {
  override readonly name = 'TopicError';
  constructor(message: string, readonly topic: string) {
    super(message);
  }
}

export type BagStyle = 'd2c' | 'c2d';

/** Bag keys of the system properties, in the order each style writes them. */
const D2C_KEYS: ReadonlyArray<[SystemPropertyName, string]> = [
  // azure-iot-device-mqtt's order, then the keys it does not write.
  ['messageId', '$.mid'], ['correlationId', '$.cid'], ['userId', '$.uid'], ['to', '$.to'],
  ['contentType', '$.ct'], ['contentEncoding', '$.ce'], ['expiryTimeUtc', '$.exp'],
  ['creationTimeUtc', '$.ctime'], ['subject', '$.sub'], ['ack', 'iothub-ack'],
];
const C2D_KEYS: ReadonlyArray<[SystemPropertyName, string]> = [
  // The order IoT Hub publishes C2D properties in: ids, routing, expiry, content, then ack.
  ['messageId', '$.mid'], ['to', '$.to'], ['expiryTimeUtc', '$.exp'], ['correlationId', '$.cid'],
  ['userId', '$.uid'], ['contentType', '$.ct'], ['contentEncoding', '$.ce'], ['creationTimeUtc', '$.ctime'],
  ['subject', '$.sub'], ['ack', 'iothub-ack'],
];

/** Bag key -> system property. Exported for the hub's front door and the inspector. */
export const BAG_KEY_TO_SYSTEM_PROPERTY: ReadonlyMap<string, SystemPropertyName> = new Map(
  D2C_KEYS.map(([prop, key]) => [key, prop]),
);
export const SYSTEM_PROPERTY_TO_BAG_KEY: ReadonlyMap<SystemPropertyName, string> = new Map(D2C_KEYS);

function encodeComponent(s: string, what: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    // encodeURIComponent throws URIError only for a lone surrogate, which has no UTF-8 form.
    throw new PropertyBagError(`${what} contains a lone UTF-16 surrogate, which cannot be url-encoded.`, 0);
  }
}

/**
 * Builds `k=v&k=v` with every key and value url-encoded (`$` becomes `%24`, as both the SDK and
 * IoT Hub write it). Only sender system properties that are set are written; empty strings are
 * written too (`$.cid=`) so nothing set is lost. Throws `PropertyBagError` for an application
 * property whose name would read back as a system property (`$.mid`, `iothub-ack`, ...).
 */
export function encodePropertyBag(sys: SystemProperties, app: readonly ApplicationProperty[], style: BagStyle): string {
  const parts: string[] = [];
  for (const [prop, key] of style === 'c2d' ? C2D_KEYS : D2C_KEYS) {
    const value = sys[prop];
    if (value === undefined) continue;
    parts.push(`${encodeComponent(key, key)}=${encodeComponent(value, `System property ${key}`)}`);
  }
  for (const p of app) {
    if (BAG_KEY_TO_SYSTEM_PROPERTY.has(p.name)) {
      throw new PropertyBagError(
        `Application property '${p.name}' cannot travel in an MQTT property bag: that key means a system property.`, 0,
      );
    }
    if (p.name.length === 0) throw new PropertyBagError('An application property with an empty name cannot travel in an MQTT property bag.', 0);
    parts.push(`${encodeComponent(p.name, `Application property name '${p.name}'`)}=${encodeComponent(p.value, `The value of application property '${p.name}'`)}`);
  }
  return parts.join('&');
}

export interface DecodedPropertyBag {
  systemProperties: SystemProperties;
  applicationProperties: ApplicationProperty[];
  /**
   * `$.`-prefixed keys this codec does not map (e.g. `$.ifid`, `$.on`, `$.schema`). They are ALSO
   * kept as application properties, in order, so nothing is lost; this list lets callers flag them.
   */
  unknownSystemKeys: string[];
  /**
   * Keys that arrived with no `=` (decoded as an empty value). IoT Hub writes a C2D application
   * property whose AMQP value is null this way (`k1&k2=&k3=v`: null, empty, value - see
   * MicrosoftDocs/azure-docs#58154); on D2C the hub documents `k=` and does not support a bare key.
   */
  valuelessKeys: string[];
}

function decodeComponent(raw: string, offset: number, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    // Point at the first bad escape: a `%` not followed by two hex digits, or a sequence that is not UTF-8.
    const bad = /%(?![0-9a-fA-F]{2})/.exec(raw);
    const at = bad ? offset + bad.index : offset;
    const detail = bad ? `'%' at offset ${at} is not followed by two hex digits` : 'its percent-escapes are not valid UTF-8';
    throw new PropertyBagError(`Malformed percent-encoding in ${what}: ${detail}.`, at);
  }
}

/**
 * Parses a property bag. Tolerant where the SDK and IoT Hub are:
 * - `$.mid` and `%24.mid` (and any other percent-encoding of a key) mean the same key;
 * - `+` is a literal plus (decodeURIComponent semantics, as the SDK), not a space;
 * - a segment with no `=` (`k`) is a property with an EMPTY value, and its key is listed in
 *   `valuelessKeys` (the SDK yields the string "undefined" there, which we do not copy);
 * - only the first `=` splits: `a=b=c` has the value `b=c` (the SDK would drop `=c`);
 * - empty segments (`a=1&&b=2`, a trailing `&`, an empty bag) are skipped;
 * - a repeated system key keeps the last value, as the SDK does; repeated application properties
 *   are all kept, in order (validation reports case-insensitive duplicates).
 * Throws `PropertyBagError` with the offset for an empty key (`=v`) or malformed percent-encoding.
 */
export function decodePropertyBag(bag: string, baseOffset = 0): DecodedPropertyBag {
  const systemProperties: SystemProperties = {};
  const applicationProperties: ApplicationProperty[] = [];
  const unknownSystemKeys: string[] = [];
  const valuelessKeys: string[] = [];
  let pos = 0;
  while (pos <= bag.length) {
    let end = bag.indexOf('&', pos);
    if (end < 0) end = bag.length;
    const segment = bag.slice(pos, end);
    const segOffset = baseOffset + pos;
    pos = end + 1;
    if (segment.length === 0) continue;
    const eq = segment.indexOf('=');
    const rawKey = eq < 0 ? segment : segment.slice(0, eq);
    const rawValue = eq < 0 ? '' : segment.slice(eq + 1);
    if (rawKey.length === 0) {
      throw new PropertyBagError(`Empty property name at offset ${segOffset} in the property bag.`, segOffset);
    }
    const key = decodeComponent(rawKey, segOffset, `the property name at offset ${segOffset}`);
    const value = decodeComponent(rawValue, segOffset + eq + 1, `the value of '${key}'`);
    if (key.length === 0) {
      throw new PropertyBagError(`Empty property name at offset ${segOffset} in the property bag.`, segOffset);
    }
    if (eq < 0) valuelessKeys.push(key);
    const prop = BAG_KEY_TO_SYSTEM_PROPERTY.get(key);
    if (prop !== undefined) {
      systemProperties[prop] = value;
      continue;
    }
    if (key.startsWith('$.')) unknownSystemKeys.push(key);
    applicationProperties.push({ name: key, value });
  }
  return { systemProperties, applicationProperties, unknownSystemKeys, valuelessKeys };
}

type BagMessage = Pick<IotMessage, 'systemProperties' | 'applicationProperties'>;

function checkTopicId(id: string, what: string): void {
  if (id.length === 0 || id.includes('/') || id.includes('+') || id.includes('#')) {
    // `+` and `#` are MQTT wildcards: they cannot appear in a topic a client publishes to.
    throw new TopicError(`The ${what} '${id}' cannot be used in an MQTT topic (empty, or contains / + #).`, id);
  }
}

/**
 * `devices/{deviceId}/messages/events/{bag}` or, for a module,
 * `devices/{deviceId}/modules/{moduleId}/messages/events/{bag}` - ids unencoded, as the SDK writes them.
 */
export function formatD2cTopic(deviceId: string, msg: BagMessage, moduleId?: string): string {
  checkTopicId(deviceId, 'device id');
  let prefix = `devices/${deviceId}/`;
  if (moduleId !== undefined) {
    checkTopicId(moduleId, 'module id');
    prefix += `modules/${moduleId}/`;
  }
  return `${prefix}messages/events/${encodePropertyBag(msg.systemProperties, msg.applicationProperties, 'd2c')}`;
}

export interface ParsedD2cTopic extends DecodedPropertyBag {
  deviceId: string;
  moduleId?: string;
}

const D2C_TOPIC = /^devices\/([^/]+)\/(?:modules\/([^/]+)\/)?messages\/events(?:\/(.*))?$/s;

/**
 * Parses a D2C publish topic. Everything after `messages/events/` is the bag (a raw `/` inside it
 * is kept as part of a value rather than rejected). Throws `TopicError` for any other topic and
 * `PropertyBagError` (offset into the topic) for a malformed bag.
 */
export function parseD2cTopic(topic: string): ParsedD2cTopic {
  const m = D2C_TOPIC.exec(topic);
  if (!m || m[1] === undefined) {
    throw new TopicError(
      `'${topic}' is not a D2C topic; devices publish to devices/{deviceId}/messages/events/{properties} ` +
        '(or devices/{deviceId}/modules/{moduleId}/messages/events/{properties}).',
      topic,
    );
  }
  const bag = m[3] ?? '';
  const decoded = decodePropertyBag(bag, topic.length - bag.length);
  const out: ParsedD2cTopic = { deviceId: m[1], ...decoded };
  if (m[2] !== undefined) out.moduleId = m[2];
  return out;
}

/** `devices/{deviceId}/messages/devicebound/{bag}` in the order and encoding IoT Hub publishes. */
export function formatC2dTopic(deviceId: string, msg: BagMessage): string {
  checkTopicId(deviceId, 'device id');
  return `devices/${deviceId}/messages/devicebound/${encodePropertyBag(msg.systemProperties, msg.applicationProperties, 'c2d')}`;
}

export interface ParsedC2dTopic extends DecodedPropertyBag {
  deviceId: string;
}

const C2D_TOPIC = /^devices\/([^/]+)\/messages\/devicebound(?:\/(.*))?$/s;

/** Parses a C2D topic (what a device receives). Throws `TopicError` / `PropertyBagError`. */
export function parseC2dTopic(topic: string): ParsedC2dTopic {
  const m = C2D_TOPIC.exec(topic);
  if (!m || m[1] === undefined) {
    throw new TopicError(`'${topic}' is not a C2D topic; IoT Hub publishes to devices/{deviceId}/messages/devicebound/{properties}.`, topic);
  }
  const bag = m[2] ?? '';
  return { deviceId: m[1], ...decodePropertyBag(bag, topic.length - bag.length) };
}
