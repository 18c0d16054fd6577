// Helpers for suites that need the extension's local hub: wait until it runs, talk to it with
// its own management API (to verify what the extension did), and watch its D2C log.
import { readFileSync } from 'node:fs';
import { LocalHubClient } from '../../src/hub/client/localHubClient';
import type { D2cEventJson } from '../../src/hub/http/jsonShapes';
import type { ConnectionInfoJson } from '../../src/hub/localHub';
import { activateExtension, waitFor } from './framework';

export async function runningHubInfo(): Promise<ConnectionInfoJson> {
  const runtime = await activateExtension();
  if (runtime.localHub.status.state === 'stopped') await runtime.localHub.start();
  return waitFor(() => {
    const s = runtime.localHub.status;
    if (s.state === 'failed') throw new Error(`local hub failed: ${s.message}`);
    return s.state === 'running' ? s.info : undefined;
  }, { timeout: 45_000, message: 'the local hub to run' });
}

export function hubClient(info: ConnectionInfoJson): LocalHubClient {
  return LocalHubClient.fromConnectionString(info.hubConnectionString, { ca: readFileSync(info.caCertPath) });
}

/** Collects D2C events stored from now on (every partition). */
export async function watchD2c(client: LocalHubClient): Promise<{ events: D2cEventJson[]; find(messageId: string): Promise<D2cEventJson>; close(): void }> {
  const events: D2cEventJson[] = [];
  const sub = client.tailD2c({ from: 'latest' }, (e) => events.push(e));
  await sub.ready;
  return {
    events,
    find: (messageId) => waitFor(() => events.find((e) => e.systemProperties.messageId === messageId), { timeout: 10_000, message: `D2C event ${messageId} in the hub's log` }),
    close: () => sub.close(),
  };
}
