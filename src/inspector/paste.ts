// Turns pasted JSON into an IotMessage. Accepts the shapes people actually have on their
// clipboard: `az iot hub monitor-events --properties all` output, an Event Hubs event
// ({body, properties, systemProperties}), or a plain {systemProperties, applicationProperties,
// body} object. (Message files, *.iotmsg.json, go through the language service's parser.)
// Anything it cannot read gets an error that says what and where; nothing is silently dropped.
import type { ApplicationProperty, IotMessage, SystemProperties, SystemPropertyName } from '../core/message/model';
import { SYSTEM_PROPERTY_WIRE_NAMES } from '../core/message/model';
import { errorText } from '../core/errorText';
import { isStrictBase64 } from '../core/base64';

export type PasteResult =
  | { ok: true; message: IotMessage; /** Things kept aside, e.g. unknown system properties. */ notes: string[] }
  | { ok: false; error: string };

const MQTT_KEYS: Record<string, SystemPropertyName> = {
  mid: 'messageId', cid: 'correlationId', uid: 'userId', to: 'to', exp: 'expiryTimeUtc', ct: 'contentType',
  ce: 'contentEncoding', ctime: 'creationTimeUtc', sub: 'subject',
};

function norm(key: string): string {
  return key.toLowerCase().replace(/^(%24|\$)\./, '').replace(/[^a-z0-9]/g, '');
}

const SYSTEM_ALIASES = new Map<string, SystemPropertyName>();
for (const [camel, wire] of Object.entries(SYSTEM_PROPERTY_WIRE_NAMES) as Array<[SystemPropertyName, string]>) {
  SYSTEM_ALIASES.set(norm(camel), camel);
  SYSTEM_ALIASES.set(norm(wire), camel);
  if (wire.startsWith('iothub-')) SYSTEM_ALIASES.set(norm(wire.slice('iothub-'.length)), camel);
}
for (const [k, v] of Object.entries(MQTT_KEYS)) SYSTEM_ALIASES.set(k, v);
SYSTEM_ALIASES.set('expirytime', 'expiryTimeUtc');
SYSTEM_ALIASES.set('absoluteexpirytimeutc', 'expiryTimeUtc');
SYSTEM_ALIASES.set('ack', 'ack');
SYSTEM_ALIASES.set('creationtime', 'creationTimeUtc');

export function systemPropertyFor(key: string): SystemPropertyName | undefined {
  return SYSTEM_ALIASES.get(norm(key));
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function asText(x: unknown): string {
  if (typeof x === 'string') return x;
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  return JSON.stringify(x);
}

export function parsePastedMessage(text: string): PasteResult {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, error: 'Nothing to inspect: the pasted text is empty.' };
  let root: unknown;
  try {
    root = JSON.parse(trimmed);
  } catch (e) {
    return { ok: false, error: `The pasted text is not JSON: ${errorText(e)}` };
  }
  if (!isRecord(root)) return { ok: false, error: 'The pasted JSON is not an object: expected a message like {"systemProperties": {...}, "applicationProperties": {...}, "body": ...}.' };
  // az iot hub monitor-events wraps each event in {"event": {...}}.
  const ev = isRecord(root['event']) ? root['event'] : root;
  const notes: string[] = [];
  const systemProperties: SystemProperties = {};
  const applicationProperties: ApplicationProperty[] = [];

  const props = isRecord(ev['properties']) ? ev['properties'] : undefined;
  const nestedSystem = props && (isRecord(props['system']) || isRecord(props['application'])) ? props : undefined;
  const systemSources = [ev['systemProperties'], nestedSystem?.['system'], ev['annotations']].filter(isRecord);
  for (const src of systemSources) {
    for (const [k, v] of Object.entries(src)) {
      const camel = systemPropertyFor(k);
      if (camel && v !== null && v !== undefined) systemProperties[camel] = asText(v);
      else if (!camel && !k.startsWith('x-opt-')) notes.push(`System property "${k}" is not an IoT Hub system property the inspector knows; it was left out.`);
    }
  }
  // Top-level shorthands (Event Hubs puts messageId/contentType/... at the top).
  for (const [k, v] of Object.entries(ev)) {
    const camel = systemPropertyFor(k);
    if (camel && (typeof v === 'string' || typeof v === 'number')) systemProperties[camel] ??= asText(v);
  }

  const appSource = ev['applicationProperties'] ?? nestedSystem?.['application'] ?? (nestedSystem ? undefined : ev['properties']);
  if (Array.isArray(appSource)) {
    appSource.forEach((p, i) => {
      if (isRecord(p) && typeof p['name'] === 'string') applicationProperties.push({ name: p['name'], value: asText(p['value'] ?? '') });
      else notes.push(`Application property ${i + 1} is not {"name", "value"}; it was left out.`);
    });
  } else if (isRecord(appSource)) {
    for (const [name, value] of Object.entries(appSource)) applicationProperties.push({ name, value: asText(value ?? '') });
  } else if (appSource !== undefined) {
    return { ok: false, error: 'Application properties must be an object ({"name": "value"}) or a list of {"name", "value"}.' };
  }

  let body: Uint8Array;
  if (typeof ev['bodyBase64'] === 'string') {
    if (!isStrictBase64(ev['bodyBase64'])) return { ok: false, error: '"bodyBase64" is not valid base64.' };
    body = Uint8Array.from(atob(ev['bodyBase64']), (c) => c.charCodeAt(0));
  } else {
    const raw = 'body' in ev ? ev['body'] : 'payload' in ev ? ev['payload'] : ev['data'];
    body = raw === undefined || raw === null ? new Uint8Array() : new TextEncoder().encode(typeof raw === 'string' ? raw : JSON.stringify(raw));
    if (raw !== undefined && raw !== null && typeof raw !== 'string') systemProperties.contentType ??= 'application/json';
  }

  const message: IotMessage = { systemProperties, applicationProperties, body };
  const deviceId = ev['deviceId'] ?? ev['origin'] ?? systemProperties.connectionDeviceId;
  if (typeof deviceId === 'string' && deviceId !== '') message.deviceId = deviceId;
  const moduleId = ev['moduleId'] ?? ev['module'] ?? systemProperties.connectionModuleId;
  if (typeof moduleId === 'string' && moduleId !== '') message.moduleId = moduleId;
  const direction = ev['direction'];
  if (direction === 'd2c' || direction === 'c2d') message.direction = direction;
  else if (systemProperties.connectionDeviceId !== undefined || ev['origin'] !== undefined) message.direction = 'd2c';
  else if (systemProperties.to?.includes('/messages/devicebound') || systemProperties.ack !== undefined) message.direction = 'c2d';
  return { ok: true, message, notes };
}
