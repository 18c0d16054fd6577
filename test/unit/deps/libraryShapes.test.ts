// The libraries whose private parts the hub uses: pinned exactly, installed at that version, and
// checked at start-up with a message naming the library and version when a shape is missing.
// Also: every package the shipped code imports is declared, and no runtime dependency is test-only.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEBUG_VERSION } from '../../../src/hub/cli/quietDebug';
import { checkRheaInternals, RHEA_VERSION, rheaShapeChecks } from '../../../src/hub/eventhubs/rheaInternals';
import { LibraryShapeError, requireShapes } from '../../../src/hub/libraryCheck';
import { AEDES_VERSION, aedesShapeChecks, checkAedesInternals } from '../../../src/hub/mqtt/aedesInternals';
import { AEDES_PERSISTENCE_VERSION, createHubPersistence, persistenceShapeChecks } from '../../../src/hub/mqtt/hubPersistence';

const root = join(import.meta.dirname, '../../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

/** Package names imported by shipped code (src/, webview/): `import ... from 'x'`, `import('x')`, `require('x')`. */
function importedPackages(): Map<string, string> {
  const found = new Map<string, string>();
  const spec = /(?:^|[\s;])(?:import|export)\s[^'"`]*?from\s+'([^'.][^']*)'|(?:^|[\s;])import\s+'([^'.][^']*)'|(?<![.\w])(?:import|require)\(\s*'([^'.][^']*)'\s*\)/gm;
  for (const file of [...sources(join(root, 'src')), ...sources(join(root, 'webview'))]) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(spec)) {
      const s = m[1] ?? m[2] ?? m[3]!;
      if (s.startsWith('node:') || builtinModules.includes(s.split('/')[0]!)) continue;
      const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!;
      if (!found.has(name)) found.set(name, file.slice(root.length + 1));
    }
  }
  return found;
}

void describe('library private parts', () => {
  const pinned: Array<[string, string]> = [['aedes', AEDES_VERSION], ['aedes-persistence', AEDES_PERSISTENCE_VERSION], ['rhea', RHEA_VERSION], ['debug', DEBUG_VERSION]];

  void it('are pinned to the exact version their module was written against, and that version is installed', () => {
    for (const [name, version] of pinned) {
      assert.equal(pkg.dependencies[name], version, `package.json must pin ${name} to exactly ${version}`);
      assert.equal(installedVersion(name), version, `node_modules holds ${name} ${installedVersion(name)}, not ${version}`);
    }
  });

  void it('pass the start-up checks on the installed libraries', async () => {
    await checkAedesInternals();
    checkRheaInternals();
    createHubPersistence(() => undefined);
  });

  void it('fail the start-up check with a message naming the library, the version and what is missing', () => {
    const aedes = aedesShapeChecks({ mq: {} }, { pause() {}, resume() {}, _parsingBatch: 1, connackSent: false, _keepaliveInterval: -1, _keepaliveTimer: null });
    assert.throws(() => requireShapes('aedes', AEDES_VERSION, aedes), (e: unknown) => {
      assert.ok(e instanceof LibraryShapeError);
      assert.equal(e.library, 'aedes');
      assert.match(e.message, /^aedes: the hub relies on private parts of aedes 1\.2\.0 /);
      assert.match(e.message, /broker\.mq\.emit\(\)/);
      assert.match(e.message, /Client#_parser with exactly one "packet" listener/);
      assert.doesNotMatch(e.message, /pause\(\) and resume\(\)/, 'only the missing shapes are listed');
      assert.match(e.message, /Install exactly aedes@1\.2\.0/);
      return true;
    });
    assert.throws(() => requireShapes('rhea', RHEA_VERSION, rheaShapeChecks({}, {})), /^Error|rhea: the hub relies on private parts of rhea 3\.0\.5 .*Connection#accept\(\)/);
    assert.throws(() => requireShapes('aedes-persistence', AEDES_PERSISTENCE_VERSION, persistenceShapeChecks({ storeRetained() {} })),
      /aedes-persistence 11\.0\.0 .*outgoingEnqueue\(\)/);
  });
});

void describe('declared dependencies', () => {
  void it('declare every package the shipped code imports as a runtime dependency', () => {
    const undeclared = [...importedPackages()].filter(([name]) => name !== 'vscode' && pkg.dependencies[name] === undefined);
    assert.deepEqual(undeclared, [], `imported by shipped code but not in "dependencies": ${undeclared.map(([n, f]) => `${n} (${f})`).join(', ')}`);
  });

  void it('keep test-only packages out of the runtime dependencies', () => {
    const imported = importedPackages();
    const unused = Object.keys(pkg.dependencies).filter((name) => !imported.has(name));
    assert.deepEqual(unused, [], `in "dependencies" but never imported by src/ or webview/: ${unused.join(', ')} (move them to devDependencies)`);
  });
});
