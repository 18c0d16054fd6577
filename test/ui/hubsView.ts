// Shared by the receive-side UI tests: opening the Hubs view (which starts the local hub; the
// palette hides the hub commands until a hub runs), answering the quick inputs a command asks,
// and waiting for a notification toast. Every wait polls a state with a timeout.
import type { Locator } from 'playwright-core';
import type { UiHarness } from './harness';

/** Opens the IoT Hub Messaging view and waits until the tree shows the local hub running. */
export async function openHubsViewWithRunningHub(h: UiHarness, timeout = 60_000): Promise<void> {
  // The activity bar item toggles: click it only when our container is not already showing.
  if (await h.page.locator('.activitybar .action-item.checked a[aria-label^="IoT Hub Messaging"]').count() === 0) {
    await h.page.locator('.activitybar .action-item a[aria-label^="IoT Hub Messaging"]').first().click({ timeout: 30_000 });
  }
  const hub = h.page.locator('.sidebar .monaco-list-row').filter({ hasText: /Local hub\s*running/ }).first();
  await hub.waitFor({ state: 'visible', timeout });
}

/** Runs a palette command, retrying while its `when` context (a hub running) reaches the palette. */
export async function runHubCommand(h: UiHarness, title: string, timeout = 30_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      await h.runCommand(title);
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await h.page.keyboard.press('Escape');
      await h.page.waitForTimeout(500);
    }
  }
}

export function quickInput(h: UiHarness): { title: Locator; input: Locator; row: (text: string | RegExp) => Locator } {
  const quick = h.page.locator('.quick-input-widget');
  return {
    title: quick.locator('.quick-input-title'),
    input: quick.locator('.quick-input-box input'),
    row: (text) => quick.locator('.monaco-list-row').filter({ hasText: text }).first(),
  };
}

/** Waits for the quick input titled (substring) `title`, then types `value` (when given) and presses Enter. */
export async function answer(h: UiHarness, title: string | RegExp, value?: string): Promise<void> {
  const q = quickInput(h);
  await q.title.filter({ hasText: title }).waitFor({ state: 'visible', timeout: 20_000 });
  if (value !== undefined) await q.input.fill(value);
  await q.input.press('Enter');
}

/** Waits for the quick pick titled `title` and clicks the row containing `text`. */
export async function choose(h: UiHarness, title: string | RegExp, text: string | RegExp): Promise<void> {
  const q = quickInput(h);
  await q.title.filter({ hasText: title }).waitFor({ state: 'visible', timeout: 20_000 });
  await q.row(text).click({ timeout: 20_000 });
}

/** Creates `deviceId` on the local hub from the palette, as a user does; waits for its toast, then clears it. */
export async function createDeviceFromPalette(h: UiHarness, deviceId: string): Promise<void> {
  await runHubCommand(h, 'IoT Hub: Create Device on Local Hub');
  await answer(h, 'Create Device on Local Hub', deviceId);
  await toast(h, `device '${deviceId}' created`, 45_000);
  await h.runCommand('Notifications: Clear All Notifications');
}

/** A notification toast containing `text` (waits for it to be visible). */
export async function toast(h: UiHarness, text: string | RegExp, timeout = 30_000): Promise<Locator> {
  const t = h.page.locator('.notifications-toasts .notification-list-item').filter({ hasText: text }).first();
  await t.waitFor({ state: 'visible', timeout });
  return t;
}
