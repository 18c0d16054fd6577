// What validation reports: every problem, with the exact place and the rule it breaks.
import type { SystemPropertyName } from './model';

export type Severity = 'error' | 'warning' | 'info';

/** Stable rule identifiers. `code` (IOTnnn) is what users see and can search for. */
export type RuleId =
  | 'invalid-character'          // a character outside the allowed set (name or value)
  | 'message-id-too-long'
  | 'message-id-invalid-character'
  | 'duplicate-property'         // case-insensitive duplicate application property name
  | 'empty-property-name'
  | 'expiry-in-past'
  | 'expiry-too-far'             // beyond 48 hours
  | 'expiry-invalid'             // not an ISO 8601 UTC time
  | 'creation-time-invalid'
  | 'unknown-ack'
  | 'ack-not-allowed'            // ack on a D2C message
  | 'unknown-content-encoding'
  | 'message-too-large'
  | 'reserved-property'          // a hub-stamped property set by a sender
  | 'device-id-invalid';

/** Where a problem is. Offsets are UTF-16 code unit offsets inside the named string. */
export type ProblemTarget =
  | { kind: 'systemProperty'; property: SystemPropertyName }
  | { kind: 'applicationPropertyName'; index: number; name: string }
  | { kind: 'applicationPropertyValue'; index: number; name: string }
  | { kind: 'deviceId' }
  | { kind: 'body' }
  | { kind: 'message' };

export interface Problem {
  rule: RuleId;
  /** e.g. `IOT101`; stable per rule. */
  code: string;
  severity: Severity;
  /** A complete sentence a user understands, naming the limit or allowed set involved. */
  message: string;
  target: ProblemTarget;
  /**
   * Character range inside the target string, when the problem is narrower than the whole value.
   * For a value with several bad characters it spans the first to the last; `places` has each.
   */
  range?: { start: number; end: number };
  /**
   * Each exact place the problem is about, in order (the bad characters of one value: one problem
   * per value, so four bad characters read as one problem, each still marked where it stands).
   */
  places?: { start: number; end: number }[];
  /** The limit involved, when there is one (bytes, characters, hours). */
  limit?: number;
  actual?: number;
}

export interface SizeBreakdown {
  body: number;
  systemValues: number;
  applicationNames: number;
  applicationValues: number;
  total: number;
  limit: number;
}

export interface ValidationResult {
  problems: Problem[];
  size: SizeBreakdown;
}
