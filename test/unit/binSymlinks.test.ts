// The package's bins as npm installs them: a symlink named after the bin (`iot-hub-local`,
// `iot-hub-msg`) pointing at the bundle in dist/. A CLI that recognised itself by its file name
// printed nothing and exited 0 when launched through the link.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const root = join(import.meta.dirname, '../..');
const bins = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin;

let dir: string;

// Symlinks need extra rights on Windows, where npm uses .cmd shims (which pass the real path) anyway.
describe('bins launched through npm-style symlinks', { skip: process.platform === 'win32' ? 'no symlinks' : false }, () => {
  before(() => {
    // The bundles must match the sources under test, not a stale dist/.
    const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, encoding: 'utf8' });
    assert.equal(build.status, 0, `build failed: ${build.stderr}`);
    dir = mkdtempSync(join(tmpdir(), 'iot-bins-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const name of ['iot-hub-local', 'iot-hub-msg']) {
    it(`${name} --help prints usage and exits 0`, () => {
      const target = bins[name];
      assert.ok(target !== undefined, `package.json has no bin '${name}'`);
      const link = join(dir, name);
      symlinkSync(join(root, target), link);
      const r = spawnSync(process.execPath, [link, '--help'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /Usage/);
      assert.ok(r.stdout.includes(name), r.stdout.slice(0, 200));
    });
  }
});
