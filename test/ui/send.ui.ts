// Sending in the real workbench, the way a user does it: create a device from the palette, open
// a message file, click "Send as C2D" in the inspector (its status line and a notification name
// the message id and the queue depth), then click the file's own "Send C2D to ..." code lens.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { uiTest } from './harness';
import { hideBottomPanel, inspectorFrame } from './inspectorFrame';

const FILE = 'ui-send.iotmsg.json';

uiTest('send: the inspector\'s Send as C2D and the file\'s code lens queue the message on the local hub', async (h) => {
  // This attempt's own names: a retry must not meet what a failed first attempt created.
  const DEVICE = `ui-send-${Date.now()}`;
  await h.runCommand('IoT Hub: Create Device on Local Hub').catch(async () => {
    // Right after the workbench starts, the extension's commands may not be in the palette yet.
    await h.page.waitForTimeout(3_000);
    await h.runCommand('IoT Hub: Create Device on Local Hub');
  });
  const input = h.page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  await input.fill(DEVICE);
  await input.press('Enter');
  const created = h.page.locator('.notifications-toasts').getByText(`device '${DEVICE}' created on the local hub`);
  await created.waitFor({ state: 'visible', timeout: 45_000 });

  writeFileSync(join(h.workspaceDir, FILE), `${JSON.stringify({
    direction: 'c2d',
    deviceId: DEVICE,
    systemProperties: { messageId: 'ui-send-1', ack: 'full', ttl: '10m', contentType: 'application/json' },
    applicationProperties: { command: 'set-point' },
    body: { target: 20.5 },
  }, null, 2)}\n`);
  await h.openFile(FILE);
  await h.runCommand('IoT Hub: Inspect Message File');
  const frame = await inspectorFrame(h, 'ui-send-1');
  const send = frame.locator('[data-testid="send-c2d"]');
  await send.waitFor({ state: 'visible', timeout: 20_000 });
  assert.equal(await frame.locator('[data-testid="send-note"]').count(), 0, 'no "send unavailable" note');
  assert.equal(await send.getAttribute('disabled'), null, 'Send as C2D is enabled');
  await send.click();
  const status = frame.locator('[data-testid="status"]');
  await status.filter({ hasText: /^Sent: / }).waitFor({ timeout: 20_000 });
  assert.match(await status.innerText(), new RegExp(`^Sent: C2D message 'ui-send-1' queued for '${DEVICE}' \\(\\d+ bytes; queue depth 1 of 50\\)\\.$`));
  const toast = h.page.locator('.notifications-toasts').getByText(`C2D message 'ui-send-1' queued for '${DEVICE}'`);
  await toast.first().waitFor({ state: 'visible', timeout: 10_000 });
  await hideBottomPanel(h);
  console.log(`    screenshot: ${await h.screenshot('send-inspector')}`);

  // The file's code lens sends the same message again: now two in the queue.
  await h.page.locator('.tabs-container .tab').filter({ hasText: FILE }).first().click();
  const lens = h.page.locator('.codelens-decoration a').filter({ hasText: `Send C2D to ${DEVICE}` });
  await lens.first().waitFor({ state: 'visible', timeout: 30_000 });
  await lens.first().click();
  await h.page.locator('.notifications-toasts').getByText(/queue depth 2 of 50/).first().waitFor({ state: 'visible', timeout: 20_000 });
  console.log(`    screenshot: ${await h.screenshot('send-code-lens')}`);
}, { timeout: 120_000 });

uiTest('send: from the palette, pick "Create Device...", then type a body; the notification names the assigned id', async (h) => {
  const device = `ui-palette-${Date.now()}`;
  await h.runCommand('IoT Hub: Send C2D Message to Device...').catch(async () => {
    await h.page.waitForTimeout(3_000);
    await h.runCommand('IoT Hub: Send C2D Message to Device...');
  });
  const quick = h.page.locator('.quick-input-widget');
  const input = quick.locator('.quick-input-box input');
  const row = (text: string | RegExp) => quick.locator('.monaco-list-row').filter({ hasText: text }).first();
  await row('Create Device...').click({ timeout: 30_000 });
  // Create Device's own input box: the new id.
  await quick.locator('.quick-input-title').filter({ hasText: 'Create Device on Local hub' }).waitFor({ timeout: 10_000 });
  await input.fill(device);
  await input.press('Enter');
  // Then which message: a workspace message file's message, or a typed body.
  await row('Type a body...').click({ timeout: 30_000 });
  await quick.locator('.quick-input-title').filter({ hasText: 'Send C2D: message body' }).waitFor({ timeout: 10_000 });
  assert.equal(await input.inputValue(), '{"hello": "world"}');
  await input.fill('{"from": "palette"}');
  await input.press('Enter');
  const toast = h.page.locator('.notifications-toasts').getByText(new RegExp(`C2D message '[0-9a-f-]{36}' queued for '${device}'`));
  await toast.first().waitFor({ state: 'visible', timeout: 20_000 });
  assert.match(await toast.first().innerText(), /queue depth 1 of 50\)\. It had no message id, so it was given this one\./);
  console.log(`    screenshot: ${await h.screenshot('send-palette')}`);
}, { timeout: 90_000 });
