// npm run bench:hub — the local hub against plain aedes over TLS and Debian's mosquitto, with the
// same load generator (its own process) for every target. Prints figures and writes
// bench/results/hub.md. Loads: durable D2C throughput, C2D end-to-end latency, idle memory.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Job } from './hub/loadGenerator';
import { cpuSeconds, rssMegabytes } from './hub/procStats';
import { makePeerCertificates, startMosquitto, startPlainAedes, type Target } from './hub/targets';
import { startHubTarget } from './hub/hubTarget';
import { bundleScript } from './hub/bundle';

const root = join(__dirname, '..');
const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
// --only=hub|aedes|mosquitto (repeatable): measure just those targets while iterating; no report file.
// --loads=d2c,c2d,idle: run only some loads while iterating (with --only, no report file either).
const loadsArg = process.argv.slice(2).find((a) => a.startsWith('--loads='));
const loads = new Set(loadsArg === undefined ? ['d2c', 'c2d', 'idle'] : loadsArg.slice('--loads='.length).split(','));
const only = process.argv.slice(2).filter((a) => a.startsWith('--only=')).map((a) => a.slice('--only='.length));
const D2C_DEVICES = 100;
const WINDOW = 10;
const D2C_MS = quick ? 3_000 : 8_000;
const C2D_COUNT = quick ? 200 : 1_000;
const IDLE_DEVICES = quick ? 200 : 1_000;

interface Figures { d2cPerSecond: number; d2cCpuMicrosPerMessage: number; c2dP50: number; c2dP99: number; idleRssMb: number; idleDevices: number; baselineRssMb: number }

let generatorBundle: string | undefined;
function generator(): string {
  generatorBundle ??= bundleScript(root, 'bench/hub/loadGenerator.ts');
  return generatorBundle;
}

function runGenerator(job: Job, onLine: (line: Record<string, unknown>) => void = () => {}): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const jobFile = join(mkdtempSync(join(tmpdir(), 'hub-bench-job-')), 'job.json');
    writeFileSync(jobFile, JSON.stringify(job));
    const child = spawn(process.execPath, [generator(), jobFile], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let result: Record<string, number> | undefined;
    createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line) as Record<string, unknown>;
      if (msg['result']) result = msg['result'] as Record<string, number>;
      else onLine(msg);
    });
    child.once('exit', (code) => {
      rmSync(dirname(jobFile), { recursive: true, force: true });
      if (code === 0 && result) resolve(result);
      else reject(new Error(`load generator exited with ${code}`));
    });
  });
}

async function measure(target: Target): Promise<Figures> {
  const baselineRssMb = rssMegabytes(target.pid);
  // 1. Durable D2C throughput: 100 devices, QoS 1, 1 KB, a window of 10 in flight per device.
  const devices = await target.credentials(D2C_DEVICES);
  let cpuStart = 0;
  let cpuEnd = 0;
  const d2c = !loads.has('d2c') ? { perSecond: NaN, acked: NaN } : await runGenerator({ mode: 'd2c', url: target.url, ca: target.ca, devices, payloadBytes: 1024, windowPerDevice: WINDOW, durationMs: D2C_MS, warmupMs: 2_000 }, (l) => {
    if (l['phase'] === 'measure-start') cpuStart = cpuSeconds(target.pid);
    if (l['phase'] === 'measure-end') cpuEnd = cpuSeconds(target.pid);
  });
  // 2. C2D end to end, one message at a time.
  const [c2dDevice] = await target.credentials(1);
  const c2d = !loads.has('c2d') ? { p50: NaN, p99: NaN } : await runGenerator({ mode: 'c2d', url: target.url, ca: target.ca, device: c2dDevice!, count: C2D_COUNT, send: await target.c2dSender(c2dDevice!) });
  // 3. Resident memory with many connected idle devices.
  const idleDevices = await target.credentials(IDLE_DEVICES);
  let idleRssMb = NaN;
  if (loads.has('idle')) await runGenerator({ mode: 'idle', url: target.url, ca: target.ca, devices: idleDevices, holdMs: 6_000 }, (l) => {
    if (typeof l['connected'] === 'number') {
      setTimeout(() => { global.gc?.(); idleRssMb = rssMegabytes(target.pid); }, 3_000);
    }
  });
  return {
    d2cPerSecond: d2c['perSecond']!, d2cCpuMicrosPerMessage: ((cpuEnd - cpuStart) * 1e6) / d2c['acked']!,
    c2dP50: c2d['p50']!, c2dP99: c2d['p99']!, idleRssMb, idleDevices: IDLE_DEVICES, baselineRssMb,
  };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'hub-bench-'));
  const certs = makePeerCertificates(join(work, 'certs'));
  const results: Array<{ name: string; figures: Figures }> = [];
  const all: Array<[string, () => Promise<Target>]> = [
    ['hub', () => startHubTarget(root, join(work, 'hub'))],
    ['aedes', () => startPlainAedes(root, certs)],
    ...(args.has('--no-mosquitto') ? [] : [['mosquitto', () => startMosquitto(work, certs, 18883)] as [string, () => Promise<Target>]]),
  ];
  const starters = all.filter(([name]) => only.length === 0 || only.includes(name)).map(([, start]) => start);
  try {
    for (const start of starters) {
      const target = await start();
      try {
        process.stderr.write(`measuring ${target.name}...\n`);
        const figures = await measure(target);
        results.push({ name: target.name, figures });
        process.stderr.write(`${target.name}: ${JSON.stringify(figures)}\n`);
      } finally {
        await target.stop();
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (only.length > 0 || loadsArg !== undefined) return;
  report(results);
}

function report(results: Array<{ name: string; figures: Figures }>): void {
  const hub = results[0]!.figures;
  const aedes = results.find((r) => r.name.startsWith('plain aedes'))!.figures;
  const f = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const rows = results.map(({ name, figures: x }) =>
    `| ${name} | ${f(x.d2cPerSecond)} | ${f(x.d2cCpuMicrosPerMessage, 1)} | ${f(x.c2dP50, 2)} | ${f(x.c2dP99, 2)} | ${f(x.idleRssMb)} (base ${f(x.baselineRssMb)}) |`);
  const d2cRatio = hub.d2cPerSecond / aedes.d2cPerSecond;
  const memRatio = hub.idleRssMb / aedes.idleRssMb;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const text = [
    '# Local hub benchmark', '',
    `Measured ${new Date().toISOString()} on ${cpus().length} cores (${cpu}), ${f(totalmem() / 2 ** 30)} GiB, Node ${process.version}, by \`npm run bench:hub\`${quick ? ' (--quick)' : ''}.`,
    `Same load generator (MQTT.js, its own process) for every target. D2C: ${D2C_DEVICES} devices, QoS 1, 1 KB, ${WINDOW} in flight per device, ${D2C_MS / 1000} s after a 2 s warm-up; the hub holds each PUBACK until the message is fsync'd (group commit).`,
    `C2D: one device, one message at a time, ${C2D_COUNT} messages after 50 warm-up (hub: HTTPS management API send -> durable queue -> MQTT delivery; peers: an MQTT publish by a service client). Memory: ${IDLE_DEVICES} idle TLS devices connected, broker RSS 3 s after the last connect.`, '',
    '| target | D2C msg/s | broker CPU µs/msg | C2D p50 ms | C2D p99 ms | RSS MB idle devices |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows, '',
    `Targets: D2C >= 0.8x plain aedes over TLS: **${f(d2cRatio, 2)}x** (${d2cRatio >= 0.8 ? 'met' : 'NOT met'}); C2D p99 <= 5 ms: **${f(hub.c2dP99, 2)} ms** (${hub.c2dP99 <= 5 ? 'met' : 'NOT met'}); ${IDLE_DEVICES} devices <= 1.5x plain aedes memory: **${f(memRatio, 2)}x** (${memRatio <= 1.5 ? 'met' : 'NOT met'}).`, '',
  ].join('\n');
  process.stdout.write(text + '\n');
  if (!quick) {
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(join(root, 'bench/results/hub.md'), text);
  }
}

void readFileSync;
main().catch((e: unknown) => { process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`); process.exit(1); });
