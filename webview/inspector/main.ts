// Webview entry point (bundled to dist/webview/inspector.js). Registers the components, builds the
// page, then says "ready" so the host knows a listener exists before it posts the message.
import type { WebviewToHost } from '../../src/inspector/protocol';
import { registerComponents } from '../components/toolkit';
import { InspectorApp, type VsCodeApi } from './app';
import './inspector.css';

declare function acquireVsCodeApi(): VsCodeApi;

registerComponents();
const api = acquireVsCodeApi();
const root = document.getElementById('inspector');
if (root) {
  const app = new InspectorApp(root, api);
  window.addEventListener('message', (e: MessageEvent<unknown>) => app.handle(e.data));
  const ready: WebviewToHost = { type: 'ready' };
  api.postMessage(ready);
}
