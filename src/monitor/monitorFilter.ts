// Which devices a monitor shows. A device's monitor shows that device only (exact id); a pattern
// with `*` and `?` (src/hubs/deviceFilter.ts) matches whole ids. Always tested against the id IoT
// Hub stamped (iothub-connection-device-id), which a device cannot forge, so no message from
// another device can appear under a device's monitor. No vscode import.
import { compileDeviceFilter } from '../hubs/deviceFilter';

export type MonitorScope =
  | { kind: 'hub' }
  | { kind: 'device'; deviceId: string }
  /** Whole-id pattern with `*`/`?`; text without wildcards means exactly that id. */
  | { kind: 'pattern'; pattern: string };

export function scopeMatcher(scope: MonitorScope): (deviceId: string | undefined) => boolean {
  switch (scope.kind) {
    case 'hub': return () => true;
    case 'device': return (id) => id === scope.deviceId;
    case 'pattern': {
      const text = scope.pattern.trim();
      if (!/[*?]/.test(text)) return (id) => id === text;
      const f = compileDeviceFilter(text);
      return (id) => id !== undefined && f.matches(id);
    }
  }
}

export function describeScope(scope: MonitorScope): string {
  switch (scope.kind) {
    case 'hub': return 'all devices';
    case 'device': return `device '${scope.deviceId}'`;
    case 'pattern': return `devices '${scope.pattern}'`;
  }
}
