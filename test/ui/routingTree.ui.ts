// Routes and endpoints in the Hubs tree as a user meets them: create an Event Hubs-style endpoint
// and a route with the folders' inline + buttons (answering the questions), turn the fallback
// route off from its context menu (the tree warns that unmatched messages are dropped), monitor the
// custom endpoint and then the built-in one from their inline buttons (the latter warns that the
// fallback route is off; its Enable Fallback Route turns it back on), disable the route from its
// context menu, then put everything back (delete with the confirmation dialog). Screenshots in test-results/ui/routing-tree-*.png.
import * as assert from 'node:assert/strict';
import type { Locator } from 'playwright-core';
import { uiTest, type UiHarness } from './harness';
import { hideBottomPanel } from './inspectorFrame';
import { runningMonitor } from './monitorFrame';


function row(h: UiHarness, text: string | RegExp): Locator {
  return h.page.locator('.sidebar .monaco-list-row').filter({ hasText: text }).first();
}

async function expand(h: UiHarness, r: Locator): Promise<void> {
  await r.waitFor({ state: 'visible', timeout: 20_000 });
  if ((await r.getAttribute('aria-expanded')) !== 'true') await r.click();
  await h.page.waitForFunction((el) => el?.getAttribute('aria-expanded') === 'true', await r.elementHandle(), { timeout: 10_000 });
}

async function collapse(h: UiHarness, r: Locator): Promise<void> {
  if ((await r.getAttribute('aria-expanded')) === 'true') await r.click();
  await h.page.waitForFunction((el) => el?.getAttribute('aria-expanded') === 'false', await r.elementHandle(), { timeout: 10_000 });
}

async function inline(r: Locator, action: string): Promise<void> {
  await r.hover();
  await r.locator(`.action-label[aria-label="${action}"]`).click();
}

async function contextMenu(h: UiHarness, r: Locator, item: string): Promise<void> {
  await r.click({ button: 'right' });
  const entry = h.page.locator('.context-view .action-menu-item').filter({ hasText: item }).first();
  await entry.hover({ timeout: 10_000 });
  await entry.click();
}

/** Answers the open quick input: types `text` (when given) and accepts. */
async function answer(h: UiHarness, text: string | undefined, expectTitle: RegExp): Promise<void> {
  const widget = h.page.locator('.quick-input-widget');
  await widget.locator('.quick-input-title').filter({ hasText: expectTitle }).waitFor({ state: 'visible', timeout: 10_000 });
  const input = widget.locator('.quick-input-box input');
  if (text !== undefined) await input.fill(text);
  await input.press('Enter');
}

uiTest('routing tree: create an endpoint and a route, fallback off warns, disable the route, delete both', async (h) => {
  // Names of this attempt's own: a retry must not meet the endpoint and route of a failed first attempt.
  const ENDPOINT = `ui-eh-${Date.now() % 100000}`;
  const ROUTE = `ui-alerts-${Date.now() % 100000}`;
  await h.runCommand('View: Close All Editors');
  await hideBottomPanel(h);
  if (await h.page.locator('.activitybar .action-item.checked a[aria-label^="IoT Hub Messaging"]').count() === 0) {
    await h.page.locator('.activitybar .action-item a[aria-label^="IoT Hub Messaging"]').first().click();
  }
  const start = row(h, 'Start the local hub');
  const routes = row(h, /^Routes/);
  const endpoints = row(h, /^Endpoints/);
  const devices = row(h, /^Devices/);
  await Promise.race([devices.waitFor({ state: 'visible', timeout: 60_000 }), start.waitFor({ state: 'visible', timeout: 60_000 })]);
  if (await start.isVisible()) await start.click();
  await devices.waitFor({ state: 'visible', timeout: 60_000 });
  // Room for the new folders: an open device list (earlier tests leave many devices) would push
  // Routes and Endpoints out of the rendered rows.
  if ((await devices.getAttribute('aria-expanded')) === 'true') await collapse(h, devices);
  await routes.waitFor({ state: 'visible', timeout: 30_000 });

  await inline(endpoints, 'Create Endpoint...');
  await answer(h, ENDPOINT, /Create Endpoint .*name/);
  await answer(h, 'Event Hubs', /kind/);
  await answer(h, undefined, /entity path/);
  await expand(h, endpoints);
  const endpoint = row(h, new RegExp(`^${ENDPOINT}`));
  await endpoint.waitFor({ state: 'visible', timeout: 15_000 });
  assert.match((await endpoint.innerText()).replace(/\s+/g, ' '), new RegExp(`Event Hubs · entity ${ENDPOINT} · 0 messages`));

  await inline(routes, 'Create Route...');
  await answer(h, ROUTE, /Create Route .*name/);
  await answer(h, undefined, /source/);
  await answer(h, "level = 'critical'", /condition/);
  await answer(h, ENDPOINT, /endpoint/);
  await expand(h, routes);
  const route = row(h, new RegExp(`^${ROUTE}`));
  await route.waitFor({ state: 'visible', timeout: 15_000 });
  assert.match((await route.innerText()).replace(/\s+/g, ' '), new RegExp(`→ ${ENDPOINT} · level = 'critical'`));

  const fallback = row(h, /^Fallback route/);
  await contextMenu(h, fallback, 'Disable Route');
  await row(h, 'off: messages no route matched are dropped').waitFor({ state: 'visible', timeout: 15_000 });
  console.log(`    screenshot: ${await h.screenshot('routing-tree-fallback-off')}`);

  // Monitor the custom endpoint from its inline button ($Default is its only group: no question).
  await inline(endpoint, 'Start Monitoring D2C Messages');
  await answer(h, undefined, /start from/);
  await h.page.locator('.tabs-container .tab').filter({ hasText: `D2C: Local hub · ${ENDPOINT}` }).first().waitFor({ state: 'visible', timeout: 20_000 });
  await runningMonitor(h, `endpoint '${ENDPOINT}'`);
  console.log(`    screenshot: ${await h.screenshot('routing-tree-monitor-endpoint')}`);

  // The built-in endpoint is starved (a route, the fallback off): one warning, with Enable Fallback Route.
  await inline(row(h, /^events/), 'Start Monitoring D2C Messages');
  await answer(h, undefined, /consumer group/);
  await answer(h, undefined, /start from/);
  const warning = h.page.locator('.notifications-toasts .notification-list-item').filter({ hasText: /fallback route is off/ }).first();
  await warning.waitFor({ state: 'visible', timeout: 20_000 });
  await runningMonitor(h, 'D2C: all devices on Local hub');
  assert.match(await warning.innerText(), new RegExp(`${ROUTE} → ${ENDPOINT}`));
  console.log(`    screenshot: ${await h.screenshot('routing-tree-monitor-fallback-warning')}`);
  await warning.locator('.monaco-button').filter({ hasText: 'Enable Fallback Route' }).click();
  await row(h, /Fallback route.*messages no route matched/).waitFor({ state: 'visible', timeout: 15_000 });
  await h.runCommand('View: Close All Editors');

  await contextMenu(h, route, 'Disable Route');
  await row(h, new RegExp(`^${ROUTE}.*disabled ·`)).waitFor({ state: 'visible', timeout: 15_000 });
  console.log(`    screenshot: ${await h.screenshot('routing-tree-route-disabled')}`);

  // Put it back (the fallback route is on again, from the warning): route deleted (confirmed), endpoint deleted.
  for (const [r, what] of [[route, 'Delete Route...'], [endpoint, 'Delete Endpoint...']] as const) {
    await contextMenu(h, r, what);
    const dialog = h.page.locator('.monaco-dialog-box');
    if (!(await dialog.waitFor({ state: 'visible', timeout: 3_000 }).then(() => true, () => false))) await h.page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'visible', timeout: 10_000 });
    await dialog.locator('.monaco-button').filter({ hasText: 'Delete' }).first().click();
    await r.waitFor({ state: 'detached', timeout: 15_000 });
  }
  await collapse(h, routes);
  await collapse(h, endpoints);
}, { timeout: 180_000 });
