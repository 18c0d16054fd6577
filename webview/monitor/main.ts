// Webview entry point (bundled to dist/webview/monitor.js): registers the components, builds the
// page, then says "ready" so the host sends what the monitor holds and then new messages.
import type { MonitorWebviewToHost } from '../../src/monitor/protocol';
import { registerComponents } from '../components/toolkit';
import { MonitorApp, type VsCodeApi } from './app';
import '../inspector/inspector.css';
import './monitor.css';

declare function acquireVsCodeApi(): VsCodeApi;

registerComponents();
const api = acquireVsCodeApi();
const root = document.getElementById('monitor');
if (root) {
  const app = new MonitorApp(root, api);
  window.addEventListener('message', (e: MessageEvent<unknown>) => app.handle(e.data));
  const ready: MonitorWebviewToHost = { type: 'ready' };
  api.postMessage(ready);
}
