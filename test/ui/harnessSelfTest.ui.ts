// Checks the UI harness itself against the real workbench, so other UI tests can rely on it.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { uiTest } from './harness';

uiTest('harness: openFile opens a workspace file in the active editor', async (h) => {
  assert.ok(existsSync(join(h.workspaceDir, 'README.md')), 'the workspace is a copy of demo/');
  await h.openFile('README.md');
  const text = await h.editorText();
  assert.match(text, /^# IoT Hub Messaging demo workspace\n/);
  assert.match(text, /opens this folder in VS Code with the extension\nloaded/);
});

uiTest('harness: setTheme switches between light, dark and high contrast', async (h) => {
  for (const [theme, kind] of [
    ['Default Dark Modern', 'vs-dark'],
    ['Default High Contrast', 'hc-black'],
    ['Default Light Modern', 'vs'],
  ] as const) {
    await h.setTheme(theme);
    const classes = (await h.page.locator('.monaco-workbench').getAttribute('class')) ?? '';
    assert.ok(classes.split(/\s+/).includes(kind), `${theme}: workbench classes ${classes}`);
  }
});
