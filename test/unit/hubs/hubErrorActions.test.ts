// The action each hub error offers (src/vscode/hubs/hubErrorActions.ts), for every error kind, and
// that each offered action is a command the extension contributes.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { HubRequestError, type HubConnection, type HubRequestErrorKind } from '../../../src/hubs/hubConnection';
import { actionsFor } from '../../../src/vscode/hubs/hubErrorActions';

// actionsFor reads only the hub's capabilities; the node it builds carries the hub through.
const localHub = { id: 'local', capabilities: { lifecycle: true } } as unknown as HubConnection;
const azureHub = { id: 'azure:h', capabilities: { lifecycle: false } } as unknown as HubConnection;
const titles = (kind: HubRequestErrorKind, where: Parameters<typeof actionsFor>[1]): string[] =>
  actionsFor(new HubRequestError('x', kind), where).map((a) => a.title);

test('each error kind offers the action that helps, and only where it can work', () => {
  const device = { hub: localHub, deviceId: 'd1' };
  const expected: Record<HubRequestErrorKind, string[]> = {
    'device-not-found': ['Refresh'],
    'changed-meanwhile': ['Refresh'],
    'queue-full': ['Purge Queue'],
    'hub-stopped': ['Start Local Hub'],
    'unreachable': ['Restart Local Hub'],
    'device-exists': [], 'too-large': [], 'invalid': [], 'unauthorized': [], 'throttled': [], 'quota': [], 'unsupported': [], 'failed': [],
  };
  for (const [kind, want] of Object.entries(expected) as [HubRequestErrorKind, string[]][]) {
    assert.deepEqual(titles(kind, device), want, kind);
  }
  // Purge needs a device; starting or restarting needs a hub this machine runs.
  assert.deepEqual(titles('queue-full', { hub: localHub }), []);
  assert.deepEqual(titles('hub-stopped', { hub: azureHub }), []);
  assert.deepEqual(titles('unreachable', { hub: azureHub, deviceId: 'd1' }), []);
  // Anything that is not a HubRequestError is a plain failure: Show Log only (added by showHubError).
  assert.deepEqual(actionsFor(new Error('boom'), device), []);
});

test('the actions carry the node they act on and name contributed commands', () => {
  const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '../../../package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
  const contributed = new Set(manifest.contributes.commands.map((c) => c.command));
  const purge = actionsFor(new HubRequestError('full', 'queue-full'), { hub: localHub, deviceId: 'd1' });
  assert.deepEqual(purge.map((a) => [a.command, a.args]), [['iotHubMessaging.queue.purge', [{ hub: localHub, deviceId: 'd1' }]]]);
  const refresh = actionsFor(new HubRequestError('gone', 'device-not-found'), { hub: localHub, deviceId: 'd1' });
  assert.deepEqual(refresh.map((a) => [a.command, a.args]), [['iotHubMessaging.tree.refresh', [{ hub: localHub }]]]);
  const kinds: HubRequestErrorKind[] = ['device-not-found', 'changed-meanwhile', 'queue-full', 'hub-stopped', 'unreachable'];
  for (const kind of kinds) {
    for (const a of actionsFor(new HubRequestError('x', kind), { hub: localHub, deviceId: 'd1' })) {
      assert.ok(contributed.has(a.command), `${kind}: ${a.command} is contributed`);
    }
  }
});
