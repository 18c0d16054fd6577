// Where a monitor starts reading: now (the default: a monitor should not replay hours-old data),
// the earliest retained event, a time ago, or a point in time. Parsing of what a user types lives
// here so the command and the tests agree on it. No vscode import.

export type StartChoice =
  | { kind: 'now' }
  | { kind: 'earliest' }
  /** `ms` before the monitor starts. */
  | { kind: 'ago'; ms: number }
  /** An absolute time (ms since the epoch). */
  | { kind: 'time'; at: number };

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `5m`, `2h`, `1d` (a number and a unit); undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$/i.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * (UNITS[m[2]!.toLowerCase()] ?? 0);
  return ms > 0 ? ms : undefined;
}

/** An ISO 8601 date-time with a zone (`2026-12-07T14:00:00Z`, `...+01:00`); undefined otherwise. */
export function parsePointInTime(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(t)) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

export function describeStart(choice: StartChoice): string {
  switch (choice.kind) {
    case 'now': return 'from now';
    case 'earliest': return 'from the earliest retained message';
    case 'ago': return `from ${formatDuration(choice.ms)} ago`;
    case 'time': return `from ${new Date(choice.at).toISOString()}`;
  }
}

export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', UNITS['d']!], ['h', UNITS['h']!], ['m', UNITS['m']!]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}
