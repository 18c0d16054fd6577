// The system properties a routing condition can name with `$`, as IoT Hub's routing query syntax
// documents them (`$contentType`, `$connectionDeviceId`, `$iothub-enqueuedtime`, ...), and where
// each is found in a `RoutingMessage`. One table so the evaluator, the editor's completion and
// hover, and the docs cannot drift apart. Query names are matched ignoring case, as IoT Hub does.

export interface SystemPropertyDef {
  /** The name to write after `$` (the documented spelling). */
  readonly queryName: string;
  /** Every spelling accepted after `$`, lower-case (documented aliases, the wire name). */
  readonly aliases: readonly string[];
  /**
   * Keys of `RoutingMessage.systemProperties` tried in order: first the message model's name
   * (src/core/message/model.ts), then the wire name, so a message built from either works.
   */
  readonly keys: readonly string[];
  readonly description: string;
  /** Set by the hub on receipt; a sender cannot set it. */
  readonly stampedByHub: boolean;
}

function def(queryName: string, keys: string[], aliases: string[], description: string, stampedByHub = false): SystemPropertyDef {
  const all = new Set([queryName.toLowerCase(), ...aliases.map((a) => a.toLowerCase()), ...keys.map((k) => k.toLowerCase())]);
  return { queryName, aliases: [...all], keys, description, stampedByHub };
}

export const SYSTEM_PROPERTIES: readonly SystemPropertyDef[] = [
  def('contentType', ['contentType', 'content-type'], [], 'Content type set by the sender. Must be `application/json` for `$body` conditions.'),
  def('contentEncoding', ['contentEncoding', 'content-encoding'], [], 'Content encoding set by the sender. Must be `utf-8`, `utf-16` or `utf-32` for `$body` conditions.'),
  def('messageId', ['messageId', 'message-id'], [], 'Message id set by the sender.'),
  def('correlationId', ['correlationId', 'correlation-id'], [], 'Correlation id set by the sender.'),
  def('userId', ['userId', 'user-id'], [], 'User id set by the sender.'),
  def('to', ['to'], [], 'Destination set by the sender.'),
  def('connectionDeviceId', ['connectionDeviceId', 'iothub-connection-device-id'], [], 'Id of the device that sent the message (stamped by the hub).', true),
  def('connectionModuleId', ['connectionModuleId', 'iothub-connection-module-id'], [], 'Id of the module that sent the message (stamped by the hub).', true),
  def('connectionAuthGenerationId', ['connectionAuthGenerationId', 'iothub-connection-auth-generation-id'], [], 'Generation id of the sending device (stamped by the hub).', true),
  def('connectionAuthMethod', ['connectionAuthMethod', 'iothub-connection-auth-method'], [], 'How the sender authenticated, as JSON (stamped by the hub).', true),
  def('iothub-enqueuedtime', ['enqueuedTime', 'enqueuedTimeUtc', 'iothub-enqueuedtime'], ['enqueuedTime'], 'Time the hub enqueued the message, ISO 8601 UTC (stamped by the hub).', true),
  def('iothub-message-source', ['messageSource', 'iothub-message-source'], ['messageSource'], 'Source of the message: Telemetry, deviceLifecycleEvents, ... (stamped by the hub).', true),
  def('iothub-creation-time-utc', ['creationTimeUtc', 'iothub-creation-time-utc'], ['creationTimeUtc'], 'Creation time set by the sender.'),
  def('absolute-expiry-time', ['expiryTimeUtc', 'absolute-expiry-time'], ['expiryTimeUtc'], 'Expiry time set by the sender.'),
  def('dt-dataschema', ['dtDataSchema', 'dt-dataschema'], [], 'Device model id of an IoT Plug and Play device (stamped by the hub).', true),
  def('dt-subject', ['dtSubject', 'dt-subject', 'subject'], [], 'Component that sent the message (MQTT `$.sub`).'),
];

const BY_ALIAS = new Map<string, SystemPropertyDef>();
for (const p of SYSTEM_PROPERTIES) for (const a of p.aliases) BY_ALIAS.set(a, p);

/** The system property a `$name` refers to (name without `$`, any case), or undefined. */
export function findSystemProperty(name: string): SystemPropertyDef | undefined {
  return BY_ALIAS.get(name.toLowerCase());
}
