// The route tester as a user sees it: a routes file in the workspace, the route code lens above
// each message of a message file, and Test Routes from that lens explaining a route in a rendered
// Markdown preview.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { uiTest } from './harness';
import { hideBottomPanel } from './inspectorFrame';

uiTest('routing: route code lenses on a message file, and Test Routes explaining a route', async (h) => {
  writeFileSync(join(h.workspaceDir, 'ui-routes.iotroutes.json'), `${JSON.stringify({
    routes: [
      { name: 'alerts', source: 'DeviceMessages', condition: "level = 'critical'", endpointNames: ['eh-alerts'], isEnabled: true },
      { name: 'hot', source: 'DeviceMessages', condition: '$body.temperature > 30', endpointNames: ['eh-alerts'], isEnabled: true },
    ],
    fallbackRoute: { isEnabled: true },
    endpoints: { eventHubs: [{ name: 'eh-alerts' }] },
  }, null, 2)}\n`);
  writeFileSync(join(h.workspaceDir, 'ui-routing.iotmsg.json'), `${JSON.stringify([
    { direction: 'd2c', deviceId: 'thermostat-01', applicationProperties: { level: 'critical' }, body: 'door open' },
    { direction: 'd2c', deviceId: 'thermostat-01', systemProperties: { contentType: 'application/json', contentEncoding: 'utf-8' }, body: { temperature: 21.5 } },
  ], null, 2)}\n`);
  await h.openFile('ui-routing.iotmsg.json');
  const lens = h.page.locator('.codelens-decoration a').filter({ hasText: 'routes: none; fallback: yes -> events' });
  await lens.first().waitFor({ state: 'visible', timeout: 45_000 });
  await h.page.locator('.codelens-decoration a').filter({ hasText: 'routes: alerts -> eh-alerts; fallback: no' }).first().waitFor({ state: 'visible', timeout: 10_000 });
  await hideBottomPanel(h);
  console.log(`    screenshot: ${await h.screenshot('routing-code-lens')}`);

  await lens.first().click();
  const quick = h.page.locator('.quick-input-widget');
  await quick.locator('.monaco-list-row').filter({ hasText: 'hot' }).first().click({ timeout: 20_000 });
  // Rendered in VS Code's Markdown preview (a webview frame), not shown as Markdown source.
  const deadline = Date.now() + 30_000;
  let rendered = false;
  while (!rendered) {
    for (const f of h.page.frames()) {
      if (f.isDetached()) continue;
      const found = await f.evaluate(() => {
        const body = document.querySelector('.markdown-body');
        return body !== null && (body.textContent ?? '').includes('was 21.5') && body.querySelector('code') !== null;
      }).catch(() => false);
      if (found) rendered = true;
    }
    if (!rendered && Date.now() > deadline) throw new Error('no rendered Markdown preview of the route test');
    if (!rendered) await h.page.waitForTimeout(250);
  }
  if (await h.page.locator('.editor-instance .view-lines').filter({ hasText: 'was 21.5' }).count() > 0) throw new Error('the report is shown as Markdown source');
  console.log(`    screenshot: ${await h.screenshot('routing-test-routes')}`);
}, { timeout: 120_000 });
