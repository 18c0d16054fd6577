// Bundles every entry point with esbuild. Type checking is separate (`npm run typecheck`).
// Entries whose source does not exist yet are skipped, so features can land one at a time.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, cpSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @type {Array<{in: string, out: string, platform: 'node'|'browser', format?: 'cjs'|'iife'|'esm', banner?: string}>} */
const entries = [
  // The banner stamps when the bundle starts running, so activation is timed from the load (bench:extension).
  { in: 'src/extension.ts', out: 'dist/extension.js', platform: 'node', banner: 'globalThis.__iotHubBundleStart = performance.now();' },
  { in: 'src/language/server/main.ts', out: 'dist/language-server.js', platform: 'node' },
  { in: 'src/hub/cli/main.ts', out: 'dist/hub-cli.js', platform: 'node', banner: '#!/usr/bin/env node' },
  { in: 'src/lint/cli.ts', out: 'dist/lint-cli.js', platform: 'node', banner: '#!/usr/bin/env node' },
  { in: 'webview/inspector/main.ts', out: 'dist/webview/inspector.js', platform: 'browser', format: 'iife' },
  { in: 'webview/monitor/main.ts', out: 'dist/webview/monitor.js', platform: 'browser', format: 'iife' },
  // Integration suites run inside VS Code's extension host; bundled like the extension.
  { in: 'test/integration/index.ts', out: 'dist/test/integration.js', platform: 'node' },
];

/** Resolves exactly `debug` (not its subpaths) to the hub's stand-in, src/hub/cli/quietDebug.ts. */
const quietDebugPlugin = {
  name: 'quiet-debug',
  setup(build) {
    build.onResolve({ filter: /^debug$/ }, () => ({ path: 'debug', namespace: 'quiet-debug' }));
    // CommonJS callers (mqtt-packet, rhea) require('debug') and expect the function itself.
    build.onLoad({ filter: /.*/, namespace: 'quiet-debug' }, () => ({
      contents: `module.exports = require(${JSON.stringify(join(root, 'src/hub/cli/quietDebug.ts'))}).default;`,
      resolveDir: root,
      loader: 'js',
    }));
  },
};

const contexts = [];
for (const e of entries) {
  if (!existsSync(join(root, e.in))) continue;
  const isTest = e.in.startsWith('test/');
  const options = {
    absWorkingDir: root,
    entryPoints: [e.in],
    outfile: e.out,
    bundle: true,
    platform: e.platform,
    format: e.format ?? 'cjs',
    target: e.platform === 'node' ? 'node20' : 'es2022',
    sourcemap: production ? false : 'linked',
    minify: production && !isTest,
    external: ['vscode', ...(isTest ? ['playwright-core'] : [])],
    // jsonc-parser's "main" is a UMD build whose dynamic require('./impl/...') esbuild cannot follow.
    alias: { 'jsonc-parser': './node_modules/jsonc-parser/lib/esm/main.js' },
    // The hub process: mqtt-packet's per-packet debug() calls become no-ops unless DEBUG is set.
    plugins: e.in === 'src/hub/cli/main.ts' ? [quietDebugPlugin] : [],
    logLevel: 'warning',
    ...(e.banner ? { banner: { js: e.banner } } : {}),
    ...(e.platform === 'node' && (e.format ?? 'cjs') === 'cjs'
      ? { define: { 'import.meta.url': '__bundleFileUrl' }, inject: [join(root, 'scripts/importMetaUrlShim.mjs')] }
      : {}),
  };
  if (watch) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
    contexts.push(ctx);
  } else {
    await esbuild.build(options);
  }
}

// node-sqlite3-wasm loads its .wasm next to the bundle that requires it.
const wasm = join(root, 'node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm');
if (existsSync(wasm)) {
  mkdirSync(join(root, 'dist'), { recursive: true });
  cpSync(wasm, join(root, 'dist/node-sqlite3-wasm.wasm'));
}
if (watch) console.log(`watching ${contexts.length} entry points`);
