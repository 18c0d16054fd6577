// The local hub as a benchmark target: its own process, SAS-authenticated devices, C2D sent
// through the management API (HTTPS -> durable queue -> MQTT delivery).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createSasToken, resourceUriForDevice, resourceUriForHub } from '../../src/core/auth/sas';
import { parseHubConnectionString } from '../../src/core/auth/connectionString';
import { waitForLine, type Target } from './targets';

export async function startHubTarget(root: string, dataDir: string, deviceCount = 1000): Promise<Target> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/hub/hubServer.ts'), dataDir, String(deviceCount)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = JSON.parse(await waitForLine(child, (l) => l.includes('"ready"'), 180_000)) as {
    mqttUrl: string; apiUrl: string; ca: string; hostName: string; hubConnectionString: string; deviceKey: string;
  };
  const expires = Math.floor(Date.now() / 1000) + 3600;
  const owner = parseHubConnectionString(ready.hubConnectionString);
  return {
    name: 'local hub (durable)', url: ready.mqttUrl, ca: ready.ca, pid: child.pid!,
    credentials: async (n) => Array.from({ length: n }, (_, i) => ({
      clientId: `dev${i}`,
      username: `${ready.hostName}/dev${i}/?api-version=2021-04-12`,
      password: createSasToken({ resourceUri: resourceUriForDevice(ready.hostName, `dev${i}`), key: ready.deviceKey, expiresAtSeconds: expires }),
    })),
    c2dSender: async () => ({
      kind: 'hubApi', apiBase: ready.apiUrl,
      authorization: createSasToken({ resourceUri: resourceUriForHub(owner.hostName), key: owner.sharedAccessKey, keyName: owner.sharedAccessKeyName, expiresAtSeconds: expires }),
    }),
    stop: () => new Promise<void>((resolve) => {
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => { clearTimeout(t); resolve(); });
      child.kill('SIGTERM');
    }),
  };
}
