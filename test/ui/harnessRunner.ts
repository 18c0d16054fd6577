// Runs the registered UI tests (test/ui/*.ui.ts) in one workbench page. Loaded by the launcher
// through tsx; not bundled.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { WorkbenchHarness, registeredUiTests, setCurrentUiFile } from './harness';
import { titleFilter } from '../integration/titleFilter';

export interface UiResult {
  suite: string;
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  ms: number;
  error?: string;
  screenshot?: string;
  /** Set when the test failed, then passed on its retry: the first attempt's error. */
  flaky?: string;
}

export interface UiRunOptions {
  page: Page;
  /** Reloads the workbench (used after a test leaves it unusable). */
  reload: () => Promise<void>;
  workspaceDir: string;
  resultsDir: string;
  uiDir: string;
  grep?: string;
  onResult: (r: UiResult) => void;
}

export function findUiTestFiles(uiDir: string): string[] {
  return readdirSync(uiDir).filter((f) => f.endsWith('.ui.ts')).sort();
}

function timeoutAfter(ms: number, label: string): { promise: Promise<never>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} timed out after ${ms} ms`)), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

export async function runUiTests(o: UiRunOptions): Promise<UiResult[]> {
  const results: UiResult[] = [];
  const report = (r: UiResult): void => { results.push(r); o.onResult(r); };
  for (const file of findUiTestFiles(o.uiDir)) {
    setCurrentUiFile(file);
    try {
      await import(pathToFileURL(join(o.uiDir, file)).href);
    } catch (e) {
      report({ suite: file, name: 'load UI test file', status: 'failed', ms: 0, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  }
  const grep = o.grep ? titleFilter(o.grep) : undefined;
  const harness = new WorkbenchHarness(o.page, o.workspaceDir, o.resultsDir);
  await harness.waitForWorkbench();
  for (const t of registeredUiTests()) {
    const suite = `ui/${t.file.replace(/\.ui\.ts$/, '')}`;
    if (grep && !grep(`${suite} › ${t.name}`)) continue;
    if (t.options.skip) {
      report({ suite, name: t.name, status: 'skipped', ms: 0, error: t.options.skip });
      continue;
    }
    // UI tests drive a real workbench on a shared machine: a test that fails is run once more
    // (IOT_HUB_UI_RETRIES, default 1) and, if it then passes, is reported as flaky with the first
    // attempt's error, never silently.
    const retries = Number(process.env.IOT_HUB_UI_RETRIES ?? 1);
    let firstError: string | undefined;
    for (let attempt = 0; ; attempt += 1) {
      const outcome = await runOnce(t, suite, harness, o);
      if (outcome.status === 'passed' && firstError !== undefined) {
        report({ ...outcome, flaky: firstError });
        break;
      }
      if (outcome.status === 'passed' || attempt >= retries) {
        report(outcome);
        break;
      }
      firstError = outcome.error;
      console.log(`    ✖ ui ${suite} › ${t.name} failed (${outcome.error?.split('\n')[0] ?? ''}); running it once more`);
    }
  }
  return results;
}

type UiTest = ReturnType<typeof registeredUiTests>[number];

/** One attempt at one test; leaves the workbench reset (reloaded if need be) for the next. */
async function runOnce(t: UiTest, suite: string, harness: WorkbenchHarness, o: UiRunOptions): Promise<UiResult> {
  const started = Date.now();
  const limit = t.options.timeout ?? 60_000;
  const timer = timeoutAfter(limit, `UI test "${t.name}"`);
  let error: string | undefined;
  let shot: string | undefined;
  try {
    await Promise.race([t.fn(harness), timer.promise]);
  } catch (e) {
    error = e instanceof Error ? (e.stack ?? e.message) : String(e);
    shot = await harness.screenshot(`FAILED-${suite}-${t.name}`).catch(() => undefined);
  } finally {
    timer.cancel();
  }
  const ms = Date.now() - started;
  try {
    await harness.reset();
  } catch (e) {
    // A test that leaves the workbench wedged must not fail the next one: start over.
    console.log(`    (resetting the workbench after "${t.name}" failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}; reloading)`);
    await o.reload();
    harness.themeChanged = false;
    await harness.waitForWorkbench();
  }
  return error === undefined
    ? { suite, name: t.name, status: 'passed', ms }
    : { suite, name: t.name, status: 'failed', ms, error, ...(shot ? { screenshot: shot } : {}) };
}
