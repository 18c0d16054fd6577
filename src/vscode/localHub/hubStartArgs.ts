// The `iot-hub-local start` arguments the extension runs its hub with, from the
// iotHubMessaging.localHub.* settings. No vscode import: tested in plain Node.
// IoT Hub's standard service ports (AMQPS 5671, HTTPS 443) left at their defaults are not passed,
// so the CLI tries them and runs without one it may not bind (taken, or 443 without privilege),
// with a warning naming the fix; any other value is passed and must bind; null turns it off.

import { isLoopbackAddress } from '../../hub/bindHost';

export const DEFAULT_SERVICE_PORT = 5671;
export const DEFAULT_HTTPS_PORT = 443;

export interface LocalHubSettings {
  host: string;
  /** iotHubMessaging.localHub.allowRemoteAccess: without it `host` must be loopback (bindHost.ts checks it before a start). */
  allowRemoteAccess: boolean;
  mqttPort: number;
  apiPort: number;
  amqpPort: number;
  /** IoT Hub's service AMQP over TLS port (azure-iothub Client); null: off. */
  servicePort: number | null;
  /** IoT Hub's HTTPS port (azure-iothub Registry, AMQP/MQTT over WebSocket); null: off. */
  httpsPort: number | null;
}

/** A port setting as the CLI takes it: off, left to the CLI's default (optional), or required. */
function standardPortArgs(flag: string, value: number | null, defaultPort: number): string[] {
  if (value === null) return [flag, 'off'];
  return value === defaultPort ? [] : [flag, String(value)];
}

export function hubStartArgs(dataDir: string, s: LocalHubSettings): string[] {
  const host = s.host.trim();
  return [
    'start', '--data-dir', dataDir, '--host', host,
    // Only reached when the settings allow it (hostSettingProblem): the CLI refuses non-loopback without it.
    ...(isLoopbackAddress(host) ? [] : ['--allow-remote']),
    '--mqtt-port', String(s.mqttPort), '--api-port', String(s.apiPort), '--amqp-port', String(s.amqpPort),
    ...standardPortArgs('--service-port', s.servicePort, DEFAULT_SERVICE_PORT),
    ...standardPortArgs('--https-port', s.httpsPort, DEFAULT_HTTPS_PORT),
  ];
}

/** A port setting read from VS Code's configuration: a whole number 0-65535, or null (off). */
export function portSetting(value: unknown, fallback: number): number | null {
  if (value === null) return null;
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535 ? value : fallback;
}
