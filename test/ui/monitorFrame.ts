// Shared by the UI tests that open a Message Monitor: finding its document frame by heading, and
// waiting until it runs. A monitor's webview takes the keyboard focus when its page has loaded,
// which closes a quick input opened in the meantime, so a test waits for the page before it goes on.
import type { Frame } from 'playwright-core';
import type { UiHarness } from './harness';

/** The Message Monitor's document frame, found by its heading in any frame. */
export async function monitorFrame(h: UiHarness, heading: string, timeout = 30_000): Promise<Frame> {
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const f of h.page.frames()) {
      if (f.isDetached()) continue;
      const text = await f.evaluate(() => document.querySelector('[data-testid="monitor-title"]')?.textContent ?? '').catch(() => '');
      if (text.includes(heading)) return f;
    }
    if (Date.now() > deadline) throw new Error(`no Message Monitor frame headed "${heading}"`);
    await h.page.waitForTimeout(250);
  }
}

/** The frame of the monitor headed `heading`, once its status line says it is running. */
export async function runningMonitor(h: UiHarness, heading: string, timeout = 30_000): Promise<Frame> {
  const frame = await monitorFrame(h, heading, timeout);
  await frame.locator('[data-testid="monitor-status"]').filter({ hasText: /^Running/ }).waitFor({ timeout });
  return frame;
}
