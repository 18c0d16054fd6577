// The webview's copy of the monitor's messages: a ring of the newest `capacity` (so the page's
// memory is bounded however long it runs), each with its numeric JSON fields extracted once (for
// the chart) and its body text decoded once (for the preview and the text filter).
import type { WireMonitored } from '../../src/monitor/protocol';
import { base64ToBytes } from '../../src/inspector/wire';

export interface Row {
  m: WireMonitored;
  /** Body as UTF-8 text (lossy), at most PREVIEW_CHARS kept for preview and search. */
  text: string;
  /** Numeric fields of a JSON object body: `temperature`, `a.b` (one level of nesting). */
  numbers: Record<string, number> | undefined;
  /** Lower-cased haystack for the filter: device, ids, properties, body text. */
  haystack: string;
}

const PREVIEW_CHARS = 4096;
const utf8 = new TextDecoder('utf-8');

function numericFields(text: string): Record<string, number> | undefined {
  const t = text.trimStart();
  if (!t.startsWith('{')) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x === 'number' && Number.isFinite(x)) out[k] = x;
    else if (typeof x === 'object' && x !== null && !Array.isArray(x)) {
      for (const [k2, y] of Object.entries(x as Record<string, unknown>)) if (typeof y === 'number' && Number.isFinite(y)) out[`${k}.${k2}`] = y;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function toRow(m: WireMonitored): Row {
  const bytes = base64ToBytes(m.bodyBase64);
  const text = utf8.decode(bytes.subarray(0, PREVIEW_CHARS * 4)).slice(0, PREVIEW_CHARS);
  const props = m.applicationProperties.map((p) => `${p.name}=${p.value}`).join(' ');
  const haystack = `${m.deviceId} ${m.systemProperties.messageId ?? ''} ${m.systemProperties.correlationId ?? ''} ${props} ${text}`.toLowerCase();
  return { m, text, numbers: bytes.length <= 64 * 1024 ? numericFields(text) : undefined, haystack };
}

export class Store {
  private rows: Row[] = [];
  private start = 0;
  /** Let go by the ring (since the page opened or was cleared). */
  dropped = 0;
  /** Ever received by this page (since opened or cleared). */
  total = 0;

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.rows.length;
  }

  add(m: WireMonitored): Row {
    const row = toRow(m);
    this.total++;
    if (this.rows.length < this.capacity) {
      this.rows.push(row);
    } else {
      this.rows[this.start] = row;
      this.start = (this.start + 1) % this.capacity;
      this.dropped++;
    }
    return row;
  }

  /** Oldest first. */
  at(i: number): Row | undefined {
    return this.rows[(this.start + i) % this.rows.length];
  }

  all(): Row[] {
    return [...this.rows.slice(this.start), ...this.rows.slice(0, this.start)];
  }

  clear(): void {
    this.rows = [];
    this.start = 0;
    this.dropped = 0;
    this.total = 0;
  }
}
