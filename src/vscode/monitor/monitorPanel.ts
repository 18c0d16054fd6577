// The Message Monitor panel of one running monitor: serves the webview under a strict CSP with a
// nonce, forwards new messages in batches (every FLUSH_MS, at most the ring's worth), and carries
// out what the webview asks (open in the inspector, save as a message file, copy as JSON, diff
// with the previous message of the device, export, record). Messages from the webview are shape-
// checked before use. Closing the panel stops its monitor.
import { createWriteStream, type WriteStream } from 'node:fs';
import * as vscode from 'vscode';
import { contentSecurityPolicy, makeNonce } from '../../inspector/pageHtml';
import type { InspectorState } from '../../inspector/protocol';
import { fromWire, toWire } from '../../inspector/wire';
import type { IotMessage } from '../../core/message/model';
import type { D2cMonitor, MonitorState } from '../../monitor/d2cMonitor';
import { messageAsJson, toCsv, toNdjsonLine } from '../../monitor/exportFormats';
import {
  isMonitorWebviewToHost, toWireMonitored, type MonitorHostToWebview, type MonitorStatusView, type MonitorWebviewToHost, type WireMonitored,
} from '../../monitor/protocol';
import type { InspectorPanels } from '../inspector/inspectorPanels';
import type { Log } from '../log';
import type { DiffDocuments } from './diffDocuments';
import { errorText } from '../../core/errorText';

export const MONITOR_VIEW_TYPE = 'iotHubMessaging.monitor';
/** How often new messages go to the webview (a row shows within this plus the SDK's own delay). */
const FLUSH_MS = 100;

export interface MonitorPanelHost {
  readonly extensionUri: vscode.Uri;
  readonly log: Log;
  readonly inspector: InspectorPanels;
  readonly diffs: DiffDocuments;
}

export class MonitorPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private pending: WireMonitored[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private ready = false;
  private recording: { path: string; stream: WriteStream } | undefined;
  private disposed = false;
  private readonly onDisposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.onDisposeEmitter.event;
  /** Messages posted to the webview so far, in `init` and `messages` (tests and the benchmark read it). */
  posted = 0;
  /** What the start command warned about routing starving the built-in endpoint (undefined: nothing). */
  routingWarning: string | undefined;

  constructor(readonly monitor: D2cMonitor, readonly panel: vscode.WebviewPanel, private readonly host: MonitorPanelHost) {
    const sub = monitor.onMessages((batch) => this.onMessages(batch.map((m) => toWireMonitored(m, Date.now()))));
    const stateSub = monitor.onDidChangeState(() => this.postStatus());
    this.disposables.push(
      { dispose: () => { sub.dispose(); stateSub.dispose(); } },
      panel.webview.onDidReceiveMessage((m: unknown) => { void this.handle(m); }),
      panel.onDidDispose(() => this.dispose()),
    );
    panel.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(host.extensionUri, 'dist', 'webview')] };
    panel.webview.html = this.html();
    this.timer = setInterval(() => this.flush(), FLUSH_MS);
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = makeNonce();
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.host.extensionUri, 'dist', 'webview', 'monitor.js')).toString();
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.host.extensionUri, 'dist', 'webview', 'monitor.css')).toString();
    const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${esc(contentSecurityPolicy(webview.cspSource, nonce))}">
<meta property="csp-nonce" content="${nonce}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${esc(style)}" nonce="${nonce}">
<title>Message Monitor</title>
</head>
<body>
<main id="monitor" aria-label="D2C message monitor"></main>
<script nonce="${nonce}" src="${esc(script)}"></script>
</body>
</html>`;
  }

  status(): MonitorStatusView {
    const s: MonitorState = this.monitor.state;
    const view: MonitorStatusView = { state: s.state, received: this.monitor.received, rate: this.monitor.rate() };
    if ((s.state === 'waiting' || s.state === 'stopped') && s.reason !== undefined) view.detail = s.reason;
    if (this.recording) view.recording = this.recording.path;
    return view;
  }

  private post(m: MonitorHostToWebview): void {
    if (!this.disposed) void this.panel.webview.postMessage(m);
  }

  postStatus(): void {
    if (this.ready) this.post({ type: 'status', status: this.status() });
  }

  private onMessages(batch: WireMonitored[]): void {
    for (const m of batch) this.pending.push(m);
    // Never hold more than the ring: older pending ones would be dropped by the webview anyway.
    const cap = this.monitor.ring.capacity;
    if (this.pending.length > cap * 2) this.pending = this.pending.slice(-cap);
    if (this.recording) for (const m of batch) this.recording.stream.write(toNdjsonLine(m));
  }

  private flush(): void {
    if (!this.ready || this.pending.length === 0) return;
    const messages = this.pending;
    this.pending = [];
    this.posted += messages.length;
    this.post({ type: 'messages', messages });
  }

  private async handle(raw: unknown): Promise<void> {
    if (!isMonitorWebviewToHost(raw)) {
      this.host.log.warn('monitor: ignored a malformed message from the webview');
      return;
    }
    const m: MonitorWebviewToHost = raw;
    try {
      switch (m.type) {
        case 'ready': {
          this.ready = true;
          this.host.log.debug(`monitor: panel of ${this.monitor.description} ready`);
          // A reload of the webview gets what the ring holds; pending ones are in it too.
          const messages = this.monitor.ring.toArray().map((x) => toWireMonitored(x, Date.now()));
          this.pending = [];
          this.posted += messages.length;
          this.post({ type: 'init', title: this.monitor.description, capacity: this.monitor.ring.capacity, messages, status: this.status() });
          return;
        }
        case 'action': return await this.act(m.action, m.message);
        case 'diff': return await this.diff(m.message, m.previous);
        case 'export': return await this.exportMessages(m.format, m.messages);
        case 'record': return await this.record(m.on);
        case 'stop': return await this.monitor.stop();
      }
    } catch (e) {
      this.host.log.error('monitor: action failed', e);
      void vscode.window.showErrorMessage(`Message Monitor: ${errorText(e)}`);
    }
  }

  private asIotMessage(w: WireMonitored): IotMessage {
    const msg = fromWire({ direction: 'd2c', deviceId: w.deviceId, systemProperties: w.systemProperties, applicationProperties: w.applicationProperties, bodyBase64: w.bodyBase64 });
    if (w.moduleId !== undefined) msg.moduleId = w.moduleId;
    return msg;
  }

  private async act(action: 'openInInspector' | 'saveAsFile' | 'copyJson', w: WireMonitored): Promise<void> {
    const msg = this.asIotMessage(w);
    const source = { kind: 'd2cMonitor' as const, hub: this.monitor.hub.label, partition: w.partitionId, enqueuedTimeUtc: w.enqueuedTimeUtc };
    switch (action) {
      case 'openInInspector':
        this.host.inspector.show(msg, source);
        return;
      case 'saveAsFile': {
        const state: InspectorState = { version: 1, message: toWire(msg), source, direction: 'd2c', edited: false };
        await this.host.inspector.saveAsFile(msg, state);
        return;
      }
      case 'copyJson':
        await vscode.env.clipboard.writeText(JSON.stringify(messageAsJson(w), null, 2));
        vscode.window.setStatusBarMessage('Message copied as JSON', 3000);
        return;
    }
  }

  private async diff(message: WireMonitored, previous: WireMonitored): Promise<void> {
    const left = this.host.diffs.put(`${previous.deviceId}-seq${previous.sequenceNumber}.json`, `${JSON.stringify(messageAsJson(previous), null, 2)}\n`);
    const right = this.host.diffs.put(`${message.deviceId}-seq${message.sequenceNumber}.json`, `${JSON.stringify(messageAsJson(message), null, 2)}\n`);
    await vscode.commands.executeCommand('vscode.diff', left, right, `${message.deviceId}: previous \u2194 this message`);
  }

  private async exportMessages(format: 'ndjson' | 'csv', messages: WireMonitored[]): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `d2c-messages.${format === 'csv' ? 'csv' : 'ndjson'}`;
    const target = await vscode.window.showSaveDialog({
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}),
      filters: format === 'csv' ? { CSV: ['csv'] } : { 'Newline-delimited JSON': ['ndjson', 'jsonl'] },
      title: `Export ${messages.length} shown messages`,
    });
    if (!target) return;
    const text = format === 'csv' ? toCsv(messages) : messages.map(toNdjsonLine).join('');
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    this.host.log.info(`monitor: exported ${messages.length} messages to ${target.fsPath}`);
    vscode.window.setStatusBarMessage(`Exported ${messages.length} messages to ${target.fsPath}`, 5000);
  }

  private async record(on: boolean): Promise<void> {
    if (!on) {
      this.stopRecording();
      this.postStatus();
      return;
    }
    if (this.recording) return;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, 'd2c-recording.ndjson') } : {}),
      filters: { 'Newline-delimited JSON': ['ndjson', 'jsonl'] },
      title: 'Record new messages to (appends)',
    });
    if (!target) {
      this.postStatus();
      return;
    }
    const stream = createWriteStream(target.fsPath, { flags: 'a' });
    stream.on('error', (e) => {
      this.host.log.error(`monitor: recording to ${target.fsPath} stopped`, e);
      void vscode.window.showErrorMessage(`Recording to ${target.fsPath} stopped: ${e.message}`);
      this.recording = undefined;
      this.postStatus();
    });
    this.recording = { path: target.fsPath, stream };
    this.host.log.info(`monitor: recording to ${target.fsPath}`);
    this.postStatus();
  }

  private stopRecording(): void {
    this.recording?.stream.end();
    this.recording = undefined;
  }

  reveal(): void {
    this.panel.reveal();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.timer) clearInterval(this.timer);
    this.stopRecording();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
    void this.monitor.stop();
    this.onDisposeEmitter.fire();
    this.onDisposeEmitter.dispose();
  }
}
