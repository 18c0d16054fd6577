#!/usr/bin/env node
// `npm run package`: production build, then `vsce package` into dist/iot-hub-messaging.vsix, then a
// check that the .vsix holds exactly what the .vscodeignore allow-list means to ship.
// Relative links in README.md are resolved against package.json's repository URL (vsce cannot
// infer that for a repository that is not on GitHub/GitLab).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const out = join(root, 'dist', 'iot-hub-messaging.vsix');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) { console.error(`${cmd} ${args.join(' ')} failed`); process.exit(r.status ?? 1); }
}

run(process.execPath, [join(root, 'scripts', 'build.mjs'), '--production']);
const repo = String(pkg.repository?.url ?? '').replace(/^git\+/, '').replace(/\.git$/, '');
if (!repo) { console.error('package.json needs repository.url'); process.exit(1); }
run(process.execPath, [
  join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package',
  '--no-dependencies',
  '--baseContentUrl', `${repo}/blob/main`,
  '--baseImagesUrl', `${repo}/raw/main`,
  '--out', out,
]);

// What is inside: every entry must be allowed, and the runtime essentials must be there.
const listing = spawnSync('unzip', ['-Z1', out], { encoding: 'utf8' });
if (listing.status !== 0) { console.error('could not list the .vsix (is unzip installed?)'); process.exit(1); }
const files = listing.stdout.split('\n').filter(Boolean).filter((f) => f.startsWith('extension/')).map((f) => f.slice('extension/'.length));
const allowed = [/^package\.json$/, /^readme\.md$/i, /^changelog\.md$/i, /^LICENSE(\.txt)?$/, /^media\//, /^schemas\//, /^dist\/[^/]+\.(js|wasm)$/, /^dist\/lazy\/[^/]+\.js$/, /^dist\/webview\/[^/]+\.(js|css)$/];
const unexpected = files.filter((f) => !allowed.some((re) => re.test(f)));
const required = ['package.json', 'dist/extension.js', 'media/iot-hub.svg'];
const mainEntry = String(pkg.main ?? '').replace(/^\.\//, '');
if (mainEntry) required.push(mainEntry);
// The modules the extension loads on first use (lazyModules in scripts/build.mjs): all must ship.
const lazyDir = join(root, 'dist', 'lazy');
if (existsSync(lazyDir)) for (const f of readdirSync(lazyDir)) if (f.endsWith('.js')) required.push(`dist/lazy/${f}`);
const missing = required.filter((f) => !files.includes(f));
console.log(`\n${out}: ${files.length} files`);
for (const f of files) console.log(`  ${f}`);
if (unexpected.length > 0 || missing.length > 0) {
  if (unexpected.length > 0) console.error(`not meant to ship: ${unexpected.join(', ')}`);
  if (missing.length > 0) console.error(`missing: ${missing.join(', ')}`);
  process.exit(1);
}
