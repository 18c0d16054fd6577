// Messages as text for export, recording, copy and diff: NDJSON (one JSON object a line, every
// property, the body as text when it is UTF-8 and as base64 otherwise) and CSV (one row a message,
// RFC 4180 quoting). Shared by the host's export/record and the tests. No vscode import.
import { base64ToBytes } from '../inspector/wire';
import type { WireMonitored } from './protocol';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text when it is valid UTF-8 (and parsed JSON when it is JSON), else base64. */
export function bodyForExport(bodyBase64: string): { body: unknown } | { bodyBase64: string } {
  const bytes = base64ToBytes(bodyBase64);
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return { bodyBase64 };
  }
  try {
    return { body: JSON.parse(text) as unknown };
  } catch {
    return { body: text };
  }
}

/** One message as a plain JSON object (what "Copy as JSON" copies and NDJSON holds a line of). */
export function messageAsJson(m: WireMonitored): Record<string, unknown> {
  const app: Record<string, string> = {};
  for (const p of m.applicationProperties) app[p.name] = p.value;
  return {
    deviceId: m.deviceId,
    ...(m.moduleId !== undefined ? { moduleId: m.moduleId } : {}),
    partition: m.partitionId,
    sequenceNumber: m.sequenceNumber,
    offset: m.offset,
    enqueuedTimeUtc: m.enqueuedTimeUtc,
    systemProperties: { ...m.systemProperties, ...m.otherProperties },
    applicationProperties: app,
    ...bodyForExport(m.bodyBase64),
  };
}

export function toNdjsonLine(m: WireMonitored): string {
  return `${JSON.stringify(messageAsJson(m))}\n`;
}

const CSV_COLUMNS = ['enqueuedTimeUtc', 'deviceId', 'messageId', 'partition', 'sequenceNumber', 'contentType', 'size', 'applicationProperties', 'body'] as const;

function csvCell(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(messages: readonly WireMonitored[]): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const m of messages) {
    const b = bodyForExport(m.bodyBase64);
    const body = 'bodyBase64' in b ? `base64:${b.bodyBase64}` : typeof b.body === 'string' ? b.body : JSON.stringify(b.body);
    const app = JSON.stringify(Object.fromEntries(m.applicationProperties.map((p) => [p.name, p.value])));
    const cells = [m.enqueuedTimeUtc, m.deviceId, m.systemProperties.messageId ?? '', m.partitionId, String(m.sequenceNumber), m.systemProperties.contentType ?? '', String(m.size), app, body];
    rows.push(cells.map(csvCell).join(','));
  }
  return `${rows.join('\r\n')}\r\n`;
}
