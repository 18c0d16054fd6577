// The inspector in the real workbench: open a message with an invalid property character and an
// over-size body, find the flags in the webview's DOM, fix the property and watch the flag go;
// screenshots in light, dark and high-contrast themes with the flagged character in view
// (test-results/ui/inspector-*.png). The preview panel: its tab says so, and the pin in its title
// bar (Keep Inspector Open) keeps it, so the next message opens in a second panel.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { uiTest, type UiHarness } from './harness';
import { hideBottomPanel, inspectorFrame } from './inspectorFrame';

const FILE = 'inspector-oversize.iotmsg.json';

async function openOversizeMessage(h: UiHarness): Promise<Frame> {
  // C2D (64 KB limit) with a 70,000-byte body and a space in a property name.
  writeFileSync(join(h.workspaceDir, FILE), `${JSON.stringify({
    direction: 'c2d',
    deviceId: 'thermostat-1',
    systemProperties: { messageId: 'ui-oversize-1', contentType: 'text/plain', ack: 'full' },
    applicationProperties: { 'temp erature': '21', unit: 'C' },
    body: 'x'.repeat(70_000),
  }, null, 2)}\n`);
  await h.openFile(FILE);
  await h.runCommand('IoT Hub: Inspect Message File');
  const frame = await inspectorFrame(h, 'ui-oversize-1');
  await frame.locator('[data-testid="size-bar"]').waitFor({ state: 'visible', timeout: 20_000 });
  return frame;
}

uiTest('inspector: flags in the DOM, edit removes the flag, screenshots in light/dark/high contrast', async (h) => {
  const frame = await openOversizeMessage(h);

  // Under VS Code's own webview CSP plus ours: the stylesheet applied and the toolkit components upgraded.
  assert.equal(await frame.evaluate(() => getComputedStyle(document.querySelector('.size-bar') as Element).display), 'flex');
  assert.equal(await frame.evaluate(() => document.querySelector('vscode-button')?.shadowRoot !== null), true);

  // The invalid character, highlighted in place with its rule.
  const mark = frame.locator('[data-testid="application:0:name-text"] mark.flag');
  await mark.first().waitFor({ state: 'visible' });
  assert.equal(await mark.count(), 1);
  assert.equal(await mark.first().getAttribute('data-codes'), 'IOT101');
  assert.match((await mark.first().getAttribute('title')) ?? '', /IOT101 Character not allowed in an application property/);
  // The size bar is red (over), with the breakdown against the C2D limit.
  assert.equal(await frame.locator('[data-testid="size-bar"]').getAttribute('data-over'), 'true');
  assert.match(await frame.locator('[data-testid="size-summary"]').innerText(), /of 65,536 bytes \(C2D limit 64 KB\): [\d,]+ bytes over/);
  assert.equal(await frame.locator('[data-testid="problem-list"] li[data-rule="message-too-large"]').count(), 1);
  assert.equal(await frame.locator('[data-testid="problem-list"] li[data-rule="invalid-character"]').count(), 1);

  // The screenshots must show the flagged character in place: nothing may cover the webview (an
  // earlier test leaves the Output panel open), and the application property table is scrolled
  // into the middle of the panel.
  await hideBottomPanel(h);
  for (const [theme, name] of [['Default Light Modern', 'light'], ['Default Dark Modern', 'dark'], ['Default High Contrast', 'high-contrast'], ['Default High Contrast Light', 'high-contrast-light']] as const) {
    await h.setTheme(theme);
    await h.page.waitForTimeout(500);
    await hideBottomPanel(h);
    await mark.first().evaluate((el) => el.scrollIntoView({ block: 'center' }));
    const box = await mark.first().evaluate((el) => {
      const r = el.getBoundingClientRect();
      return { top: r.top, bottom: r.bottom, height: window.innerHeight };
    });
    assert.ok(box.top >= 0 && box.bottom <= box.height, `the flagged character is in view (${JSON.stringify(box)})`);
    // The webview's own viewport is not the page's: check the panel's frame is on screen too.
    const frameBox = await (await frame.frameElement()).boundingBox();
    const viewport = h.page.viewportSize();
    assert.ok(frameBox && viewport && frameBox.y + box.bottom <= viewport.height, 'the webview is not covered at the flag');
    console.log(`    screenshot: ${await h.screenshot(`inspector-${name}`)}`);
  }

  // Fix the property name: the flag goes, live.
  await frame.locator('[data-testid="application:0:name-edit"]').click();
  const input = frame.locator('[data-testid="application:0:name"] vscode-text-field input');
  await input.waitFor({ state: 'visible' });
  await input.fill('temperature');
  await input.press('Enter');
  await frame.locator('[data-testid="problem-list"] li[data-rule="invalid-character"]').waitFor({ state: 'detached', timeout: 5_000 });
  assert.equal(await frame.locator('[data-testid="application:0:name-text"] mark').count(), 0);
  assert.equal(await frame.locator('[data-testid="application:0:name-text"]').innerText(), 'temperature');
  // Still over the limit: that flag stays until the body shrinks.
  assert.equal(await frame.locator('[data-testid="size-bar"]').getAttribute('data-over'), 'true');
  console.log(`    screenshot: ${await h.screenshot('inspector-after-edit')}`);

  // Switching away and back, the edit is still there (the page is retained with the preview panel;
  // without it, the host answers the rebuilt page's ready with the state it last reported). The
  // edit made the panel kept: its title no longer says preview.
  await h.page.waitForTimeout(600); // the webview reports its state debounced (300 ms)
  await h.page.locator('.tabs-container .tab').filter({ hasText: FILE }).first().click();
  await h.page.locator('.tabs-container .tab').filter({ hasText: 'Inspect: ui-oversize-1 (edited)' }).first().click();
  const again = await inspectorFrame(h, 'ui-oversize-1');
  await again.locator('[data-testid="application:0:name-text"]').waitFor({ state: 'visible' });
  assert.equal(await again.locator('[data-testid="application:0:name-text"]').innerText(), 'temperature');
  assert.match(await again.locator('h1').innerText(), /\(edited\)/);
}, { timeout: 120_000 });

uiTest('inspector: keyboard only — Tab reaches the Edit buttons, Enter edits, Escape reverts', async (h) => {
  const frame = await openOversizeMessage(h);
  const edit = frame.locator('[data-testid="application:0:name-edit"]');
  await edit.focus();
  await h.page.keyboard.press('Enter');
  const input = frame.locator('[data-testid="application:0:name"] vscode-text-field input');
  await input.waitFor({ state: 'visible' });
  await h.page.waitForTimeout(100);
  await h.page.keyboard.type('x');
  await h.page.keyboard.press('Escape');
  assert.equal(await frame.locator('[data-testid="application:0:name-text"]').innerText(), 'temp\u00b7erature');
  assert.equal(await frame.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'application:0:name-edit');
  // Tab moves on through the controls (no traps).
  await h.page.keyboard.press('Tab');
  const next = await frame.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName);
  assert.notEqual(next, 'application:0:name-edit');
});

uiTest('inspector: after a window reload the serializer restores the panel with its edits', async (h) => {
  const frame = await openOversizeMessage(h);
  await frame.locator('[data-testid="application:0:name-edit"]').click();
  const input = frame.locator('[data-testid="application:0:name"] vscode-text-field input');
  await input.waitFor({ state: 'visible' });
  await input.fill('temp_erature');
  await input.press('Enter');
  await h.page.waitForTimeout(800); // the webview saves its state debounced (300 ms)
  await h.runCommand('Developer: Reload Window');
  await h.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
  const restored = await inspectorFrame(h, 'ui-oversize-1', 60_000);
  await restored.locator('[data-testid="application:0:name-text"]').waitFor({ state: 'visible', timeout: 20_000 });
  assert.equal(await restored.locator('[data-testid="application:0:name-text"]').innerText(), 'temp_erature');
  assert.match(await restored.locator('h1').innerText(), /\(edited\)/);
  assert.equal(await restored.locator('[data-testid="size-bar"]').getAttribute('data-over'), 'true');
  // Restored kept (it holds edits), so the next message would not replace it.
  await h.page.locator('.tabs-container .tab').filter({ hasText: 'Inspect: ui-oversize-1 (edited)' }).first().waitFor({ state: 'visible', timeout: 10_000 });
  // The restored state still knows the message as first opened.
  await restored.locator('[data-testid="revert"]').click();
  await restored.locator('[data-testid="application:0:name-text"] mark.flag').waitFor({ state: 'visible' });
  assert.equal(await restored.locator('[data-testid="application:0:name-text"]').innerText(), 'temp\u00b7erature');
}, { timeout: 180_000 });

uiTest('inspector: the palette command takes a pasted message and flags its message-id in place', async (h) => {
  // Right after the workbench starts, the extension's commands may not be in the palette yet.
  await h.runCommand('IoT Hub: Inspect Pasted Message').catch(async () => {
    await h.page.waitForTimeout(3_000);
    await h.runCommand('IoT Hub: Inspect Pasted Message');
  });
  const input = h.page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  await input.fill(JSON.stringify({ event: { origin: 'dev-7', properties: { system: { 'message-id': 'paste 1' }, application: { ok: 'yes' } }, payload: { t: 1 } } }));
  await input.press('Enter');
  const frame = await inspectorFrame(h, 'paste 1');
  const notes = await h.notifications();
  assert.ok(!notes.some((n) => /clipboard/i.test(n)), `no clipboard error toast: ${notes.join(' | ')}`);
  const mark = frame.locator('[data-testid="system:messageId:value-text"] mark.flag');
  await mark.first().waitFor({ state: 'visible' });
  assert.equal(await mark.first().getAttribute('data-codes'), 'IOT103');
  assert.equal(await mark.first().getAttribute('data-raw'), ' ');
  assert.match(await frame.locator('[data-testid="source"]').innerText(), /Pasted/);
  assert.match(await frame.locator('[data-testid="body-json"]').innerText(), /"t": 1/);
});

uiTest('inspector: the preview panel is replaced by the next message; the title bar pin keeps it, and the next message opens beside it', async (h) => {
  const write = (id: string): string => {
    const file = `inspector-preview-${id}.iotmsg.json`;
    writeFileSync(join(h.workspaceDir, file), `${JSON.stringify({ direction: 'd2c', deviceId: 'dev-p', systemProperties: { messageId: id }, body: { n: id } }, null, 2)}\n`);
    return file;
  };
  const tab = (text: string) => h.page.locator('.tabs-container .tab').filter({ hasText: text });
  const pin = h.page.locator('.editor-group-container.active .editor-actions .action-label[aria-label^="Keep Inspector Open"]');
  await h.openFile(write('ui-preview-1'));
  await h.runCommand('IoT Hub: Inspect Message File');
  const first = await inspectorFrame(h, 'ui-preview-1');
  await tab('Inspect (preview): ui-preview-1').first().waitFor({ state: 'visible', timeout: 10_000 });
  await pin.waitFor({ state: 'visible', timeout: 10_000 });

  // The next message replaces the preview's message in the same page.
  await h.openFile(write('ui-preview-2'));
  await h.runCommand('IoT Hub: Inspect Message File');
  await first.locator('h1').filter({ hasText: 'ui-preview-2' }).waitFor({ state: 'visible', timeout: 10_000 });
  assert.equal(await tab('Inspect (preview): ui-preview-1').count(), 0);
  await tab('Inspect (preview): ui-preview-2').first().waitFor({ state: 'visible', timeout: 10_000 });

  // The pin keeps it: the title says so and the pin goes.
  await tab('Inspect (preview): ui-preview-2').first().click();
  await pin.click();
  await tab('Inspect: ui-preview-2').first().waitFor({ state: 'visible', timeout: 10_000 });
  await pin.waitFor({ state: 'hidden', timeout: 10_000 });
  console.log(`    screenshot: ${await h.screenshot('inspector-kept')}`);

  // The next message opens a new preview panel; the kept one still shows its message.
  await h.openFile(write('ui-preview-3'));
  await h.runCommand('IoT Hub: Inspect Message File');
  await inspectorFrame(h, 'ui-preview-3');
  await tab('Inspect (preview): ui-preview-3').first().waitFor({ state: 'visible', timeout: 10_000 });
  assert.equal(await tab('Inspect: ui-preview-2').count(), 1);
});
