// The Hubs tree in the real workbench, the way a user meets it: open the view, the local hub is
// there with Devices, Feedback and Consumer groups; filter Devices to a device, expand it and its
// C2D queue, see the queued message; purge the queue from its context menu (confirming the
// dialog); the Purged feedback appears under Feedback. Screenshots in test-results/ui/tree-*.png.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { uiTest, type UiHarness } from './harness';
import { createDeviceFromPalette, openHubsViewWithRunningHub } from './hubsView';
import { hideBottomPanel } from './inspectorFrame';

const FILE = 'ui-tree.iotmsg.json';

function row(h: UiHarness, text: string | RegExp): Locator {
  return h.page.locator('.sidebar .monaco-list-row').filter({ hasText: text }).first();
}

async function expand(h: UiHarness, r: Locator): Promise<void> {
  await r.waitFor({ state: 'visible', timeout: 20_000 });
  if ((await r.getAttribute('aria-expanded')) !== 'true') await r.click();
  await h.page.waitForFunction((el) => el?.getAttribute('aria-expanded') === 'true', await r.elementHandle(), { timeout: 10_000 });
}

uiTest('tree: the local hub, a device, its C2D queue and a queued message; purge from the context menu; Purged feedback', async (h) => {
  // This attempt's own names: a retry must not meet what a failed first attempt created.
  const DEVICE = `ui-tree-${Date.now()}`;
  const MESSAGE_ID = `ui-tree-msg-${Date.now()}`;
  await createDeviceFromPalette(h, DEVICE);

  // Queue one message that asks for full feedback, with the file's code lens.
  writeFileSync(join(h.workspaceDir, FILE), `${JSON.stringify({
    direction: 'c2d', deviceId: DEVICE, systemProperties: { messageId: MESSAGE_ID, ack: 'full', ttl: '1h' }, body: { setPoint: 21 },
  }, null, 2)}\n`);
  await h.openFile(FILE);
  const lens = h.page.locator('.codelens-decoration a').filter({ hasText: `Send C2D to ${DEVICE}` });
  await lens.first().click({ timeout: 30_000 });
  await h.page.locator('.notifications-toasts').getByText(/queue depth 1 of 50/).first().waitFor({ state: 'visible', timeout: 20_000 });
  await h.runCommand('View: Close All Editors');
  await h.runCommand('Notifications: Clear All Notifications');
  await hideBottomPanel(h);

  // Open the view: the local hub, running, with its three folders.
  await openHubsViewWithRunningHub(h);
  const hub = row(h, 'Local hub');
  await hub.waitFor({ state: 'visible', timeout: 30_000 });
  await row(h, /^Devices/).waitFor({ state: 'visible', timeout: 30_000 });
  assert.match((await hub.innerText()).replace(/\s+/g, ' '), /Local hub\s*running/);

  // Filter Devices with its inline action, to the device.
  const input = h.page.locator('.quick-input-widget .quick-input-box input');
  const devices = row(h, /^Devices/);
  await devices.hover();
  await devices.locator('.action-label[aria-label="Filter Devices..."]').click();
  await input.waitFor({ state: 'visible' });
  await input.fill(DEVICE);
  await input.press('Enter');
  await row(h, `filter: ${DEVICE}`).waitFor({ state: 'visible', timeout: 10_000 });
  // (Devices opens by default; with the filter the list is short enough to see the other folders.)
  await row(h, /^Feedback/).waitFor({ state: 'visible' });
  await row(h, 'Consumer groups').waitFor({ state: 'visible' });
  await expand(h, row(h, /^Devices/));
  const device = row(h, new RegExp(`^${DEVICE}`));
  await device.waitFor({ state: 'visible', timeout: 20_000 });
  assert.match((await device.innerText()).replace(/\s+/g, ' '), /disconnected · 1 queued/);
  await expand(h, device);
  const queue = row(h, 'C2D queue (1/50)');
  await expand(h, queue);
  // (The same id also shows under "Sent from this window": the queue's row is the enqueued one.)
  const message = h.page.locator('.sidebar .monaco-list-row').filter({ hasText: MESSAGE_ID }).filter({ hasText: /enqueued/ }).first();
  await message.waitFor({ state: 'visible', timeout: 20_000 });
  assert.match((await message.innerText()).replace(/\s+/g, ' '), /enqueued · delivered 0\/10 · expires .* · ack full/);
  console.log(`    screenshot: ${await h.screenshot('tree-queue')}`);

  // Purge from the queue's context menu; the dialog says how many and that feedback follows.
  await queue.click({ button: 'right' });
  const purgeItem = h.page.locator('.context-view .action-menu-item').filter({ hasText: 'Purge C2D Queue...' }).first();
  await purgeItem.hover({ timeout: 10_000 });
  await purgeItem.click();
  const dialog = h.page.locator('.monaco-dialog-box');
  // A click that lands while the menu is still animating in is sometimes ignored; the item is then focused.
  if (!(await dialog.waitFor({ state: 'visible', timeout: 3_000 }).then(() => true, () => false))) await h.page.keyboard.press('Enter');
  await dialog.waitFor({ state: 'visible', timeout: 10_000 });
  assert.match(await dialog.innerText(), /1 message .* removed without being delivered.*Purged/s);
  console.log(`    screenshot: ${await h.screenshot('tree-purge-dialog')}`);
  await dialog.locator('.monaco-button').filter({ hasText: 'Purge' }).first().click();
  await row(h, 'C2D queue (0/50)').waitFor({ state: 'visible', timeout: 10_000 });
  await row(h, 'No queued messages').waitFor({ state: 'visible', timeout: 10_000 });

  // The Purged feedback record under Feedback.
  // (Anchored: the sent message's row says "purged · waiting for feedback" until the record arrives.)
  await expand(h, row(h, /^Feedback/));
  const record = h.page.locator('.sidebar .monaco-list-row').filter({ hasText: MESSAGE_ID }).filter({ hasText: new RegExp(`Purged · ${DEVICE}`) }).first();
  await record.waitFor({ state: 'visible', timeout: 15_000 });
  assert.match((await record.innerText()).replace(/\s+/g, ' '), new RegExp(`Purged · ${DEVICE}`));
  console.log(`    screenshot: ${await h.screenshot('tree-feedback')}`);
  for (const theme of ['Default Dark Modern', 'Default High Contrast'] as const) {
    await h.setTheme(theme);
    console.log(`    screenshot: ${await h.screenshot(`tree-${theme.replace(/ /g, '-')}`)}`);
  }
}, { timeout: 180_000 });
