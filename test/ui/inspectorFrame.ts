// Shared by the inspector and send UI tests: finding the inspector's document frame, and getting
// the workbench's bottom panel (Output, Problems) out of the way of a screenshot.
import type { Frame } from 'playwright-core';
import type { UiHarness } from './harness';

/** The inspector's document frame, found by content (its heading names the message) in any frame. */
export async function inspectorFrame(h: UiHarness, messageId: string, timeout = 30_000): Promise<Frame> {
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const f of h.page.frames()) {
      if (f.isDetached()) continue;
      const heading = await f.evaluate(() => document.querySelector('#inspector h1')?.textContent ?? '').catch(() => '');
      if (heading.includes(messageId)) return f;
    }
    if (Date.now() > deadline) {
      throw new Error(`no inspector frame for ${messageId}; frames: ${h.page.frames().map((f) => `${f.name() || '(unnamed)'} ${f.url().slice(0, 80)}`).join(' | ')}`);
    }
    await h.page.waitForTimeout(250);
  }
}

/** Hides the bottom panel if an earlier test (Show Log, the language client) opened it. */
export async function hideBottomPanel(h: UiHarness): Promise<void> {
  const panel = h.page.locator('.part.panel');
  if (!(await panel.isVisible())) return;
  await h.runCommand('View: Hide Panel');
  await panel.waitFor({ state: 'hidden', timeout: 5_000 });
}
