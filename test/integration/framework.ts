// A tiny mocha-like runner for suites that run inside VS Code's extension host.
// Suite files (test/integration/suites/*.test.ts) call `suite` / `test` at import time; index.ts
// imports them all and calls `runRegistered`. Assertions: node:assert/strict.
import * as vscode from 'vscode';
import type { ExtensionRuntime } from '../../src/vscode/runtime';
import { titleFilter } from './titleFilter';

export type TestFn = () => void | Promise<void>;

export interface TestOptions {
  /** Per-test timeout in ms (default 20 s, or IOT_HUB_TEST_TIMEOUT_PER_TEST). */
  timeout?: number;
  /** Skip with a reason (counted as skipped, not passed). */
  skip?: string | false;
}

interface RegisteredTest {
  name: string;
  fn: TestFn;
  options: TestOptions;
}

interface RegisteredSuite {
  name: string;
  file: string;
  tests: RegisteredTest[];
  before: TestFn[];
  after: TestFn[];
  beforeEach: TestFn[];
  afterEach: TestFn[];
}

export type TestStatus = 'passed' | 'failed' | 'skipped';

export interface TestResult {
  suite: string;
  name: string;
  status: TestStatus;
  ms: number;
  error?: string;
}

const suites: RegisteredSuite[] = [];
let current: RegisteredSuite | undefined;
let currentFile = '<unknown>';

/** Called by index.ts before importing each suite file, so results name their file. */
export function setCurrentFile(file: string): void {
  currentFile = file;
}

/** Declares a suite; `body` registers tests and hooks synchronously. Suites do not nest. */
export function suite(name: string, body: () => void): void {
  if (current) throw new Error(`suite "${name}" is nested in "${current.name}"; suites do not nest`);
  const s: RegisteredSuite = { name, file: currentFile, tests: [], before: [], after: [], beforeEach: [], afterEach: [] };
  current = s;
  try {
    body();
  } finally {
    current = undefined;
  }
  suites.push(s);
}

function inSuite(what: string): RegisteredSuite {
  if (!current) throw new Error(`${what} must be called inside suite(...)`);
  return current;
}

/** Declares a test in the enclosing suite. */
export function test(name: string, fn: TestFn, options: TestOptions = {}): void {
  inSuite(`test("${name}")`).tests.push({ name, fn, options });
}

/** Runs once before the suite's first test; a failure fails every test of the suite. */
export function before(fn: TestFn): void { inSuite('before').before.push(fn); }
/** Runs once after the suite's last test (also after failures). */
export function after(fn: TestFn): void { inSuite('after').after.push(fn); }
export function beforeEach(fn: TestFn): void { inSuite('beforeEach').beforeEach.push(fn); }
export function afterEach(fn: TestFn): void { inSuite('afterEach').afterEach.push(fn); }

// ---- helpers for suite authors -------------------------------------------------------------

export const EXTENSION_ID = 'iot-hub-messaging.iot-hub-messaging';

/** Activates the extension under test (idempotent) and returns its exported runtime. */
export async function activateExtension(): Promise<ExtensionRuntime> {
  const ext = vscode.extensions.getExtension<ExtensionRuntime>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded (is extensionDevelopmentPath right?)`);
  return ext.isActive ? ext.exports : await ext.activate();
}

/** The opened test workspace folder (a fresh temp copy of demo/). */
export function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open');
  return folder.uri.fsPath;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns a value other than undefined/false, or throws after `timeout` ms. */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  { timeout = 10_000, interval = 50, message = 'condition' }: { timeout?: number; interval?: number; message?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeout} ms waiting for ${message}${why}`);
    }
    await sleep(interval);
  }
}

// ---- running -----------------------------------------------------------------------------

function withTimeout(fn: TestFn, ms: number, label: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} timed out after ${ms} ms`)), ms);
    Promise.resolve()
      .then(fn)
      .then(
        () => { clearTimeout(timer); resolve(); },
        (e: unknown) => { clearTimeout(timer); reject(e instanceof Error ? e : new Error(String(e))); },
      );
  });
}

function describeError(e: unknown): string {
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`;
  return String(e);
}

export interface RunOptions {
  /** Only tests whose "suite › test" title matches this case-insensitive regular expression. */
  grep?: string;
  defaultTimeout: number;
  onResult: (r: TestResult) => void;
}

export function registeredSuites(): readonly { name: string; file: string; tests: number }[] {
  return suites.map((s) => ({ name: s.name, file: s.file, tests: s.tests.length }));
}

export async function runRegistered(options: RunOptions): Promise<TestResult[]> {
  const results: TestResult[] = [];
  const grep = options.grep ? titleFilter(options.grep) : undefined;
  const report = (r: TestResult): void => { results.push(r); options.onResult(r); };
  for (const s of suites) {
    const selected = s.tests.filter((t) => !grep || grep(`${s.name} › ${t.name}`));
    if (selected.length === 0) continue;
    let setupError: string | undefined;
    for (const hook of s.before) {
      try {
        await withTimeout(hook, options.defaultTimeout, `before() of "${s.name}"`);
      } catch (e) {
        setupError = `before() failed: ${describeError(e)}`;
        break;
      }
    }
    for (const t of selected) {
      const started = performance.now();
      if (setupError) {
        report({ suite: s.name, name: t.name, status: 'failed', ms: 0, error: setupError });
        continue;
      }
      if (t.options.skip) {
        report({ suite: s.name, name: t.name, status: 'skipped', ms: 0, error: t.options.skip });
        continue;
      }
      let error: string | undefined;
      try {
        for (const hook of s.beforeEach) await withTimeout(hook, options.defaultTimeout, 'beforeEach()');
        await withTimeout(t.fn, t.options.timeout ?? options.defaultTimeout, `test "${t.name}"`);
      } catch (e) {
        error = describeError(e);
      }
      for (const hook of s.afterEach) {
        try {
          await withTimeout(hook, options.defaultTimeout, 'afterEach()');
        } catch (e) {
          error ??= `afterEach() failed: ${describeError(e)}`;
        }
      }
      const ms = Math.round(performance.now() - started);
      report(error === undefined
        ? { suite: s.name, name: t.name, status: 'passed', ms }
        : { suite: s.name, name: t.name, status: 'failed', ms, error });
    }
    for (const hook of s.after) {
      try {
        await withTimeout(hook, options.defaultTimeout, `after() of "${s.name}"`);
      } catch (e) {
        // Cleanup failures must not pass silently: report them as a failed pseudo-test.
        report({ suite: s.name, name: 'after()', status: 'failed', ms: 0, error: describeError(e) });
      }
    }
  }
  return results;
}
