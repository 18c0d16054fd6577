// The relative `ttl` of a message file: days, hours, minutes, seconds in that order ("1h30m").
// Chosen over ISO 8601 durations ("PT1H30M") because it reads at a glance; sending turns it into
// absolute-expiry-time = send time + ttl, which is what IoT Hub understands.

const TTL = /^(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Milliseconds, or undefined when `value` is not a ttl. */
export function parseTtl(value: string): number | undefined {
  const m = TTL.exec(value);
  if (!m) return undefined;
  const [d, h, min, s] = [m[1], m[2], m[3], m[4]].map((x) => (x === undefined ? 0 : Number(x)));
  const ms = ((((d ?? 0) * 24 + (h ?? 0)) * 60 + (min ?? 0)) * 60 + (s ?? 0)) * 1000;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** The absolute expiry a ttl gives when sent at `now`. */
export function expiryFromTtl(ttlMs: number, now: Date): string {
  const t = now.getTime() + ttlMs;
  // Beyond what Date can represent: clamp so validation still says "too far" rather than crash.
  return new Date(Math.min(t, 8.64e15)).toISOString();
}
