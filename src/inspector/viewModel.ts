// The inspector's view model: one IotMessage in, everything the webview draws out. Pure
// TypeScript with no vscode or DOM import, so it is unit-tested under plain Node and bundled
// into the webview, where it re-runs on every edit (live validation).
import type { Direction, IotMessage, SystemPropertyName } from '../core/message/model';
import { SENDER_SYSTEM_PROPERTIES, SYSTEM_PROPERTY_WIRE_NAMES } from '../core/message/model';
import type { Problem, Severity, SizeBreakdown } from '../core/message/problems';
import { runValidation } from './coreAdapter';
import { buildBodyModel, type BodyModel } from './body';
import { segmentText, type Segment } from './segments';

export interface PropertyRowModel {
  /** Stable within one message: `system:messageId`, `application:3`. */
  key: string;
  section: 'system' | 'application';
  /** Set for system rows. */
  property?: SystemPropertyName;
  /** Set for application rows: position in the message's ordered list. */
  index?: number;
  /** Wire name for system rows (`message-id`), the property name for application rows. */
  name: string;
  nameSegments: Segment[];
  /** undefined = a sender property that is not set (shown so it can be set). */
  value: string | undefined;
  valueSegments: Segment[];
  /** Problems about the whole name / value (no character range), e.g. a duplicate name. */
  nameProblems: Problem[];
  valueProblems: Problem[];
  /** False for hub-stamped properties (a sender cannot set them) and for every row of a read-only message. */
  editable: boolean;
  /** A property IoT Hub stamps (enqueued time, sequence number, delivery count...), not one a sender sets. */
  stamped: boolean;
  worst?: Severity;
}

export type SizePartKind = 'body' | 'systemValues' | 'applicationNames' | 'applicationValues';

export interface SizePart {
  kind: SizePartKind;
  label: string;
  bytes: number;
  /** Width on the bar, 0..100, of a scale that fits both the total and the limit. */
  percent: number;
}

export interface SizeBarModel {
  direction: Direction;
  total: number;
  limit: number;
  over: boolean;
  parts: SizePart[];
  /** Where the limit line sits on the bar, 0..100. */
  limitPercent: number;
  /** e.g. `270,000 bytes of 262,144 (D2C limit 256 KB): 7,856 bytes over`. */
  summary: string;
}

export interface InspectorViewModel {
  direction: Direction;
  deviceId: string | undefined;
  deviceIdSegments: Segment[];
  moduleId: string | undefined;
  systemRows: PropertyRowModel[];
  applicationRows: PropertyRowModel[];
  /** Problems that belong to no single property (size, body, the message as a whole). */
  messageProblems: Problem[];
  problems: Problem[];
  counts: Record<Severity, number>;
  size: SizeBarModel;
  body: BodyModel;
  /** Nothing is editable (ViewModelOptions.readOnly). */
  readOnly: boolean;
}

export interface ViewModelOptions {
  direction: Direction;
  now: Date;
  /**
   * The message was read back from the hub (C2D queue, D2C monitor): hub-stamped properties are
   * expected there and a past expiry is history, not a mistake.
   */
  fromHub?: boolean;
  /** A message shown as it is (a queued C2D message): no row is editable. */
  readOnly?: boolean;
  /** Reuse the previous body model when only properties changed (keeps edits cheap on big bodies). */
  previousBody?: { bytes: Uint8Array; contentType: string | undefined; contentEncoding: string | undefined; model: BodyModel };
}

const SEVERITY_ORDER: readonly Severity[] = ['error', 'warning', 'info'];

export function buildViewModel(msg: IotMessage, options: ViewModelOptions): InspectorViewModel {
  const result = runValidation(msg, options.direction, options.now, options.fromHub ?? false);
  const problems = result.problems;
  const sys = msg.systemProperties;
  const readOnly = options.readOnly ?? false;

  const systemNames = new Set<SystemPropertyName>(SENDER_SYSTEM_PROPERTIES);
  for (const key of Object.keys(sys) as SystemPropertyName[]) if (sys[key] !== undefined) systemNames.add(key);
  const order = Object.keys(SYSTEM_PROPERTY_WIRE_NAMES) as SystemPropertyName[];
  const systemRows = order.filter((k) => systemNames.has(k)).map((property): PropertyRowModel => {
    const value = sys[property];
    const mine = problems.filter((p) => p.target.kind === 'systemProperty' && p.target.property === property);
    return finishRow({
      key: `system:${property}`, section: 'system', property,
      name: SYSTEM_PROPERTY_WIRE_NAMES[property], nameSegments: segmentText(SYSTEM_PROPERTY_WIRE_NAMES[property], []),
      value, valueSegments: segmentText(value ?? '', mine),
      nameProblems: [], valueProblems: mine.filter((p) => p.range === undefined),
      editable: !readOnly && SENDER_SYSTEM_PROPERTIES.includes(property),
      stamped: !SENDER_SYSTEM_PROPERTIES.includes(property),
    });
  });

  const applicationRows = msg.applicationProperties.map((prop, index): PropertyRowModel => {
    const onName = problems.filter((p) => p.target.kind === 'applicationPropertyName' && p.target.index === index);
    const onValue = problems.filter((p) => p.target.kind === 'applicationPropertyValue' && p.target.index === index);
    return finishRow({
      key: `application:${index}`, section: 'application', index,
      name: prop.name, nameSegments: segmentText(prop.name, onName),
      value: prop.value, valueSegments: segmentText(prop.value, onValue),
      nameProblems: onName.filter((p) => p.range === undefined), valueProblems: onValue.filter((p) => p.range === undefined),
      editable: !readOnly,
      stamped: false,
    });
  });

  const onDevice = problems.filter((p) => p.target.kind === 'deviceId');
  const messageProblems = problems.filter((p) => p.target.kind === 'message' || p.target.kind === 'body'
    || (p.target.kind === 'deviceId' && p.range === undefined));
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const p of problems) counts[p.severity] += 1;

  const prev = options.previousBody;
  const body = prev && prev.bytes === msg.body && prev.contentType === sys.contentType && prev.contentEncoding === sys.contentEncoding
    ? prev.model
    : buildBodyModel(msg.body, sys.contentType, sys.contentEncoding);

  return {
    direction: options.direction,
    deviceId: msg.deviceId,
    deviceIdSegments: segmentText(msg.deviceId ?? '', onDevice),
    moduleId: msg.moduleId,
    systemRows, applicationRows, messageProblems, problems, counts,
    size: buildSizeBar(result.size, options.direction),
    body,
    readOnly,
  };
}

function finishRow(row: Omit<PropertyRowModel, 'worst'>): PropertyRowModel {
  const all = [...row.nameProblems, ...row.valueProblems,
    ...row.nameSegments.flatMap((s) => s.problems), ...row.valueSegments.flatMap((s) => s.problems)];
  const worst = SEVERITY_ORDER.find((s) => all.some((p) => p.severity === s));
  return worst === undefined ? row : { ...row, worst };
}

const PART_LABELS: Record<SizePartKind, string> = {
  body: 'Body',
  systemValues: 'System property values',
  applicationNames: 'Application property names',
  applicationValues: 'Application property values',
};

export function buildSizeBar(size: SizeBreakdown, direction: Direction): SizeBarModel {
  const scale = Math.max(size.total, size.limit, 1);
  const kinds: SizePartKind[] = ['body', 'systemValues', 'applicationNames', 'applicationValues'];
  const parts = kinds.map((kind) => ({ kind, label: PART_LABELS[kind], bytes: size[kind], percent: (size[kind] / scale) * 100 }));
  const over = size.total > size.limit;
  const limitText = `${direction.toUpperCase()} limit ${formatKb(size.limit)}`;
  const summary = over
    ? `${formatBytes(size.total)} of ${formatBytes(size.limit)} (${limitText}): ${formatBytes(size.total - size.limit)} over`
    : `${formatBytes(size.total)} of ${formatBytes(size.limit)} (${limitText}): ${formatBytes(size.limit - size.total)} left`;
  return { direction, total: size.total, limit: size.limit, over, parts, limitPercent: (size.limit / scale) * 100, summary };
}

export function formatBytes(n: number): string {
  return `${groupDigits(n)} ${n === 1 ? 'byte' : 'bytes'}`;
}

/** 262144 -> "262,144". By hand: the first toLocaleString call costs ~40 ms (Intl start-up). */
export function groupDigits(n: number): string {
  const sign = n < 0 ? '-' : '';
  return sign + String(Math.abs(Math.trunc(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function formatKb(n: number): string {
  const kb = n / 1024;
  return `${Number.isInteger(kb) ? kb.toFixed(0) : kb.toFixed(1)} KB`;
}
