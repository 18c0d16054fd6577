// Runs every test/unit/**/*.test.ts with node:test under tsx (plain Node, no VS Code).
// Usage: node scripts/run-unit-tests.mjs [--fast] [path-filter ...]
// --fast (npm run test:unit:fast): only the pure tier, leaving out tests that start processes or
// open sockets (the hub's front doors, the Event Hubs endpoint, browsers, CLIs run as processes).
// A test is in the slow tier by what it imports, so a new one lands in the right tier by itself.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = join(import.meta.dirname, '..');
const fast = process.argv.includes('--fast');
const filters = process.argv.slice(2).filter((a) => a !== '--fast');
/** Imports that make a test a process or network test (a browser, a hub on ports, a CLI process). */
const SLOW = /from '(?:node:)?(?:child_process|net|tls|https?|dgram)'|playwright-core|standalonePage|startTestHub|startLocalHub|startEventHubsEndpoint|startServiceEndpoint|hub\/testHub'|from 'mqtt'/;
/** The Event Hubs tests' helpers start the endpoint on a port. */
const isSlow = (file) => {
  const text = readFileSync(join(root, file), 'utf8');
  return SLOW.test(text) || (file.includes('eventhubs') && /from '\.\/helpers'/.test(text));
};
function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const files = walk(join(root, 'test/unit'))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .filter((f) => !fast || !isSlow(f))
  .sort();
if (files.length === 0) {
  console.error('no unit test files found');
  process.exit(1);
}
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000'];
if (process.env.UNIT_REPORTER) args.push(`--test-reporter=${process.env.UNIT_REPORTER}`);
const r = spawnSync(process.execPath, [...args, ...files], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
