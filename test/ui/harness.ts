// Playwright UI tests against the real VS Code workbench (code-server in headless Chromium).
// A UI test file is test/ui/<name>.ui.ts and registers tests with `uiTest`; the launcher
// (npm run test:vscode) runs them one after another in ONE workbench page, after the in-host
// integration suites, with the extension under development loaded. See docs/testing.md.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Locator, Page } from 'playwright-core';

export type ThemeName =
  | 'Default Light Modern'
  | 'Default Dark Modern'
  | 'Default High Contrast'
  | 'Default High Contrast Light'
  | 'Default Light+'
  | 'Default Dark+';

/** Each built-in theme's label in the theme picker and the class VS Code puts on the workbench. */
const THEMES: Record<ThemeName, { label: string; className: string }> = {
  'Default Light Modern': { label: 'Light Modern', className: 'vscode-theme-defaults-themes-light_modern-json' },
  'Default Dark Modern': { label: 'Dark Modern', className: 'vscode-theme-defaults-themes-dark_modern-json' },
  'Default High Contrast': { label: 'Dark High Contrast', className: 'vscode-theme-defaults-themes-hc_black-json' },
  'Default High Contrast Light': { label: 'Light High Contrast', className: 'vscode-theme-defaults-themes-hc_light-json' },
  'Default Light+': { label: 'Light+', className: 'vscode-theme-defaults-themes-light_plus-json' },
  'Default Dark+': { label: 'Dark+', className: 'vscode-theme-defaults-themes-dark_plus-json' },
};

/**
 * The theme a development-host workbench starts with: the web default. (User settings are not
 * applied to a code-server window opened with an extensionDevelopmentPath payload.)
 */
export const DEFAULT_THEME: ThemeName = 'Default Light+';

export interface UiHarness {
  /** The workbench page (Playwright). */
  readonly page: Page;
  /** Absolute path of the opened workspace folder (a fresh temp copy of demo/). */
  readonly workspaceDir: string;
  /** Where screenshots go (<repo>/test-results/ui). */
  readonly resultsDir: string;
  /** Runs a command through the command palette by its full title, e.g. 'IoT Hub: Show Log'. */
  runCommand(title: string): Promise<void>;
  /**
   * Opens a workspace file (path relative to the workspace folder) through "File: Open File..."
   * (works for files the test just wrote) and waits for its tab to be active.
   */
  openFile(relPath: string): Promise<void>;
  /** Saves a PNG of the whole page to resultsDir/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  /**
   * The content frame of a webview (panel or view). A string matches the webview's title
   * (the tab/view title or the page's <title>, substring); a function gets each candidate frame.
   */
  webviewFrame(
    titleOrPredicate: string | ((frame: Frame) => boolean | Promise<boolean>),
    options?: { timeout?: number },
  ): Promise<Frame>;
  /** Switches the colour theme through the theme picker and waits until the workbench shows it. */
  setTheme(theme: ThemeName): Promise<void>;
  /** Text of the notification toasts currently shown. */
  notifications(): Promise<string[]>;
  /**
   * The rendered lines of the active text editor, top to bottom, with Monaco's non-breaking spaces
   * turned back into spaces. Only what is rendered (the visible viewport) is included.
   */
  editorText(): Promise<string>;
  /** Waits until the locator is visible (default 10 s) and returns it. */
  visible(locator: Locator, timeout?: number): Promise<Locator>;
}

export interface UiTestOptions {
  /** Per-test timeout in ms (default 60 s). */
  timeout?: number;
  skip?: string | false;
}

export type UiTestFn = (h: UiHarness) => Promise<void>;

export interface RegisteredUiTest {
  file: string;
  name: string;
  fn: UiTestFn;
  options: UiTestOptions;
}

// Kept on globalThis so the runner and test files share one registry even if a loader
// instantiates this module twice.
const registryKey = Symbol.for('iotHubMessaging.uiTests');
type Registry = { tests: RegisteredUiTest[]; currentFile: string };
function registry(): Registry {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  return (g[registryKey] ??= { tests: [], currentFile: '<unknown>' });
}

/** Registers a UI test. Call at the top level of a test/ui/*.ui.ts file. */
export function uiTest(name: string, fn: UiTestFn, options: UiTestOptions = {}): void {
  const r = registry();
  r.tests.push({ file: r.currentFile, name, fn, options });
}

export function registeredUiTests(): readonly RegisteredUiTest[] {
  return registry().tests;
}

export function setCurrentUiFile(file: string): void {
  registry().currentFile = file;
}

// ---- the harness implementation ---------------------------------------------------------

const QUICK_INPUT = '.quick-input-widget';

export class WorkbenchHarness implements UiHarness {
  /** Set when a test changed the theme, so the runner can restore the default. */
  themeChanged = false;

  constructor(
    readonly page: Page,
    readonly workspaceDir: string,
    readonly resultsDir: string,
  ) {
    mkdirSync(resultsDir, { recursive: true });
  }

  async visible(locator: Locator, timeout = 10_000): Promise<Locator> {
    await locator.first().waitFor({ state: 'visible', timeout });
    return locator;
  }

  /** Waits for the workbench to be up (activity bar rendered, no progress on the explorer). */
  async waitForWorkbench(timeout = 90_000): Promise<void> {
    await this.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout });
    await this.page.locator('.activitybar .action-item').first().waitFor({ state: 'visible', timeout });
  }

  private async quickInput(open: () => Promise<void>, text: string): Promise<Locator> {
    await this.dismissQuickInput();
    await open();
    const input = this.page.locator(`${QUICK_INPUT} .quick-input-box input`);
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(text);
    return input;
  }

  /**
   * F1, as a user would. A key press goes to whatever holds focus, and a webview that has just
   * taken it (a monitor opened from the tree) or a toast button that has just gone can swallow
   * it; the title bar's command center opens the same palette whatever has focus.
   */
  private async openPalette(): Promise<void> {
    const input = this.page.locator(`${QUICK_INPUT} .quick-input-box input`);
    await this.page.keyboard.press('F1');
    if (await input.waitFor({ state: 'visible', timeout: 3_000 }).then(() => true, () => false)) return;
    console.log('    (F1 did not open the palette: opened it from the command center)');
    await this.page.locator('.titlebar .command-center .action-item').first().click();
    await input.waitFor({ state: 'visible', timeout: 5_000 });
  }

  private async dismissQuickInput(): Promise<void> {
    if (await this.page.locator(QUICK_INPUT).isVisible()) await this.page.keyboard.press('Escape');
  }

  /** Picks the quick pick row whose label is exactly `label` (or, failing that, the first row containing it). */
  private async pickRow(label: string, timeout = 10_000): Promise<void> {
    const rows = this.page.locator(`${QUICK_INPUT} .monaco-list-row`);
    const deadline = Date.now() + timeout;
    for (;;) {
      const count = await rows.count();
      for (let i = 0; i < count; i++) {
        const row = rows.nth(i);
        const text = (await row.locator('.label-name').first().textContent().catch(() => null))?.trim();
        if (text === label) {
          await row.click();
          return;
        }
      }
      if (Date.now() > deadline) {
        const seen = await rows.locator('.label-name').allTextContents().catch(() => []);
        throw new Error(`no quick pick entry "${label}"; saw: ${seen.slice(0, 10).join(' | ') || '(none)'}`);
      }
      await this.page.waitForTimeout(100);
    }
  }

  async runCommand(title: string): Promise<void> {
    const input = await this.quickInput(() => this.openPalette(), `>${title}`);
    await this.pickRow(title);
    // Done when the palette closed, or when the command opened its own quick input (new text).
    const deadline = Date.now() + 10_000;
    while (await input.isVisible() && (await input.inputValue().catch(() => '')) === `>${title}`) {
      if (Date.now() > deadline) throw new Error(`command "${title}" did not run (the palette stayed open)`);
      await this.page.waitForTimeout(50);
    }
  }

  async editorText(): Promise<string> {
    const lines = this.page.locator('.editor-group-container.active .editor-instance .monaco-editor .view-lines').first();
    await lines.waitFor({ state: 'visible', timeout: 10_000 });
    const texts = await lines.locator('.view-line').evaluateAll((els) =>
      els
        .map((e) => ({ top: parseFloat((e as HTMLElement).style.top || '0'), text: e.textContent ?? '' }))
        .sort((a, b) => a.top - b.top)
        .map((l) => l.text),
    );
    return texts.join('\n').replace(/\u00a0/g, ' ');
  }

  async openFile(relPath: string): Promise<void> {
    const name = relPath.split('/').pop() ?? relPath;
    const absolute = join(this.workspaceDir, relPath);
    // The simple file dialog takes a path and does not depend on the file search index, so files
    // a test has just written open as reliably as the ones that were there from the start.
    await this.runCommand('File: Open File...');
    const input = this.page.locator(`${QUICK_INPUT} .quick-input-box input`);
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    // The dialog fills in its start folder and lists it asynchronously; typing before that is
    // overwritten, so wait for the listing, then type, and retry if the dialog reset the text.
    await this.page.locator(`${QUICK_INPUT} .monaco-list-row`).first().waitFor({ state: 'visible', timeout: 10_000 });
    const tab = this.page.locator('.tabs-container .tab.active').filter({ hasText: name });
    for (let attempt = 1; ; attempt++) {
      await input.fill(absolute);
      await this.page.waitForTimeout(200);
      if ((await input.inputValue()) !== absolute) {
        if (attempt >= 10) throw new Error(`the Open File dialog kept resetting the path ${absolute}`);
        continue;
      }
      await input.press('Enter');
      try {
        await tab.waitFor({ state: 'visible', timeout: 5_000 });
        return;
      } catch (e) {
        if (attempt >= 3 || !(await input.isVisible())) throw e;
      }
    }
  }

  async screenshot(name: string): Promise<string> {
    const file = join(this.resultsDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  async webviewFrame(
    titleOrPredicate: string | ((frame: Frame) => boolean | Promise<boolean>),
    { timeout = 20_000 }: { timeout?: number } = {},
  ): Promise<Frame> {
    const deadline = Date.now() + timeout;
    for (;;) {
      for (const frame of this.page.frames()) {
        // VS Code nests the extension's document in an iframe named "active-frame" inside the
        // webview's host iframe.
        if (frame.name() !== 'active-frame' || frame.isDetached()) continue;
        if (typeof titleOrPredicate === 'function') {
          if (await Promise.resolve(titleOrPredicate(frame)).catch(() => false)) return frame;
          continue;
        }
        const titles = [await frame.title().catch(() => '')];
        const host = frame.parentFrame();
        if (host) {
          titles.push(await host.title().catch(() => ''));
          const element = await host.frameElement().catch(() => null);
          if (element) titles.push((await element.getAttribute('title').catch(() => null)) ?? '');
        }
        if (titles.some((t) => t.includes(titleOrPredicate))) return frame;
      }
      if (typeof titleOrPredicate === 'string') {
        // Fall back to the one webview shown in the active editor group when its tab has the title.
        const activeTab = await this.page.locator('.tabs-container .tab.active').first().textContent().catch(() => '');
        const contentFrames = this.page.frames().filter((f) => f.name() === 'active-frame' && !f.isDetached());
        if (activeTab?.includes(titleOrPredicate) && contentFrames.length === 1) return contentFrames[0]!;
      }
      if (Date.now() > deadline) {
        throw new Error(`no webview frame matching ${typeof titleOrPredicate === 'string' ? `"${titleOrPredicate}"` : 'the predicate'} within ${timeout} ms`);
      }
      await this.page.waitForTimeout(200);
    }
  }

  async setTheme(theme: ThemeName): Promise<void> {
    const { label, className } = THEMES[theme];
    if (await this.page.locator(`.monaco-workbench.${className}`).count() > 0) return;
    await this.runCommand('Preferences: Color Theme');
    const input = this.page.locator(`${QUICK_INPUT} .quick-input-box input`);
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(label);
    await this.pickRow(label);
    await this.page.locator(`.monaco-workbench.${className}`).waitFor({ state: 'attached', timeout: 10_000 });
    this.themeChanged = theme !== DEFAULT_THEME;
  }

  async notifications(): Promise<string[]> {
    const toasts = this.page.locator('.notifications-toasts .notification-list-item-message');
    return (await toasts.allTextContents()).map((t) => t.trim());
  }

  /** Between tests: close quick input, notifications and editors; restore the default theme. */
  async reset(): Promise<void> {
    await this.dismissQuickInput();
    if (this.themeChanged) await this.setTheme(DEFAULT_THEME);
    await this.runCommand('View: Close All Editors');
    await this.runCommand('Notifications: Clear All Notifications');
  }
}
