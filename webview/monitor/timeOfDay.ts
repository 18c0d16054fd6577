// One time-of-day format for the Message Monitor: the table's Time column and the chart's time axis
// both show 24-hour local time (the table adds milliseconds), so the two read the same. `h23`, not
// `hour12: false`, which some engines render as 24:05 just after midnight.
export function timeOfDay(at: number | Date): string {
  return new Date(at).toLocaleTimeString(undefined, { hourCycle: 'h23' });
}
