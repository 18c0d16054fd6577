// Webview entry point (bundled to dist/webview/inspector.js). Registers the components, builds the
// page and shows the message the host inlined in the HTML at once (so the first painted frame has
// it), then says "ready" with the revision it shows: the host posts `load` only if it has a newer one.
import type { InspectorLoad, WebviewToHost } from '../../src/inspector/protocol';
import { isInspectorLoad, isInspectorState } from '../../src/inspector/protocol';
import { INITIAL_LOAD_ELEMENT_ID } from '../../src/inspector/pageHtml';
import { registerComponents } from '../components/toolkit';
import { InspectorApp, type VsCodeApi } from './app';
import './inspector.css';

declare function acquireVsCodeApi(): VsCodeApi;

/** The load the host inlined in the page (a JSON data block), checked like a posted one. */
function inlinedLoad(): InspectorLoad | undefined {
  const text = document.getElementById(INITIAL_LOAD_ELEMENT_ID)?.textContent;
  if (!text) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isInspectorLoad(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

registerComponents();
const api = acquireVsCodeApi();
const root = document.getElementById('inspector');
if (root) {
  const app = new InspectorApp(root, api);
  window.addEventListener('message', (e: MessageEvent<unknown>) => app.handle(e.data));
  const initial = inlinedLoad();
  // Rebuilt after being hidden (not retained), the page has the state it saved, usually newer than
  // the HTML's (edits since): show that, and let the host send its own (shown stays unset, so it
  // posts `load`). But when the host replaced the message while the panel was hidden (the preview
  // panel reused), it wrote a new page whose load has a newer revision than the saved state's.
  const saved: unknown = api.getState();
  const savedIsCurrent = isInspectorState(saved)
    && !(initial?.revision !== undefined && (saved.revision ?? -1) < initial.revision);
  let shown: number | undefined;
  if (initial && savedIsCurrent) {
    const { revision: _html, ...rest } = initial;
    app.handle({ type: 'load', ...rest, state: saved, ...(saved.revision === undefined ? {} : { revision: saved.revision }) });
  } else if (initial) {
    app.handle({ type: 'load', ...initial });
    shown = initial.revision;
  }
  const ready: WebviewToHost = shown === undefined ? { type: 'ready' } : { type: 'ready', shown };
  api.postMessage(ready);
}
