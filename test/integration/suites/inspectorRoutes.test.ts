// The inspector's Routes section in a real VS Code: with a routes file in the workspace, a panel
// gets which routes its message takes and why (from the host, through the typed protocol), and the
// verdict follows an edit made in the panel (the webview's stateChanged) and a change of the file.
import * as assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMessage } from '../../../src/core/message/model';
import type { RoutesVerdict } from '../../../src/inspector/protocol';
import { toWire } from '../../../src/inspector/wire';
import type { InspectorPanel } from '../../../src/vscode/inspector/inspectorPanel';
import { activateExtension, after, before, suite, test, waitFor, workspaceDir } from '../framework';

const ROUTES_FILE = 'inspector-itest.iotroutes.json';
const routes = (fallback: boolean): string => `${JSON.stringify({
  routes: [{ name: 'alerts', source: 'DeviceMessages', condition: "level = 'critical'", endpointNames: ['eh-alerts'], isEnabled: true }],
  fallbackRoute: { isEnabled: fallback },
  endpoints: { eventHubs: [{ name: 'eh-alerts' }], storageContainers: [] },
}, null, 2)}\n`;

suite('inspector routes', () => {
  let panel: InspectorPanel;
  before(async () => {
    await activateExtension();
    writeFileSync(join(workspaceDir(), ROUTES_FILE), routes(true));
  });
  after(async () => {
    panel?.dispose();
    rmSync(join(workspaceDir(), ROUTES_FILE), { force: true });
  });

  const tested = (p: InspectorPanel, check: (v: Extract<RoutesVerdict, { kind: 'tested' }>) => boolean, message: string): Promise<Extract<RoutesVerdict, { kind: 'tested' }>> =>
    waitFor(() => {
      const v = p.lastRoutes;
      return v?.kind === 'tested' && check(v) ? v : undefined;
    }, { timeout: 15_000, message });

  test('the panel shows which routes its message takes, route by route with the deciding part', async () => {
    const runtime = await activateExtension();
    panel = runtime.inspector.show(
      createMessage({ direction: 'd2c', deviceId: 'dev-r', systemProperties: { messageId: 'insp-routes-1' }, applicationProperties: [{ name: 'level', value: 'info' }] }),
      { kind: 'paste' },
    );
    const v = await tested(panel, () => true, 'a routes verdict for the panel');
    assert.equal(v.title, 'routes: none; fallback: yes -> events');
    assert.deepEqual(v.routes.map((r) => [r.name, r.endpoint, r.verdict]), [['alerts', 'eh-alerts', 'no-match']]);
    assert.match(v.routes[0]!.detail, /`level = 'critical'` was false; `level` was 'info'/);
    assert.equal(v.source, join(workspaceDir(), ROUTES_FILE));
  });

  test('an edit in the panel (the webview reports its state) changes the verdict', async () => {
    const state = panel.currentState;
    const edited = createMessage({ direction: 'd2c', deviceId: 'dev-r', systemProperties: { messageId: 'insp-routes-1' }, applicationProperties: [{ name: 'level', value: 'critical' }] });
    await panel.handleWebviewMessage({ type: 'stateChanged', state: { ...state, message: toWire(edited), edited: true } });
    const v = await tested(panel, (x) => x.routes[0]?.verdict === 'matched', 'the verdict after the edit');
    assert.equal(v.title, 'routes: alerts -> eh-alerts; fallback: no');
    assert.deepEqual(v.endpoints, ['eh-alerts']);
  });

  test('a change of the routes file (fallback off) reaches the open panel', async () => {
    const state = panel.currentState;
    await panel.handleWebviewMessage({ type: 'stateChanged', state: { ...state, message: toWire(createMessage({ direction: 'd2c', deviceId: 'dev-r', systemProperties: { messageId: 'insp-routes-1' } })) } });
    await tested(panel, (x) => x.fallback, 'the fallback verdict');
    writeFileSync(join(workspaceDir(), ROUTES_FILE), routes(false));
    const v = await tested(panel, (x) => x.dropped, 'the dropped verdict after the file changed');
    assert.equal(v.title, 'routes: none; fallback: off, message dropped');
  }, { timeout: 30_000 });
});
