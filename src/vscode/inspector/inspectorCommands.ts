// The inspector's commands and its "Inspect" code lens. Thin: they find the message (pasted text,
// a message file, or a message handed over by another command) and call InspectorPanels.show.
import * as vscode from 'vscode';
import type { IotMessage } from '../../core/message/model';
import { parseMessageFile, type MessageFile } from '../../language/rules/messageFile';
import { parsePastedMessage } from '../../inspector/paste';
import type { ExtensionRuntime } from '../runtime';
import { InspectorPanels } from './inspectorPanels';
import type { InspectorPanel } from './inspectorPanel';

export const INSPECT_MESSAGE_COMMAND = 'iotHubMessaging.inspectMessage';
export const INSPECT_MESSAGE_FILE_COMMAND = 'iotHubMessaging.inspectMessageFile';
export const KEEP_INSPECTOR_OPEN_COMMAND = 'iotHubMessaging.inspector.keepOpen';
const MESSAGE_FILE_SELECTOR: vscode.DocumentSelector = [{ pattern: '**/*.iotmsg.json' }];

export function registerInspector(runtime: ExtensionRuntime): InspectorPanels {
  const panels = runtime.own(new InspectorPanels(runtime.context.extensionUri, runtime.log, runtime.routes));
  runtime.own(vscode.commands.registerCommand(INSPECT_MESSAGE_COMMAND, (arg?: unknown) => inspectMessage(panels, arg)));
  runtime.own(vscode.commands.registerCommand(INSPECT_MESSAGE_FILE_COMMAND, (uri?: unknown, index?: unknown) =>
    inspectMessageFile(panels, uri instanceof vscode.Uri ? uri : undefined, typeof index === 'number' ? index : undefined)));
  runtime.own(vscode.commands.registerCommand(KEEP_INSPECTOR_OPEN_COMMAND, () => keepInspectorOpen(panels)));
  runtime.own(vscode.languages.registerCodeLensProvider(MESSAGE_FILE_SELECTOR, new InspectCodeLens()));
  return panels;
}

/** The active inspector panel stops being the preview: the next message opens a panel of its own. */
function keepInspectorOpen(panels: InspectorPanels): InspectorPanel | undefined {
  const active = panels.activePanel;
  if (!active) {
    void vscode.window.showInformationMessage('Keep Inspector Open applies to the message inspector: click its tab first.');
    return undefined;
  }
  active.keep();
  return active;
}

function isIotMessage(x: unknown): x is IotMessage {
  return typeof x === 'object' && x !== null && 'systemProperties' in x && 'applicationProperties' in x
    && (x as { body?: unknown }).body instanceof Uint8Array;
}

/** From the palette: paste a message. Other code may pass the text or an IotMessage directly. */
export async function inspectMessage(panels: InspectorPanels, arg?: unknown): Promise<InspectorPanel | undefined> {
  if (isIotMessage(arg)) return panels.show(arg, { kind: 'paste' });
  let text = typeof arg === 'string' ? arg : undefined;
  if (text === undefined) {
    const clip = (await readClipboard()).trim();
    text = await vscode.window.showInputBox({
      title: 'Inspect a message',
      prompt: 'Paste a message as JSON: a message file ({"direction", "systemProperties", "applicationProperties", "body"}), az iot hub monitor-events output, or an Event Hubs event.',
      value: clip.startsWith('{') || clip.startsWith('[') ? clip : '',
      ignoreFocusOut: true,
    });
    if (text === undefined) return undefined;
  }
  const parsed = parseAnyMessage(text);
  if (!parsed.ok) {
    void vscode.window.showErrorMessage(`Cannot inspect: ${parsed.error}`);
    return undefined;
  }
  if (parsed.notes.length > 0) void vscode.window.showWarningMessage(parsed.notes.join(' '));
  return panels.show(parsed.message, { kind: 'paste' });
}

/**
 * The clipboard, to pre-fill the input box. Not in the browser (code-server, vscode.dev): there
 * reading it needs a permission the page usually lacks, and VS Code then shows an error toast; the
 * user pastes into the box instead. On the desktop a read that fails or hangs leaves the box empty.
 */
async function readClipboard(): Promise<string> {
  if (vscode.env.uiKind === vscode.UIKind.Web) return '';
  const timeout = new Promise<string>((resolve) => setTimeout(() => resolve(''), 500));
  return Promise.race([Promise.resolve(vscode.env.clipboard.readText()).catch(() => ''), timeout]);
}

type Parsed = { ok: true; message: IotMessage; notes: string[] } | { ok: false; error: string };

/** A message file first (the extension's own format), then the other shapes people paste. */
export function parseAnyMessage(text: string): Parsed {
  const file = parseMessageFile(text);
  const structural = file.fileDiagnostics.filter((d) => d.origin !== 'rule' && d.rule !== 'missing-direction');
  const first = file.messages[0];
  if (first && structural.length === 0) {
    const notes = file.messages.length > 1 ? [`The text holds ${file.messages.length} messages; showing the first.`] : [];
    return { ok: true, message: first.message, notes };
  }
  return parsePastedMessage(text);
}

export async function inspectMessageFile(panels: InspectorPanels, uri?: vscode.Uri, index?: number): Promise<InspectorPanel | undefined> {
  const document = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
  if (!document) {
    void vscode.window.showErrorMessage('Open a message file (*.iotmsg.json) first, or run this from its code lens.');
    return undefined;
  }
  const file: MessageFile = parseMessageFile(document.getText());
  if (file.messages.length === 0) {
    const why = file.fileDiagnostics[0]?.message ?? 'it holds no message object.';
    void vscode.window.showErrorMessage(`Cannot inspect ${vscode.workspace.asRelativePath(document.uri)}: ${why}`);
    return undefined;
  }
  let chosen = index !== undefined ? file.messages.find((m) => m.index === index) : file.messages.length === 1 ? file.messages[0] : undefined;
  if (!chosen) {
    const pick = await vscode.window.showQuickPick(file.messages.map((m) => ({
      label: `Message ${m.index + 1}`,
      description: [m.direction?.toUpperCase(), m.message.deviceId, m.message.systemProperties.messageId].filter(Boolean).join(' \u00b7 '),
      index: m.index,
    })), { title: 'Which message?' });
    if (!pick) return undefined;
    chosen = file.messages.find((m) => m.index === pick.index);
  }
  if (!chosen) return undefined;
  return panels.show(chosen.message, { kind: 'file', path: document.uri.fsPath, messageIndex: chosen.index });
}

/** "Inspect" above every message of a message file. */
class InspectCodeLens implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const file = parseMessageFile(document.getText());
    return file.messages.map((m) => {
      const at = document.positionAt(m.node.offset);
      return new vscode.CodeLens(new vscode.Range(at, at), {
        title: 'Inspect',
        tooltip: 'Open this message in the message inspector',
        command: INSPECT_MESSAGE_FILE_COMMAND,
        arguments: [document.uri, m.index],
      });
    });
  }
}
