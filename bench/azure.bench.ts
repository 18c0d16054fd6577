// npm run bench:azure — the extension's Azure IoT Hub implementation (src/hubs/azure: the official
// azure-iothub Registry and Client) against the local hub on IoT Hub's standard ports (HTTPS 443,
// AMQPS 5671, MQTTS 8883), as if it were Azure. The SDK is unchanged except that it trusts the
// local hub's CA (LocalTrust with no port overrides). Prints figures and writes bench/results/azure.md.
//   1. 10,000 devices: the first page of the device list (what the tree shows first) through the
//      query API, from a freshly added hub (cold: TLS handshake included) and again (warm).
//   2. C2D: `sender.sendC2d` (what the palette's Send C2D calls) to a device connected with the
//      official device SDK over MQTT/TLS, one message at a time; send call -> device receipt, p50/p99.
// Needs root (ports below 1024). A port held by another run is retried for a while.
// Options: --quick (1,000 devices, 200 messages), --devices N, --messages N, --read-only (no file written).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Message } from 'azure-iot-device';
import { Mqtt } from 'azure-iot-device-mqtt';
import { parseHubConnectionString } from '../src/core/auth/connectionString';
import type { HubLogger } from '../src/hub/contracts';
import { startLocalHub, type LocalHub } from '../src/hub/localHub';
import { AzureHubConnection } from '../src/hubs/azure/azureHubConnection';
import { argv, numArg, percentile, quick } from './benchArgs';

const root = join(__dirname, '..');
const DEVICES = numArg('--devices', quick ? 1_000 : 10_000);
const MESSAGES = numArg('--messages', quick ? 200 : 1_000);
const PAGE = 100;
const silent: HubLogger = { info() {}, warn() {}, error() {}, debug() {} };

async function startOnStandardPorts(dataDir: string): Promise<LocalHub> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      return await startLocalHub({ dataDir, mqttPort: 8883, apiPort: 0, httpsPort: 443, serviceAmqpPort: 5671, amqpPort: false, log: silent });
    } catch (e) {
      const busy = /EADDRINUSE|in use/i.test(e instanceof Error ? e.message : String(e));
      if (!busy || Date.now() > deadline) throw e;
      process.stdout.write(`  a standard port is taken (another run?); retrying: ${e instanceof Error ? e.message : String(e)}\n`);
      await new Promise((r) => setTimeout(r, 5_000));
    }
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'azure-bench-'));
  const hub = await startOnStandardPorts(dataDir);
  const info = hub.connectionInfo;
  const ca = readFileSync(info.caCertPath, 'utf8');
  const owner = parseHubConnectionString(info.hubConnectionString);
  const azureCs = `HostName=localhost;SharedAccessKeyName=${owner.sharedAccessKeyName};SharedAccessKey=${owner.sharedAccessKey}`;
  const lines: string[] = [];
  const say = (s: string): void => {
    process.stdout.write(`${s}\n`);
    lines.push(s);
  };
  try {
    say(`Ports: HTTPS ${info.service?.httpsPort ?? '?'}, AMQPS ${info.service?.amqpPort ?? '?'}, MQTTS ${info.mqtt.port}; ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

    // ---- 1. first page of 10,000 devices
    for (let i = 0; i < DEVICES; i++) await hub.hubState.registry.create({ deviceId: `dev-${String(i).padStart(5, '0')}` });
    const cold: number[] = [];
    const warm: number[] = [];
    let listed = 0;
    for (let round = 0; round < 5; round++) {
      const azure = new AzureHubConnection({ connectionString: azureCs, localTrust: { ca } });
      try {
        let t0 = performance.now();
        const first = await azure.listDevices({ pageSize: PAGE });
        cold.push(performance.now() - t0);
        listed = first.items.length;
        if (first.continuationToken === undefined) throw new Error('the first page of 10,000 devices has no continuation');
        t0 = performance.now();
        await azure.listDevices({ pageSize: PAGE });
        warm.push(performance.now() - t0);
      } finally {
        azure.dispose();
      }
    }
    // The whole list, page by page, for the record.
    const all = new AzureHubConnection({ connectionString: azureCs, localTrust: { ca } });
    let total = 0;
    let pages = 0;
    const tAll = performance.now();
    let token: string | undefined;
    do {
      const page = await all.listDevices(token === undefined ? { pageSize: 1000 } : { pageSize: 1000, continuationToken: token });
      total += page.items.length;
      token = page.continuationToken;
      pages++;
    } while (token !== undefined);
    const allMs = performance.now() - tAll;
    const sortedCold = [...cold].sort((a, b) => a - b);
    say(`First page (${listed} of ${DEVICES} devices, query API): cold ${sortedCold.map((v) => v.toFixed(1)).join(', ')} ms (max ${sortedCold.at(-1)!.toFixed(1)}); warm median ${[...warm].sort((a, b) => a - b)[2]!.toFixed(1)} ms. Target < 500 ms: ${sortedCold.at(-1)! < 500 ? 'met' : 'NOT met'}`);
    say(`All ${total} devices in ${pages} pages of 1,000: ${allMs.toFixed(0)} ms`);

    // ---- 2. C2D send -> delivery at a connected device
    await hub.hubState.registry.create({ deviceId: 'bench-c2d' });
    const deviceCs = info.deviceConnectionString('bench-c2d');
    const device = Client.fromConnectionString(deviceCs, Mqtt);
    await device.setOptions({ ca });
    const waiting = new Map<string, (t: number) => void>();
    device.on('message', (m: Message) => {
      const at = performance.now();
      void device.complete(m);
      waiting.get(m.messageId)?.(at);
    });
    await device.open();
    const latencies: number[] = [];
    try {
      // Warm-up: opens the AMQP connection (CBS) once, as a user's first send would.
      const warmUp = new Promise<number>((r) => waiting.set('warm', r));
      const tw = performance.now();
      await all.sender.sendC2d('bench-c2d', { direction: 'c2d', systemProperties: { messageId: 'warm' }, applicationProperties: [], body: Buffer.from('warm') });
      const firstMs = (await warmUp) - tw;
      for (let i = 0; i < MESSAGES; i++) {
        const id = `m-${i}`;
        const got = new Promise<number>((r) => waiting.set(id, r));
        const t0 = performance.now();
        await all.sender.sendC2d('bench-c2d', {
          direction: 'c2d', systemProperties: { messageId: id, correlationId: `c-${i}`, contentType: 'application/json', ack: 'none' },
          applicationProperties: [{ name: 'seq', value: String(i) }], body: Buffer.from(JSON.stringify({ i })),
        });
        latencies.push((await got) - t0);
        waiting.delete(id);
      }
      latencies.sort((a, b) => a - b);
      say(`C2D send -> device receipt, ${MESSAGES} messages one at a time (first send with the AMQP connect: ${firstMs.toFixed(1)} ms): p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms, max ${latencies.at(-1)!.toFixed(2)} ms. Target p99 < 50 ms: ${percentile(latencies, 99) < 50 ? 'met' : 'NOT met'}`);
    } finally {
      await device.close();
      all.dispose();
    }
  } finally {
    await hub.close();
    rmSync(dataDir, { recursive: true, force: true });
  }

  if (!argv.includes('--read-only')) {
    const md = [
      '# Azure IoT Hub implementation against the local hub (standard ports)',
      '',
      `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`npm run bench:azure${quick ? ' -- --quick' : ''}\` (bench/azure.bench.ts).`,
      'The extension\'s AzureHubConnection (official azure-iothub Registry and Client, unchanged but for trusting the local CA) against the',
      'local hub listening on HTTPS 443, AMQPS 5671 and MQTTS 8883 in the same process. A 2-core machine shared with other',
      'engineers\' runs: timings are noisy; the load average is printed with the figures.',
      '',
      ...lines.map((l) => `- ${l}`),
      '',
      'Not measured: a real Azure IoT Hub (no Azure account or internet here); Azure adds network round trips',
      'and its own throttling (registry operations 100/min/unit on S1).',
      '',
    ];
    writeFileSync(join(root, 'bench/results/azure.md'), md.join('\n'));
  }
}

main().then(() => process.exit(0), (e: unknown) => {
  process.stderr.write(`bench:azure failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
