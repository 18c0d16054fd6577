// The one table of validation rules: the linter, the language server and the inspector all show
// this text, so a code (IOTnnn) means the same thing everywhere. Codes are stable: never reuse
// or renumber one; add new rules at the end.
import type { RuleId, Severity } from './problems';

export interface RuleInfo {
  code: string;
  /** Default severity. A few rules report a lower severity in some directions (see `description`). */
  severity: Severity;
  title: string;
  description: string;
}

export const RULES: Readonly<Record<RuleId, RuleInfo>> = {
  'invalid-character': {
    code: 'IOT101',
    severity: 'error',
    title: 'Character not allowed in an application property',
    description:
      "IoT Hub allows only ASCII letters, digits and ! # $ % & ' * + - . ^ _ ` | ~ in application property names and values " +
      'of every C2D message (error) and of D2C messages sent over HTTPS. MQTT and AMQP D2C messages may carry other ' +
      'characters, so for D2C this is a warning: the message may be rejected if it is ever sent over HTTPS.',
  },
  'message-id-too-long': {
    code: 'IOT102',
    severity: 'error',
    title: 'message-id longer than 128 characters',
    description: 'IoT Hub accepts a message-id of at most 128 characters.',
  },
  'message-id-invalid-character': {
    code: 'IOT103',
    severity: 'error',
    title: 'Character not allowed in message-id',
    description: "A message-id may hold only ASCII letters, digits and - : . + % _ # * ? ! ( ) , = @ ; $ '.",
  },
  'duplicate-property': {
    code: 'IOT104',
    severity: 'error',
    title: 'Duplicate application property name',
    description:
      'Application property names are case-insensitive: IoT Hub keeps only one of two names that differ only in case. ' +
      'Reported on every later duplicate, naming the first.',
  },
  'empty-property-name': {
    code: 'IOT105',
    severity: 'error',
    title: 'Empty application property name',
    description: 'An application property needs a non-empty name.',
  },
  'expiry-in-past': {
    code: 'IOT106',
    severity: 'error',
    title: 'Expiry time already passed',
    description:
      'absolute-expiry-time (ExpiryTimeUtc) is in the past: a C2D message expires before it can be delivered (error). ' +
      'For D2C it is a warning.',
  },
  'expiry-too-far': {
    code: 'IOT107',
    severity: 'warning',
    title: 'Expiry more than 48 hours ahead',
    description: 'IoT Hub keeps a C2D message at most 48 hours; a later absolute-expiry-time does not extend that.',
  },
  'expiry-invalid': {
    code: 'IOT108',
    severity: 'error',
    title: 'Expiry time is not ISO 8601 UTC',
    description: 'absolute-expiry-time must be an ISO 8601 UTC time such as 2026-11-22T10:00:00.000Z.',
  },
  'creation-time-invalid': {
    code: 'IOT109',
    severity: 'error',
    title: 'Creation time is not ISO 8601 UTC',
    description:
      'iothub-creation-time-utc must be an ISO 8601 UTC time with no offset, such as 2026-11-22T10:00:00.000Z ' +
      '(a trailing Z, or none).',
  },
  'unknown-ack': {
    code: 'IOT110',
    severity: 'error',
    title: 'Unknown iothub-ack value',
    description: 'iothub-ack must be none, positive, negative or full.',
  },
  'ack-not-allowed': {
    code: 'IOT111',
    severity: 'warning',
    title: 'iothub-ack on a D2C message',
    description: 'Delivery feedback (iothub-ack) exists only for C2D messages; on a D2C message it has no effect.',
  },
  'unknown-content-encoding': {
    code: 'IOT112',
    severity: 'warning',
    title: 'Unusual content-encoding',
    description:
      'IoT Hub message routing understands content-encoding utf-8, utf-16 and utf-32 (any case); other values leave the ' +
      'body opaque to routing queries.',
  },
  'message-too-large': {
    code: 'IOT113',
    severity: 'error',
    title: 'Message larger than IoT Hub allows',
    description:
      'Body bytes + system property values + application property names and values (UTF-8) must not exceed ' +
      '256 KB (262144 bytes) for D2C or 64 KB (65536 bytes) for C2D.',
  },
  'reserved-property': {
    code: 'IOT114',
    severity: 'error',
    title: 'Property set by IoT Hub',
    description:
      'IoT Hub stamps this system property itself (enqueued time, sequence number, connection device id, ...); a sender ' +
      'cannot set it.',
  },
  'device-id-invalid': {
    code: 'IOT115',
    severity: 'error',
    title: 'Invalid device id',
    description:
      "A device id has 1 to 128 characters: ASCII letters, digits and - . + % _ # * ? ! ( ) , = @ $ ' (: and ; tolerated).",
  },
};

/** Every rule in code order, for documentation and for listing in the linter. */
export function rulesInCodeOrder(): Array<RuleInfo & { id: RuleId }> {
  return (Object.entries(RULES) as Array<[RuleId, RuleInfo]>)
    .map(([id, info]) => ({ id, ...info }))
    .sort((a, b) => a.code.localeCompare(b.code));
}
