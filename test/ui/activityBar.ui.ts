// Foundation UI test: the extension contributes its activity bar container, and it opens the
// Hubs view in the real workbench.
import * as assert from 'node:assert/strict';
import { uiTest } from './harness';

uiTest('the activity bar shows the IoT Hub Messaging view container', async (h) => {
  const item = h.page.locator('.activitybar .action-item a[aria-label^="IoT Hub Messaging"]');
  await h.visible(item, 30_000);
  await item.first().click();
  // The side bar now shows our container with its Hubs view.
  const title = h.page.locator('.sidebar .composite.title h2');
  await h.visible(title);
  assert.match((await title.first().textContent()) ?? '', /IoT Hub Messaging/i);
  // With one view the title reads "IoT Hub Messaging: Hubs"; the tree lists the local hub.
  await h.visible(h.page.locator('.sidebar .monaco-list-row').filter({ hasText: 'Local hub' }).first(), 30_000);
  const file = await h.screenshot('workbench-activity-bar');
  console.log(`    screenshot: ${file}`);
});

uiTest('the command palette runs IoT Hub: Show Log', async (h) => {
  await h.runCommand('IoT Hub: Show Log');
  // The Output panel opens on the extension's log channel.
  const panel = h.page.locator('.part.panel');
  await h.visible(panel);
  await h.visible(h.page.locator('.part.panel .monaco-select-box, .part.panel select').filter({ hasText: /IoT Hub Messaging/ }).or(
    h.page.locator('.part.panel [aria-label*="IoT Hub Messaging"]'),
  ));
});
