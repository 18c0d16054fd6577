// One inspector WebviewPanel: serves the page under a strict CSP, answers the webview's typed
// requests, and keeps the latest state the webview reported (for reveal and for reuse). A panel is
// either the preview (the next inspected message replaces its message) or kept (never replaced,
// like a pinned editor tab); it becomes kept when the message is edited or on Keep Inspector Open,
// and never goes back. InspectorPanels decides which panel shows a message.
import * as vscode from 'vscode';
import { SENDER_SYSTEM_PROPERTIES, type Direction, type IotMessage } from '../../core/message/model';
import { inspectorHtml, makeNonce } from '../../inspector/pageHtml';
import type {
  HostToWebview, InspectorLoad, InspectorRequests, InspectorState, RequestMessage, RoutesVerdict, SendCapabilities,
} from '../../inspector/protocol';
import { isWebviewToHost } from '../../inspector/protocol';
import { fromWire } from '../../inspector/wire';
import { setDirection } from '../../inspector/edits';
import type { Log } from '../log';
import { askBeforeSendingInvalid } from '../send/askBeforeSend';
import { describeSent, SEND_C2D_COMMAND, SEND_D2C_COMMAND, type SendOutcome } from '../send/sendCommands';
import { errorText } from '../../core/errorText';

export const INSPECTOR_VIEW_TYPE = 'iotHubMessaging.inspector';
export const SEND_COMMANDS: Readonly<Record<Direction, string>> = {
  d2c: SEND_D2C_COMMAND,
  c2d: SEND_C2D_COMMAND,
};
export const SEND_UNAVAILABLE = 'The send commands (IoT Hub: Send D2C / Send C2D) are not registered in this window: reload the window, or save the message as a file and send it from its code lens.';

export interface InspectorPanelHost {
  readonly extensionUri: vscode.Uri;
  readonly log: Log;
  /** Writes a message file; returns its path, or undefined when the user cancelled. */
  saveAsFile(message: IotMessage, state: InspectorState): Promise<string | undefined>;
  /** Where the message would be routed on the local hub (the route tester's routes file). */
  routesVerdict(message: IotMessage, state: InspectorState): Promise<RoutesVerdict>;
}

/**
 * `retain`: keep the page while the panel is hidden. With the preview panel (reusePanel) the page
 * is what makes the next message fast: a page VS Code discarded is rebuilt as a new webview
 * document, which waits ~1 s for VS Code's webview service worker (bench/results/inspector.md), so
 * a preview panel hidden behind the message file would lose the gain. Only a few panels live with
 * reuse (the preview and the kept ones), so the memory is bounded by what the user keeps. Without
 * reuse (a panel per message) they are not retained: the serializer and the state the webview
 * reports restore them instead.
 */
export function panelOptions(extensionUri: vscode.Uri, retain: boolean): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return { ...webviewOptions(extensionUri), retainContextWhenHidden: retain, enableFindWidget: true };
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    // The toolkit is bundled into inspector.js, so the page needs nothing outside dist/webview.
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')],
  };
}

export class InspectorPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly onDisposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.onDisposeEmitter.event;
  private readonly onLoadedEmitter = new vscode.EventEmitter<InspectorState>();
  private readonly onKeptEmitter = new vscode.EventEmitter<void>();
  /** The panel became kept (an edit, or Keep Inspector Open). */
  readonly onDidKeep = this.onKeptEmitter.event;
  private keptFlag: boolean;
  /** The webview said "ready" and was sent the message (fires again after each reload). */
  readonly onDidLoad = this.onLoadedEmitter.event;
  private disposed = false;
  /** Counts changes of `state`; the page says which one it shows, so a load it already has is not posted again. */
  private revision = 0;
  /** The revision of the last load the page said it drew (`shown`); the integration suite reads it. */
  pageShows: number | undefined;
  private readonly onShownEmitter = new vscode.EventEmitter<number>();
  /** The page drew a load (its revision): it shows the message the host's state had then. */
  readonly onDidShow = this.onShownEmitter.event;

  constructor(readonly panel: vscode.WebviewPanel, private state: InspectorState, private readonly host: InspectorPanelHost) {
    // Restored by the serializer: kept if it was, or if the message holds edits (so a reload never
    // lets the next message replace someone's edits).
    this.keptFlag = state.kept === true || state.edited;
    this.state = withKept(state, this.keptFlag);
    panel.webview.options = webviewOptions(host.extensionUri);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => { void this.handleWebviewMessage(m); }),
      panel.onDidDispose(() => this.dispose()),
    );
    this.updateTitle();
    void this.setHtml();
  }

  get currentState(): InspectorState { return this.state; }

  /** The revision of `currentState` (the page's `shown` says when it draws it). */
  get currentRevision(): number { return this.revision; }

  /** False for the preview panel, whose message the next inspected message replaces. */
  get kept(): boolean { return this.keptFlag; }

  /** Makes this panel kept (idempotent): no other message replaces it; the page saves the flag. */
  keep(): void {
    if (this.keptFlag || this.disposed) return;
    this.keptFlag = true;
    this.state = withKept(this.state, true);
    this.updateTitle();
    void this.post({ type: 'kept' });
    this.onKeptEmitter.fire();
  }

  /**
   * Shows another message in this panel (the preview reused, or the same message refreshed) and
   * brings it to the front. A kept panel stays kept.
   */
  replace(state: InspectorState): void {
    this.state = withKept(state, this.keptFlag);
    this.revision += 1;
    this.updateTitle();
    if (this.panel.visible || this.panel.options.retainContextWhenHidden === true) {
      void this.postLoad();
      this.panel.reveal(undefined, false);
      return;
    }
    // Hidden and not retained (a panel restored from before panels were retained), the page is gone: a posted load would be lost, and the page rebuilt
    // on reveal would show the state it saved (the old message). A new page with the new message
    // inlined shows it in its first frame (it is newer than the saved state by its revision);
    // revealed once it is set, so VS Code does not first rebuild the old page.
    void this.setHtml().then(() => { if (!this.disposed) this.panel.reveal(undefined, false); });
  }

  /** The page, with the message inlined so its first frame shows it (no ready -> load round trip first). */
  private async setHtml(): Promise<void> {
    const initial = await this.currentLoad();
    if (this.disposed) return;
    const webview = this.panel.webview;
    const base = vscode.Uri.joinPath(this.host.extensionUri, 'dist', 'webview');
    webview.html = inspectorHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(base, 'inspector.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(base, 'inspector.css')).toString(),
      title: this.panel.title,
      initial,
    });
  }

  private async currentLoad(): Promise<InspectorLoad> {
    const send = await sendCapabilities();
    return {
      state: this.state, send, revision: this.revision,
      ...(send.d2c && send.c2d ? {} : { sendUnavailableReason: SEND_UNAVAILABLE }),
    };
  }

  private updateTitle(): void {
    this.panel.title = inspectorTitle(this.state, this.keptFlag);
  }

  /** Everything the webview posts arrives here (public so the integration suite can drive it). */
  async handleWebviewMessage(raw: unknown): Promise<void> {
    if (!isWebviewToHost(raw)) {
      this.host.log.warn('inspector: ignored a malformed message from the webview');
      return;
    }
    switch (raw.type) {
      case 'ready':
        // The page shows the load inlined in its HTML; post one only if the state moved on since
        // (replaced, edited, or the page was rebuilt after being hidden).
        if (raw.shown === this.revision) await this.loaded();
        else await this.postLoad();
        return;
      case 'stateChanged': {
        // A read-only panel stays read-only whatever the page says; kept is the host's to decide.
        const next = this.state.readOnly === true ? { ...raw.state, readOnly: true, edited: false } : raw.state;
        this.state = withKept(next, this.keptFlag);
        this.revision += 1;
        // An edited message is the user's work: the next message must not replace it.
        if (this.state.edited) this.keep();
        this.updateTitle();
        await this.postRoutes();
        return;
      }
      case 'request':
        await this.answer(raw);
        return;
      case 'shown':
        this.pageShows = raw.revision;
        this.onShownEmitter.fire(raw.revision);
        return;
    }
  }

  private async postLoad(): Promise<void> {
    await this.post({ type: 'load', ...(await this.currentLoad()) });
    await this.loaded();
  }

  /** The page shows the current state: the Routes section follows. */
  private async loaded(): Promise<void> {
    await this.postRoutes();
    if (!this.disposed) this.onLoadedEmitter.fire(this.state);
  }

  /** The last Routes section sent (the integration suite reads it). */
  lastRoutes: RoutesVerdict | undefined;
  private routesSeq = 0;

  /** Works out and sends the Routes section for the current message (also when the routes file changes). */
  async postRoutes(): Promise<void> {
    // Reading the routes file takes a moment: a verdict for an older message (or an older file)
    // that arrives after a newer one must not replace it.
    const seq = ++this.routesSeq;
    let verdict: RoutesVerdict;
    try {
      verdict = await this.host.routesVerdict(fromWire(this.state.message), this.state);
    } catch (e) {
      verdict = { kind: 'none', reason: `Routes could not be worked out: ${errorText(e)}` };
    }
    if (this.disposed || seq !== this.routesSeq) return;
    this.lastRoutes = verdict;
    await this.post({ type: 'routes', verdict });
  }

  private async answer(req: RequestMessage): Promise<void> {
    try {
      let result: InspectorRequests[typeof req.method]['result'];
      if (req.method === 'send' && this.state.readOnly === true) throw new Error('This message is shown read-only (it is queued on the hub); save it as a message file to send a copy.');
      if (req.method === 'send') result = await this.send(req.params.as, fromWire(req.params.message));
      else result = await this.saveAsFile(fromWire(req.params.message));
      await this.post({ type: 'response', id: req.id, ok: true, result });
    } catch (e) {
      const error = errorText(e);
      this.host.log.warn(`inspector: ${req.method} failed: ${error}`);
      await this.post({ type: 'response', id: req.id, ok: false, error });
    }
  }

  private async send(as: Direction, edited: IotMessage): Promise<{ detail: string }> {
    const command = SEND_COMMANDS[as];
    if (!(await vscode.commands.getCommands(true)).includes(command)) throw new Error(SEND_UNAVAILABLE);
    // A sender cannot set what the hub stamps (enqueued time, sequence number, connection ids...):
    // a message read back from the hub is resent with only the properties a sender may set.
    const message = setDirection(withSenderPropertiesOnly(edited), as);
    if (!(await askBeforeSendingInvalid(message, as, this.host.log, 'the inspector'))) return { detail: 'Not sent.' };
    const outcome = await vscode.commands.executeCommand<SendOutcome | undefined>(command, message);
    // The command has told the user already (notification); the panel's status line says it too.
    if (outcome?.status === 'failed') throw new Error(outcome.error);
    if (outcome?.status !== 'sent') return { detail: 'Not sent.' };
    return { detail: `Sent: ${describeSent(outcome.sent)}` };
  }

  private async saveAsFile(message: IotMessage): Promise<{ path?: string }> {
    const path = await this.host.saveAsFile(message, this.state);
    return path === undefined ? {} : { path };
  }

  private async post(msg: HostToWebview): Promise<void> {
    if (this.disposed) return;
    await this.panel.webview.postMessage(msg);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
    this.onDisposeEmitter.fire();
    this.onDisposeEmitter.dispose();
    this.onLoadedEmitter.dispose();
    this.onKeptEmitter.dispose();
    this.onShownEmitter.dispose();
  }
}

function withKept(state: InspectorState, kept: boolean): InspectorState {
  const { kept: _was, ...rest } = state;
  return kept ? { ...rest, kept: true } : rest;
}

/**
 * The tab title: `Inspect: <id>` for a kept panel, `Inspect (preview): <id>` for the preview panel
 * (VS Code's italic preview tabs are not available to webviews, so the title says it), then
 * ` (edited)` / ` (read-only)`.
 */
export function inspectorTitle(state: InspectorState, kept: boolean): string {
  const id = state.message.systemProperties.messageId;
  const suffix = state.readOnly === true ? ' (read-only)' : state.edited ? ' (edited)' : '';
  return `Inspect${kept ? '' : ' (preview)'}: ${id ? id : 'message'}${suffix}`;
}

export function withSenderPropertiesOnly(msg: IotMessage): IotMessage {
  const systemProperties: IotMessage['systemProperties'] = {};
  for (const key of SENDER_SYSTEM_PROPERTIES) {
    const value = msg.systemProperties[key];
    if (value !== undefined) systemProperties[key] = value;
  }
  return { ...msg, systemProperties, applicationProperties: msg.applicationProperties.map((p) => ({ ...p })) };
}

export async function sendCapabilities(): Promise<SendCapabilities> {
  const all = new Set(await vscode.commands.getCommands(true));
  return { d2c: all.has(SEND_COMMANDS.d2c), c2d: all.has(SEND_COMMANDS.c2d) };
}
