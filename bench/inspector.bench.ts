// npm run bench:inspector — how long the inspector webview takes to show a 256 KB message, in a
// real browser: the production webview bundle in Debian's Chromium (Playwright), the same HTML and
// CSP the host serves, a stub acquireVsCodeApi. Timed in the page from posting the `load` message
// until the DOM is built and the next frame has painted (rAF + task). Each run is a fresh browser
// context (a new page, like a new webview). Writes bench/results/inspector.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createMessage, type IotMessage } from '../src/core/message/model';
import type { BodyViewKind } from '../src/inspector/protocol';
import { buildBundle, launchChromium, loadMessage, openStandalone } from '../test/unit/inspector/standalonePage';

const BUDGET_MS = 200;
const RUNS = Number(process.env['INSPECTOR_BENCH_RUNS'] ?? 9);
const KB256 = 256 * 1024;
const enc = new TextEncoder();

function fill(prefix: string, suffix: string, bytes: number, unit: (i: number) => string): string {
  let out = prefix;
  for (let i = 0; out.length + suffix.length < bytes; i++) out += unit(i);
  return (out.slice(0, bytes - suffix.length) + suffix);
}

/** Realistic telemetry: an array of readings, pretty-printed by the sender (many short lines). */
function telemetryJson(): Uint8Array {
  const items: string[] = [];
  let size = 2;
  for (let i = 0; size < KB256 - 200; i++) {
    const item = JSON.stringify({ ts: `2026-11-22T09:${String(i % 60).padStart(2, '0')}:00Z`, sensor: `s-${i % 17}`, t: 20 + (i % 50) / 10, ok: i % 3 !== 0 });
    items.push(item);
    size += item.length + 1;
  }
  const text = `[${items.join(',')}]`;
  return enc.encode(text.padEnd(KB256, ' '));
}

interface Scenario { name: string; message: IotMessage; view?: BodyViewKind; expectView: string }

const sys = { messageId: 'bench-1', contentType: 'application/json', contentEncoding: 'utf-8' };
const app = [{ name: 'temp erature', value: '21\u00b0C' }, { name: 'site', value: 'plant-7' }];
const scenarios: Scenario[] = [
  { name: 'baseline: 1 KB telemetry JSON (the page\'s fixed cost)', expectView: 'body-json', message: createMessage({ direction: 'd2c', deviceId: 'dev-1', systemProperties: sys, applicationProperties: app, body: enc.encode(JSON.stringify({ t: 21.5, readings: Array.from({ length: 120 }, (_, i) => i) })) }) },
  { name: '256 KB telemetry JSON (default view: JSON)', expectView: 'body-json', message: createMessage({ direction: 'd2c', deviceId: 'dev-1', systemProperties: sys, applicationProperties: app, body: telemetryJson() }) },
  { name: '256 KB JSON, one 256 KB string (default view: JSON)', expectView: 'body-json', message: createMessage({ direction: 'd2c', deviceId: 'dev-1', systemProperties: sys, applicationProperties: app, body: enc.encode(fill('{"blob":"', '"}', KB256, () => 'x')) }) },
  { name: '256 KB plain text log lines (default view: text)', expectView: 'body-text-lines', message: createMessage({ direction: 'd2c', deviceId: 'dev-1', systemProperties: { messageId: 'bench-2', contentType: 'text/plain' }, applicationProperties: app, body: enc.encode(fill('', '', KB256, (i) => `2026-11-22T09:00:${String(i % 60).padStart(2, '0')}Z INFO pump ${i} pressure ok\n`)) }) },
  { name: '256 KB binary (default view: hex)', expectView: 'hex-view', message: createMessage({ direction: 'd2c', deviceId: 'dev-1', systemProperties: { messageId: 'bench-3', contentType: 'application/octet-stream' }, applicationProperties: app, body: Uint8Array.from({ length: KB256 }, (_, i) => (i * 31) & 0xff) }) },
  { name: '256 KB telemetry JSON shown as hex', expectView: 'hex-view', view: 'hex', message: createMessage({ direction: 'd2c', deviceId: 'dev-1', systemProperties: sys, applicationProperties: app, body: telemetryJson() }) },
  { name: '256 KB telemetry JSON as C2D (over 64 KB, flagged)', expectView: 'body-json', message: createMessage({ direction: 'c2d', deviceId: 'dev-1', systemProperties: sys, applicationProperties: app, body: telemetryJson() }) },
];

function stats(xs: number[]): { median: number; p90: number; max: number; min: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))] ?? NaN;
  return { median: at(0.5), p90: at(0.9), max: s[s.length - 1] ?? NaN, min: s[0] ?? NaN };
}

async function main(): Promise<void> {
  const bundle = await buildBundle();
  const browser = await launchChromium();
  const rows: string[] = [];
  const load0 = loadavg()[0] ?? 0;
  let failed = false;
  try {
    for (const sc of scenarios) {
      const times: number[] = [];
      const cpuTimes: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const page = await openStandalone(bundle, '', browser);
        try {
          const cdp = await page.page.context().newCDPSession(page.page);
          await cdp.send('Performance.enable');
          const busy = async (): Promise<number> => {
            const { metrics } = await cdp.send('Performance.getMetrics');
            return (metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN) * 1000;
          };
          await page.stage(loadMessage(sc.message, { kind: 'paste' }, sc.view ? { bodyView: sc.view } : {}));
          const busyBefore = await busy();
          const ms = await page.postStaged();
          cpuTimes.push((await busy()) - busyBefore);
          const shown = await page.page.locator(`[data-testid="${sc.expectView}"]`).count();
          if (shown !== 1) throw new Error(`${sc.name}: expected [data-testid=${sc.expectView}] after load`);
          const violations = await page.cspViolations();
          if (violations.length || page.errors.length) throw new Error(`${sc.name}: ${[...violations, ...page.errors].join('; ')}`);
          times.push(ms);
        } finally {
          await page.close();
        }
      }
      const st = stats(times);
      const cpu = stats(cpuTimes);
      const ok = st.median < BUDGET_MS;
      failed ||= !ok;
      console.log(`${sc.name}: median ${st.median.toFixed(1)} ms, p90 ${st.p90.toFixed(1)}, max ${st.max.toFixed(1)}, first ${times[0]?.toFixed(1)}; main thread busy median ${cpu.median.toFixed(1)} ms ${ok ? 'OK' : 'OVER BUDGET'}`);
      rows.push(`| ${sc.name} | ${st.median.toFixed(1)} | ${st.p90.toFixed(1)} | ${st.max.toFixed(1)} | ${times[0]?.toFixed(1)} | ${cpu.median.toFixed(1)} | ${ok ? 'yes' : '**no**'} |`);
    }

    // Live edit on a 256 KB message: type into a property and wait until the flags are redrawn.
    const editTimes: number[] = [];
    const page = await openStandalone(bundle, '', browser);
    try {
      await page.post(loadMessage(scenarios[0]?.message ?? createMessage()));
      await page.page.locator('[data-testid="application:0:name-edit"]').click();
      const input = page.page.locator('[data-testid="application:0:name"] vscode-text-field input');
      await input.waitFor();
      for (let r = 0; r < RUNS; r++) {
        const value = r % 2 === 0 ? 'temperature' : 'temp erature';
        const flagged = r % 2 === 1;
        const ms = await page.page.evaluate(async ({ value, flagged }) => {
          const field = document.querySelector('[data-testid="application:0:name"] vscode-text-field');
          const inner = field?.shadowRoot?.querySelector('input');
          if (!inner) throw new Error('no input');
          const t0 = performance.now();
          inner.value = value;
          inner.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
          const has = (): boolean => document.querySelectorAll('[data-testid="application:0:name-preview"] mark.flag').length > 0;
          while (has() !== flagged) {
            if (performance.now() - t0 > 10_000) throw new Error('the flag never changed');
            await new Promise((r) => setTimeout(r, 0));
          }
          await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
          return performance.now() - t0;
        }, { value, flagged });
        editTimes.push(ms);
      }
    } finally {
      await page.close();
    }
    const es = stats(editTimes);
    console.log(`live property edit on a 256 KB message: median ${es.median.toFixed(1)} ms, max ${es.max.toFixed(1)}`);
    rows.push(`| Live edit of a property name on a 256 KB message (flags redrawn) | ${es.median.toFixed(1)} | ${es.p90.toFixed(1)} | ${es.max.toFixed(1)} | ${editTimes[0]?.toFixed(1)} | | ${es.median < 100 ? 'yes (100 ms)' : '**no** (100 ms)'} |`);
  } finally {
    await browser.close();
    bundle.dispose();
  }

  const md = `# Inspector render benchmark

\`npm run bench:inspector\` (bench/inspector.bench.ts). The production webview bundle
(\`webview/inspector/main.ts\`, minified, with @vscode/webview-ui-toolkit) in Debian's Chromium
through Playwright, served with the same HTML and CSP as the extension host, with a stub
\`acquireVsCodeApi\`. Each run opens a fresh browser context, posts the \`load\` message the host
sends, and times in the page until the DOM is built **and the next frame has painted**
(requestAnimationFrame, then a task). ${RUNS} runs per row; "first" is the first run (coldest).
"Main-thread busy" is Chromium's TaskDuration over the same span (CDP Performance metrics): the
renderer's own work, which waiting for a contended CPU does not inflate.
Budget: a 256 KB body renders in under ${BUDGET_MS} ms (median).

Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load average ${load0.toFixed(2)} at start
(other agents share the machine, so maxima are noisy). ${new Date().toISOString()}.

| Scenario | median ms | p90 ms | max ms | first ms | main-thread busy, median ms | within budget |
|---|---:|---:|---:|---:|---:|---|
${rows.join('\n')}

The baseline row (a 1 KB message) is the page's fixed cost in a fresh context: V8 compiling the
bundle's render paths on first use and the toolkit upgrading its web components. A 256 KB body
adds only tens of milliseconds on top.

How it stays fast:
- Hex and big (> 64 KB) JSON/text are virtualised: only the rows in view (plus 20 above and
  below) are in the DOM; long lines are cut into 200-character display rows so every row has the
  same height. A 256 KB body is 16,384 hex rows; about 70 exist at a time.
- Big text opens read-only; "Edit body" swaps in the textarea (which lays out all of it) on request.
- Only the chosen body view is drawn; switching draws the next one.
- Live edits reuse the decoded body while only properties change, and re-validate through the
  core (\`validateMessage\`) on every keystroke; body edits are debounced (200 ms).
- No \`toLocaleString\` on the hot path (its first call costs ~40 ms of Intl start-up).
`;
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  // Keep the VS Code open-time section bench:inspector:vscode writes into the same file.
  const file = join(__dirname, 'results', 'inspector.md');
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const kept = /<!-- bench:inspector:vscode begin -->[\s\S]*<!-- bench:inspector:vscode end -->/.exec(old)?.[0];
  writeFileSync(file, kept ? `${md.trimEnd()}\n\n${kept}\n` : md);
  console.log('wrote bench/results/inspector.md');
  if (failed) process.exitCode = 1;
}

void main().catch((e: unknown) => { console.error(e); process.exit(1); });
