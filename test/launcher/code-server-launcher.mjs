#!/usr/bin/env node
// Runs the integration suites (inside VS Code's extension host) and the Playwright UI tests
// (against the workbench) in a real VS Code: code-server on 127.0.0.1 + headless Chromium.
//
// Usage: node test/launcher/code-server-launcher.mjs [--grep REGEX] [--integration-only | --ui-only]
//                                                   [--no-build] [--keep-temp] [--summary FILE]
// --grep matches "suite › test" titles case-insensitively (a regular expression; plain text works).
// Env:   IOT_HUB_VSCODE_TIMEOUT_MS   whole-phase timeout (default 600000)
//        IOT_HUB_TEST_TIMEOUT_PER_TEST  per in-host test timeout (default 20000)
// Exit:  0 only if at least one test ran and none failed (without --grep, at least one in the extension host).
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TEST_WORKSPACE_SETTINGS, build, launchChromium, makeProfile, repoRoot, startCodeServer, workbenchUrl } from '../../scripts/codeServer.mjs';

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const grep = option('--grep');
const runIntegration = !flag('--ui-only');
const runUi = !flag('--integration-only');
const phaseTimeout = Number(process.env.IOT_HUB_VSCODE_TIMEOUT_MS ?? 600_000);

// Several people (or agents) may run this at once: the result channel lives in the run's own temp
// dir; the logs and screenshots in resultsDir are last-run-wins.
const resultsDir = process.env.IOT_HUB_TEST_RESULTS_DIR ?? join(repoRoot, 'test-results');
let integrationResults; // set once the temp profile exists
const consoleLog = join(resultsDir, 'vscode-console.log');
const serverLog = join(resultsDir, 'code-server.log');
const summaryFile = option('--summary') ?? join(resultsDir, 'vscode-results.json');
const testEntry = join(repoRoot, 'dist', 'test', 'integration.js');

/** @type {Array<{kind: 'integration'|'ui', suite: string, name: string, status: string, ms: number, error?: string, screenshot?: string}>} */
const results = [];
const problems = []; // failures outside any test (startup, timeout, crash): each counts as a failed test

let server;
let browser;
let profile;
let cleaning;
async function cleanup() {
  cleaning ??= (async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    if (!flag('--keep-temp')) profile?.remove();
  })();
  return cleaning;
}
process.on('SIGINT', () => { void cleanup().then(() => process.exit(130)); });
process.on('SIGTERM', () => { void cleanup().then(() => process.exit(143)); });
process.on('exit', () => server?.killSync());

function printResult(kind, r) {
  const mark = r.status === 'passed' ? '✔' : r.status === 'skipped' ? '-' : '✖';
  console.log(`  ${mark} [${kind}] ${r.suite} › ${r.name} (${r.ms} ms)${r.status === 'skipped' ? ` skipped: ${r.error}` : ''}`);
  if (r.flaky) console.log(`      flaky: failed once, passed on its retry; the first attempt: ${String(r.flaky).split('\n')[0]}`);
  if (r.status === 'failed') {
    console.log(String(r.error ?? '').split('\n').map((l) => `      ${l}`).join('\n'));
    if (r.screenshot) console.log(`      screenshot: ${r.screenshot}`);
  }
  results.push({ kind, ...r });
}

async function screenshotOnFailure(page, name) {
  if (!page || page.isClosed()) return undefined;
  const file = join(resultsDir, `${name}.png`);
  try { await page.screenshot({ path: file }); return file; } catch { return undefined; }
}

function watchConsole(page, label) {
  page.on('console', (msg) => {
    const raw = msg.text();
    appendFileSync(consoleLog, `[${label}] [${msg.type()}] ${raw}\n`);
    // Forwarded extension host logs arrive as "%c INFO color: #33f <text>".
    const at = raw.indexOf('[integration]');
    const text = at >= 0 ? raw.slice(at) : raw;
    // Extra lines the suites print (e.g. activation timing); result lines come from the events file.
    if (text.startsWith('[integration]') && !/^\[integration\] (ok  |FAIL|skip|\d+ passed)/.test(text)) console.log(`    ${text}`);
  });
  page.on('pageerror', (e) => appendFileSync(consoleLog, `[${label}] [pageerror] ${e.message}\n`));
}

/** Phase 1: the in-host suites. The extension host runs test/integration/index.ts `run()`. */
async function integrationPhase() {
  if (!existsSync(testEntry)) throw new Error(`${testEntry} is missing; the build did not produce it`);
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  watchConsole(page, 'integration');
  const url = workbenchUrl(server, profile.workspaceDir, { extensionDevelopmentPath: repoRoot, extensionTestsPath: testEntry });
  await page.goto(url);
  const started = Date.now();
  let seen = 0;
  let sawStart = false;
  let hostExitedAt;
  for (;;) {
    const lines = existsSync(integrationResults) ? readFileSync(integrationResults, 'utf8').split('\n').filter(Boolean) : [];
    for (const line of lines.slice(seen)) {
      const ev = JSON.parse(line);
      if (ev.type === 'start') { sawStart = true; console.log(`  (extension host up: VS Code ${ev.vscodeVersion})`); }
      if (ev.type === 'test') printResult('integration', ev);
      if (ev.type === 'end') {
        if (ev.failed > 0) {
          const shot = await screenshotOnFailure(page, 'FAILED-integration');
          if (shot) console.log(`  workbench after the failures: ${shot}`);
        }
        await context.close();
        return ev;
      }
    }
    seen = lines.length;
    const elapsed = Date.now() - started;
    // An extension host that dies mid-run (crash, process.exit in a suite) never writes "end".
    const exited = /Extension Host Process exited with code: (\S+), signal: (\S+)\./.exec(server.log());
    if (exited) {
      hostExitedAt ??= Date.now();
      if (Date.now() - hostExitedAt > 5_000) {
        const shot = await screenshotOnFailure(page, 'FAILED-integration-host-exited');
        throw new Error(`the extension host exited (code ${exited[1]}, signal ${exited[2]}) before the tests finished${shot ? ` (screenshot ${shot})` : ''}`);
      }
    }
    if (!sawStart && elapsed > 120_000) {
      const shot = await screenshotOnFailure(page, 'FAILED-integration-no-start');
      throw new Error(`the extension host never started the tests within 120 s (see ${serverLog}, ${consoleLog}${shot ? `, ${shot}` : ''})`);
    }
    if (elapsed > phaseTimeout) {
      const shot = await screenshotOnFailure(page, 'FAILED-integration-timeout');
      throw new Error(`integration tests did not finish within ${phaseTimeout} ms${shot ? ` (screenshot ${shot})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Phase 2: Playwright UI tests in a fresh workbench page with the extension loaded (no test payload). */
async function uiPhase() {
  // The same loader as `node --import tsx` (ESM and CJS hooks), so .ts UI tests load like unit tests.
  await import('tsx');
  const runnerModule = await import('../ui/harnessRunner.ts');
  // Loaded as CommonJS (the package is not "type": "module"), so the exports may sit on default.
  const runUiTests = runnerModule.runUiTests ?? runnerModule.default?.runUiTests;
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  watchConsole(page, 'ui');
  const url = workbenchUrl(server, profile.workspaceDir, { extensionDevelopmentPath: repoRoot });
  await page.goto(url);
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`UI tests did not finish within ${phaseTimeout} ms`)), phaseTimeout); });
  try {
    await Promise.race([
      runUiTests({
        page,
        reload: async () => { await page.goto(url); },
        workspaceDir: profile.workspaceDir,
        resultsDir: join(resultsDir, 'ui'),
        uiDir: join(repoRoot, 'test', 'ui'),
        ...(grep ? { grep } : {}),
        onResult: (r) => printResult('ui', r),
      }),
      timeout,
    ]);
  } catch (e) {
    await screenshotOnFailure(page, 'FAILED-ui-phase');
    throw e;
  } finally {
    clearTimeout(timer);
    await context.close().catch(() => undefined);
  }
}

async function main() {
  const t0 = Date.now();
  mkdirSync(resultsDir, { recursive: true });
  for (const f of [consoleLog, serverLog, summaryFile]) rmSync(f, { force: true });
  rmSync(join(resultsDir, 'ui'), { recursive: true, force: true });
  if (!flag('--no-build')) await build();
  profile = makeProfile({ workspaceSettings: TEST_WORKSPACE_SETTINGS });
  integrationResults = join(profile.base, 'integration-events.ndjson');
  server = await startCodeServer({
    profile,
    logFile: serverLog,
    env: {
      IOT_HUB_TEST_RESULTS: integrationResults,
      IOT_HUB_TEST_GREP: grep ?? '',
    },
  });
  console.log(`code-server ${server.url} (workspace ${profile.workspaceDir})`);
  browser = await launchChromium();

  if (runIntegration) {
    console.log('integration tests (extension host):');
    try {
      const end = await integrationPhase();
      // Passing UI tests must not hide an extension host that loaded no suite; with --grep, zero can be intended.
      if (!grep && end.passed + end.failed === 0) problems.push('integration: no test ran in the extension host');
    } catch (e) {
      problems.push(`integration: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (runUi) {
    console.log('UI tests (Playwright, workbench):');
    try {
      await uiPhase();
    } catch (e) {
      problems.push(`ui: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  }

  if (results.length === 0 && problems.length === 0) problems.push('no test ran');
  const count = (kind, status) => results.filter((r) => (!kind || r.kind === kind) && r.status === status).length;
  const passed = count(undefined, 'passed');
  const failed = count(undefined, 'failed') + problems.length;
  const skipped = count(undefined, 'skipped');
  for (const p of problems) console.log(`✖ ${p}`);
  // Repeat each failure at the end: CI keeps only the tail of the output.
  const flaky = results.filter((r) => r.flaky);
  if (flaky.length > 0) {
    console.log('flaky (failed once, passed on the retry; fix these):');
    for (const r of flaky) console.log(`  ! [${r.kind}] ${r.suite} › ${r.name}: ${String(r.flaky).split('\n')[0]}`);
  }
  const failures = results.filter((r) => r.status === 'failed');
  if (failures.length > 0) {
    console.log('failed:');
    for (const r of failures) {
      console.log(`  ✖ [${r.kind}] ${r.suite} › ${r.name}`);
      console.log(String(r.error ?? '').split('\n').slice(0, 12).map((l) => `      ${l}`).join('\n'));
    }
  }
  mkdirSync(dirname(summaryFile), { recursive: true });
  writeFileSync(summaryFile, JSON.stringify({ passed, failed, skipped, problems, results, ms: Date.now() - t0 }, null, 2));
  console.log(`integration: ${count('integration', 'passed')} passed, ${count('integration', 'failed')} failed`);
  console.log(`ui: ${count('ui', 'passed')} passed, ${count('ui', 'failed')} failed`);
  console.log(`vscode tests took ${((Date.now() - t0) / 1000).toFixed(1)} s; logs in ${resultsDir}`);
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

let code = 1;
try {
  code = await main();
} catch (e) {
  console.error(`✖ ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  console.log('0 passed, 1 failed');
} finally {
  await cleanup();
}
process.exit(code);
