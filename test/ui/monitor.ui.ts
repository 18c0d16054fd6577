// The README's quick start as a user does it in the real workbench: open the Hubs view (the local
// hub starts), *Simulate N Devices...* (two devices, the default template, every 200 ms), then
// *Start Monitoring D2C Messages* (all devices, $Default, now): the Message Monitor fills with
// rows from both devices and the live chart plots `temperature` per device; selecting a row shows
// IoT Hub's stamps. Screenshots in test-results/ui/monitor-*.png.
import * as assert from 'node:assert/strict';
import type { Frame } from 'playwright-core';
import { uiTest, type UiHarness } from './harness';
import { answer, choose, openHubsViewWithRunningHub, runHubCommand, toast } from './hubsView';
import { hideBottomPanel } from './inspectorFrame';
import { monitorFrame } from './monitorFrame';

async function waitForDataset(frame: Frame, selector: string, key: string, atLeast: number, timeout: number): Promise<number> {
  const handle = await frame.waitForFunction(({ selector, key, atLeast }) => {
    const el = document.querySelector<HTMLElement>(selector);
    const n = Number(el?.dataset[key] ?? '0');
    return n >= atLeast ? n : false;
  }, { selector, key, atLeast }, { timeout, polling: 200 });
  return (await handle.jsonValue()) as number;
}

async function stopEverything(h: UiHarness): Promise<void> {
  await h.runCommand('IoT Hub: Stop Device Simulations').catch(() => undefined);
}

uiTest('monitor: simulated devices fill the Message Monitor\'s table and live chart; a row shows IoT Hub\'s stamps', async (h) => {
  await openHubsViewWithRunningHub(h);
  await hideBottomPanel(h);
  try {
    await runHubCommand(h, 'IoT Hub: Simulate N Devices...');
    await answer(h, 'Simulate N Devices: how many?', '2');
    await choose(h, 'message template', 'Type a template body...');
    await answer(h, 'template body');
    await answer(h, 'every how many milliseconds?', '200');
    await answer(h, 'how many messages per device?');
    await choose(h, 'received C2D messages', 'Complete C2D messages at once');
    // The progress notification counts what the hub acknowledged.
    await toast(h, /Simulating 2 devices.*[1-9][\d,]* sent/s, 45_000);

    await runHubCommand(h, 'IoT Hub: Start Monitoring D2C Messages');
    await choose(h, 'which devices?', 'All devices');
    await choose(h, 'consumer group', '$Default');
    await choose(h, 'start from', 'Now');
    const frame = await monitorFrame(h, 'D2C: all devices on Local hub');

    // Rows from both devices, newest at the bottom.
    const rows = frame.locator('[data-testid="monitor-rows"] .row');
    await frame.waitForFunction(() => {
      const devices = new Set([...document.querySelectorAll('[data-testid="monitor-rows"] .row .device')].map((e) => e.textContent));
      return devices.has('sim-001') && devices.has('sim-002') && document.querySelectorAll('[data-testid="monitor-rows"] .row').length >= 6;
    }, undefined, { timeout: 30_000, polling: 200 });
    // The chart: `temperature` chosen, a line per device with several points.
    assert.equal(await frame.locator('[data-testid="chart-field"]').inputValue(), 'temperature');
    await frame.waitForFunction(() => document.querySelector<HTMLElement>('[data-testid="chart-canvas"]')?.dataset['series'] === '2', undefined, { timeout: 20_000, polling: 200 });
    const points = await waitForDataset(frame, '[data-testid="chart-canvas"]', 'points', 6, 20_000);
    assert.ok(points >= 6, `chart points ${points}`);
    const legend = await frame.locator('[data-testid="chart-legend"]').innerText();
    assert.match(legend, /sim-001/);
    assert.match(legend, /sim-002/);
    assert.match(await frame.locator('[data-testid="monitor-status"]').innerText(), /received/i);
    console.log(`    screenshot: ${await h.screenshot('monitor-rows-chart')}`);

    // Pause (arrivals are held and counted, the table stands still), then select the newest row:
    // every system property, IoT Hub's stamps marked, the application properties, the body.
    await frame.locator('[data-testid="pause"]').click();
    await frame.locator('[data-testid="monitor-status"]').filter({ hasText: /paused \(\d+ held\)/ }).waitFor({ timeout: 10_000 });
    await rows.last().click();
    const system = frame.locator('[data-testid="detail-system"]');
    await system.waitFor({ state: 'visible', timeout: 10_000 });
    const sysText = await system.innerText();
    assert.match(sysText, /iothub-connection-device-id\s+sim-00[12]\s+stamped by IoT Hub/);
    assert.match(sysText, /iothub-enqueuedtime/);
    assert.match(sysText, /x-opt-offset\s+\d+\s+stamped by IoT Hub/);
    assert.match(await frame.locator('[data-testid="monitor-detail"]').innerText(), /temperature/);
    console.log(`    screenshot: ${await h.screenshot('monitor-selected')}`);
    await frame.locator('[data-testid="pause"]').click();
    // Resumed: the status no longer says paused (a locator filtered on the text then matches nothing).
    await frame.locator('[data-testid="monitor-status"]').filter({ hasText: /paused/ }).waitFor({ state: 'detached', timeout: 10_000 });
    await h.setTheme('Default Dark Modern');
    // The chart redraws with the theme's colours on the next arrival.
    await waitForDataset(frame, '[data-testid="chart-canvas"]', 'points', points + 2, 20_000);
    console.log(`    screenshot: ${await h.screenshot('monitor-Default-Dark-Modern')}`);

    // Stop from the panel: the status says so.
    await frame.locator('[data-testid="stop"]').click();
    await frame.locator('[data-testid="monitor-status"]').filter({ hasText: /stopped/i }).waitFor({ timeout: 20_000 });
  } finally {
    await stopEverything(h);
  }
}, { timeout: 180_000 });
