// Parses the start-position filter an Event Hubs receiver attaches with
// (`apache.org:selector-filter:string`). @azure/event-hubs 6.x sends exactly these forms
// (src/eventPosition.ts `getEventPositionFilter`):
//   amqp.annotation.x-opt-offset > '-1'            earliest
//   amqp.annotation.x-opt-offset > '@latest'       latest
//   amqp.annotation.x-opt-offset >[=] '1234'       after / at an offset
//   amqp.annotation.x-opt-sequence-number >[=] '5' after / at a sequence number
//   amqp.annotation.x-opt-enqueued-time > '1700000000000'  enqueued strictly after (ms since epoch)
// Other clients (older SDKs, the .NET and Java ones) leave the value unquoted or use `=`; both are accepted.
import type { D2cStartPosition } from '../contracts';
import { AmqpCondition, EndpointError } from './amqpErrors';

export const SELECTOR_FILTER_NAME = 'apache.org:selector-filter:string';
/** The descriptor code the SDK wraps the selector in (0x0000468C:0x00000004). */
export const SELECTOR_FILTER_CODE = 0x468c00000004;

const FILTER_PATTERN = /^\s*amqp\.annotation\.(x-opt-offset|x-opt-sequence-number|x-opt-enqueued-time)\s*(>=|>|=)\s*(?:'([^']*)'|"([^"]*)"|([^\s'"]+))\s*$/i;

export function parseSelectorFilter(selector: string): D2cStartPosition {
  const m = FILTER_PATTERN.exec(selector);
  if (!m) {
    throw new EndpointError(AmqpCondition.argumentError,
      `Unsupported start filter "${truncate(selector)}": expected amqp.annotation.x-opt-offset, ` +
      "x-opt-sequence-number or x-opt-enqueued-time compared with >, >= or = to a value such as '123'.");
  }
  const field = m[1]!.toLowerCase();
  const op = m[2]!;
  const value = (m[3] ?? m[4] ?? m[5] ?? '').trim();
  const inclusive = op !== '>';
  if (field === 'x-opt-offset') {
    if (value === '-1') return 'earliest';
    if (value.toLowerCase() === '@latest') return 'latest';
    if (!/^\d{1,16}$/.test(value)) {
      throw new EndpointError(AmqpCondition.argumentError,
        `Invalid offset "${truncate(value)}" in the start filter: expected a non-negative decimal integer, '-1' (earliest) or '@latest'.`);
    }
    return { offset: String(Number(value)), inclusive };
  }
  if (field === 'x-opt-sequence-number') {
    if (!/^-?\d{1,16}$/.test(value) || Number(value) < -1) {
      throw new EndpointError(AmqpCondition.argumentError,
        `Invalid sequence number "${truncate(value)}" in the start filter: expected an integer >= -1.`);
    }
    const sequenceNumber = Number(value);
    // "> -1" and ">= -1" both mean "from the start": clamp to a position the log understands.
    if (sequenceNumber < 0) return { sequenceNumber: 0, inclusive: true };
    return { sequenceNumber, inclusive };
  }
  const time = parseEnqueuedTime(value);
  // The log's time position is "enqueued strictly after"; >= and = become "after time - 1 ms".
  return { enqueuedTime: inclusive ? time - 1 : time };
}

/** The filter value from a link's source: a plain string or a described value wrapping one. */
export function selectorFromSourceFilter(filter: unknown): string | undefined {
  if (filter === null || typeof filter !== 'object') return undefined;
  const entries = filter instanceof Map ? [...filter.entries()] : Object.entries(filter as Record<string, unknown>);
  for (const [key, raw] of entries) {
    if (String(key).toLowerCase() !== SELECTOR_FILTER_NAME) continue;
    const value = unwrapDescribed(raw);
    if (typeof value !== 'string') {
      throw new EndpointError(AmqpCondition.invalidField,
        `The ${SELECTOR_FILTER_NAME} filter must hold a string selector.`);
    }
    return value;
  }
  return undefined;
}

function unwrapDescribed(v: unknown): unknown {
  let cur = v;
  for (let i = 0; i < 3 && cur !== null && typeof cur === 'object' && 'value' in cur; i++) {
    cur = (cur as { value: unknown }).value;
  }
  if (Buffer.isBuffer(cur)) return cur.toString('utf8');
  return cur;
}

function parseEnqueuedTime(value: string): number {
  if (/^-?\d{1,16}$/.test(value)) return Number(value);
  // Tolerate an ISO timestamp, which some hand-written clients send.
  const t = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (Number.isFinite(t)) return t;
  throw new EndpointError(AmqpCondition.argumentError,
    `Invalid enqueued time "${truncate(value)}" in the start filter: expected milliseconds since the Unix epoch.`);
}

function truncate(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}
