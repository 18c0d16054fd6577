// npm run bench:eventhubs — the local hub's Event Hubs-compatible endpoint read by the real
// @azure/event-hubs EventHubConsumerClient, which runs in its own process (as a user's back end
// would). Prints figures and writes bench/results/eventhubs.md.
//   1. Throughput: a backlog of 200,000 1 KB events appended straight to a real D2C log
//      (openHubState in a temp dir), read from the earliest position on all partitions.
//   2. End-to-end latency: the official device SDK publishes over MQTT/TLS to a real local hub
//      (startLocalHub), one message at a time, and the consumer receives it; p50/p99. Measured
//      with the EventHubConsumerClient and, to show the hub's own share, with a bare AMQP receiver.
// Options: --quick (20,000 events, 300 messages), --events N, --messages N, --read-only (no file written).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { createHmac } from 'node:crypto';
import { EventHubConsumerClient, earliestEventPosition, latestEventPosition } from '@azure/event-hubs';
import { Client, Message } from 'azure-iot-device';
import { Mqtt } from 'azure-iot-device-mqtt';
import { create_container, types, type Connection, type EventContext, type Receiver } from 'rhea';
import type { HubLogger } from '../src/hub/contracts';
import { startEventHubsEndpoint } from '../src/hub/eventhubs/endpoint';
import { startLocalHub } from '../src/hub/localHub';
import { openHubState } from '../src/hub/openHubState';
import { argv, numArg, quick } from './benchArgs';

const root = join(__dirname, '..');
const EVENTS = numArg('--events', quick ? 20_000 : 200_000);
const MESSAGES = numArg('--messages', quick ? 300 : 2_000);
const PAYLOAD_BYTES = 1024;
const PARTITIONS = 4;
const MAX_BATCH = 1000;
const PREFETCH = 3000;
const silent: HubLogger = { info() {}, warn() {}, error() {}, debug() {} };

// ------------------------------------------------------------------ child roles (own process)

interface ChildJob {
  role: 'read' | 'latency-sdk' | 'latency-raw';
  eventHubs: string;
  count: number;
  deviceConnectionString?: string;
  ca?: string;
  partition?: string;
}

function out(msg: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(msg)}\n`);
}

async function childRead(job: ChildJob): Promise<void> {
  const client = new EventHubConsumerClient('$Default', job.eventHubs);
  let n = 0;
  let bytes = 0;
  let batches = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let firstAt = 0;
  await new Promise<void>((resolve) => {
    const sub = client.subscribe({
      processEvents: async (events) => {
        if (n === 0 && events.length > 0) firstAt = performance.now();
        if (events.length > 0) batches++;
        n += events.length;
        for (const e of events) bytes += (e.body as Uint8Array).length;
        if (n >= job.count) {
          void sub.close().then(resolve);
        }
      },
      processError: async (err) => {
        process.stderr.write(`consumer error: ${err.message}\n`);
      },
    }, { startPosition: earliestEventPosition, maxBatchSize: MAX_BATCH, prefetchCount: PREFETCH, maxWaitTimeInSeconds: 1, skipParsingBodyAsJson: true });
  });
  const end = performance.now();
  await client.close();
  const cpu = process.cpuUsage(cpu0);
  out({ result: { events: n, bytes, batches, consumerCpuSeconds: (cpu.user + cpu.system) / 1e6, seconds: (end - start) / 1000, firstEventMs: firstAt - start, perSecond: n / ((end - start) / 1000) } });
}

/** Device publishes one message at a time; resolves each receipt; reports p50/p99 in ms. */
async function latencyLoop(job: ChildJob, waitReady: () => Promise<void>, onReceive: (cb: (index: number) => void) => void): Promise<void> {
  await waitReady();
  const device = Client.fromConnectionString(job.deviceConnectionString!, Mqtt);
  await device.setOptions({ ca: job.ca! });
  await device.open();
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let waiting: (() => void) | undefined;
  onReceive((index) => {
    const t0 = sentAt.get(index);
    if (t0 === undefined) return;
    latencies.push(performance.now() - t0);
    sentAt.delete(index);
    waiting?.();
  });
  const warmup = Math.min(50, Math.floor(job.count / 10));
  for (let i = 0; i < job.count + warmup; i++) {
    const got = new Promise<void>((resolve) => { waiting = resolve; });
    const msg = new Message(Buffer.alloc(PAYLOAD_BYTES, i % 251));
    msg.properties.add('i', String(i));
    sentAt.set(i, performance.now());
    void device.sendEvent(msg);
    await Promise.race([got, new Promise((r) => setTimeout(r, 5000))]);
    if (i === warmup - 1) latencies.length = 0;
  }
  await device.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  out({ result: { count: latencies.length, lost: job.count + warmup - latencies.length - warmup, p50: pct(50), p90: pct(90), p99: pct(99), max: latencies[latencies.length - 1]! } });
}

async function childLatencySdk(job: ChildJob): Promise<void> {
  const client = new EventHubConsumerClient('$Default', job.eventHubs);
  let listener: ((index: number) => void) | undefined;
  let ready = 0;
  const sub = client.subscribe(job.partition!, {
    processInitialize: async () => { ready++; },
    processEvents: async (events) => {
      for (const e of events) listener?.(Number(e.properties?.['i']));
    },
    processError: async (err) => { process.stderr.write(`consumer error: ${err.message}\n`); },
  }, { startPosition: latestEventPosition, maxBatchSize: 100, maxWaitTimeInSeconds: 60, skipParsingBodyAsJson: true });
  await latencyLoop(job, async () => {
    while (ready === 0) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 500)); // the link attaches right after initialize
  }, (cb) => { listener = cb; });
  await sub.close();
  await client.close();
}

/** A bare rhea receiver (no SDK batching): what the hub itself adds. */
async function childLatencyRaw(job: ChildJob): Promise<void> {
  const cs = Object.fromEntries(job.eventHubs.split(';').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const endpoint = cs['Endpoint']!;
  const port = Number(/:(\d+)\//.exec(endpoint)![1]);
  const hubName = cs['EntityPath']!;
  const address = `${hubName}/ConsumerGroups/$Default/Partitions/${job.partition!}`;
  const audience = `${endpoint}${address}`;
  const se = Math.floor(Date.now() / 1000) + 3600;
  const sr = encodeURIComponent(audience);
  const sig = createHmac('sha256', cs['SharedAccessKey']!).update(`${sr}\n${se}`).digest('base64');
  const token = `SharedAccessSignature sr=${sr}&sig=${encodeURIComponent(sig)}&se=${se}&skn=${cs['SharedAccessKeyName']!}`;
  const container = create_container();
  const connection = container.connect({ host: '127.0.0.1', port, reconnect: false } as never) as Connection;
  await new Promise<void>((resolve) => connection.once('connection_open', () => resolve()));
  const cbsSender = connection.open_sender({ target: { address: '$cbs' } });
  const cbsReceiver = connection.open_receiver({ source: { address: '$cbs' }, name: 'cbs-reply' });
  await new Promise<void>((resolve) => {
    cbsReceiver.once('message', () => resolve());
    const send = (): void => {
      cbsSender.send({ body: token, message_id: 'p1', reply_to: 'cbs-reply', application_properties: { operation: 'put-token', name: audience, type: 'servicebus.windows.net:sastoken' } });
    };
    if (cbsSender.sendable()) send();
    else cbsSender.once('sendable', send);
  });
  let listener: ((index: number) => void) | undefined;
  const rx: Receiver = connection.open_receiver({
    source: { address, filter: { 'apache.org:selector-filter:string': types.wrap_described("amqp.annotation.x-opt-offset > '@latest'", 0x468c00000004) } },
    credit_window: 100,
  } as never);
  rx.on('message', (ctx: EventContext) => listener?.(Number((ctx.message?.application_properties as Record<string, string>)['i'])));
  await latencyLoop(job, async () => {
    await new Promise<void>((resolve) => rx.once('receiver_open', () => resolve()));
    await new Promise((r) => setTimeout(r, 300));
  }, (cb) => { listener = cb; });
  connection.close();
}

// ------------------------------------------------------------------ parent

function runChild(job: ChildJob): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/eventhubs.bench.ts'), '--child', JSON.stringify(job)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let result: Record<string, number> | undefined;
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const msg = JSON.parse(line) as Record<string, unknown>;
        if (msg['result']) result = msg['result'] as Record<string, number>;
      } catch {
        process.stderr.write(`${line}\n`);
      }
    });
    child.once('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`${job.role} child exited with ${code}`))));
  });
}

function rssMb(): number {
  return process.memoryUsage().rss / (1024 * 1024);
}

async function throughput(): Promise<{ fillSeconds: number; read: Record<string, number>; hubRssBeforeMb: number; hubRssPeakMb: number; hubCpuSeconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'eventhubs-bench-'));
  try {
    const state = await openHubState({ dataDir: dir, hubName: 'bench-hub', partitionCount: PARTITIONS, log: silent });
    const body = new Uint8Array(PAYLOAD_BYTES).fill(0x61);
    const t0 = performance.now();
    const WINDOW = 2000;
    for (let i = 0; i < EVENTS; i += WINDOW) {
      const batch: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(EVENTS, i + WINDOW); j++) {
        batch.push(state.d2c.append({
          deviceId: `device-${j % 100}`,
          systemProperties: { messageId: `m-${j}`, contentType: 'application/octet-stream', connectionDeviceId: `device-${j % 100}`, messageSource: 'Telemetry' },
          applicationProperties: [{ name: 'i', value: String(j) }],
          body,
        }));
      }
      await Promise.all(batch);
    }
    const fillSeconds = (performance.now() - t0) / 1000;
    const endpoint = await startEventHubsEndpoint({
      host: '127.0.0.1', port: 0, hubName: state.hubName, d2c: state.d2c, policies: state.policies, consumerGroups: state.consumerGroups, log: silent,
    });
    global.gc?.();
    const hubRssBeforeMb = rssMb();
    let hubRssPeakMb = hubRssBeforeMb;
    const sampler = setInterval(() => { hubRssPeakMb = Math.max(hubRssPeakMb, rssMb()); }, 100);
    const cpu0 = process.cpuUsage();
    const read = await runChild({ role: 'read', eventHubs: endpoint.connectionString(), count: EVENTS });
    const cpu = process.cpuUsage(cpu0);
    clearInterval(sampler);
    await endpoint.close();
    await state.close();
    return { fillSeconds, read, hubRssBeforeMb, hubRssPeakMb, hubCpuSeconds: (cpu.user + cpu.system) / 1e6 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function latency(): Promise<{ sdk: Record<string, number>; raw: Record<string, number> }> {
  const dir = mkdtempSync(join(tmpdir(), 'eventhubs-bench-e2e-'));
  try {
    const hub = await startLocalHub({ dataDir: dir, mqttPort: 0, apiPort: 0, amqpPort: 0, log: silent });
    try {
      await hub.hubState.registry.create({ deviceId: 'latency-device' });
      const info = hub.connectionInfo;
      const base = {
        eventHubs: info.eventHubsConnectionString()!,
        count: MESSAGES,
        deviceConnectionString: info.deviceConnectionString('latency-device'),
        ca: readFileSync(info.caCertPath, 'utf8'),
        partition: String(hub.hubState.d2c.partitionFor('latency-device')),
      };
      const sdk = await runChild({ role: 'latency-sdk', ...base });
      const raw = await runChild({ role: 'latency-raw', ...base });
      return { sdk, raw };
    } finally {
      await hub.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function cpuModel(): string {
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1]!.trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

function loadAverage(): string {
  try {
    const [l1, l5] = readFileSync('/proc/loadavg', 'utf8').split(' ');
    return `${l1} (1 min), ${l5} (5 min)`;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const loadAtStart = loadAverage();
  const f = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log(`Event Hubs endpoint benchmark: ${f(EVENTS)} x ${PAYLOAD_BYTES} B backlog, ${f(MESSAGES)} latency messages`);
  const t = await throughput();
  console.log(`backlog fill: ${f(EVENTS / t.fillSeconds)} events/s appended (${t.fillSeconds.toFixed(1)} s)`);
  console.log(`read: ${f(t.read['perSecond']!)} events/s (${f(t.read['events']!)} events in ${t.read['seconds']!.toFixed(2)} s; first event after ${f(t.read['firstEventMs']!)} ms)`);
  console.log(`consumer process: ${f(t.read['batches']!)} batches, CPU ${t.read['consumerCpuSeconds']!.toFixed(1)} s`);
  console.log(`hub process while reading: RSS ${f(t.hubRssBeforeMb)} -> peak ${f(t.hubRssPeakMb)} MB, CPU ${t.hubCpuSeconds.toFixed(1)} s`);
  if (argv.includes('--read-only')) return;
  const l = await latency();
  console.log(`e2e latency (device SDK MQTT -> EventHubConsumerClient): p50 ${l.sdk['p50']!.toFixed(1)} ms, p99 ${l.sdk['p99']!.toFixed(1)} ms, max ${l.sdk['max']!.toFixed(1)} ms`);
  console.log(`e2e latency (device SDK MQTT -> bare AMQP receiver):     p50 ${l.raw['p50']!.toFixed(1)} ms, p99 ${l.raw['p99']!.toFixed(1)} ms, max ${l.raw['max']!.toFixed(1)} ms`);

  const readOk = t.read['perSecond']! >= 20_000;
  const hubUs = (t.hubCpuSeconds * 1e6) / EVENTS;
  const consumerUs = (t.read['consumerCpuSeconds']! * 1e6) / EVENTS;
  const latOk = l.sdk['p99']! < 50;
  const md = `# Event Hubs-compatible endpoint benchmark

Latest run: ${new Date().toISOString()} (\`npm run bench:eventhubs${quick ? ' -- --quick' : ''}\`)

Machine: ${cpus().length} CPUs (nproc), ${cpuModel()}, ${f(totalmem() / 1024 ** 3, 1)} GB RAM, Node ${process.version}; load average ${loadAtStart} at the start, ${loadAverage()} at the end.
Other agents were using this machine's CPUs during the run, so the figures are lower bounds; the
lead re-runs the benchmark on a quiet machine.

| Measure | Result | Target |
|---|---|---|
| Read a ${f(EVENTS)} x 1 KB backlog, EventHubConsumerClient, all ${PARTITIONS} partitions | **${f(t.read['perSecond']!)} events/s** (${t.read['seconds']!.toFixed(2)} s) | >= 20,000 events/s ${readOk ? '(met)' : '(NOT met)'} |
| End to end, device SDK (MQTT/TLS) -> EventHubConsumerClient, p50 / p99 | **${l.sdk['p50']!.toFixed(1)} ms / ${l.sdk['p99']!.toFixed(1)} ms** (max ${l.sdk['max']!.toFixed(1)} ms, n=${f(l.sdk['count']!)}) | p99 < 50 ms ${latOk ? '(met)' : '(NOT met)'} |
| End to end, device SDK (MQTT/TLS) -> bare AMQP receiver, p50 / p99 | ${l.raw['p50']!.toFixed(1)} ms / ${l.raw['p99']!.toFixed(1)} ms (max ${l.raw['max']!.toFixed(1)} ms, n=${f(l.raw['count']!)}) | (the hub's own share) |
| Backlog fill (direct durable appends, windows of 2,000) | ${f(EVENTS / t.fillSeconds)} events/s | - |
| Hub process RSS while the backlog is read | ${f(t.hubRssBeforeMb)} MB before, ${f(t.hubRssPeakMb)} MB peak | bounded (credit-based flow) |
| Hub process CPU while reading | ${t.hubCpuSeconds.toFixed(1)} s (${f(hubUs, 1)} µs/event) | - |
| Consumer process CPU (the SDK: rhea decoding, fromRheaMessage) | ${t.read['consumerCpuSeconds']!.toFixed(1)} s (${f(consumerUs, 1)} µs/event) | - |
| CPU-bound rate if hub and consumer each had a core: 1e6 / max(µs/event) | ~${f(1e6 / Math.max(hubUs, consumerUs))} events/s (an estimate, not a measurement) | - |

How it is measured:
- Throughput: the hub's durable state (\`openHubState\`, the real segmented D2C log) in a temp dir,
  filled with ${f(EVENTS)} events of ${PAYLOAD_BYTES} bytes from 100 device ids (so spread over the ${PARTITIONS}
  partitions) with message id, content type, an application property and the hub's stamps. The
  endpoint runs in the benchmark process; the \`EventHubConsumerClient\` runs in a child process and
  subscribes from the earliest position on all partitions (maxBatchSize ${MAX_BATCH}, prefetchCount
  ${PREFETCH}, skipParsingBodyAsJson). Time is from \`subscribe\` to the last event (includes connect,
  CBS, \`$management\` and link setup).
- Latency: a real local hub (\`startLocalHub\`: MQTT/TLS front door, durable D2C before PUBACK,
  the endpoint); in one child process the official device SDK (\`azure-iot-device\` +
  \`azure-iot-device-mqtt\`) sends 1 KB messages one at a time and the consumer on the device's
  partition (started at \`latest\`) receives each before the next is sent. Latency = receipt minus
  the \`sendEvent\` call, measured with one clock. The first ${Math.min(50, Math.floor(MESSAGES / 10))} messages are warm-up.
- The SDK's receive loop waits 20 ms after the first event of a batch to gather more
  (\`qReadIntervalInMs\` in @azure/event-hubs' partitionReceiver), so about 20 ms of every
  EventHubConsumerClient figure is the client's own batching, as it is against Azure; the bare
  AMQP receiver row shows the hub's share (MQTT publish, durable append, AMQP delivery).
`;
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/eventhubs.md'), md);
  console.log('wrote bench/results/eventhubs.md');
}

const childIndex = argv.indexOf('--child');
if (childIndex >= 0) {
  const job = JSON.parse(argv[childIndex + 1]!) as ChildJob;
  const run = job.role === 'read' ? childRead : job.role === 'latency-sdk' ? childLatencySdk : childLatencyRaw;
  run(job).then(() => process.exit(0), (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  });
} else {
  main().then(() => process.exit(0), (e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
