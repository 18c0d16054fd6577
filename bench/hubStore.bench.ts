// Micro benchmark of the hub's durable store, without any network front door:
//   - D2C: fsync'd 1 KB appends/s with 100 (and 1,000) concurrent appenders, CPU time per append
//   - C2D: durable sends/s with 16 concurrent senders over 1,000 devices, and the latency of one
//     send and of one send -> receive -> complete cycle at a time (p50/p99)
// Usage: node --import tsx bench/hubStore.bench.ts [--d2c N] [--quick]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHubState, type LocalHubState } from '../src/hub/openHubState';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const d2cTotal = Number(args[args.indexOf('--d2c') + 1] ?? NaN) || (quick ? 50_000 : 200_000);

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function benchD2c(hub: LocalHubState, concurrency: number, total: number): Promise<void> {
  const body = Buffer.alloc(1024, 0x61);
  let issued = 0;
  const t0 = performance.now();
  const c0 = cpuMs();
  const worker = async (w: number): Promise<void> => {
    while (issued < total) {
      issued++;
      await hub.d2c.append({
        deviceId: `bench-device-${w}`,
        systemProperties: { messageId: `m${issued}`, contentType: 'application/json', connectionDeviceId: `bench-device-${w}` },
        applicationProperties: [{ name: 'temperature', value: '21.5' }],
        body,
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuMs() - c0;
  console.log(`D2C  ${concurrency.toString().padStart(5)} appenders: ${Math.round(total / seconds).toLocaleString('en-US')} fsync'd 1 KB appends/s ` +
    `(${total.toLocaleString('en-US')} in ${seconds.toFixed(2)} s, CPU ${(cpu * 1000 / total).toFixed(1)} µs/append)`);
}

async function benchC2d(hub: LocalHubState): Promise<void> {
  const devices = 1000;
  await Promise.all(Array.from({ length: devices }, (_, i) => hub.registry.create({ deviceId: `c2d-${i}` })));
  const total = quick ? 5_000 : 20_000;
  let issued = 0;
  const body = Buffer.alloc(256, 0x62);
  const t0 = performance.now();
  const c0 = cpuMs();
  const worker = async (): Promise<void> => {
    while (issued < total) {
      const n = issued++;
      await hub.c2d.send(`c2d-${n % devices}`, { systemProperties: { messageId: `c${n}`, ack: 'full' }, applicationProperties: [{ name: 'k', value: 'v' }], body });
    }
  };
  await Promise.all(Array.from({ length: 16 }, () => worker()));
  const seconds = (performance.now() - t0) / 1000;
  console.log(`C2D  16 senders: ${Math.round(total / seconds).toLocaleString('en-US')} durable sends/s (CPU ${((cpuMs() - c0) * 1000 / total).toFixed(1)} µs/send)`);
  for (let i = 0; i < devices; i++) await hub.c2d.purge(`c2d-${i}`);

  const sendLatency: number[] = [];
  const cycleLatency: number[] = [];
  const rounds = quick ? 300 : 1000;
  for (let i = 0; i < rounds; i++) {
    const device = `c2d-${i % devices}`;
    let t = performance.now();
    await hub.c2d.send(device, { systemProperties: { messageId: `s${i}` }, applicationProperties: [], body });
    sendLatency.push(performance.now() - t);
    await hub.c2d.purge(device);
    t = performance.now();
    await hub.c2d.send(device, { systemProperties: { messageId: `l${i}`, ack: 'positive' }, applicationProperties: [], body });
    const m = await hub.c2d.receive(device);
    await hub.c2d.complete(device, m!.lockToken!);
    cycleLatency.push(performance.now() - t);
  }
  sendLatency.sort((a, b) => a - b);
  cycleLatency.sort((a, b) => a - b);
  console.log(`C2D  one send at a time: p50 ${percentile(sendLatency, 50).toFixed(2)} ms, p99 ${percentile(sendLatency, 99).toFixed(2)} ms`);
  console.log(`C2D  send+receive+complete: p50 ${percentile(cycleLatency, 50).toFixed(2)} ms, p99 ${percentile(cycleLatency, 99).toFixed(2)} ms (send and complete commits; receive does not wait)`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hub-store-bench-'));
  try {
    const hub = await openHubState({ dataDir: dir, feedbackBatchMs: 1000 });
    try {
      console.log(`hub store benchmark, Node ${process.version}, data dir ${dir}`);
      await benchD2c(hub, 100, d2cTotal);
      await benchD2c(hub, 1000, d2cTotal);
      await benchC2d(hub);
    } finally {
      await hub.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
