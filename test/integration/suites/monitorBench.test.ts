// bench:monitor's in-host half, run inside the real VS Code extension host (skipped unless
// IOT_HUB_MONITOR_BENCH_DIR is set; `npm run bench:monitor` sets it and runs only this suite).
// It starts a real D2C monitor panel on the extension's local hub (all devices, $Default, from
// now), tells the driver (bench/monitor.bench.ts, another process that runs the simulated devices
// and watches the webview through Playwright) where the hub is, and then measures the extension
// host while the driver sends: event-loop delay (perf_hooks histogram), event-loop utilisation,
// memory, and the monitor's own counts. The driver marks phases through a control file; at each
// mark this writes the figures of the phase that ended. Files in the bench dir:
//   host.json      (this -> driver) hub connection info and the devices, once the panel runs
//   control.json   (driver -> this) { mark: string } per phase; mark "done" ends the test
//   marks.ndjson   (this -> driver) one line per ended phase
//   samples.ndjson (this -> driver) one line per second (soak curves)
//   probes.ndjson  (this -> driver) per probe message: enqueued time and when the host had it
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session } from 'node:inspector';
import { SourceMap } from 'node:module';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { HubConnection } from '../../../src/hubs/hubConnection';
import { decodeEvent, type ReceivedEventLike } from '../../../src/monitor/monitoredMessage';
import { toWireMonitored } from '../../../src/monitor/protocol';
import type { MonitorPanel } from '../../../src/vscode/monitor/monitorPanel';
import { activateExtension, suite, test, waitFor } from '../framework';
import { runningHubInfo } from '../localHubHelpers';

const dir = process.env['IOT_HUB_MONITOR_BENCH_DIR'];
const skip = dir ? false : 'run by npm run bench:monitor';
const DEVICES = Number(process.env['IOT_HUB_MONITOR_BENCH_DEVICES'] ?? 100);
/** The whole run (soak included) must fit in this. */
const LIMIT_MS = Number(process.env['IOT_HUB_MONITOR_BENCH_LIMIT_MS'] ?? 900_000);
/** Probe messages (latency) carry a message id starting with this. */
const PROBE_PREFIX = 'p:';

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
const mb = (b: number): number => round(b / 1048576);

function memory(): { rssMb: number; heapUsedMb: number; externalMb: number; arrayBuffersMb: number } {
  const m = process.memoryUsage();
  return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), externalMb: mb(m.external), arrayBuffersMb: mb(m.arrayBuffers) };
}

/** A D2C event shaped as @azure/event-hubs hands it to the monitor (the local hub's annotations). */
function syntheticEvent(i: number): ReceivedEventLike {
  const body = Buffer.from(JSON.stringify({ temperature: 20 + (i % 10), humidity: 50, counter: i, time: new Date().toISOString() }));
  return {
    body,
    properties: { alert: i % 2 === 0 ? 'high' : 'low', source: 'bench' },
    offset: String(i * 300),
    sequenceNumber: i,
    enqueuedTimeUtc: new Date(),
    partitionKey: null,
    messageId: `bench-${i}`,
    contentType: 'application/json',
    systemProperties: {
      'iothub-connection-device-id': `bench-${String(i % 100).padStart(3, '0')}`,
      'iothub-connection-auth-method': '{"scope":"device","type":"sas","issuer":"iothub","acceptingIpFilterRule":null}',
      'iothub-connection-auth-generation-id': '638000000000000000',
      'iothub-enqueuedtime': new Date(),
      'iothub-message-source': 'Telemetry',
      contentEncoding: 'utf-8',
      'x-opt-sequence-number': i,
      'x-opt-offset': String(i * 300),
      'x-opt-enqueued-time': new Date(),
    },
  };
}

/** What decoding costs in this host: decodeEvent (the monitor) + toWireMonitored (the panel), per message and per 1,000-event batch. */
function decodeCost(n: number): { perMessageUs: number; per1000BatchMs: number; n: number } {
  const events = Array.from({ length: n }, (_, i) => syntheticEvent(i + 1));
  for (let i = 0; i < 2000; i++) toWireMonitored(decodeEvent(events[i % n]!, '0', i), Date.now()); // warm-up (JIT)
  const t0 = performance.now();
  for (let i = 0; i < n; i++) toWireMonitored(decodeEvent(events[i]!, '0', i), Date.now());
  const ms = performance.now() - t0;
  return { perMessageUs: round((ms * 1000) / n, 2), per1000BatchMs: round((ms / n) * 1000, 2), n };
}

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (e, r) => (e ? reject(e) : resolve(r as T))));
}

/** Where the extension host's CPU went, by origin: each bundled function mapped back to its package or source folder. */
function summariseProfile(profile: CpuProfile): { sampledMs: number; busyMs: number; byOrigin: Record<string, number>; topFunctions: { name: string; origin: string; ms: number }[] } {
  // dist/extension.js and the lazily loaded bundles (dist/lazy/*.js) each have a linked source map.
  const maps = new Map<string, SourceMap | undefined>();
  const mapOf = (url: string): SourceMap | undefined => {
    if (!maps.has(url)) {
      let m: SourceMap | undefined;
      try {
        m = new SourceMap(JSON.parse(readFileSync(`${url.startsWith('file:') ? fileURLToPath(url) : url}.map`, 'utf8')));
      } catch {
        m = undefined;
      }
      maps.set(url, m);
    }
    return maps.get(url);
  };
  const origin = (cf: ProfileNode['callFrame']): string => {
    if (cf.functionName === '(idle)') return '(idle)';
    if (cf.functionName === '(garbage collector)') return 'GC';
    if (cf.functionName === '(program)') return '(program: native, not attributed)';
    if (cf.url.startsWith('node:')) return 'Node internals (node: modules: streams, net, TLS, fs, timers)';
    if (cf.url === '') return 'built-ins without a script (native stream writes, JSON, Buffer)';
    const map = /\/dist\/(lazy\/)?[^/]+\.js$/.test(cf.url) ? mapOf(cf.url) : undefined;
    if (map) {
      const e = map.findEntry(cf.lineNumber, cf.columnNumber) as { originalSource?: string };
      const src = e.originalSource ?? '';
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(src);
      if (pkg) return pkg[1]!;
      const own = /(src\/[^/]+(?:\/[^/]+)?)\//.exec(src);
      return own ? own[1]! : 'extension (unmapped)';
    }
    if (/extensionHost|vs\/workbench|vs\/base|out\/vs/.test(cf.url)) return 'VS Code extension host (RPC, postMessage, events)';
    return cf.url.replace(/^.*\//, '') || 'other';
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const byOrigin: Record<string, number> = {};
  const fns = new Map<string, { name: string; origin: string; ms: number }>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    const o = origin(n.callFrame);
    total += us;
    if (o === '(idle)') { idle += us; continue; }
    byOrigin[o] = (byOrigin[o] ?? 0) + us / 1000;
    const key = `${n.callFrame.functionName || '(anonymous)'}@${o}`;
    const f = fns.get(key) ?? { name: n.callFrame.functionName || '(anonymous)', origin: o, ms: 0 };
    f.ms += us / 1000;
    fns.set(key, f);
  }
  for (const k of Object.keys(byOrigin)) byOrigin[k] = round(byOrigin[k]!);
  const sorted = Object.fromEntries(Object.entries(byOrigin).sort((a, b) => b[1] - a[1]));
  return { sampledMs: round(total / 1000), busyMs: round((total - idle) / 1000), byOrigin: sorted, topFunctions: [...fns.values()].sort((a, b) => b.ms - a.ms).slice(0, 20).map((f) => ({ ...f, ms: round(f.ms) })) };
}

suite('monitor bench', () => {
  test('a monitor panel under load from simulated devices', async () => {
    if (!dir) return;
    const started = Date.now();
    const runtime = await activateExtension();
    const info = await runningHubInfo();
    const hub: HubConnection | undefined = runtime.hubs.get('local');
    if (!hub) throw new Error('no local hub connection');
    await waitFor(() => hub.status.state === 'running' || undefined, { timeout: 30_000, message: 'the local hub connection to run' });
    const deviceIds = Array.from({ length: DEVICES }, (_, i) => `bench-${String(i).padStart(3, '0')}`);
    for (const id of deviceIds) {
      try {
        await hub.createDevice(id);
      } catch {
        // already registered (a re-run on the same data dir)
      }
    }
    const idleMemory = memory();
    const panel = await vscode.commands.executeCommand<MonitorPanel | undefined>('iotHubMessaging.monitor.start', { hub, consumerGroup: '$Default', start: { kind: 'now' } });
    if (!panel) throw new Error('the monitor command returned no panel');
    await waitFor(() => panel.monitor.state.state === 'running' || undefined, { timeout: 30_000, message: 'the monitor to run' });

    const probes: { id: string; enqueued: string; hostAt: number }[] = [];
    const probeSub = panel.monitor.onMessages((batch) => {
      const at = Date.now();
      for (const m of batch) {
        const id = m.systemProperties.messageId;
        if (id !== undefined && id.startsWith(PROBE_PREFIX)) probes.push({ id, enqueued: m.enqueuedTimeUtc, hostAt: at });
      }
    });
    // Written whole then renamed: the driver waits for the file to exist.
    writeFileSync(join(dir, 'host.tmp'), JSON.stringify({
      pid: process.pid,
      // The hub's connection info (what the extension itself uses), so the driver's devices connect as field devices do.
      info,
      deviceIds,
      capacity: panel.monitor.ring.capacity,
      idleMemory,
    }));
    renameSync(join(dir, 'host.tmp'), join(dir, 'host.json'));

    const eld = monitorEventLoopDelay({ resolution: 5 });
    eld.enable();
    let elu = performance.eventLoopUtilization();
    let mark = 'start';
    let markAt = Date.now();
    let markReceived = panel.monitor.received;
    let lastSample = 0;
    // Second-by-second delay: its own histogram, so the phase histogram is not reset by samples.
    const eldSecond = monitorEventLoopDelay({ resolution: 5 });
    eldSecond.enable();
    const control = join(dir, 'control.json');
    let profiler: Session | undefined;
    try {
      for (;;) {
        if (Date.now() - started > LIMIT_MS) throw new Error(`the driver did not finish within ${LIMIT_MS} ms`);
        await new Promise((r) => setTimeout(r, 200));
        const now = Date.now();
        if (now - lastSample >= 1000) {
          lastSample = now;
          appendFileSync(join(dir, 'samples.ndjson'), `${JSON.stringify({
            t: now, mark, received: panel.monitor.received, posted: panel.posted, hostDropped: panel.monitor.dropped,
            eldP99Ms: round(eldSecond.percentile(99) / 1e6), eldMaxMs: round(eldSecond.max / 1e6), ...memory(),
          })}\n`);
          eldSecond.reset();
        }
        let c: { mark: string } | undefined;
        try {
          c = existsSync(control) ? (JSON.parse(readFileSync(control, 'utf8')) as { mark: string }) : undefined;
        } catch {
          continue; // being replaced right now: read it next time
        }
        if (!c || c.mark === mark) continue;
        const u = performance.eventLoopUtilization(elu);
        // The 'profile' phase runs under the CPU profiler (1 ms sampling): where the host's time goes.
        let profile: ReturnType<typeof summariseProfile> | undefined;
        if (mark === 'profile' && profiler) {
          const r = await post<{ profile: CpuProfile }>(profiler, 'Profiler.stop');
          profiler.disconnect();
          profiler = undefined;
          profile = summariseProfile(r.profile);
        }
        const line = {
          ...(profile ? { profile } : {}),
          mark, ms: now - markAt,
          received: panel.monitor.received, receivedInPhase: panel.monitor.received - markReceived,
          posted: panel.posted, hostDropped: panel.monitor.dropped, ringLength: panel.monitor.ring.length,
          eventLoopDelayMs: { p50: round(eld.percentile(50) / 1e6), p99: round(eld.percentile(99) / 1e6), max: round(eld.max / 1e6), mean: round(eld.mean / 1e6), n: eld.count },
          eventLoopUtilization: round(u.utilization, 3),
          memory: memory(),
          probes: probes.splice(0),
        };
        appendFileSync(join(dir, 'marks.ndjson'), `${JSON.stringify(line)}\n`);
        eld.reset();
        elu = performance.eventLoopUtilization();
        mark = c.mark;
        markAt = now;
        if (mark === 'profile') {
          profiler = new Session();
          profiler.connect();
          await post(profiler, 'Profiler.enable');
          await post(profiler, 'Profiler.setSamplingInterval', { interval: 1000 });
          await post(profiler, 'Profiler.start');
        }
        markReceived = panel.monitor.received;
        if (mark === 'done') break;
      }
      // After the load: what decoding one message costs here (the monitor's decode + the panel's wire form).
      appendFileSync(join(dir, 'marks.ndjson'), `${JSON.stringify({ mark: 'decode', decode: decodeCost(20_000) })}\n`);
    } finally {
      profiler?.disconnect();
      eld.disable();
      eldSecond.disable();
      probeSub.dispose();
      panel.dispose();
    }
  }, { timeout: LIMIT_MS + 120_000, skip });
});
