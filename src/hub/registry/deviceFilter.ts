// The device filter of the tree and the pickers: part of an id, or a pattern with `*` (any run of
// characters) and `?` (one character). Ids compare case-sensitively, as IoT Hub's registry does.
// The local hub's registry filters its device list with it (`GET /devices?filter=`), and every hub
// implementation uses it, so a filter means the same on the local hub and on Azure.

export interface DeviceFilter {
  /** The text as the user typed it (shown in the Devices node's description). */
  readonly text: string;
  matches(deviceId: string): boolean;
  /** The longest literal prefix every match starts with ('' when none): a hub may seek to it. */
  readonly prefix: string;
}

export function compileDeviceFilter(text: string): DeviceFilter {
  const trimmed = text.trim();
  if (!/[*?]/.test(trimmed)) {
    return { text: trimmed, prefix: '', matches: (id) => id.includes(trimmed) };
  }
  let source = '';
  for (const ch of trimmed) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  const re = new RegExp(`^${source}$`, 's');
  const prefix = /^[^*?]*/.exec(trimmed)?.[0] ?? '';
  return { text: trimmed, prefix, matches: (id) => re.test(id) };
}
