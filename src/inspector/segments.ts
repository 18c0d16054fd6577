// Splits a property name or value into runs of characters, each run carrying the problems whose
// range covers it. The webview wraps flagged runs in <mark>, so an invalid character is shown in
// place, with the rule it breaks, rather than as a message about "the value".
import type { Problem } from '../core/message/problems';

export interface Segment {
  text: string;
  /** UTF-16 offset of the run inside the whole string. */
  start: number;
  /** Problems whose range covers this run; empty for an unflagged run. */
  problems: Problem[];
}

/**
 * Ranged problems become flagged runs; problems without a range are not placed here (the caller
 * shows them against the whole value). Overlapping ranges split into runs that carry every
 * problem covering them. Ranges are clamped to the string and never split a surrogate pair.
 */
export function segmentText(text: string, problems: readonly Problem[]): Segment[] {
  // A problem about several characters marks each of them (its `places`), not the span between.
  const ranged = problems
    .flatMap((p) => (p.places ?? (p.range ? [p.range] : [])).map((r) => ({ p, start: clamp(text, r.start, -1), end: clamp(text, r.end, 1) })))
    .filter((r) => r.end > r.start);
  if (ranged.length === 0) return text.length === 0 ? [] : [{ text, start: 0, problems: [] }];

  const cuts = new Set<number>([0, text.length]);
  for (const r of ranged) { cuts.add(r.start); cuts.add(r.end); }
  const points = [...cuts].sort((a, b) => a - b);
  const out: Segment[] = [];
  for (let i = 0; i < points.length - 1; i++) {
    const start = points[i] ?? 0;
    const end = points[i + 1] ?? start;
    if (end <= start) continue;
    const covering = ranged.filter((r) => r.start <= start && r.end >= end).map((r) => r.p);
    const prev = out[out.length - 1];
    // Adjacent unflagged runs (or runs with the very same problems) merge into one.
    if (prev && sameProblems(prev.problems, covering)) prev.text += text.slice(start, end);
    else out.push({ text: text.slice(start, end), start, problems: covering });
  }
  return out;
}

/** `towards` -1 moves a start back, +1 moves an end forward, so a pair is never split. */
function clamp(text: string, offset: number, towards: -1 | 1): number {
  const o = Math.max(0, Math.min(text.length, Math.trunc(offset)));
  const splitsPair = o > 0 && o < text.length && isLowSurrogate(text.charCodeAt(o)) && isHighSurrogate(text.charCodeAt(o - 1));
  return splitsPair ? o + (towards === -1 ? -1 : 1) : o;
}

function isHighSurrogate(c: number): boolean { return c >= 0xd800 && c <= 0xdbff; }
function isLowSurrogate(c: number): boolean { return c >= 0xdc00 && c <= 0xdfff; }

function sameProblems(a: readonly Problem[], b: readonly Problem[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}
