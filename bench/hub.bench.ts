// npm run bench:hub — the local hub against plain aedes over TLS and Debian's mosquitto, with the
// same load generator (its own process) for every target. Prints figures and writes
// bench/results/hub.md. Loads: durable D2C throughput, C2D end-to-end latency, idle memory.
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Job } from './hub/loadGenerator';
import { cpuSeconds, ioCounters, rssMegabytes } from './hub/procStats';
import { BENCH_ROUTES, writeRoutingResults, type HubRound, type RoutingRound } from './hub/routingRounds';
import { commandAvailable, makePeerCertificates, startMosquitto, startPlainAedes, type Target } from './hub/targets';
import { startHubTarget } from './hub/hubTarget';
import { bundleScript } from './hub/bundle';

const root = join(__dirname, '..');
const loadStart = loadavg()[0]!;
const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
// --only=hub|aedes|mosquitto (repeatable): measure just those targets while iterating; no report file.
// --loads=d2c,c2d,idle: run only some loads while iterating (with --only, no report file either).
const loadsArg = process.argv.slice(2).find((a) => a.startsWith('--loads='));
const loads = new Set(loadsArg === undefined ? ['d2c', 'c2d', 'idle'] : loadsArg.slice('--loads='.length).split(','));
const only = process.argv.slice(2).filter((a) => a.startsWith('--only=')).map((a) => a.slice('--only='.length));
const D2C_DEVICES = 100;
// HUB_BENCH_WINDOW: another in-flight window per device, for diagnosis (the report and its targets use 10).
const baselineRoot = process.env['HUB_BENCH_BASELINE'];
const WINDOW = Number(process.env['HUB_BENCH_WINDOW'] ?? 10);
const D2C_MS = quick ? 3_000 : 6_000;
// Five rounds: on this shared 2-core machine single rounds of one target vary by +-20%, and the
// median of five per-round ratios is less at the mercy of one slow spell than the median of three.
const D2C_ROUNDS = quick ? 1 : 5;
const C2D_COUNT = quick ? 200 : 1_000;
const IDLE_DEVICES = quick ? 200 : 1_000;

interface Figures { d2cPerSecond: number; d2cCpuMicrosPerMessage: number; c2dP50: number; c2dP99: number; idleRssMb: number; idleDevices: number; baselineRssMb: number }

// D2C rounds run twice per target: pinned (the load generator on CPU 0, the target with all its
// threads on CPU 1, so neither steals the other's core: the target's figure, as with devices on
// other machines) and unpinned (the scheduler places everything on both cores, as before 3 Dec
// 2026; shown beside it). Pinning needs taskset and 2 cores; without them only unpinned runs.
const CPUS = cpus().length;
const CAN_PIN = CPUS >= 2 && process.platform === 'linux' && (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
/** Sets the CPUs of a process and all its threads (threads made later inherit them). */
function pin(pid: number, cpuList: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpuList, String(pid)], { stdio: 'ignore' });
}
const ALL_CPUS = `0-${CPUS - 1}`;

let generatorBundle: string | undefined;
function generator(): string {
  generatorBundle ??= bundleScript(root, 'bench/hub/loadGenerator.ts');
  return generatorBundle;
}

function runGenerator(job: Job, onLine: (line: Record<string, unknown>) => void = () => {}, cpuList?: string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const jobFile = join(mkdtempSync(join(tmpdir(), 'hub-bench-job-')), 'job.json');
    writeFileSync(jobFile, JSON.stringify(job));
    const child = spawn(process.execPath, [generator(), jobFile], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    if (cpuList !== undefined) pin(child.pid!, cpuList);
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

interface D2cRound { perSecond: number; cpuMicrosPerMessage: number; generatorCpuMicrosPerMessage: number }

async function measureD2c(target: Target, pinned: boolean): Promise<D2cRound> {
  // Durable D2C throughput: 100 devices, QoS 1, 1 KB, a window of 10 in flight per device.
  const devices = await target.credentials(D2C_DEVICES);
  let cpuStart = 0;
  let cpuEnd = 0;
  if (pinned) pin(target.pid, '1');
  let d2c: Record<string, number>;
  try {
    d2c = await runGenerator({ mode: 'd2c', url: target.url, ca: target.ca, devices, payloadBytes: 1024, windowPerDevice: WINDOW, durationMs: D2C_MS, warmupMs: 2_000 }, (l) => {
      if (l['phase'] === 'measure-start') cpuStart = cpuSeconds(target.pid);
      if (l['phase'] === 'measure-end') cpuEnd = cpuSeconds(target.pid);
    }, pinned ? '0' : undefined);
  } finally {
    // Unpinned rounds, C2D and memory see the target free on every core again.
    if (pinned) pin(target.pid, ALL_CPUS);
  }
  return { perSecond: d2c['perSecond']!, cpuMicrosPerMessage: ((cpuEnd - cpuStart) * 1e6) / d2c['acked']!, generatorCpuMicrosPerMessage: d2c['generatorCpuMicrosPerMessage']! };
}

async function measureC2d(target: Target): Promise<{ p50: number; p99: number }> {
  // C2D end to end, one message at a time.
  const [device] = await target.credentials(1);
  const c2d = await runGenerator({ mode: 'c2d', url: target.url, ca: target.ca, device: device!, count: C2D_COUNT, send: await target.c2dSender(device!) });
  return { p50: c2d['p50']!, p99: c2d['p99']! };
}

async function measureIdle(target: Target): Promise<number> {
  // Resident memory with many connected idle devices.
  const devices = await target.credentials(IDLE_DEVICES);
  let rss = NaN;
  await runGenerator({ mode: 'idle', url: target.url, ca: target.ca, devices, holdMs: 6_000 }, (l) => {
    if (typeof l['connected'] === 'number') setTimeout(() => { rss = rssMegabytes(target.pid); }, 3_000);
  });
  return rss;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Measured { name: string; figures: Figures; rounds: D2cRound[]; unpinnedRounds: D2cRound[] }

/** `--loads=routing`: the routing rounds alone (see bench/hub/routingRounds.ts). */
async function routingRounds(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'hub-bench-routing-'));
  const targets: Target[] = [];
  try {
    const plain = await startHubTarget(root, join(work, 'plain'), D2C_DEVICES, 'local hub, no routes');
    targets.push(plain);
    const routed = await startHubTarget(root, join(work, 'routed'), D2C_DEVICES, 'local hub, 10 routes over 3 Event Hubs-style endpoints', BENCH_ROUTES);
    targets.push(routed);
    const measure = async (target: Target, label: string): Promise<HubRound> => {
      const devices = await target.credentials(D2C_DEVICES);
      let cpuStart = 0;
      let cpuEnd = 0;
      let ioStart = ioCounters(target.pid);
      let ioEnd = ioStart;
      const d2c = await runGenerator({ mode: 'd2c', url: target.url, ca: target.ca, devices, payloadBytes: 1024, windowPerDevice: WINDOW, durationMs: D2C_MS, warmupMs: 2_000, telemetry: true }, (l) => {
        if (l['phase'] === 'measure-start') { cpuStart = cpuSeconds(target.pid); ioStart = ioCounters(target.pid); }
        if (l['phase'] === 'measure-end') { cpuEnd = cpuSeconds(target.pid); ioEnd = ioCounters(target.pid); }
      });
      const acked = d2c['acked']!;
      const r: HubRound = {
        perSecond: d2c['perSecond']!,
        cpuMicrosPerMessage: ((cpuEnd - cpuStart) * 1e6) / acked,
        writeCallsPerMessage: (ioEnd.writeCalls - ioStart.writeCalls) / acked,
        storageBytesPerMessage: (ioEnd.storageWriteBytes - ioStart.storageWriteBytes) / acked,
      };
      process.stderr.write(`${label}: ${target.name}: ${Math.round(r.perSecond)} msg/s, ${r.cpuMicrosPerMessage.toFixed(1)} us/msg, ${r.writeCallsPerMessage.toFixed(2)} writes/msg, ${(r.storageBytesPerMessage / 1024).toFixed(2)} KB/msg\n`);
      return r;
    };
    const rounds: RoutingRound[] = [];
    // Seven rounds (three with --quick): single rounds on this shared machine vary by +-20%, so the
    // figure is the median of the per-round ratios. The two hubs of a round run back to back and
    // the order alternates, so a machine that grows busier or quieter during a round does not
    // always favour the hub that ran first.
    const count = quick ? 3 : 7;
    for (let round = 1; round <= count; round++) {
      const routedFirst = round % 2 === 0;
      const label = `routing round ${round}/${count}`;
      let p: HubRound;
      let r: HubRound;
      if (routedFirst) {
        r = await measure(routed, label);
        p = await measure(plain, label);
      } else {
        p = await measure(plain, label);
        r = await measure(routed, label);
      }
      rounds.push({ plain: p, routed: r, routedFirst });
      process.stderr.write(`${label}: ratio ${(r.perSecond / p.perSecond).toFixed(3)}\n`);
    }
    const setup = `Both hubs are the shipped CLI bundle, durable (PUBACK after the group commit), unpinned; ${D2C_DEVICES} devices, QoS 1, ~1 KB UTF-8 JSON bodies with the properties level and site, ${WINDOW} in flight per device, ${D2C_MS / 1000} s after a 2 s warm-up per hub and round. The routed hub has 10 routes (conditions on application properties, \`$body.temperature\`, \`$contentType\`, IS_DEFINED, STARTS_WITH; bench/hub/routingRounds.ts) over 3 Event Hubs-style endpoints, each its own durable log; each message matches 2 routes to 2 endpoints, so it is written to 2 logs before its PUBACK, and the fallback route is on (no message takes it).`;
    const ratios = rounds.map((x) => x.routed.perSecond / x.plain.perSecond).sort((x, y) => x - y);
    // --quick iterates: its figures are printed, not written over the results file.
    const ratio = quick ? median(ratios) : writeRoutingResults(join(root, 'bench/results'), rounds, setup, loadStart).ratio;
    process.stderr.write(`routing: ${ratio.toFixed(3)}x the hub's no-route throughput (rounds ${ratios.map((x) => x.toFixed(2)).join(', ')})${quick ? '' : ' (bench/results/routing.md)'}\n`);
  } finally {
    for (const t of targets) await t.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (loads.has('routing')) {
    await routingRounds();
    return;
  }
  const mosquittoInstalled = commandAvailable('mosquitto');
  const work = mkdtempSync(join(tmpdir(), 'hub-bench-'));
  const certs = makePeerCertificates(join(work, 'certs'));
  const all: Array<[string, () => Promise<Target>]> = [
    ['hub', () => startHubTarget(root, join(work, 'hub'))],
    ['aedes', () => startPlainAedes(root, certs)],
    // HUB_BENCH_BASELINE=<another checkout, with node_modules>: its hub as one more target
    // (--only=hub --only=baseline --loads=d2c compares a change with the code before it, round by
    // round, which the noise of this shared machine makes hard against aedes alone).
    ...(baselineRoot === undefined ? [] : [['baseline', () => startHubTarget(baselineRoot, join(work, 'baseline'), 1000, `local hub at ${baselineRoot}`)] as [string, () => Promise<Target>]]),
    ...(args.has('--no-mosquitto') || !mosquittoInstalled ? [] : [['mosquitto', () => startMosquitto(work, certs, 18883)] as [string, () => Promise<Target>]]),
  ];
  if (!mosquittoInstalled && !args.has('--no-mosquitto')) {
    process.stderr.write('Note: mosquitto is not installed (apt-get install mosquitto), so the mosquitto peer is skipped; the hub is compared with plain aedes only.\n');
  }
  const starters = all.filter(([name]) => only.length === 0 || only.includes(name)).map(([, start]) => start);
  // Every target runs for the whole benchmark and the D2C rounds alternate between them, so a
  // slow spell of this shared machine hits all of them rather than one: the D2C figure is the
  // median of the rounds, and the ratio the median of the per-round ratios.
  const targets: Target[] = [];
  const measured: Measured[] = [];
  // Ctrl-C or a kill stops what the benchmark started, as a failure does (the finally below).
  const stopAll = (signal: string): void => {
    process.stderr.write(`${signal}: stopping the targets\n`);
    void Promise.all(targets.map((t) => t.stop())).finally(() => process.exit(130));
  };
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);
  try {
    for (const start of starters) {
      const target = await start();
      targets.push(target);
      measured.push({ name: target.name, rounds: [], unpinnedRounds: [], figures: { d2cPerSecond: NaN, d2cCpuMicrosPerMessage: NaN, c2dP50: NaN, c2dP99: NaN, idleRssMb: NaN, idleDevices: IDLE_DEVICES, baselineRssMb: rssMegabytes(target.pid) } });
    }
    if (loads.has('d2c')) {
      for (let round = 1; round <= D2C_ROUNDS; round++) {
        for (const [i, target] of targets.entries()) {
          for (const pinned of CAN_PIN ? [true, false] : [false]) {
            process.stderr.write(`D2C round ${round}/${D2C_ROUNDS}${pinned ? ' pinned' : ' unpinned'}: ${target.name}... `);
            const r = await measureD2c(target, pinned);
            (pinned ? measured[i]!.rounds : measured[i]!.unpinnedRounds).push(r);
            process.stderr.write(`${Math.round(r.perSecond)} msg/s, ${r.cpuMicrosPerMessage.toFixed(1)} us/msg (generator ${r.generatorCpuMicrosPerMessage.toFixed(1)})\n`);
          }
        }
      }
      // Without pinning, the unpinned rounds are the figures.
      if (!CAN_PIN) for (const m of measured) m.rounds = m.unpinnedRounds.splice(0);
      for (const m of measured) {
        m.figures.d2cPerSecond = median(m.rounds.map((r) => r.perSecond));
        m.figures.d2cCpuMicrosPerMessage = median(m.rounds.map((r) => r.cpuMicrosPerMessage));
      }
    }
    for (const [i, target] of targets.entries()) {
      const f = measured[i]!.figures;
      if (loads.has('c2d')) {
        const c2d = await measureC2d(target);
        f.c2dP50 = c2d.p50;
        f.c2dP99 = c2d.p99;
      }
      if (loads.has('idle')) f.idleRssMb = await measureIdle(target);
      process.stderr.write(`${target.name}: ${JSON.stringify(f)}\n`);
    }
  } finally {
    for (const t of targets) await t.stop();
    rmSync(work, { recursive: true, force: true });
  }
  if (only.length > 0 || loadsArg !== undefined || process.env['HUB_BENCH_WINDOW'] !== undefined || process.env['HUB_BENCH_HUB_ARGS'] !== undefined || baselineRoot !== undefined) return;
  report(measured);
}

function report(results: Measured[]): void {
  const hubM = results[0]!;
  const aedesM = results.find((r) => r.name.startsWith('plain aedes'))!;
  const hub = hubM.figures;
  const aedes = aedesM.figures;
  const f = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const rows = results.map(({ name, figures: x }) =>
    `| ${name} | ${f(x.d2cPerSecond)} | ${f(x.d2cCpuMicrosPerMessage, 1)} | ${f(x.c2dP50, 2)} | ${f(x.c2dP99, 2)} | ${f(x.idleRssMb)} (base ${f(x.baselineRssMb)}) |`);
  const roundRatios = hubM.rounds.map((r, i) => r.perSecond / aedesM.rounds[i]!.perSecond);
  const d2cRatio = median(roundRatios);
  const roundText = (rounds: D2cRound[]): string => rounds.map((r) => `${f(r.perSecond)} msg/s (${f(r.cpuMicrosPerMessage, 1)} µs; generator ${f(r.generatorCpuMicrosPerMessage, 1)})`).join(', ');
  const roundLines = results.map((m) => `- ${m.name}: ${roundText(m.rounds)}`);
  const unpinnedRatios = hubM.unpinnedRounds.map((r, i) => r.perSecond / aedesM.unpinnedRounds[i]!.perSecond);
  /** A median ratio and its rounds, `0.876 (0.84, 0.81, ...)`; '-' when there were none. */
  const ratioText = (ratios: number[]): string => (ratios.length === 0 ? '-' : `${f(median(ratios), 3)} (${ratios.map((x) => f(x, 2)).join(', ')})`);
  const unpinnedLines = unpinnedRatios.length > 0 ? [
    `Unpinned D2C rounds (the same loads, every process free to run on both cores, so the generator and the broker's threads compete), in order; hub / aedes median ratio and rounds **${ratioText(unpinnedRatios)}**:`,
    ...results.map((m) => `- ${m.name}: ${roundText(m.unpinnedRounds)}`), '',
  ] : [];
  const placement = CAN_PIN
    ? 'Placement: in the D2C rounds the load generator runs on CPU 0 and the target, all its threads included, on CPU 1 (taskset), so neither takes the other\'s core, as with devices on other machines; each D2C round is also run unpinned, shown after the table. C2D and memory run unpinned.'
    : 'Placement: unpinned (taskset or a second core is missing).';
  const memRatio = hub.idleRssMb / aedes.idleRssMb;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const text = [
    '# Local hub benchmark', '',
    `Measured ${new Date().toISOString()} on ${cpus().length} cores (${cpu}), ${f(totalmem() / 2 ** 30)} GiB, Node ${process.version}, by \`npm run bench:hub\`${quick ? ' (--quick)' : ''}.`,
    `Same load generator (MQTT.js, its own process) for every target; the hub is the shipped CLI bundle, the peers and the generator esbuild bundles, all under plain Node. D2C: ${D2C_DEVICES} devices, QoS 1, 1 KB, ${WINDOW} in flight per device, ${D2C_MS / 1000} s after a 2 s warm-up, ${D2C_ROUNDS} rounds alternating between the targets (median shown); the hub sends each PUBACK only once the message is on disk (group commit).`,
    `C2D: one device, one message at a time, ${C2D_COUNT} messages after 50 warm-up, latency = send -> device receipt (hub: HTTPS management API send -> queue -> MQTT delivery, which starts while the queue's commit is in flight; the HTTP 201, awaited before the next send, comes once the message is durable; peers: an MQTT publish by a service client). Memory: ${IDLE_DEVICES} idle TLS devices connected after the D2C and C2D loads, broker RSS 3 s after the last connect.`,
    placement,
    `Load average (1 min) ${loadStart.toFixed(2)} at the start and ${loadavg()[0]!.toFixed(2)} at the end: this machine is shared, so absolute figures move between runs; the ratios compare targets measured in the same run.`, '',
    '| target | D2C msg/s | broker CPU µs/msg | C2D p50 ms | C2D p99 ms | RSS MB idle devices |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows, '',
    `D2C rounds${CAN_PIN ? ' (pinned)' : ''}, in order (broker CPU per message; the load generator's own CPU per message):`, ...roundLines, '',
    ...unpinnedLines,
    `Targets: D2C >= 0.8x plain aedes over TLS${CAN_PIN ? ' (pinned)' : ''}: **${f(d2cRatio, 3)}x** (median of the rounds' ${roundRatios.map((x) => f(x, 2)).join(', ')}; ${d2cRatio >= 0.8 ? 'met' : 'NOT met'}); C2D p99 <= 5 ms: **${f(hub.c2dP99, 2)} ms** (${hub.c2dP99 <= 5 ? 'met' : 'NOT met'}); ${IDLE_DEVICES} devices <= 1.5x plain aedes memory: **${f(memRatio, 2)}x** (${memRatio <= 1.5 ? 'met' : 'NOT met'}).`, '',
    'Every full run, including those that missed a target: [hub-history.md](hub-history.md).', '',
  ].join('\n');
  process.stdout.write(text + '\n');
  if (!quick) {
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(join(root, 'bench/results/hub.md'), text);
    // Every full run, kept: one run's report alone hides how often a thin margin is missed.
    const history = join(root, 'bench/results/hub-history.md');
    if (!existsSync(history)) {
      writeFileSync(history, '# Local hub benchmark: every full run\n\n`npm run bench:hub` appends a row per full run (the latest run\'s details are in hub.md).\n\n' +
        '| measured (UTC) | load avg start/end | D2C ratio pinned (rounds) | D2C ratio unpinned (rounds) | hub / aedes msg/s | hub / aedes µs/msg | C2D p99 ms | memory ratio | targets |\n|---|---|---|---|---|---|---:|---:|---|\n');
    }
    const met = d2cRatio >= 0.8 && hub.c2dP99 <= 5 && memRatio <= 1.5;
    appendFileSync(history, `| ${new Date().toISOString().slice(0, 16).replace('T', ' ')} | ${loadStart.toFixed(2)} / ${loadavg()[0]!.toFixed(2)} | ${CAN_PIN ? ratioText(roundRatios) : '-'} | ${ratioText(CAN_PIN ? unpinnedRatios : roundRatios)} | ${f(hub.d2cPerSecond)} / ${f(aedes.d2cPerSecond)} | ${f(hub.d2cCpuMicrosPerMessage, 1)} / ${f(aedes.d2cCpuMicrosPerMessage, 1)} | ${f(hub.c2dP99, 2)} | ${f(memRatio, 2)} | ${met ? 'all met' : 'NOT all met'} |\n`);
  }
}

main().catch((e: unknown) => { process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`); process.exit(1); });
