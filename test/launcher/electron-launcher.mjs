#!/usr/bin/env node
// `npm run test:electron`: the same integration suites (dist/test/integration.js) in a DESKTOP
// VS Code through @vscode/test-electron 2.5.2 (the last line that accepts Node 20).
//
// It needs either internet access to download VS Code (into .vscode-test/), or a desktop VS Code
// you point at with VSCODE_EXECUTABLE=/path/to/code. Neither exists on the offline build machines,
// so CI and `npm test` use test/launcher/code-server-launcher.mjs (same suites, real VS Code
// served by code-server). UI tests (test/ui) are Playwright/browser-only and do not run here.
//
// Usage: node test/launcher/electron-launcher.mjs [--grep REGEX] [--no-build]
// Env:   VSCODE_EXECUTABLE  desktop VS Code binary to use instead of downloading
//        VSCODE_VERSION     version to download (default 'stable')
import { existsSync, mkdtempSync, readFileSync, rmSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_WORKSPACE_SETTINGS, build, repoRoot } from '../../scripts/codeServer.mjs';

const argv = process.argv.slice(2);
const option = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };

async function main() {
  if (!argv.includes('--no-build')) await build();
  const extensionTestsPath = join(repoRoot, 'dist', 'test', 'integration.js');
  if (!existsSync(extensionTestsPath)) throw new Error(`${extensionTestsPath} is missing; the build did not produce it`);

  const base = mkdtempSync(join(tmpdir(), 'iothub-electron-'));
  const workspace = join(base, 'ws');
  const userDataDir = join(base, 'user');
  cpSync(join(repoRoot, 'demo'), workspace, { recursive: true });
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify(TEST_WORKSPACE_SETTINGS, null, 2));
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'workbench.startupEditor': 'none',
  }, null, 2));
  const results = join(base, 'integration-events.ndjson');

  const { runTests } = await import('@vscode/test-electron');
  let exitCode = 1;
  try {
    exitCode = await runTests({
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath,
      ...(process.env.VSCODE_EXECUTABLE ? { vscodeExecutablePath: process.env.VSCODE_EXECUTABLE } : { version: process.env.VSCODE_VERSION ?? 'stable' }),
      launchArgs: [workspace, '--user-data-dir', userDataDir, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
      extensionTestsEnv: { IOT_HUB_TEST_RESULTS: results, IOT_HUB_TEST_GREP: option('--grep') ?? '' },
    });
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    console.error(`@vscode/test-electron could not run the suites: ${reason}`);
    if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|download/i.test(reason) && !process.env.VSCODE_EXECUTABLE) {
      console.error('It downloads a desktop VS Code, which needs internet. Without it, set VSCODE_EXECUTABLE, or run `npm run test:vscode` (code-server, works offline).');
    }
  }
  let passed = 0;
  let failed = 0;
  if (existsSync(results)) {
    for (const line of readFileSync(results, 'utf8').split('\n').filter(Boolean)) {
      const ev = JSON.parse(line);
      if (ev.type !== 'test') continue;
      console.log(`  ${ev.status === 'passed' ? '✔' : ev.status === 'skipped' ? '-' : '✖'} ${ev.suite} › ${ev.name} (${ev.ms} ms)`);
      if (ev.status === 'failed') { failed += 1; console.log(String(ev.error).split('\n').map((l) => `      ${l}`).join('\n')); }
      if (ev.status === 'passed') passed += 1;
    }
  }
  rmSync(base, { recursive: true, force: true });
  if (exitCode !== 0 && failed === 0) failed = 1;
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

try {
  process.exit(await main());
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  console.log('0 passed, 1 failed');
  process.exit(1);
}
