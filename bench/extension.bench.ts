// `npm run bench:extension`: the extension's own figures, measured in the real VS Code harness
// (code-server + headless Chromium, the integration launcher) by the suite
// test/integration/suites/treeBench.test.ts, and written to bench/results/extension.md:
//   activation (bundle start -> activate() returned) < 50 ms, hub start not blocking it: the median
//   of ACTIVATION_STARTS window starts (test/integration/suites/activationBench.test.ts), split into
//   our top level, VS Code's own gap before it calls activate(), and activate()'s body (plus, for
//   reference, V8's compile of the bundle, which runs before the stamp);
//   10,000 devices: first page of Devices shown < 300 ms after expanding, a filter over all < 300 ms;
//   C2D queued through the API -> the queue node shows the new depth, p99 < 100 ms over 200 sends;
//   extension host memory with 10,000 devices listed < 50 MB above idle.
// The 10,000 devices are registered beforehand straight into a fresh hub data dir (as the hub CLI
// does offline), and the extension's local hub runs on it (IOT_HUB_LOCAL_DATA_DIR).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHubState } from '../src/hub/openHubState';

const DEVICES = 10_000;
/** One window start swings by tens of milliseconds on 2 cores; the median of several is the figure. */
const ACTIVATION_STARTS = 7;
const root = join(__dirname, '..');
const temp = mkdtempSync(join(tmpdir(), 'iothub-bench-ext-'));
const out = join(temp, 'figures.json');
const dataDir = join(temp, 'hub');

async function main(): Promise<number> {
  const prepared = performance.now();
  const state = await openHubState({ dataDir });
  for (let i = 0; i < DEVICES; i++) await state.registry.create({ deviceId: `bench-dev-${String(i).padStart(5, '0')}` });
  await state.close();
  const prepareMs = Math.round(performance.now() - prepared);
  console.log(`bench:extension: ${DEVICES} devices registered in ${prepareMs} ms`);

  // Measured on the production build, the one `npm run package` puts in the .vsix (minified; the
  // integration suites are never minified); every window below runs it with --no-build.
  const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--production'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) return build.status ?? 1;
  const run = spawnSync(process.execPath, [join(root, 'test/launcher/code-server-launcher.mjs'), '--no-build', '--integration-only', '--grep', '^extension bench'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, IOT_HUB_BENCH: '1', IOT_HUB_BENCH_OUT: out, IOT_HUB_LOCAL_DATA_DIR: dataDir, IOT_HUB_TEST_TIMEOUT_PER_TEST: '600000' },
  });
  // Activation: fresh windows on an empty hub data dir (the extension activates at startup, as the
  // demo workspace has message files), built once by the run above.
  const samples: ActivationSample[] = [];
  for (let i = 0; i < ACTIVATION_STARTS; i++) {
    const sampleOut = join(temp, `activation-${i}.json`);
    spawnSync(process.execPath, [join(root, 'test/launcher/code-server-launcher.mjs'), '--no-build', '--integration-only', '--grep', '^activation bench'], {
      cwd: root,
      stdio: 'ignore',
      env: { ...process.env, IOT_HUB_BENCH_ACTIVATION_OUT: sampleOut, IOT_HUB_LOCAL_DATA_DIR: join(temp, `activation-hub-${i}`) },
    });
    try {
      samples.push(JSON.parse(readFileSync(sampleOut, 'utf8')) as ActivationSample);
    } catch {
      console.error(`bench:extension: activation window ${i + 1} wrote no figures`);
    }
  }
  console.log(`bench:extension: activation over ${samples.length} window starts: ${samples.map((x) => x.loadToActivateMs).join(', ')} ms`);

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let f: any;
  try {
    f = JSON.parse(readFileSync(out, 'utf8'));
  } catch {
    console.error('bench:extension: the suite wrote no figures (see the output above)');
    return 1;
  }

  const ok = (value: number, limit: number): string => (Number.isFinite(value) ? (value < limit ? 'met' : '**NOT met**') : 'not measured');
  const med = (pick: (x: ActivationSample) => number): number => median(samples.map(pick));
  const a = {
    loadToActivateMs: med((x) => x.loadToActivateMs), bundleEvalMs: med((x) => x.bundleEvalMs), hostGapMs: med((x) => x.hostGapMs),
    activateBodyMs: med((x) => x.activateBodyMs), bundleCompileMs: med((x) => x.bundleCompileMs),
    min: Math.min(...samples.map((x) => x.loadToActivateMs)), max: Math.max(...samples.map((x) => x.loadToActivateMs)),
    lazyModulesLoadedAfterActivation: [...new Set(samples.flatMap((x) => x.lazyModulesLoadedAfterActivation))],
  };
  f.activationSamples = samples;
  const rows = [
    [`Activation: bundle start -> activate() returned (median of ${samples.length} window starts)`, `${a.loadToActivateMs} ms (min ${a.min}, max ${a.max})`, '< 50 ms', ok(a.loadToActivateMs, 50)],
    ['(of which, medians) our top level / VS Code before it calls activate() / activate() body', `${a.bundleEvalMs} / ${a.hostGapMs} / ${a.activateBodyMs} ms`, '-', 'the middle part is VS Code readying the extension context (storage) and other extensions'],
    ['(cross-check, medians of VS Code\'s own marks) loading the extension code (compile + top level) / VS Code\'s wait / activate call', `${med((x) => x.vscodeMarks?.loadCodeMs ?? NaN)} / ${med((x) => x.vscodeMarks?.waitMs ?? NaN)} / ${med((x) => x.vscodeMarks?.activateMs ?? NaN)} ms`, '-', 'code/extHost/{will,did}{LoadExtensionCode,ActivateExtension} marks'],
    ['(reference) compiling dist/extension.js before its first statement runs (measured apart)', `${a.bundleCompileMs} ms`, '-', 'not in the row above: the stamp runs after it'],
    ['First page of Devices shown after expanding (10,000 devices)', `median ${f.firstPageMs?.median} ms, max ${f.firstPageMs?.max} ms (n=${f.firstPageMs?.n})`, '< 300 ms', ok(f.firstPageMs?.max, 300)],
    ['Filter over all 10,000 devices shown', `median ${f.filterMs?.median} ms, max ${f.filterMs?.max} ms (n=${f.filterMs?.n})`, '< 300 ms', ok(f.filterMs?.max, 300)],
    ['C2D queued via API -> queue node shows the new depth (sends 250 ms apart)', `p99 ${f.eventToTreeMs?.p99} ms, median ${f.eventToTreeMs?.median} ms, max ${f.eventToTreeMs?.max} ms (n=${f.eventToTreeMs?.n}, missed ${f.eventToTreeMs?.missed})`, 'p99 < 100 ms', ok(f.eventToTreeMs?.p99, 100)],
    ['(reference) the same, back to back', `p99 ${f.eventToTreeBackToBackMs?.p99} ms, median ${f.eventToTreeBackToBackMs?.median} ms (n=${f.eventToTreeBackToBackMs?.n})`, '-', 'VS Code debounces tree changes 200 ms'],
    ['Extension host RSS with 10,000 devices listed, above idle (each after a full GC)', `${f.listedMemory?.rssAboveIdleMb} MB (heap +${f.listedMemory?.heapAboveIdleMb} MB; idle RSS ${f.idleMemory?.rssMb} MB)`, '< 50 MB', ok(f.listedMemory?.rssAboveIdleMb, 50)],
  ];
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const md = `# Extension benchmark (\`npm run bench:extension\`)

Run ${when} UTC in the real VS Code harness (code-server 4.100.3 / VS Code 1.100.3, headless Chromium),
on the production build (\`scripts/build.mjs --production\`, as packaged in the .vsix),
local hub with 10,000 devices, measured inside the extension host by
\`test/integration/suites/treeBench.test.ts\`. "Shown" = VS Code asked the extension for the tree item
after the change (the view visible, the nodes expanded).

| Figure | Measured | Target | |
|---|---|---|---|
${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}

The event figure includes the C2D send itself (the hub answers once the message is durable). VS Code's
extension host debounces a tree's change events by 200 ms (leading edge: the first change goes at once,
later ones within 200 ms of it wait), so sends are paced 250 ms apart to measure one event's latency;
back to back, that debounce is the floor (reference row).

Activation evaluates only dist/extension.js; the heavy libraries (the language client, azure-iothub, @azure/event-hubs,
rhea, ws, mqtt) are bundles of their own in dist/lazy/, required on first use (scripts/build.mjs). Loaded when the
activation samples were taken: ${a.lazyModulesLoadedAfterActivation.length === 0 ? 'none' : a.lazyModulesLoadedAfterActivation.join(', ')}.
Every module's \`import * as vscode\` shares one copy of the API object (vscodeOncePlugin in scripts/build.mjs);
before that, each of 40-odd modules copied its ~300 properties, which was most of the top level's time.

Each activation sample is a fresh VS Code window (code-server + Chromium) on a workspace with message files, so
the extension activates at startup, while the workbench is still loading on the same 2 cores: the parts above
move with that contention from one start to the next (see the raw samples below).

Also: reading and showing all 10,000 devices (100 pages of 100) took ${f.listAllMs} ms. (The devices were
registered into the hub's data dir before VS Code started, in ${prepareMs} ms.)

Machine: ${f.machine?.cpus} CPUs, shared with other engineers' builds and tests; load average
${f.machine?.loadavgAtStart?.join(' / ')} at the start and ${f.machine?.loadavgAtEnd?.join(' / ')} at the end
(1 / 5 / 15 min). Timings on this machine vary with that load; treat single figures with care.

Raw figures:

\`\`\`json
${JSON.stringify(f, null, 2)}
\`\`\`
`;
  writeFileSync(join(root, 'bench/results/extension.md'), md);
  console.log(md);
  rmSync(temp, { recursive: true, force: true });
  return run.status ?? 1;
}

interface ActivationSample {
  loadToActivateMs: number;
  bundleEvalMs: number;
  hostGapMs: number;
  activateBodyMs: number;
  bundleCompileMs: number;
  /** VS Code's own marks: loading the extension code (compile + our top level), its wait, the activate call. */
  vscodeMarks?: { loadCodeMs: number; waitMs: number; activateMs: number };
  lazyModulesLoadedAfterActivation: string[];
}

function median(values: number[]): number {
  const s = values.filter(Number.isFinite).sort((x, y) => x - y);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return Math.round((s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2) * 10) / 10;
}

main().then((code) => process.exit(code), (e: unknown) => { console.error(e); process.exit(1); });
