// The manifest's `when` clauses, read from package.json: a palette command that needs a hub is
// hidden while none runs, every context key a clause reads is one the extension sets (a typo would
// hide or show a command for ever), and a command hidden from the palette is reachable from a menu.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

interface MenuItem { command: string; when?: string }
const root = join(import.meta.dirname, '../../..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  contributes: { commands: { command: string }[]; menus: Record<string, MenuItem[]> };
};
const commands = manifest.contributes.commands.map((c) => c.command);
const palette = new Map(manifest.contributes.menus.commandPalette!.map((m) => [m.command, m.when]));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}
const source = ['src/vscode', 'src/language'].flatMap((d) => sourceFiles(join(root, d))).map((f) => readFileSync(f, 'utf8')).join('\n');

test('palette commands that act on a hub, device, queue, route, monitor or simulation say when they can work', () => {
  const needsAHub = /^iotHubMessaging\.(device|queue|consumerGroup|route|endpoint|monitor|simulator)\.|^iotHubMessaging\.tree\.(filterDevices|goToDevice|clearFilter)$/;
  const missing = commands.filter((c) => needsAHub.test(c) && !palette.get(c));
  assert.deepEqual(missing, [], 'each needs a commandPalette `when`');
});

test('every iotHubMessaging.* context key a `when` clause reads is set by the extension', () => {
  const clauses = Object.values(manifest.contributes.menus).flat().map((m) => m.when ?? '');
  const keys = new Set(clauses.flatMap((w) => [...w.matchAll(/\biotHubMessaging\.[\w.]+/g)].map((m) => m[0])));
  assert.ok(keys.size >= 5, `found ${keys.size} keys`);
  // Keys are set with setContext, literally or through a constant holding the literal.
  const unset = [...keys].filter((k) => !source.includes(`'${k}'`));
  assert.deepEqual(unset, [], 'context keys read in package.json but never set in src/vscode');
});

test('a command hidden from the palette (`when: false`) is in a view or editor menu', () => {
  const hidden = [...palette].filter(([, when]) => when === 'false').map(([c]) => c);
  assert.ok(hidden.length > 0);
  const inMenus = new Set(Object.entries(manifest.contributes.menus).filter(([name]) => name !== 'commandPalette').flatMap(([, items]) => items.map((m) => m.command)));
  // Tree items may run a command on click (TreeItem.command) rather than from a menu: then the
  // id is in the tree's source.
  const unreachable = hidden.filter((c) => !inMenus.has(c) && !source.includes(`'${c}'`));
  assert.deepEqual(unreachable, [], 'hidden everywhere: no way to run these');
});

test('every contributed command is registered by the extension', () => {
  const unregistered = commands.filter((c) => !source.includes(`'${c}'`));
  assert.deepEqual(unregistered, [], 'in package.json but not in src/vscode or src/language');
});
