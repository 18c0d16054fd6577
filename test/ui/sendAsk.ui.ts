// Sending a message IoT Hub would refuse asks first, from the palette and from a code lens, as the
// inspector does: a modal with a short question and the problems listed briefly (full text in the
// log). The palette's message pick marks the invalid message with its problem count.
// Screenshots in test-results/ui/send-ask-*.png.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { uiTest } from './harness';
import { createDeviceFromPalette, openHubsViewWithRunningHub, quickInput, runHubCommand, toast } from './hubsView';
import { hideBottomPanel } from './inspectorFrame';

const FILE = 'ui-send-ask.iotmsg.json';

uiTest('send: an invalid message from the palette or a code lens asks first; the pick marks it', async (h) => {
  // This attempt's own names: a retry must not meet what a failed first attempt created.
  const STAMP = Date.now();
  const DEVICE = `ui-ask-${STAMP}`;
  await openHubsViewWithRunningHub(h);
  await hideBottomPanel(h);
  await createDeviceFromPalette(h, DEVICE);

  writeFileSync(join(h.workspaceDir, FILE), `${JSON.stringify([
    { direction: 'c2d', deviceId: DEVICE, systemProperties: { messageId: `ok-${STAMP}` }, body: 'fine' },
    { direction: 'c2d', deviceId: DEVICE, systemProperties: { messageId: `bad-${STAMP}` }, applicationProperties: { unit: '°C a/b' }, body: 'refused' },
  ], null, 2)}\n`);
  await h.openFile(FILE);

  // Palette: the file's pick marks message 2 (invalid for C2D), not message 1.
  await runHubCommand(h, 'IoT Hub: Send C2D Message from File');
  const q = quickInput(h);
  await q.title.filter({ hasText: 'Send C2D: which message?' }).waitFor({ state: 'visible', timeout: 20_000 });
  const second = q.row('Message 2');
  await second.waitFor({ state: 'visible', timeout: 20_000 });
  assert.match(await second.innerText(), /1 problem/);
  assert.equal(await second.locator('.codicon-error').count(), 1);
  assert.doesNotMatch(await q.row('Message 1').innerText(), /problem/);
  console.log(`    screenshot: ${await h.screenshot('send-ask-pick')}`);
  await second.click();

  const dialog = h.page.locator('.monaco-dialog-box');
  await dialog.waitFor({ state: 'visible', timeout: 20_000 });
  const text = (await dialog.innerText()).replace(/\s+/g, ' ');
  assert.match(text, /This C2D message has 1 problem IoT Hub may refuse it for\. Send it anyway\?/);
  assert.match(text, /IOT101 The value of application property 'unit' contains 3 characters that are not allowed/);
  assert.match(text, /The full text is in the log/);
  console.log(`    screenshot: ${await h.screenshot('send-ask-palette')}`);
  await dialog.locator('.monaco-button').filter({ hasText: 'Cancel' }).first().click();
  await dialog.waitFor({ state: 'hidden', timeout: 20_000 });

  // Code lens above message 2: the same question; Send Anyway goes to the hub, which refuses it.
  const lens = h.page.locator('.codelens-decoration a').filter({ hasText: `Send C2D to ${DEVICE}` });
  await lens.nth(1).click({ timeout: 30_000 });
  await dialog.waitFor({ state: 'visible', timeout: 20_000 });
  assert.match((await dialog.innerText()).replace(/\s+/g, ' '), /This C2D message has 1 problem IoT Hub may refuse it for/);
  await dialog.locator('.monaco-button').filter({ hasText: 'Send Anyway' }).first().click();
  await toast(h, /C2D message to '.*' not sent\..*IOT101/, 30_000);
  console.log(`    screenshot: ${await h.screenshot('send-ask-refused')}`);
}, { timeout: 180_000 });
