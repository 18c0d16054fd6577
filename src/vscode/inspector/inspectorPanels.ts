// Opens inspector panels and restores them after a reload. Policy, as VS Code's preview editor
// tabs: a message that already has a panel (same message-id from the same place) reveals that
// panel with the message refreshed; any other message is shown in the *preview* panel (its page
// swaps the message in: no new webview, which would wait ~1 s for VS Code's webview service worker,
// see bench/results/inspector.md), unless there is none, then a new preview panel opens. A panel
// is kept (never replaced) once its message is edited or on Keep Inspector Open, so keeping one
// and inspecting another compares them side by side. `iotHubMessaging.inspector.reusePanel: false`
// gives every message a kept panel of its own (the policy before the preview panel).
import * as vscode from 'vscode';
import type { IotMessage } from '../../core/message/model';
import { messageToFileText } from '../../inspector/messageFileText';
import type { InspectorState, MessageSource, RoutesVerdict } from '../../inspector/protocol';
import { routesVerdict } from '../../inspector/routesVerdict';
import { isInspectorState } from '../../inspector/protocol';
import { toWire } from '../../inspector/wire';
import type { Log } from '../log';
import type { RoutesSource } from '../routing/routesSource';
import { INSPECTOR_VIEW_TYPE, InspectorPanel, panelOptions, type InspectorPanelHost } from './inspectorPanel';

export const REUSE_PANEL_SETTING = 'iotHubMessaging.inspector.reusePanel';
/** True while the active editor is the preview inspector panel (shows Keep Inspector Open in its title bar). */
const PREVIEW_ACTIVE_CONTEXT = 'iotHubMessaging.inspector.previewActive';

export class InspectorPanels implements vscode.Disposable, InspectorPanelHost {
  /** In the order they were last given a message (the newest last). */
  private readonly panels = new Set<InspectorPanel>();
  private previewActive = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly extensionUri: vscode.Uri, readonly log: Log, private readonly routes: RoutesSource) {
    this.disposables.push(vscode.window.registerWebviewPanelSerializer(INSPECTOR_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: unknown) => { this.revive(panel, state); },
    }));
    // The Routes section follows the routes file.
    this.disposables.push(routes.onDidChange(() => { for (const p of this.panels) void p.postRoutes(); }));
  }

  async routesVerdict(message: IotMessage, state: InspectorState): Promise<RoutesVerdict> {
    const loaded = await this.routes.load();
    return routesVerdict(message, state.direction, loaded);
  }

  /** The API the tree, the monitor and the commands call. */
  /** Opens (or reuses) a panel; `readOnly` shows the message without editing or sending (a queued C2D message). */
  show(message: IotMessage, source: MessageSource, options: { readOnly?: boolean } = {}): InspectorPanel {
    const state: InspectorState = {
      version: 1, message: toWire(message), source, direction: message.direction ?? defaultDirection(source), edited: false,
      ...(options.readOnly === true ? { readOnly: true } : {}),
    };
    const key = panelKey(state);
    const existing = key === undefined ? undefined : [...this.panels].find((p) => panelKey(p.currentState) === key);
    const reuse = vscode.workspace.getConfiguration().get<boolean>(REUSE_PANEL_SETTING, true);
    const target = existing ?? (reuse ? this.previewPanel : undefined);
    if (target) {
      this.touch(target);
      target.replace(state);
      this.updateContext();
      return target;
    }
    const panel = vscode.window.createWebviewPanel(INSPECTOR_VIEW_TYPE, 'Inspect message', vscode.ViewColumn.Active, panelOptions(this.extensionUri, reuse));
    return this.adopt(panel, reuse ? state : { ...state, kept: true });
  }

  get openPanels(): readonly InspectorPanel[] { return [...this.panels]; }

  /**
   * The panel the next message replaces: the preview panel (not kept). There is one at most, except
   * after a reload or a settings change left several: then the one given a message last.
   */
  get previewPanel(): InspectorPanel | undefined {
    return [...this.panels].filter((p) => !p.kept).at(-1);
  }

  /** The inspector panel that is the active editor, if any. */
  get activePanel(): InspectorPanel | undefined {
    return [...this.panels].find((p) => p.panel.active);
  }

  private touch(p: InspectorPanel): void {
    this.panels.delete(p);
    this.panels.add(p);
  }

  /** Keeps the title bar's Keep Inspector Open on the preview panel only. */
  private updateContext(): void {
    const active = this.activePanel;
    const previewActive = active !== undefined && !active.kept;
    if (previewActive === this.previewActive) return;
    this.previewActive = previewActive;
    void vscode.commands.executeCommand('setContext', PREVIEW_ACTIVE_CONTEXT, previewActive);
  }

  private revive(panel: vscode.WebviewPanel, state: unknown): void {
    if (!isInspectorState(state)) {
      // Nothing usable was saved (e.g. closed before it loaded): close rather than show a blank page.
      this.log.warn('inspector: a saved panel had no usable state; closed it');
      panel.dispose();
      return;
    }
    this.adopt(panel, state);
  }

  private adopt(panel: vscode.WebviewPanel, state: InspectorState): InspectorPanel {
    const p = new InspectorPanel(panel, state, this);
    this.panels.add(p);
    const subscriptions = [
      panel.onDidChangeViewState(() => this.updateContext()),
      p.onDidKeep(() => this.updateContext()),
    ];
    p.onDidDispose(() => {
      for (const d of subscriptions) d.dispose();
      this.panels.delete(p);
      this.updateContext();
    });
    this.updateContext();
    return p;
  }

  async saveAsFile(message: IotMessage, state: InspectorState): Promise<string | undefined> {
    const { text, omitted } = messageToFileText(message, state.direction);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const base = (message.systemProperties.messageId ?? 'message').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'message';
    const defaultUri = state.source.kind === 'file'
      ? vscode.Uri.file(state.source.path)
      : folder ? vscode.Uri.joinPath(folder, `${base}.iotmsg.json`) : undefined;
    const target = await vscode.window.showSaveDialog({
      ...(defaultUri ? { defaultUri } : {}),
      filters: { 'IoT Hub message file': ['iotmsg.json'], 'JSON': ['json'] },
      saveLabel: 'Save Message File',
      title: 'Save as message file',
    });
    if (!target) return undefined;
    const uri = target.path.endsWith('.iotmsg.json') ? target : target.with({ path: target.path.replace(/(\.json)?$/, '.iotmsg.json') });
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    this.log.info(`inspector: saved message file ${uri.fsPath}${omitted.length ? ` (left out hub-stamped ${omitted.join(', ')})` : ''}`);
    if (omitted.length > 0) {
      void vscode.window.showInformationMessage(`Saved ${uri.fsPath}. Left out what the hub stamps (a sender cannot set it): ${omitted.join(', ')}.`);
    }
    return uri.fsPath;
  }

  dispose(): void {
    for (const p of [...this.panels]) p.dispose();
    this.panels.clear();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function defaultDirection(source: MessageSource): 'd2c' | 'c2d' {
  return source.kind === 'c2dQueue' ? 'c2d' : 'd2c';
}

/** Same message = same message-id from the same place; messages without an id always get a new panel. */
function panelKey(state: InspectorState): string | undefined {
  const id = state.message.systemProperties.messageId;
  if (id === undefined || id === '') return undefined;
  const s = state.source;
  const where = s.kind === 'file' ? `file:${s.path}#${s.messageIndex ?? 0}` : s.kind === 'c2dQueue' ? `c2d:${s.hub ?? ''}:${s.deviceId}` : s.kind === 'd2cMonitor' ? `d2c:${s.hub ?? ''}` : 'paste';
  return `${where}\u0000${id}`;
}
