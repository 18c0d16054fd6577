// Loads the real inspector bundle in Debian's Chromium (Playwright), outside VS Code: the page is
// the one the host serves (same HTML, same CSP), acquireVsCodeApi is a stub that records what the
// webview posts. Used by the browser unit test and by bench/inspector.bench.ts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { HostToWebview, InspectorLoad, InspectorState, MessageSource, WebviewToHost } from '../../../src/inspector/protocol';
import { inspectorHtml, makeNonce } from '../../../src/inspector/pageHtml';
import { toWire } from '../../../src/inspector/wire';
import type { IotMessage } from '../../../src/core/message/model';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];
const ORIGIN = 'https://inspector.test';
const root = join(__dirname, '../../..');

export interface StandaloneInspector {
  browser: Browser;
  page: Page;
  /** What the webview posted to the (stub) host, in order. */
  posted(): Promise<WebviewToHost[]>;
  /** Posts a message as the host would; resolves once the page has rendered and painted. */
  post(msg: HostToWebview): Promise<number>;
  /** Hands a message to the page without posting it (so transferring it is not timed). */
  stage(msg: HostToWebview): Promise<void>;
  /** Posts the staged message; returns ms from postMessage until rendered and the next frame painted. */
  postStaged(): Promise<number>;
  /** CSP violations the page reported (must stay empty). */
  cspViolations(): Promise<string[]>;
  /** Uncaught page errors and console errors. */
  errors: string[];
  close(): Promise<void>;
}

/** Bundles webview/inspector/main.ts (production settings) into a temp dir. */
export async function buildBundle(minify = true): Promise<{ js: string; css: string; dispose: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'inspector-bundle-'));
  await esbuild.build({
    absWorkingDir: root, entryPoints: ['webview/inspector/main.ts'], outfile: join(dir, 'inspector.js'),
    bundle: true, platform: 'browser', format: "iife", target: "es2022", minify, logLevel: 'error',
  });
  return {
    js: readFileSync(join(dir, 'inspector.js'), 'utf8'),
    css: readFileSync(join(dir, 'inspector.css'), 'utf8'),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/**
 * Opens the inspector page. With `shared`, the page gets a fresh context in that browser and
 * close() closes only the context; otherwise it launches (and close() ends) its own browser.
 * `themeCss` stands in for the --vscode-* variables VS Code normally provides. `initial` is the
 * load the host inlines in the HTML (without it the page waits for a posted `load`). `saved` is the
 * state the page finds with getState (a page rebuilt after being hidden).
 */
export async function openStandalone(bundle: { js: string; css: string }, themeCss = '', shared?: Browser, initial?: InspectorLoad, saved?: unknown): Promise<StandaloneInspector> {
  const browser = shared ?? await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const closeAll = async (): Promise<void> => { await context.close(); if (!shared) await browser.close(); };
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    const nonce = makeNonce();
    const html = inspectorHtml({ cspSource: ORIGIN, nonce, scriptUri: `${ORIGIN}/inspector.js`, styleUri: `${ORIGIN}/inspector.css`, title: 'Inspector', ...(initial ? { initial } : {}) })
      .replace('</head>', `<link rel="stylesheet" href="${ORIGIN}/theme.css" nonce="${nonce}">\n</head>`);
    await page.route(`${ORIGIN}/**`, async (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path === '/' || path === '/index.html') await route.fulfill({ contentType: 'text/html', body: html });
      else if (path === '/inspector.js') await route.fulfill({ contentType: 'text/javascript', body: bundle.js });
      else if (path === '/inspector.css') await route.fulfill({ contentType: 'text/css', body: bundle.css });
      else if (path === '/theme.css') await route.fulfill({ contentType: 'text/css', body: themeCss });
      else await route.fulfill({ status: 404, body: '' });
    });
    // tsx (esbuild keepNames) wraps functions in __name(...); give the page that helper so the
    // functions below survive being serialised into it.
    await page.addInitScript('window.__name = (f) => f;');
    await page.addInitScript((savedState: unknown) => {
      const w = window as unknown as { __posted: unknown[]; __csp: string[]; __state: unknown; acquireVsCodeApi: () => unknown };
      w.__posted = [];
      w.__csp = [];
      // The state a page rebuilt after being hidden finds (`saved`), as VS Code keeps it per panel.
      w.__state = savedState ?? undefined;
      document.addEventListener('securitypolicyviolation', (e) => { w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`); });
      w.acquireVsCodeApi = () => ({
        postMessage: (m: unknown) => { w.__posted.push(m); },
        getState: () => w.__state,
        setState: (s: unknown) => { w.__state = s; },
      });
    }, saved ?? null);
    await page.goto(`${ORIGIN}/`);
    await page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'ready'), undefined, { timeout: 10_000 })
      .catch((e: unknown) => { throw new Error(`the webview never said ready: ${errors.join(' | ') || String(e)}`); });
    const handle: StandaloneInspector = {
      browser, page, errors,
      posted: () => page.evaluate(() => (window as unknown as { __posted: WebviewToHost[] }).__posted),
      cspViolations: () => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp),
      stage: async (msg) => {
        await page.evaluate((m) => { (window as unknown as { __next: unknown }).__next = m; }, msg);
      },
      postStaged: () => page.evaluate(async () => {
        const m = (window as unknown as { __next: HostToWebview }).__next;
        const before = document.body.dataset['renderSeq'] ?? '0';
        const t0 = performance.now();
        window.postMessage(m, '*');
        if (m.type === 'load') {
          await new Promise<void>((resolve) => {
            const done = (): void => { requestAnimationFrame(() => setTimeout(resolve, 0)); };
            const obs = new MutationObserver(() => {
              if ((document.body.dataset['renderSeq'] ?? '0') !== before) { obs.disconnect(); done(); }
            });
            obs.observe(document.body, { attributes: true, attributeFilter: ['data-render-seq'] });
          });
        } else {
          await new Promise((r) => setTimeout(r, 0));
        }
        return performance.now() - t0;
      }),
      post: async (msg) => {
        await handle.stage(msg);
        return handle.postStaged();
      },
      close: closeAll,
    };
    return handle;
  } catch (e) {
    await closeAll();
    throw e;
  }
}

export function loadMessage(message: IotMessage, source: MessageSource = { kind: 'paste' }, extra: Partial<InspectorState> = {}): HostToWebview {
  return {
    type: 'load',
    state: { version: 1, message: toWire(message), source, direction: message.direction ?? 'd2c', edited: false, ...extra },
    send: { d2c: false, c2d: false },
    sendUnavailableReason: 'The send commands are not registered in this window.',
  };
}
