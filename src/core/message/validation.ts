// Validates an IoT Hub message against the documented rules and reports EVERY problem with its
// exact place, so an editor can underline each and the linter can list them all at once.
import {
  APP_PROPERTY_ALLOWED, DEVICE_ID_ALLOWED, MESSAGE_ID_ALLOWED, describeCharacter, findInvalidRanges,
  isAllowedDeviceIdChar, isAllowedMessageIdChar, isAllowedPropertyChar,
} from './charset';
import { C2D_MAX_TTL_MS, DEVICE_ID_MAX_LENGTH, MESSAGE_ID_MAX_LENGTH } from './limits';
import {
  ACK_MODES, SENDER_SYSTEM_PROPERTIES, SYSTEM_PROPERTY_WIRE_NAMES,
  type Direction, type IotMessage, type SystemPropertyName,
} from './model';
import type { Problem, ProblemTarget, RuleId, Severity, ValidationResult } from './problems';
import { RULES } from './rules';
import { computeSize } from './size';
import { parseUtcTime } from './time';

export interface ValidateOptions {
  /** Overrides `msg.direction`. When neither is set the direction is unknown (see docs/core.md). */
  direction?: Direction;
  /** The time expiry is compared with; defaults to the current time. */
  now?: Date;
  /**
   * The message was read back from the hub (monitor, inspector), so hub-stamped system properties
   * are expected rather than reported as `reserved-property`, and a past expiry is not reported.
   */
  fromHub?: boolean;
}

export const KNOWN_CONTENT_ENCODINGS: readonly string[] = ['utf-8', 'utf-16', 'utf-32'];

function problem(
  rule: RuleId, message: string, target: ProblemTarget,
  extra: { severity?: Severity; range?: { start: number; end: number }; limit?: number; actual?: number } = {},
): Problem {
  const p: Problem = { rule, code: RULES[rule].code, severity: extra.severity ?? RULES[rule].severity, message, target };
  if (extra.range !== undefined) p.range = extra.range;
  if (extra.limit !== undefined) p.limit = extra.limit;
  if (extra.actual !== undefined) p.actual = extra.actual;
  return p;
}

/** Quotes a user string for a message, shortening very long ones so messages stay readable. */
function quote(s: string): string {
  const shown = s.length > 60 ? `${s.slice(0, 57)}...` : s;
  return `'${shown}'`;
}

function wireName(property: SystemPropertyName): string {
  return SYSTEM_PROPERTY_WIRE_NAMES[property];
}

/** The rule's scope in words, for the invalid-character messages. */
function characterScope(direction: Direction | undefined, part: 'names' | 'values'): { severity: Severity; where: string } {
  if (direction === 'c2d') return { severity: 'error', where: `C2D property ${part}` };
  if (direction === 'd2c') {
    return {
      severity: 'warning',
      where: `property ${part} of D2C messages sent over HTTPS (MQTT and AMQP accept it, so this is a warning)`,
    };
  }
  return {
    severity: 'warning',
    where: `property ${part} of C2D messages and of D2C messages sent over HTTPS (direction unknown, so this is a warning)`,
  };
}

/** Live validation of one application property name (empty name, characters). */
export function validatePropertyName(name: string, direction?: Direction, index = 0): Problem[] {
  const target: ProblemTarget = { kind: 'applicationPropertyName', index, name };
  if (name.length === 0) {
    return [problem('empty-property-name', `Application property ${index + 1} has an empty name; IoT Hub needs a non-empty name.`, target)];
  }
  const scope = characterScope(direction, 'names');
  return characterProblems(
    'invalid-character', name, isAllowedPropertyChar, `Application property ${quote(name)}`,
    `IoT Hub allows only ${APP_PROPERTY_ALLOWED.description} in ${scope.where}.`, target, scope.severity,
  );
}

/** Live validation of one application property value (characters). */
export function validatePropertyValue(value: string, direction?: Direction, name = '', index = 0): Problem[] {
  const target: ProblemTarget = { kind: 'applicationPropertyValue', index, name };
  const scope = characterScope(direction, 'values');
  return characterProblems(
    'invalid-character', value, isAllowedPropertyChar, `The value of application property ${quote(name)}`,
    `IoT Hub allows only ${APP_PROPERTY_ALLOWED.description} in ${scope.where}.`, target, scope.severity,
  );
}

/** The most bad characters a message names one by one; the rest are counted (all are still marked). */
const CHARACTERS_NAMED = 8;

/**
 * One problem for every bad character of one string: each named with its offset, the allowed set
 * said once, `places` holding each character's exact range and `range` spanning them all.
 */
function characterProblems(
  rule: RuleId, text: string, allowed: (ch: string) => boolean, subject: string, allowedText: string,
  target: ProblemTarget, severity?: Severity,
): Problem[] {
  const bad = findInvalidRanges(text, allowed);
  const first = bad[0];
  const last = bad[bad.length - 1];
  if (!first || !last) return [];
  const named = bad.slice(0, CHARACTERS_NAMED).map((r) => `${describeCharacter(r.text)} at offset ${r.start}`);
  const more = bad.length > CHARACTERS_NAMED ? ` and ${bad.length - CHARACTERS_NAMED} more` : '';
  const what = bad.length === 1 ? `contains ${named[0]}` : `contains ${bad.length} characters that are not allowed: ${named.join(', ')}${more}`;
  const p = problem(rule, `${subject} ${what}; ${allowedText}`, target, {
    ...(severity !== undefined ? { severity } : {}),
    range: { start: first.start, end: last.end },
  });
  p.places = bad.map((r) => ({ start: r.start, end: r.end }));
  return [p];
}

/** Live validation of a message-id (length and characters). */
export function validateMessageId(messageId: string): Problem[] {
  const target: ProblemTarget = { kind: 'systemProperty', property: 'messageId' };
  const out: Problem[] = [];
  if (messageId.length > MESSAGE_ID_MAX_LENGTH) {
    out.push(problem(
      'message-id-too-long',
      `message-id is ${messageId.length} characters long; IoT Hub allows at most ${MESSAGE_ID_MAX_LENGTH}.`,
      target,
      { limit: MESSAGE_ID_MAX_LENGTH, actual: messageId.length, range: { start: MESSAGE_ID_MAX_LENGTH, end: messageId.length } },
    ));
  }
  out.push(...characterProblems(
    'message-id-invalid-character', messageId, isAllowedMessageIdChar, `message-id ${quote(messageId)}`,
    `IoT Hub allows only ${MESSAGE_ID_ALLOWED.description} in a message-id.`, target,
  ));
  return out;
}

/** Live validation of a device id (length and characters). */
export function validateDeviceId(deviceId: string): Problem[] {
  const target: ProblemTarget = { kind: 'deviceId' };
  if (deviceId.length === 0) {
    return [problem('device-id-invalid', 'The device id is empty; IoT Hub needs 1 to 128 characters.', target, { limit: DEVICE_ID_MAX_LENGTH, actual: 0 })];
  }
  const out: Problem[] = [];
  if (deviceId.length > DEVICE_ID_MAX_LENGTH) {
    out.push(problem(
      'device-id-invalid',
      `The device id is ${deviceId.length} characters long; IoT Hub allows at most ${DEVICE_ID_MAX_LENGTH}.`,
      target,
      { limit: DEVICE_ID_MAX_LENGTH, actual: deviceId.length, range: { start: DEVICE_ID_MAX_LENGTH, end: deviceId.length } },
    ));
  }
  for (const r of findInvalidRanges(deviceId, isAllowedDeviceIdChar)) {
    out.push(problem(
      'device-id-invalid',
      `The device id ${quote(deviceId)} contains ${describeCharacter(r.text)} at offset ${r.start}; ` +
        `IoT Hub allows only ${DEVICE_ID_ALLOWED.description} in a device id.`,
      target,
      { range: { start: r.start, end: r.end } },
    ));
  }
  return out;
}

function validateExpiry(value: string, direction: Direction | undefined, now: Date, fromHub: boolean): Problem[] {
  const target: ProblemTarget = { kind: 'systemProperty', property: 'expiryTimeUtc' };
  const parsed = parseUtcTime(value, 'utc-offset');
  if (!parsed.ok) {
    return [problem('expiry-invalid', `absolute-expiry-time ${quote(value)} is not an ISO 8601 UTC time: ${parsed.reason} (for example 2026-11-22T10:00:00.000Z).`, target)];
  }
  const deltaMs = parsed.date.getTime() - now.getTime();
  if (deltaMs <= 0 && !fromHub) {
    const severity: Severity = direction === 'c2d' ? 'error' : 'warning';
    const consequence = direction === 'c2d' ? 'IoT Hub would expire the C2D message before delivering it' : 'the message is already expired';
    return [problem('expiry-in-past', `absolute-expiry-time ${value} is ${describeDuration(-deltaMs)} before now (${now.toISOString()}); ${consequence}.`, target, { severity })];
  }
  if (direction === 'c2d' && deltaMs > C2D_MAX_TTL_MS) {
    const hours = C2D_MAX_TTL_MS / 3_600_000;
    return [problem(
      'expiry-too-far',
      `absolute-expiry-time ${value} is ${describeDuration(deltaMs)} ahead; IoT Hub keeps a C2D message at most ${hours} hours, so it expires earlier.`,
      target,
      { limit: hours, actual: Math.round((deltaMs / 3_600_000) * 10) / 10 },
    )];
  }
  return [];
}

function describeDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return `${Math.max(0, Math.round(ms / 1000))} seconds`;
  if (minutes < 120) return `${minutes} minutes`;
  if (minutes < 72 * 60) return `${Math.round((minutes / 60) * 10) / 10} hours`;
  return `${Math.round((minutes / 1440) * 10) / 10} days`;
}

function validateSystemProperties(msg: IotMessage, direction: Direction | undefined, now: Date, fromHub: boolean): Problem[] {
  const sys = msg.systemProperties;
  const out: Problem[] = [];
  if (sys.messageId !== undefined) out.push(...validateMessageId(sys.messageId));
  if (sys.expiryTimeUtc !== undefined) out.push(...validateExpiry(sys.expiryTimeUtc, direction, now, fromHub));
  if (sys.creationTimeUtc !== undefined) {
    const parsed = parseUtcTime(sys.creationTimeUtc, 'z-or-none');
    if (!parsed.ok) {
      out.push(problem(
        'creation-time-invalid',
        `iothub-creation-time-utc ${quote(sys.creationTimeUtc)} is not an ISO 8601 UTC time: ${parsed.reason} (for example 2026-11-22T10:00:00.000Z).`,
        { kind: 'systemProperty', property: 'creationTimeUtc' },
      ));
    }
  }
  if (sys.ack !== undefined) {
    const target: ProblemTarget = { kind: 'systemProperty', property: 'ack' };
    if (!(ACK_MODES as readonly string[]).includes(sys.ack)) {
      const lower = sys.ack.toLowerCase();
      const hint = (ACK_MODES as readonly string[]).includes(lower) ? ` (values are lower case: did you mean '${lower}'?)` : '';
      out.push(problem('unknown-ack', `iothub-ack ${quote(sys.ack)} is not one of none, positive, negative, full${hint}.`, target));
    }
    if (direction === 'd2c') {
      out.push(problem('ack-not-allowed', 'iothub-ack is set on a D2C message; delivery feedback exists only for C2D messages, so IoT Hub ignores it.', target));
    }
  }
  if (sys.contentEncoding !== undefined && !KNOWN_CONTENT_ENCODINGS.includes(sys.contentEncoding.toLowerCase())) {
    out.push(problem(
      'unknown-content-encoding',
      `content-encoding ${quote(sys.contentEncoding)} is not utf-8, utf-16 or utf-32; IoT Hub routing cannot read the body of such a message.`,
      { kind: 'systemProperty', property: 'contentEncoding' },
    ));
  }
  if (!fromHub) {
    for (const key of Object.keys(sys) as SystemPropertyName[]) {
      if (sys[key] === undefined || SENDER_SYSTEM_PROPERTIES.includes(key)) continue;
      out.push(problem(
        'reserved-property',
        `${wireName(key)} is stamped by IoT Hub; a sender cannot set it (remove it from the message).`,
        { kind: 'systemProperty', property: key },
      ));
    }
  }
  return out;
}

function validateApplicationProperties(msg: IotMessage, direction: Direction | undefined): Problem[] {
  const out: Problem[] = [];
  const firstByLowerName = new Map<string, number>();
  msg.applicationProperties.forEach((p, index) => {
    out.push(...validatePropertyName(p.name, direction, index));
    if (p.name.length > 0) {
      const lower = p.name.toLowerCase();
      const first = firstByLowerName.get(lower);
      if (first === undefined) {
        firstByLowerName.set(lower, index);
      } else {
        const firstName = msg.applicationProperties[first]?.name ?? '';
        out.push(problem(
          'duplicate-property',
          `Application property ${quote(p.name)} (property ${index + 1}) duplicates ${quote(firstName)} (property ${first + 1}); ` +
            'IoT Hub compares names ignoring case and keeps only one of them.',
          { kind: 'applicationPropertyName', index, name: p.name },
        ));
      }
    }
    out.push(...validatePropertyValue(p.value, direction, p.name, index));
  });
  return out;
}

/**
 * Every problem of `msg`, in reading order: device id, system properties, application properties
 * (name, duplicate, value per property), size. The result also carries the size breakdown.
 */
export function validateMessage(msg: IotMessage, options: ValidateOptions = {}): ValidationResult {
  const direction = options.direction ?? msg.direction;
  const now = options.now ?? new Date();
  const fromHub = options.fromHub ?? false;
  const problems: Problem[] = [];
  if (msg.deviceId !== undefined) problems.push(...validateDeviceId(msg.deviceId));
  problems.push(...validateSystemProperties(msg, direction, now, fromHub));
  problems.push(...validateApplicationProperties(msg, direction));
  // An unknown direction is measured against the larger (D2C) limit: only a certain overflow is an error.
  const size = computeSize(msg, direction ?? 'd2c');
  if (size.total > size.limit) {
    const kb = size.limit / 1024;
    const which = direction === 'c2d' ? 'C2D' : 'D2C';
    problems.push(problem(
      'message-too-large',
      `The message is ${size.total} bytes (body ${size.body} + system property values ${size.systemValues} + ` +
        `application property names ${size.applicationNames} + values ${size.applicationValues}); ` +
        `IoT Hub allows at most ${size.limit} bytes (${kb} KB) for ${which} messages.`,
      { kind: 'message' },
      { limit: size.limit, actual: size.total },
    ));
  }
  return { problems, size };
}
