// bench:extension's activation figure, one sample per VS Code window start (skipped unless
// IOT_HUB_BENCH_ACTIVATION_OUT is set; `npm run bench:extension` starts several windows and takes the
// median, since one start on a 2-core machine swings by tens of milliseconds).
// The extension activates as a user's window does: at startup, the workspace holding message files.
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import * as vscode from 'vscode';
import { EXTENSION_ID, activateExtension, suite, test } from '../framework';

const out = process.env['IOT_HUB_BENCH_ACTIVATION_OUT'];
const skip = out ? false : 'run by npm run bench:extension';
const round = (x: number): number => Math.round(x * 10) / 10;

/**
 * What the bundle-start stamp cannot see: V8 compiling dist/extension.js before its first statement
 * runs. Measured apart, on the same source made unique (so no compile cache answers), wrapped as
 * Node wraps a CommonJS module.
 */
function bundleCompileMs(): number {
  const file = join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'extension.js');
  const source = readFileSync(file, 'utf8');
  const t0 = performance.now();
  new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})//${Date.now()}`, { filename: `${file}.bench` });
  return performance.now() - t0;
}

/**
 * VS Code's own performance marks for this extension, from the extension host (vs/base/common/performance
 * keeps them on globalThis.MonacoPerformanceMarks): the same clock as performance.now(). They cross-check
 * the bundle's stamps and see what those cannot: V8's compile, inside "loading the extension code".
 */
function vscodeMarks(): { loadCodeMs: number; waitMs: number; activateMs: number } | undefined {
  const perf = (globalThis as { MonacoPerformanceMarks?: { getMarks(): { name: string; startTime: number }[] } }).MonacoPerformanceMarks;
  const marks = new Map((perf?.getMarks() ?? []).map((m) => [m.name, m.startTime]));
  const at = (what: string): number => marks.get(`code/extHost/${what}/${EXTENSION_ID}`) ?? NaN;
  const [willLoad, didLoad, willActivate, didActivate] = [at('willLoadExtensionCode'), at('didLoadExtensionCode'), at('willActivateExtension'), at('didActivateExtension')];
  if (![willLoad, didLoad, willActivate, didActivate].every(Number.isFinite)) return undefined;
  return { loadCodeMs: round(didLoad - willLoad), waitMs: round(willActivate - didLoad), activateMs: round(didActivate - willActivate) };
}

suite('activation bench', () => {
  test('one window start: bundle start -> activate() returned, and its parts', async () => {
    const runtime = await activateExtension();
    // Which of the modules loaded on first use (dist/lazy, scripts/build.mjs) are loaded by now: none, unless a feature ran.
    const lazyLoaded = Object.keys(require.cache).filter((k) => /[\\/]dist[\\/]lazy[\\/]/.test(k)).map((k) => k.replace(/^.*[\\/]/, ''));
    const sample = {
      loadToActivateMs: round(runtime.loadToActivateMs ?? NaN),
      bundleEvalMs: round(runtime.bundleEvalMs ?? NaN),
      hostGapMs: round(runtime.hostGapMs ?? NaN),
      activateBodyMs: round(runtime.activationMs),
      bundleCompileMs: round(bundleCompileMs()),
      vscodeMarks: vscodeMarks(),
      lazyModulesLoadedAfterActivation: lazyLoaded,
      cpus: cpus().length,
      loadavg: loadavg().map(round),
    };
    writeFileSync(out!, JSON.stringify(sample));
    console.log(`[integration] activation sample: ${JSON.stringify(sample)}`);
  }, { skip });
});
