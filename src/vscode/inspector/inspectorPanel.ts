// One inspector WebviewPanel: serves the page under a strict CSP, answers the webview's typed
// requests, and keeps the latest state the webview reported (for reveal and for reuse).
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

export function panelOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    // The toolkit is bundled into inspector.js, so the page needs nothing outside dist/webview.
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')],
    // Not retained: the serializer and the state the webview reports restore it instead.
    retainContextWhenHidden: false,
    enableFindWidget: true,
  };
}

export class InspectorPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly onDisposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.onDisposeEmitter.event;
  private readonly onLoadedEmitter = new vscode.EventEmitter<InspectorState>();
  /** The webview said "ready" and was sent the message (fires again after each reload). */
  readonly onDidLoad = this.onLoadedEmitter.event;
  private disposed = false;
  /** Counts changes of `state`; the page says which one it shows, so a load it already has is not posted again. */
  private revision = 0;

  constructor(readonly panel: vscode.WebviewPanel, private state: InspectorState, private readonly host: InspectorPanelHost) {
    panel.webview.options = panelOptions(host.extensionUri);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => { void this.handleWebviewMessage(m); }),
      panel.onDidDispose(() => this.dispose()),
    );
    this.updateTitle();
    void this.setHtml();
  }

  get currentState(): InspectorState { return this.state; }

  /** Shows another message in this panel (reuse) and brings it to the front. */
  replace(state: InspectorState): void {
    this.state = state;
    this.revision += 1;
    this.updateTitle();
    void this.postLoad();
    this.panel.reveal(undefined, false);
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
    const id = this.state.message.systemProperties.messageId;
    this.panel.title = `Inspect ${id ? id : 'message'}${this.state.readOnly === true ? ' (read-only)' : this.state.edited ? ' (edited)' : ''}`;
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
      case 'stateChanged':
        // A read-only panel stays read-only whatever the page says.
        this.state = this.state.readOnly === true ? { ...raw.state, readOnly: true, edited: false } : raw.state;
        this.revision += 1;
        this.updateTitle();
        await this.postRoutes();
        return;
      case 'request':
        await this.answer(raw);
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
  }
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
