// `npm run bench:inspector:vscode` (bench/inspectorOpen.bench.ts): how long the inspector takes to open
// in the real workbench, from the command to the webview's first painted frame. Skipped unless
// IOT_HUB_BENCH_INSPECTOR_OUT names the figures file.
//
// The command is chosen in the palette as a user does; the moment the row is pressed is stamped in
// the workbench page (a capture listener). The webview's page is empty until the message arrives
// (<main> is filled by the `load` message), so its First Contentful Paint is the first frame that
// shows the message; Largest Contentful Paint is reported too. All times are wall-clock
// (performance.timeOrigin + the entry's time), comparable across the workbench and webview frames.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { uiTest, type UiHarness } from './harness';
import { inspectorFrame } from './inspectorFrame';

const out = process.env['IOT_HUB_BENCH_INSPECTOR_OUT'];
const RUNS = Number(process.env['IOT_HUB_BENCH_INSPECTOR_RUNS'] ?? 5);
const KB256 = 256 * 1024;

interface OpenSample {
  /** Command chosen -> first painted frame of the webview (its First Contentful Paint). */
  firstPaintMs: number;
  /** Command chosen -> the webview's Largest Contentful Paint (the body or the property table). */
  largestPaintMs: number;
  /** Command chosen -> the webview document started loading (VS Code creating the panel and its frames). */
  documentStartMs: number;
  /** Command chosen -> the page's scripts ran to the end of parsing (DOMContentLoaded done): after it, the page waits for the message. */
  domReadyMs: number;
}

/** A JSON telemetry body of about `bytes` bytes once compacted (as a message file sends an object body). */
function telemetry(bytes: number): unknown {
  const samples: unknown[] = [];
  let size = 0;
  for (let i = 0; size < bytes - 200; i++) {
    const s = { ts: `2026-11-22T09:${String(i % 60).padStart(2, '0')}:00Z`, sensor: `s-${i % 17}`, t: 20 + (i % 50) / 10 };
    samples.push(s);
    size += JSON.stringify(s).length + 1; // the body is sent as compact JSON
  }
  return { samples };
}

async function openOnce(h: UiHarness, name: string, bodyBytes: number, run: number): Promise<OpenSample> {
  const messageId = `bench-open-${name}-${run}-${Date.now()}`;
  const file = `bench-open-${name}-${run}.iotmsg.json`;
  writeFileSync(join(h.workspaceDir, file), `${JSON.stringify({
    direction: 'd2c', deviceId: 'bench-device',
    systemProperties: { messageId, contentType: 'application/json', contentEncoding: 'utf-8' },
    applicationProperties: { unit: 'C' },
    body: telemetry(bodyBytes),
  }, null, 2)}\n`);
  await h.runCommand('View: Close All Editors');
  await h.openFile(file);
  // Stamp the moment a palette row is pressed (the command is chosen), once.
  await h.page.evaluate(() => {
    const w = window as unknown as { __benchCommandAt?: number };
    delete w.__benchCommandAt;
    document.addEventListener('pointerdown', () => { w.__benchCommandAt ??= performance.timeOrigin + performance.now(); }, { capture: true, once: true });
  });
  await h.runCommand('IoT Hub: Inspect Message File');
  const frame = await inspectorFrame(h, messageId, 30_000);
  const chosenAt = await h.page.evaluate(() => (window as unknown as { __benchCommandAt?: number }).__benchCommandAt ?? NaN);
  const paints = await frame.evaluate(() => new Promise<{ fcp: number; lcp: number; start: number; domReady: number }>((resolve) => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    let lcp = NaN;
    // LCP entries are buffered; the last one so far is the largest painted.
    new PerformanceObserver((list) => {
      const last = list.getEntries().at(-1) as (PerformanceEntry & { renderTime?: number }) | undefined;
      if (last) lcp = performance.timeOrigin + (last.renderTime || last.startTime);
    }).observe({ type: 'largest-contentful-paint', buffered: true });
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    const domReady = nav ? performance.timeOrigin + nav.domContentLoadedEventEnd : NaN;
    setTimeout(() => resolve({ fcp: fcp ? performance.timeOrigin + fcp.startTime : NaN, lcp, start: performance.timeOrigin, domReady }), 100);
  }));
  const round = (x: number): number => Math.round(x * 10) / 10;
  return { firstPaintMs: round(paints.fcp - chosenAt), largestPaintMs: round(paints.lcp - chosenAt), documentStartMs: round(paints.start - chosenAt), domReadyMs: round(paints.domReady - chosenAt) };
}

uiTest('inspector open bench: command -> first painted frame of the webview', async (h) => {
  const machineAtStart = loadavg().map((x) => Math.round(x * 100) / 100);
  const scenarios = [
    { name: '1k', label: '1 KB JSON message', bytes: 1024 },
    { name: '256k', label: '256 KB JSON message', bytes: KB256 - 1024 },
  ];
  const results: Record<string, OpenSample[]> = {};
  // One warm-up open: the first inspector of a window also loads the extension's lazy code paths.
  const firstEver = await openOnce(h, 'warmup', 1024, 0);
  for (const s of scenarios) {
    const samples: OpenSample[] = [];
    for (let run = 1; run <= RUNS; run++) samples.push(await openOnce(h, s.name, s.bytes, run));
    results[s.label] = samples;
    console.log(`[ui] inspector open ${s.label}: first paint ${samples.map((x) => x.firstPaintMs).join(', ')} ms`);
  }
  await h.runCommand('View: Close All Editors');
  writeFileSync(out!, JSON.stringify({
    runs: RUNS, firstEver, results,
    machine: { cpus: cpus().length, loadavgAtStart: machineAtStart, loadavgAtEnd: loadavg().map((x) => Math.round(x * 100) / 100) },
  }));
}, { skip: out ? false : 'run by npm run bench:inspector:vscode', timeout: 600_000 });
