// Bundles every entry point with esbuild. Type checking is separate (`npm run typecheck`).
// Entries whose source does not exist yet are skipped, so features can land one at a time.
// The extension's heavy modules (lazyModules below) are bundles of their own under dist/lazy/, which
// the extension requires on first use: activation evaluates only what the first screen needs.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, cpSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @type {Array<{in: string, out: string, platform: 'node'|'browser', format?: 'cjs'|'iife'|'esm', banner?: string, footer?: string}>} */
const entries = [
  // The banner stamps when the bundle starts running, so activation is timed from the load (bench:extension);
  // the footer when its top level has run, so the bench can split evaluation from VS Code's own gap.
  { in: 'src/extension.ts', out: 'dist/extension.js', platform: 'node', banner: 'globalThis.__iotHubBundleStart = performance.now();', footer: 'globalThis.__iotHubBundleEnd = performance.now();' },
  { in: 'src/language/server/main.ts', out: 'dist/language-server.js', platform: 'node' },
  { in: 'src/hub/cli/main.ts', out: 'dist/hub-cli.js', platform: 'node', banner: '#!/usr/bin/env node' },
  { in: 'src/lint/cli.ts', out: 'dist/lint-cli.js', platform: 'node', banner: '#!/usr/bin/env node' },
  { in: 'webview/inspector/main.ts', out: 'dist/webview/inspector.js', platform: 'browser', format: 'iife' },
  { in: 'webview/monitor/main.ts', out: 'dist/webview/monitor.js', platform: 'browser', format: 'iife' },
  // Integration suites run inside VS Code's extension host; bundled like the extension.
  { in: 'test/integration/index.ts', out: 'dist/test/integration.js', platform: 'node' },
];

/**
 * Loaded on first use, not at activation: each is bundled on its own into dist/lazy/<out>.js, and the
 * extension bundle reaches it only through `await import(specifier)` (in the source; plain Node and
 * the unit tests resolve that as usual), which becomes `require('./lazy/<out>.js')` at that moment.
 * A static import of one from src/ fails the build (it would pull the module back into activation).
 * A lazy module shares no state with the extension bundle: a package, or a src file that imports
 * nothing of ours (src/hubs/azure/sdkClients.ts wraps azure-iothub).
 */
const lazyModules = [
  { specifier: 'vscode-languageclient/node', out: 'vscode-languageclient' },
  { specifier: './src/hubs/azure/sdkClients.ts', out: 'azure-iothub' },
  { specifier: '@azure/event-hubs', out: 'event-hubs' },
  { specifier: 'rhea', out: 'rhea' },
  { specifier: 'ws', out: 'ws' },
  { specifier: 'mqtt', out: 'mqtt' },
];

/** The extension bundle's side of lazyModules: dynamic imports become external requires; static ones fail. */
const lazyModulesPlugin = {
  name: 'lazy-modules',
  setup(build) {
    const srcFile = (args) => join(args.resolveDir, args.path).replace(/\.ts$/, '') + '.ts';
    const lazyOf = (args) => lazyModules.find((m) => (m.specifier.startsWith('./')
      ? args.path.startsWith('.') && srcFile(args) === join(root, m.specifier)
      : args.path === m.specifier));
    build.onResolve({ filter: /.*/ }, (args) => {
      const lazy = lazyOf(args);
      if (lazy === undefined) return undefined;
      if (args.kind === 'dynamic-import') return { path: `./lazy/${lazy.out}.js`, external: true };
      // A package's own require of one (inside another bundled package) is that package's business.
      if (!args.importer.startsWith(join(root, 'src'))) return undefined;
      return { errors: [{ text: `${args.path} is loaded on first use (lazyModules in scripts/build.mjs): use \`await import('${args.path}')\` (or \`import type\`), not a static import` }] };
    });
  },
};

/**
 * One namespace object for the `vscode` API in the extension bundle. Left alone, every module's
 * `import * as vscode from 'vscode'` becomes its own `__toESM(require('vscode'))`, which copies each of
 * the API's hundreds of properties onto a new object: over 40 modules, that copying was a large part of
 * evaluating the bundle at activation. Here they all import one module that re-exports the API once.
 */
const vscodeOncePlugin = {
  name: 'vscode-once',
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) => (args.namespace === 'vscode-once'
      ? { path: 'vscode', external: true }
      : { path: 'vscode', namespace: 'vscode-once' }));
    build.onLoad({ filter: /.*/, namespace: 'vscode-once' }, () => ({ contents: "export * from 'vscode';", loader: 'js', resolveDir: root }));
  },
};

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

const builds = [];
for (const e of entries) {
  if (!existsSync(join(root, e.in))) continue;
  builds.push({ ...e, entryPoints: [e.in] });
}
// Each lazy module's bundle: its module.exports are the module's own (the extension reads them through import()).
for (const m of lazyModules) {
  builds.push({
    in: m.specifier,
    out: `dist/lazy/${m.out}.js`,
    platform: 'node',
    stdin: { contents: `module.exports = require(${JSON.stringify(m.specifier)});`, resolveDir: root, sourcefile: `lazy-${m.out}.js`, loader: 'js' },
  });
}

const contexts = [];
for (const e of builds) {
  const isTest = e.in.startsWith('test/');
  const options = {
    absWorkingDir: root,
    ...(e.stdin ? { stdin: e.stdin } : { entryPoints: e.entryPoints }),
    outfile: e.out,
    bundle: true,
    platform: e.platform,
    format: e.format ?? 'cjs',
    target: e.platform === 'node' ? 'node20' : 'es2022',
    sourcemap: production ? false : 'linked',
    minify: production && !isTest,
    // Node bundles keep class and function names: azure-iothub checks them (Client.send refuses a
    // Message whose constructor.name is not 'Message', a retry policy is NoRetry only by name, AMQP
    // errors are translated by their constructor's name); the bundler renames colliding classes.
    keepNames: e.platform === 'node',
    external: ['vscode', ...(isTest ? ['playwright-core'] : [])],
    // jsonc-parser's "main" is a UMD build whose dynamic require('./impl/...') esbuild cannot follow.
    alias: { 'jsonc-parser': './node_modules/jsonc-parser/lib/esm/main.js' },
    // The hub process: mqtt-packet's per-packet debug() calls become no-ops unless DEBUG is set.
    plugins: e.in === 'src/hub/cli/main.ts' ? [quietDebugPlugin] : e.in === 'src/extension.ts' ? [vscodeOncePlugin, lazyModulesPlugin] : [],
    // import() of an external (a lazy module) becomes a require() when it runs, relative to the bundle.
    ...(e.in === 'src/extension.ts' ? { supported: { 'dynamic-import': false } } : {}),
    logLevel: 'warning',
    ...(e.banner ? { banner: { js: e.banner } } : {}),
    ...(e.footer ? { footer: { js: e.footer } } : {}),
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
