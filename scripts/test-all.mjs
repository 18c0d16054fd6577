#!/usr/bin/env node
// `npm test`: typecheck, eslint, build, unit tests (plain Node), then the integration suites and
// UI tests in a real VS Code (code-server + Chromium; provisioned on first use).
// Every step runs even if an earlier one failed (except that tests need a build), so one run
// shows everything. The last line is exactly "N passed, N failed": unit + integration + UI tests,
// plus one failure per failed check (typecheck, eslint, build). Exit 0 only if nothing failed
// and at least one test ran.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const node = process.execPath;
const steps = [];
let passed = 0;
let failed = 0;
const failedNames = []; // repeated under the summary: CI keeps only the tail of the output
const flakyNames = []; // UI tests that failed once and passed on their retry

/** Runs a command with output shown live; resolves with exit code and captured stdout. */
function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    child.on('error', (e) => { console.error(e.message); resolve({ code: 1, out }); });
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out }));
  });
}

async function step(name, fn) {
  console.log(`\n=== ${name} ===`);
  const t0 = Date.now();
  const ok = await fn();
  const s = ((Date.now() - t0) / 1000).toFixed(1);
  steps.push(`${ok ? 'ok  ' : 'FAIL'} ${name} (${s} s)`);
  return ok;
}

async function check(name, cmd, args) {
  return step(name, async () => {
    const { code } = await run(cmd, args);
    if (code !== 0) failed += 1;
    return code === 0;
  });
}

// Three projects: src (Node, no DOM), webview (DOM, no Node) and the root one (tests, bench, scripts).
for (const project of ['src', 'webview', '.']) {
  await check(`typecheck ${project}`, node, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', project]);
}
await check('eslint', node, [join(root, 'node_modules/eslint/bin/eslint.js'), '.']);
const built = await check('build', node, [join(root, 'scripts/build.mjs')]);

await step('unit tests', async () => {
  const { code, out } = await run(node, [join(root, 'scripts/run-unit-tests.mjs')], { UNIT_REPORTER: 'spec' });
  // node:test's spec reporter ends with "ℹ pass N", "ℹ fail N", "ℹ cancelled N" (tap: "# pass N").
  const count = (label) => {
    const m = [...out.matchAll(new RegExp(`^(?:ℹ|#) ${label} (\\d+)\\s*$`, 'gm'))].pop();
    return m ? Number(m[1]) : 0;
  };
  const p = count('pass');
  let f = count('fail') + count('cancelled');
  // The spec reporter lists failures after "✖ failing tests:"; keep their titles.
  const failing = out.split(/^✖ failing tests:\s*$/m).slice(1).join('\n');
  for (const m of failing.matchAll(/^(?:\S+ )?✖ (.+?)(?: \(\d[\d.]*ms\))?\s*$/gm)) failedNames.push(`unit › ${m[1]}`);
  if (code !== 0 && f === 0) f = 1; // the runner failed without a countable test failure
  console.log(`unit: ${p} passed, ${f} failed`);
  passed += p;
  failed += f;
  return code === 0 && f === 0 && p > 0;
});

if (built) {
  await step('integration + UI tests in VS Code', async () => {
    const { code } = await run(node, [join(root, 'test/launcher/code-server-launcher.mjs'), '--no-build']);
    const summaryFile = join(root, 'test-results/vscode-results.json');
    let p = 0;
    let f = 1;
    if (existsSync(summaryFile)) {
      const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
      p = summary.passed;
      f = summary.failed;
      for (const r of summary.results ?? []) if (r.status === 'failed') failedNames.push(`${r.kind} › ${r.suite} › ${r.name}`);
      for (const r of summary.results ?? []) if (r.flaky) flakyNames.push(`${r.kind} › ${r.suite} › ${r.name}: ${String(r.flaky).split('\n')[0]}`);
      for (const problem of summary.problems ?? []) failedNames.push(String(problem).split('\n')[0]);
    }
    if (code !== 0 && f === 0) f = 1;
    passed += p;
    failed += f;
    return code === 0 && f === 0;
  });
} else {
  steps.push('skip integration + UI tests (build failed)');
  failed += 1;
}

console.log('\n=== summary ===');
for (const s of steps) console.log(s);
if (flakyNames.length > 0) {
  console.log('flaky (failed once, passed on the retry):');
  for (const n of flakyNames) console.log(`  ! ${n}`);
}
if (failedNames.length > 0) {
  console.log('failed tests:');
  for (const n of [...new Set(failedNames)].slice(0, 30)) console.log(`  ✖ ${n}`);
}
if (passed + failed === 0) failed = 1; // no test ran is a failure
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
