// A D2C message whose application property has a space and a non-ASCII character: IoT Hub's HTTPS
// device API cannot carry it, MQTT can. The file's "Send D2C as ..." code lens asks (a modal that
// says it takes over the device's connection for a moment) instead of failing; "Send over MQTT"
// sends it, and a monitor on the device shows it arrive with the property intact.
// Screenshots in test-results/ui/send-mqtt-*.png.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { uiTest } from './harness';
import { answer, choose, createDeviceFromPalette, openHubsViewWithRunningHub, runHubCommand, toast } from './hubsView';
import { hideBottomPanel } from './inspectorFrame';
import { runningMonitor } from './monitorFrame';

const FILE = 'ui-send-mqtt.iotmsg.json';

uiTest('send: a D2C message HTTPS cannot carry (space, non-ASCII in a property) is offered over MQTT, and arrives with its property', async (h) => {
  // This attempt's own names: a retry must not meet what a failed first attempt created.
  const STAMP = Date.now();
  const DEVICE = `ui-mqtt-${STAMP}`;
  const MESSAGE_ID = `ui-mqtt-msg-${STAMP}`;
  await openHubsViewWithRunningHub(h);
  await hideBottomPanel(h);
  await createDeviceFromPalette(h, DEVICE);

  writeFileSync(join(h.workspaceDir, FILE), `${JSON.stringify({
    direction: 'd2c', deviceId: DEVICE,
    systemProperties: { messageId: MESSAGE_ID, contentType: 'application/json', contentEncoding: 'utf-8' },
    applicationProperties: { 'room name': 'Zürich' },
    body: { temperature: 19.5 },
  }, null, 2)}\n`);
  await h.openFile(FILE);

  // A monitor on the device, to see the message arrive.
  await runHubCommand(h, 'IoT Hub: Start Monitoring D2C Messages');
  await choose(h, 'which devices?', 'One device...');
  await answer(h, 'Start Monitoring D2C Messages: device', DEVICE);
  await choose(h, 'consumer group', '$Default');
  await choose(h, 'start from', 'Now');
  const frame = await runningMonitor(h, `D2C: device '${DEVICE}' on Local hub`);

  await h.page.locator('.tabs-container .tab').filter({ hasText: FILE }).first().click();
  const lens = h.page.locator('.codelens-decoration a').filter({ hasText: `Send D2C as ${DEVICE}` });
  await lens.first().click({ timeout: 30_000 });
  const dialog = h.page.locator('.monaco-dialog-box');
  await dialog.waitFor({ state: 'visible', timeout: 20_000 });
  const text = (await dialog.innerText()).replace(/\s+/g, ' ');
  assert.match(text, /HTTPS device API cannot carry this D2C message's properties/);
  assert.match(text, /Application property 'room name'/);
  assert.match(text, new RegExp(`connects as '${DEVICE}' for a moment`));
  console.log(`    screenshot: ${await h.screenshot('send-mqtt-offer')}`);
  await dialog.locator('.monaco-button').filter({ hasText: 'Send over MQTT' }).first().click();
  await toast(h, new RegExp(`D2C message '${MESSAGE_ID}' sent as '${DEVICE}'.*Sent over MQTT`), 30_000);

  // The monitor shows it with the property HTTPS could not carry.
  await h.page.locator('.tabs-container .tab').filter({ hasText: `D2C: ${DEVICE}` }).first().click();
  const row = frame.locator('[data-testid="monitor-rows"] .row').filter({ hasText: MESSAGE_ID }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  assert.match(await row.innerText(), /room name=Zürich/);
  console.log(`    screenshot: ${await h.screenshot('send-mqtt-monitor')}`);
  await frame.locator('[data-testid="stop"]').click();
}, { timeout: 180_000 });
