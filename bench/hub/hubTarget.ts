// The local hub as a benchmark target: the shipped CLI bundle (`iot-hub-local start`, i.e.
// dist/hub-cli.js) in its own process, devices registered through its REST API, C2D sent through
// the management API (HTTPS -> durable queue -> MQTT delivery).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSasToken, resourceUriForDevice, resourceUriForHub } from '../../src/core/auth/sas';
import { parseHubConnectionString } from '../../src/core/auth/connectionString';
import { LocalHubClient } from '../../src/hub/client/localHubClient';
import { stopChild, stopIfStartFails, waitForLine, type Target } from './targets';

export async function startHubTarget(root: string, dataDir: string, deviceCount = 1000, name = 'local hub (durable)', routes?: unknown): Promise<Target> {
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
  // A routing configuration (the routing rounds) goes in as the data dir's routes.json.
  if (routes !== undefined) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'routes.json'), JSON.stringify(routes));
  }
  // HUB_BENCH_NODE_ARGS: extra Node flags for the hub process only (for example --cpu-prof when profiling).
  const extra = (process.env['HUB_BENCH_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  // HUB_BENCH_HUB_ARGS: extra `iot-hub-local start` options (for example --partitions 1), for diagnosis.
  const hubArgs = (process.env['HUB_BENCH_HUB_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...extra, join(root, 'dist/hub-cli.js'), 'start', '--data-dir', dataDir,
    '--mqtt-port', '0', '--api-port', '0', '--amqp-port', 'off',
    // Not IoT Hub's standard service ports: a bench must not take 5671 and 443 from a hub the user runs.
    '--service-port', 'off', '--https-port', 'off', '--json', ...hubArgs], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const key = Buffer.alloc(32, 7).toString('base64');
  const ready = await stopIfStartFails(child, async () => {
    const info = JSON.parse(await waitForLine(child, (l) => l.startsWith('{'), 180_000)) as {
      mqtt: { url: string }; api: { url: string }; caCertPath: string; hostName: string; hubConnectionString: string;
    };
    const client = LocalHubClient.fromConnectionString(info.hubConnectionString, { ca: readFileSync(info.caCertPath) });
    try {
      for (let i = 0; i < deviceCount; i += 50) {
        await Promise.all(Array.from({ length: Math.min(50, deviceCount - i) }, (_, j) =>
          client.createDevice({ deviceId: `dev${i + j}`, primaryKey: key, secondaryKey: key })));
      }
    } finally {
      client.close();
    }
    return info;
  });
  const expires = Math.floor(Date.now() / 1000) + 3600;
  const owner = parseHubConnectionString(ready.hubConnectionString);
  return {
    name, url: ready.mqtt.url, ca: ready.caCertPath, pid: child.pid!,
    credentials: async (n) => Array.from({ length: n }, (_, i) => ({
      clientId: `dev${i}`,
      username: `${ready.hostName}/dev${i}/?api-version=2021-04-12`,
      password: createSasToken({ resourceUri: resourceUriForDevice(ready.hostName, `dev${i}`), key, expiresAtSeconds: expires }),
    })),
    c2dSender: async () => ({
      kind: 'hubApi', apiBase: ready.api.url,
      authorization: createSasToken({ resourceUri: resourceUriForHub(owner.hostName), key: owner.sharedAccessKey, keyName: owner.sharedAccessKeyName, expiresAtSeconds: expires }),
    }),
    stop: () => stopChild(child, 15_000),
  };
}
