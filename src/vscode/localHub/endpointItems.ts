// What *Show Local Hub Endpoints* lists for a running hub: each endpoint with what selecting it
// copies (keys are copied, never shown). No vscode import: tested in plain Node.
import type { ConnectionInfoJson } from '../../hub/localHub';

export interface EndpointItem { label: string; detail: string; copy: string }

/**
 * @param httpsSetting iotHubMessaging.localHub.httpsPort: when it asks for a port the hub is not
 * listening on (443 without privilege, or taken), an item says so and copies the fix.
 */
export function endpointItems(info: ConnectionInfoJson, httpsSetting: number | null, platform: NodeJS.Platform = process.platform): EndpointItem[] {
  const items: EndpointItem[] = [
    { label: 'MQTT (TLS)', detail: info.mqtt.url, copy: info.mqtt.url },
    { label: 'HTTPS API and MQTT over WebSocket', detail: info.api.url, copy: info.api.url },
  ];
  if (info.amqp) items.push({ label: 'Event Hubs-compatible connection string', detail: `amqp://localhost:${info.amqp.port} (copies the connection string with its key)`, copy: info.amqp.eventHubsConnectionString });
  items.push({ label: 'Hub connection string', detail: 'iothubowner policy (copies the connection string with its key)', copy: info.hubConnectionString });
  const service = info.service;
  if (service) {
    const where = [service.amqpPort !== undefined ? `amqps://localhost:${service.amqpPort}` : undefined, service.httpsPort !== undefined ? `https://localhost:${service.httpsPort}` : undefined]
      .filter((x) => x !== undefined).join(', ');
    items.push({ label: 'Service SDK connection string (azure-iothub, Event Hubs redirect)', detail: `${where} (copies the connection string with its key)`, copy: service.connectionString });
    items.push({ label: 'Trust the CA in a back end', detail: `NODE_EXTRA_CA_CERTS=${info.caCertPath} (copies the variable)`, copy: `NODE_EXTRA_CA_CERTS=${info.caCertPath}` });
  }
  if (httpsSetting !== null && service?.httpsPort === undefined) {
    const fix = platform === 'linux'
      ? `sudo setcap cap_net_bind_service=+ep "$(readlink -f "$(command -v node)")"`
      : 'Run VS Code as administrator, or set iotHubMessaging.localHub.httpsPort';
    items.push({
      label: `$(warning) Not listening on HTTPS port ${httpsSetting}`,
      detail: `azure-iothub's Registry and the WebSocket transports dial ${httpsSetting === 443 ? '443' : 'it'}: the port is taken or needs privileges (the log says which). Selecting copies ${platform === 'linux' ? 'a fix: let Node bind low ports' : 'the fix'}; or set iotHubMessaging.localHub.httpsPort (null: off).`,
      copy: fix,
    });
  }
  items.push({ label: 'CA certificate', detail: info.caCertPath, copy: info.caCertPath });
  items.push({ label: 'Data directory', detail: info.dataDir, copy: info.dataDir });
  return items;
}
