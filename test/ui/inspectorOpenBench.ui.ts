// `npm run bench:inspector:vscode` (bench/inspectorOpen.bench.ts): how long the inspector takes to open
// in the real workbench, from the command to the webview's first painted frame. Skipped unless
// IOT_HUB_BENCH_INSPECTOR_OUT names the figures file.
//
// The command is chosen in the palette as a user does; the moment the row is pressed is stamped in
// the workbench page (a capture listener). The webview's page is empty until the message arrives
// (<main> is filled by the `load` message), so its First Contentful Paint is the first frame that
// shows the message; Largest Contentful Paint is reported too. All times are wall-clock
// (performance.timeOrigin + the entry's time), comparable across the workbench and webview frames.
//
// Where the time goes is split three ways: VS Code making the panel and its frames (command ->
// the webview document starts), VS Code's webview frame waiting for its service worker before it
// can even fetch the empty page it writes our HTML into (the navigation's fetchStart), and the
// page itself (that fetch -> first paint). The service worker's version changes are recorded over
// CDP, and VS Code's own Markdown preview is opened the same way as a control: a webview that is
// not ours pays the same wait.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { CDPSession } from 'playwright-core';
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
  /** Command chosen -> the page's scripts ran to the end of parsing (DOMContentLoaded done). */
  domReadyMs: number;
  /**
   * How long VS Code's webview frame waited for its service worker before fetching the page
   * (the document's navigation fetchStart). Nothing of ours runs before this has passed.
   */
  serviceWorkerWaitMs: number;
  /** The page's own part: the webview document fetched -> first painted frame. */
  pageMs: number;
  /** Command chosen -> the message rendered into the DOM (`inspector:rendered` mark), before its frame painted. */
  renderedMs: number;
  /** The webview's service worker version, from CDP: activating -> activated (NaN when not seen). */
  workerActivatingMs: number;
}

/** Every service worker version state change the browser reports, stamped on arrival. */
interface WorkerEvent { versionId: string; scriptURL: string; status: string; at: number }

async function watchServiceWorkers(h: UiHarness): Promise<{ events: WorkerEvent[]; session: CDPSession }> {
  const session = await h.page.context().newCDPSession(h.page);
  const events: WorkerEvent[] = [];
  session.on('ServiceWorker.workerVersionUpdated', (e: { versions: Array<{ versionId: string; scriptURL: string; status: string }> }) => {
    const at = Date.now();
    for (const v of e.versions) {
      const last = events.filter((x) => x.versionId === v.versionId).at(-1);
      if (last?.status !== v.status) events.push({ versionId: v.versionId, scriptURL: v.scriptURL, status: v.status, at });
    }
  });
  await session.send('ServiceWorker.enable');
  return { events, session };
}

/** activating -> activated of the worker registered for webview `id` (the page's fake.html?id=...). */
function activationMs(events: readonly WorkerEvent[], webviewId: string): number {
  const mine = events.filter((e) => e.scriptURL.includes(`id=${webviewId}`));
  const activating = mine.find((e) => e.status === 'activating');
  const activated = mine.find((e) => e.status === 'activated');
  return activating && activated ? activated.at - activating.at : NaN;
}

/** The timings every webview document can report about itself (ours and the control's). */
async function documentTimings(frame: import('playwright-core').Frame): Promise<{ fcp: number; start: number; fetchStart: number; domReady: number; rendered: number; id: string }> {
  // The frame was found by its content, which can be a moment before that content painted.
  await frame.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0, undefined, { timeout: 10_000 }).catch(() => undefined);
  return frame.evaluate(() => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    const rendered = performance.getEntriesByName('inspector:rendered')[0];
    return {
      fcp: fcp ? performance.timeOrigin + fcp.startTime : NaN,
      start: performance.timeOrigin,
      fetchStart: nav ? performance.timeOrigin + nav.fetchStart : NaN,
      domReady: nav ? performance.timeOrigin + nav.domContentLoadedEventEnd : NaN,
      rendered: rendered ? performance.timeOrigin + rendered.startTime : NaN,
      id: new URL(nav?.name ?? location.href).searchParams.get('id') ?? '',
    };
  });
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

async function openOnce(h: UiHarness, workers: readonly WorkerEvent[], name: string, bodyBytes: number, run: number): Promise<OpenSample> {
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
  await stampCommandChosen(h);
  await h.runCommand('IoT Hub: Inspect Message File');
  const frame = await inspectorFrame(h, messageId, 30_000);
  const chosenAt = await commandChosenAt(h);
  const paints = await frame.evaluate(() => new Promise<{ lcp: number }>((resolve) => {
    let lcp = NaN;
    // LCP entries are buffered; the last one so far is the largest painted.
    new PerformanceObserver((list) => {
      const last = list.getEntries().at(-1) as (PerformanceEntry & { renderTime?: number }) | undefined;
      if (last) lcp = performance.timeOrigin + (last.renderTime || last.startTime);
    }).observe({ type: 'largest-contentful-paint', buffered: true });
    setTimeout(() => resolve({ lcp }), 100);
  }));
  const t = await documentTimings(frame);
  return {
    firstPaintMs: round(t.fcp - chosenAt), largestPaintMs: round(paints.lcp - chosenAt), documentStartMs: round(t.start - chosenAt),
    domReadyMs: round(t.domReady - chosenAt), serviceWorkerWaitMs: round(t.fetchStart - t.start), pageMs: round(t.fcp - t.fetchStart),
    renderedMs: round(t.rendered - chosenAt), workerActivatingMs: activationMs(workers, t.id),
  };
}

/** The webview document (VS Code writes it into pre/fake.html) whose body shows `text`. */
async function frameWithText(h: UiHarness, text: string, timeout: number): Promise<import('playwright-core').Frame> {
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const f of h.page.frames()) {
      if (f.isDetached() || !f.url().includes('/fake.html')) continue;
      if ((await f.evaluate(() => document.body?.textContent ?? '').catch(() => '')).includes(text)) return f;
    }
    if (Date.now() > deadline) throw new Error(`no frame shows ${text}`);
    await h.page.waitForTimeout(100);
  }
}

const round = (x: number): number => Math.round(x * 10) / 10;

/** Stamps the moment a palette row is pressed (the command is chosen), once. */
async function stampCommandChosen(h: UiHarness): Promise<void> {
  await h.page.evaluate(() => {
    const w = window as unknown as { __benchCommandAt?: number };
    delete w.__benchCommandAt;
    document.addEventListener('pointerdown', () => { w.__benchCommandAt ??= performance.timeOrigin + performance.now(); }, { capture: true, once: true });
  });
}

async function commandChosenAt(h: UiHarness): Promise<number> {
  return h.page.evaluate(() => (window as unknown as { __benchCommandAt?: number }).__benchCommandAt ?? NaN);
}

/** The control: VS Code's own Markdown preview (a webview that is not ours), opened the same way. */
async function openControl(h: UiHarness, workers: readonly WorkerEvent[], run: number): Promise<Omit<OpenSample, 'largestPaintMs' | 'renderedMs' | 'domReadyMs'>> {
  const marker = `bench-control-${run}-${Date.now()}`;
  const file = `bench-control-${run}.md`;
  writeFileSync(join(h.workspaceDir, file), `# ${marker}\n\nA control page.\n`);
  await h.runCommand('View: Close All Editors');
  await h.openFile(file);
  await stampCommandChosen(h);
  await h.runCommand('Markdown: Open Preview');
  const frame = await frameWithText(h, marker, 30_000);
  const chosenAt = await commandChosenAt(h);
  const t = await documentTimings(frame);
  return {
    firstPaintMs: round(t.fcp - chosenAt), documentStartMs: round(t.start - chosenAt), serviceWorkerWaitMs: round(t.fetchStart - t.start),
    pageMs: round(t.fcp - t.fetchStart), workerActivatingMs: activationMs(workers, t.id),
  };
}

uiTest('inspector open bench: command -> first painted frame of the webview', async (h) => {
  const machineAtStart = loadavg().map((x) => Math.round(x * 100) / 100);
  const scenarios = [
    { name: '1k', label: '1 KB JSON message', bytes: 1024 },
    { name: '256k', label: '256 KB JSON message', bytes: KB256 - 1024 },
  ];
  const results: Record<string, OpenSample[]> = {};
  const { events: workers, session } = await watchServiceWorkers(h);
  // One warm-up open: the first inspector of a window also loads the extension's lazy code paths.
  const firstEver = await openOnce(h, workers, 'warmup', 1024, 0);
  for (const s of scenarios) {
    const samples: OpenSample[] = [];
    for (let run = 1; run <= RUNS; run++) samples.push(await openOnce(h, workers, s.name, s.bytes, run));
    results[s.label] = samples;
    console.log(`[ui] inspector open ${s.label}: first paint ${samples.map((x) => x.firstPaintMs).join(', ')} ms; service worker wait ${samples.map((x) => x.serviceWorkerWaitMs).join(', ')} ms; page ${samples.map((x) => x.pageMs).join(', ')} ms`);
  }
  const control: Array<Awaited<ReturnType<typeof openControl>>> = [];
  for (let run = 1; run <= Math.min(RUNS, 3); run++) control.push(await openControl(h, workers, run));
  console.log(`[ui] control (Markdown preview): first paint ${control.map((x) => x.firstPaintMs).join(', ')} ms; service worker wait ${control.map((x) => x.serviceWorkerWaitMs).join(', ')} ms`);
  await h.runCommand('View: Close All Editors');
  await session.detach().catch(() => undefined);
  writeFileSync(out!, JSON.stringify({
    runs: RUNS, firstEver, results, control,
    machine: { cpus: cpus().length, loadavgAtStart: machineAtStart, loadavgAtEnd: loadavg().map((x) => Math.round(x * 100) / 100) },
  }));
}, { skip: out ? false : 'run by npm run bench:inspector:vscode', timeout: 600_000 });
