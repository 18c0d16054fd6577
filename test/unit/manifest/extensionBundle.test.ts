// What activation costs depends on the shape of dist/extension.js (scripts/build.mjs): one copy of the
// `vscode` API for every module (vscodeOncePlugin), the heavy packages only as ./lazy/ bundles, and the
// start/end stamps bench:extension reads. Checked on the built bundle (`npm test` builds before this).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const bundle = join(__dirname, '..', '..', '..', 'dist', 'extension.js');
const skip = existsSync(bundle) ? false : 'dist/extension.js is not built (npm run build)';
const source = (): string => readFileSync(bundle, 'utf8');
const requires = (): string[] => [...source().matchAll(/(?<![.\w])require\("([^"]+)"\)/g)].map((m) => m[1]!);

describe('the extension bundle', { skip }, () => {
  it('requires the vscode API once, so no module copies its ~300 properties again', () => {
    assert.equal(requires().filter((r) => r === 'vscode').length, 1);
  });

  it('requires nothing but Node built-ins, vscode and its own lazy bundles', () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const other = requires().filter((r) => r !== 'vscode' && !builtins.has(r) && !/^\.\/lazy\/[\w-]+\.js$/.test(r));
    assert.deepEqual(other, []);
  });

  it('loads with a stand-in vscode API, stamping its start and end, and exports activate()', () => {
    const script = `
      const Module = require('node:module');
      const load = Module._load;
      const api = new Proxy(function () {}, { get: (_t, k) => (k === '__esModule' ? false : api), apply: () => api, construct: () => api });
      Module._load = function (request, ...rest) { return request === 'vscode' ? api : load.call(this, request, ...rest); };
      const ext = require(${JSON.stringify(bundle)});
      const { __iotHubBundleStart: start, __iotHubBundleEnd: end } = globalThis;
      console.log(JSON.stringify({ activate: typeof ext.activate, start: typeof start, endAfterStart: end >= start }));`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout.trim()), { activate: 'function', start: 'number', endAfterStart: true });
  });
});
