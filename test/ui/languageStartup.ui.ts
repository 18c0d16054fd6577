// A message file that is already open when the window starts gets the language server's
// diagnostics: the extension activates without loading its language client (a module it loads on
// first use, scripts/build.mjs) and starts it right after, for the editors VS Code restored.
// Screenshot test-results/ui/language-startup.png.
import { join } from 'node:path';
import { uiTest } from './harness';
import { hideBottomPanel } from './inspectorFrame';

uiTest('language: a message file open when the window starts gets its diagnostics', async (h) => {
  // A new window whose start opens the file (the workbench's `openFile` payload, as `code file` does):
  // the file is open before the extension activates.
  const before = h.page.url();
  const url = new URL(before);
  const payload = JSON.parse(url.searchParams.get('payload') ?? '[]') as Array<[string, string]>;
  payload.push(['openFile', `vscode-remote://${url.host}${join(h.workspaceDir, 'invalid.iotmsg.json')}`]);
  url.searchParams.set('payload', JSON.stringify(payload));
  await h.page.goto(url.toString());
  const tab = h.page.locator('.tabs-container .tab.active').filter({ hasText: 'invalid.iotmsg.json' });
  await h.visible(tab, 60_000);
  await h.page.locator('.editor-group-container.active .monaco-editor').first().click();
  await h.page.keyboard.press('Control+Shift+M'); // View: Problems
  // Only our server says "iot-hub-msg(IOTnnn)"; VS Code's own JSON validation of the schema does not.
  const ours = h.page.locator('.monaco-list-row').filter({ hasText: 'iot-hub-msg' }).filter({ hasText: /IOT1\d\d/ });
  await ours.first().waitFor({ state: 'visible', timeout: 60_000 }).catch(async (e: unknown) => {
    const rows = await h.page.locator('.monaco-list-row').evaluateAll((els) => els.map((el) => `${el.closest('[id]')?.id ?? ''}: ${el.textContent ?? ''}`));
    throw new Error(`${e instanceof Error ? e.message.split('\n')[0] : String(e)}; rows: ${rows.join(' | ').slice(0, 2000)}`);
  });
  await h.visible(h.page.locator('.editor-group-container.active .monaco-editor .squiggly-error').first(), 10_000);
  const file = await h.screenshot('language-startup');
  console.log(`    screenshot: ${file}`);
  await hideBottomPanel(h);
  await h.runCommand('View: Close All Editors');
  // Back to the window the other tests use, ready for the runner's reset.
  await h.page.goto(before);
  await h.visible(h.page.locator('.monaco-workbench'), 90_000);
  await h.visible(h.page.locator('.activitybar .action-item').first(), 90_000);
}, { timeout: 150_000 });
