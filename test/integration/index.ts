// Test entry point that VS Code's extension host loads (extensionTestsPath) and calls `run()` on.
// Every test/integration/suites/**/*.test.ts is bundled in automatically (esbuild turns the template
// import below into a table of all matching files); drop a file there and rebuild.
// Results go, one JSON line per event, to the file named by IOT_HUB_TEST_RESULTS (the launcher
// reads it) and to the console (forwarded to the browser console).
import { appendFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as vscode from 'vscode';
import { registeredSuites, runRegistered, setCurrentFile, type TestResult } from './framework';

const suitesDir = join(__dirname, '..', '..', 'test', 'integration', 'suites');

function emit(event: Record<string, unknown>): void {
  const file = process.env['IOT_HUB_TEST_RESULTS'];
  if (file) appendFileSync(file, `${JSON.stringify(event)}\n`);
}

function findSuiteFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findSuiteFiles(p));
    else if (name.endsWith('.test.ts')) out.push(relative(suitesDir, p).split('\\').join('/'));
  }
  return out;
}

export async function run(): Promise<void> {
  const started = Date.now();
  const grep = process.env['IOT_HUB_TEST_GREP'] || undefined;
  const defaultTimeout = Number(process.env['IOT_HUB_TEST_TIMEOUT_PER_TEST'] ?? 20_000);
  const results: TestResult[] = [];
  const onResult = (r: TestResult): void => {
    const mark = r.status === 'passed' ? 'ok  ' : r.status === 'skipped' ? 'skip' : 'FAIL';
    console.log(`[integration] ${mark} ${r.suite} › ${r.name} (${r.ms} ms)${r.error ? `\n${r.error}` : ''}`);
    emit({ type: 'test', ...r });
  };

  emit({ type: 'start', vscodeVersion: vscode.version, pid: process.pid });
  for (const file of findSuiteFiles(suitesDir)) {
    setCurrentFile(file);
    try {
      const stem = file.slice(0, -'.test.ts'.length);
      await import(`./suites/${stem}.test.ts`);
    } catch (e) {
      // A suite that cannot load is a failure, never a silent skip. "Could not resolve" means the
      // file was added after the last build.
      const r: TestResult = { suite: file, name: 'load suite file', status: 'failed', ms: 0, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
      results.push(r);
      onResult(r);
    }
  }
  emit({ type: 'suites', suites: registeredSuites() });
  results.push(...(await runRegistered({ ...(grep ? { grep } : {}), defaultTimeout, onResult })));
  const passed = results.filter((r) => r.status === 'passed').length;
  const failed = results.filter((r) => r.status === 'failed').length;
  const skipped = results.filter((r) => r.status === 'skipped').length;
  console.log(`[integration] ${passed} passed, ${failed} failed, ${skipped} skipped`);
  emit({ type: 'end', passed, failed, skipped, ms: Date.now() - started });
  // Launchers that only see run()'s outcome (@vscode/test-electron) turn this into the exit code.
  if (failed > 0) throw new Error(`${failed} integration test(s) failed`);
  if (passed === 0) throw new Error('no integration test ran');
}
