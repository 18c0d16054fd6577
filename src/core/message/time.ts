// Strict parsing of the ISO 8601 UTC times IoT Hub uses for absolute-expiry-time and
// iothub-creation-time-utc. `Date.parse` is too lenient (it accepts "Nov 22 2026" and local times),
// so the shape is checked by hand and every field range is verified.

export type UtcZoneRule =
  /** `Z` or a zero offset (`+00:00`, `-00:00`, `+0000`). */
  | 'utc-offset'
  /** `Z` or no zone at all (IoT Hub documents creation time as "UTC with no offset"). */
  | 'z-or-none';

export type UtcParseResult = { ok: true; date: Date } | { ok: false; reason: string };

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

export function parseUtcTime(text: string, zoneRule: UtcZoneRule): UtcParseResult {
  const m = ISO.exec(text);
  if (!m) return { ok: false, reason: 'it is not in the form YYYY-MM-DDTHH:MM:SS[.fff]Z' };
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  if (month < 1 || month > 12) return { ok: false, reason: `month ${mo} is out of range` };
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return { ok: false, reason: `day ${d} does not exist in that month` };
  if (hour > 23 || minute > 59 || second > 59) return { ok: false, reason: 'the time of day is out of range' };
  if (zone === undefined) {
    if (zoneRule !== 'z-or-none') return { ok: false, reason: "it has no time zone; add 'Z' to mark it as UTC" };
  } else if (zone !== 'Z') {
    const zero = /^[+-]00:?00$/.test(zone);
    if (!zero || zoneRule !== 'utc-offset') {
      return { ok: false, reason: `it has the offset ${zone}; IoT Hub expects UTC written with a trailing 'Z'` };
    }
  }
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  // Date.UTC maps years 0-99 to 1900-1999; set the full year explicitly.
  date.setUTCFullYear(year, month - 1, day);
  return { ok: true, date };
}
