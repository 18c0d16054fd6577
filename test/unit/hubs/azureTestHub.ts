// Helpers for tests that stand the local hub in for Azure: its owner connection string as Azure
// writes one, and the test-only LocalTrust (CA and ephemeral ports) the Azure implementation takes.
import { parseHubConnectionString } from '../../../src/core/auth/connectionString';
import type { LocalTrust } from '../../../src/hubs/azure/sdkClients';
import type { TestHub } from '../hub/testHub';

/** `HostName=localhost` (no port), the hub's owner policy, and its key (or `key`). */
export function azureStyle(t: TestHub, key?: string): string {
  const cs = parseHubConnectionString(t.hub.connectionInfo.hubConnectionString);
  return `HostName=localhost;SharedAccessKeyName=${cs.sharedAccessKeyName};SharedAccessKey=${key ?? cs.sharedAccessKey}`;
}

export function trustOf(t: TestHub): LocalTrust {
  const out: LocalTrust = { ca: t.ca, restPort: t.apiPort, mqttPort: t.mqttPort };
  const amqp = (t.hub.connectionInfo as { service?: { amqpPort?: number } }).service?.amqpPort;
  if (amqp !== undefined) out.amqpPort = amqp;
  return out;
}
