// The send commands: D2C as a device and C2D to a device, from the palette (pick a hub and a
// device, then a message file's message or a quick body), from the Hubs tree (a device node: hub
// and device already chosen), from the inspector (an IotMessage argument) and from the message
// files' code lenses ({uri, messageIndex}). Thin: they find the message, the hub and the device,
// hand them to that hub's MessageSender (any HubConnection: local or Azure) and say what happened.
import * as vscode from 'vscode';
import { C2D_MAX_QUEUE_DEPTH } from '../../core/message/limits';
import { createMessage, type Direction, type IotMessage } from '../../core/message/model';
import { httpsD2cRefusal, toSendError, type SendErrorKind, type SentMessage } from '../../hub/client/messageSender';
import { HubRequestError, type HubConnection } from '../../hubs/hubConnection';
import { isJson } from '../../inspector/messageFileText';
import type { SendFromFileArgs } from '../../language/protocol';
import { SEND_C2D_FROM_FILE_COMMAND as SEND_C2D_FROM_FILE, SEND_D2C_FROM_FILE_COMMAND as SEND_D2C_FROM_FILE } from '../../language/protocol';
import { parseMessageFile } from '../../language/rules/messageFile';
import { sendableMessage } from '../../language/rules/sendableMessage';
import { mqttD2cRefusal, sendD2cOverMqtt } from '../../simulator/mqttSend';
import type { HubList } from '../hubs/hubList';
import { isHubNodeArg, pickDevice, pickHub, type HubNodeArg } from '../hubs/pickers';
import type { LocalHubProcess } from '../localHub/localHubProcess';
import type { Log } from '../log';
import type { ExtensionRuntime } from '../runtime';
import { errorText } from '../../core/errorText';
import { askBeforeSendingInvalid } from './askBeforeSend';
import { sendQuestion } from '../../core/message/sendQuestion';
import { validateMessage } from '../../core/message/validation';

export const SEND_D2C_COMMAND = 'iotHubMessaging.sendD2c';
export const SEND_C2D_COMMAND = 'iotHubMessaging.sendC2d';
const MESSAGE_FILE_GLOB = '**/*.iotmsg.json';
/** The palette lists messages from at most this many files (the active one comes first). */
const PICK_MAX_FILES = 200;

export type SendFailure = SendErrorKind | 'not-running' | 'no-message';

/** What every send command returns (the inspector and the tests read it). */
export type SendOutcome =
  | { status: 'sent'; sent: SentMessage; overMqtt?: true }
  | { status: 'cancelled' }
  | { status: 'failed'; kind: SendFailure; error: string };

export function registerSendCommands(runtime: ExtensionRuntime): void {
  // A C2D message sent with `ack` set: the feedback watch tells the user when its feedback comes.
  const sending = new Sending(runtime.hubs, runtime.localHub, runtime.log, (hub, sent, message) => runtime.feedback.expect(hub, sent, message.systemProperties.ack));
  // The argument is a message (inspector), a tree node ({ hub, deviceId }: a device's context menu) or nothing (palette).
  const run = (direction: Direction) => (arg?: unknown): Promise<SendOutcome> =>
    sending.send(direction, isIotMessage(arg) ? arg : undefined, undefined, isHubNodeArg(arg) ? arg : undefined);
  runtime.own(vscode.commands.registerCommand(SEND_D2C_COMMAND, run('d2c')));
  runtime.own(vscode.commands.registerCommand(SEND_C2D_COMMAND, run('c2d')));
  runtime.own(vscode.commands.registerCommand(SEND_D2C_FROM_FILE, (arg?: unknown) => sending.sendFromFile('d2c', arg)));
  runtime.own(vscode.commands.registerCommand(SEND_C2D_FROM_FILE, (arg?: unknown) => sending.sendFromFile('c2d', arg)));
}

function isIotMessage(x: unknown): x is IotMessage {
  return typeof x === 'object' && x !== null && 'systemProperties' in x && 'applicationProperties' in x
    && (x as { body?: unknown }).body instanceof Uint8Array;
}

function isSendFromFileArgs(x: unknown): x is SendFromFileArgs {
  return typeof x === 'object' && x !== null && typeof (x as SendFromFileArgs).uri === 'string'
    && Number.isInteger((x as SendFromFileArgs).messageIndex);
}

/** One line for the notification and the inspector's status line. */
export function describeSent(sent: SentMessage): string {
  const what = sent.direction === 'c2d'
    ? `C2D message '${sent.messageId}' queued for '${sent.deviceId}' (${sent.sizeBytes.toLocaleString('en-US')} bytes${sent.queueDepth !== undefined ? `; queue depth ${sent.queueDepth} of ${C2D_MAX_QUEUE_DEPTH}` : ''}).`
    : `D2C message '${sent.messageId}' sent as '${sent.deviceId}' (${sent.sizeBytes.toLocaleString('en-US')} bytes).`;
  const assigned = sent.messageIdAssigned ? ' It had no message id, so it was given this one.' : '';
  const hubSetsTo = sent.direction === 'c2d' && sent.notCarried.includes('to') ? ' (IoT Hub sets `to` to the device\'s address)' : '';
  const left = sent.notCarried.length > 0 ? ` Left out (not sendable on this path): ${sent.notCarried.join(', ')}${hubSetsTo}.` : '';
  return what + assigned + left;
}

class Sending {
  constructor(
    private readonly hubs: HubList,
    private readonly localHub: LocalHubProcess,
    private readonly log: Log,
    private readonly onSent?: (hub: HubConnection, sent: SentMessage, message: IotMessage) => void,
  ) {}

  /**
   * The hub to send through: the tree node's; else the only hub, or the only running one; else
   * asked. A local hub that is starting is waited for; one that is not running fails the send.
   */
  private async chooseHub(direction: Direction, node: HubNodeArg | undefined): Promise<HubConnection | undefined> {
    if (node) return node.hub;
    const all = this.hubs.all();
    const running = all.filter((h) => h.status.state === 'running' || h.status.state === 'starting');
    if (all.length === 1) return all[0];
    if (running.length === 1) return running[0];
    return pickHub(this.hubs, { title: `Send ${direction.toUpperCase()}: through which hub?`, running: true });
  }

  async send(direction: Direction, given: IotMessage | undefined, source?: string, node?: HubNodeArg): Promise<SendOutcome> {
    const DIR = direction.toUpperCase();
    const hub = await this.chooseHub(direction, node);
    if (!hub) return { status: 'cancelled' };
    if (hub.status.state === 'starting' && hub.capabilities.lifecycle) await this.localHub.start().catch(() => undefined);
    const name = hub.kind === 'local' ? 'The local hub' : hub.label;
    if (hub.status.state !== 'running') return this.fail(direction, given?.deviceId ?? node?.deviceId, 'not-running', `${name} is ${hub.status.state}; start it to send.`, hub);
    let deviceId = node?.deviceId ?? given?.deviceId;
    try {
      if (deviceId === undefined || deviceId === '') deviceId = await this.pickDevice(hub, direction);
      if (deviceId === undefined) return { status: 'cancelled' };
      const picked = given ?? await this.pickMessage(direction);
      if (picked === undefined) return { status: 'cancelled' };
      if ('error' in picked) return this.fail(direction, deviceId, 'no-message', picked.error);
      // The command says the direction; the device is the one given or picked.
      const message: IotMessage = { ...picked, direction, deviceId };
      // A message picked here or sent from a file's code lens is asked about as the inspector's is
      // (the inspector asks before it hands its message to this command).
      if ((given === undefined || source !== undefined) && !(await askBeforeSendingInvalid(message, direction, this.log, source))) return { status: 'cancelled' };
      let sent: SentMessage;
      let overMqtt = false;
      const httpsRefusal = direction === 'd2c' ? httpsD2cRefusal(message) : undefined;
      if (httpsRefusal !== undefined && mqttD2cRefusal(deviceId, message) === undefined) {
        // Valid over MQTT, refused by the HTTPS device API: offer MQTT, saying what it costs.
        const choice = await vscode.window.showWarningMessage(
          `IoT Hub's HTTPS device API cannot carry this D2C message's properties. Send it as '${deviceId}' over MQTT instead?`,
          {
            modal: true,
            detail: `${httpsRefusal}\n\nMQTT carries these properties. Sending over MQTT connects as '${deviceId}' for a moment: IoT Hub allows one connection per device, so if a device is connected as '${deviceId}' now, it is disconnected and has to reconnect. (Send uses HTTPS otherwise for that reason.)`,
          },
          'Send over MQTT',
        );
        if (choice !== 'Send over MQTT') return { status: 'cancelled' };
        sent = await sendD2cOverMqtt(hub, deviceId, message);
        overMqtt = true;
      } else {
        sent = direction === 'd2c' ? await hub.sender.sendD2c(deviceId, message) : await hub.sender.sendC2d(deviceId, message);
      }
      this.log.info(`sent ${DIR} ${direction === 'd2c' ? 'as' : 'to'} ${deviceId} on ${hub.label}${overMqtt ? ' over MQTT' : ''}${source ? ` from ${source}` : ''}: message id ${sent.messageId}${sent.messageIdAssigned ? ' (assigned)' : ''}, ${sent.sizeBytes} bytes${sent.queueDepth !== undefined ? `, queue depth ${sent.queueDepth}` : ''}`);
      void vscode.window.showInformationMessage(`IoT Hub: ${describeSent(sent)}${overMqtt ? ' Sent over MQTT.' : ''}`);
      this.onSent?.(hub, sent, message);
      return overMqtt ? { status: 'sent', sent, overMqtt: true } : { status: 'sent', sent };
    } catch (e) {
      if (e instanceof HubRequestError && e.kind === 'hub-stopped') return this.fail(direction, deviceId, 'not-running', e.message, hub);
      const error = toSendError(e, direction, deviceId ?? '', hub.hostName ?? hub.label);
      return this.fail(direction, deviceId, error.kind, error.message, hub);
    }
  }

  /** From a code lens ({uri, messageIndex}), an explorer/editor Uri, or the active editor. */
  async sendFromFile(direction: Direction, arg: unknown): Promise<SendOutcome> {
    let uri: vscode.Uri | undefined;
    let index: number | undefined;
    if (isSendFromFileArgs(arg)) {
      uri = vscode.Uri.parse(arg.uri);
      index = arg.messageIndex;
    } else if (arg instanceof vscode.Uri) {
      uri = arg;
    } else {
      const doc = vscode.window.activeTextEditor?.document;
      if (doc?.uri.path.endsWith('.iotmsg.json')) uri = doc.uri;
    }
    if (!uri) return this.fail(direction, undefined, 'no-message', 'Open a message file (*.iotmsg.json) first, or use the Send code lens above a message.');
    const name = vscode.workspace.asRelativePath(uri);
    let text: string;
    try {
      // The document, not the disk: what the editor shows, unsaved edits included.
      text = (await vscode.workspace.openTextDocument(uri)).getText();
    } catch (e) {
      return this.fail(direction, undefined, 'no-message', `Cannot read ${name}: ${errorText(e)}`);
    }
    if (index === undefined) {
      index = await this.pickMessageOfFile(text, direction);
      if (index === undefined) return { status: 'cancelled' };
    }
    const r = sendableMessage(text, index);
    if (!r.ok) return this.fail(direction, undefined, 'no-message', `Cannot send from ${name}: ${r.error}`);
    const source = `${name}${r.file.isArray ? ` message ${index + 1}` : ''}`;
    return this.send(direction, r.message, source);
  }

  private fail(direction: Direction, deviceId: string | undefined, kind: SendFailure, error: string, hub?: HubConnection): SendOutcome {
    const DIR = direction.toUpperCase();
    const who = deviceId ? ` ${direction === 'd2c' ? 'as' : 'to'} '${deviceId}'` : '';
    this.log.warn(`send ${DIR}${who} failed (${kind}): ${error}`);
    const actions: Record<string, () => Thenable<unknown>> = {};
    if (kind === 'not-running' && (hub?.capabilities.lifecycle ?? true)) actions['Start Local Hub'] = () => vscode.commands.executeCommand('iotHubMessaging.localHub.start');
    else if (kind === 'unreachable') actions['Restart Local Hub'] = () => vscode.commands.executeCommand('iotHubMessaging.localHub.restart');
    else if (kind === 'device-not-found' && deviceId) actions['Create Device'] = () => vscode.commands.executeCommand('iotHubMessaging.device.create', ...(hub ? [{ hub, deviceId }] : [deviceId]));
    else if (kind === 'queue-full' && deviceId && hub) actions['Purge Queue'] = () => vscode.commands.executeCommand('iotHubMessaging.queue.purge', { hub, deviceId });
    actions['Show Log'] = () => { this.log.show(); return Promise.resolve(); };
    // Not awaited: the command is done; the notification stays until the user acts on it.
    void vscode.window.showErrorMessage(`IoT Hub: ${DIR} message${who} not sent. ${error}`, ...Object.keys(actions)).then((a) => {
      if (a !== undefined) void actions[a]?.();
    });
    return { status: 'failed', kind, error };
  }

  private async pickDevice(hub: HubConnection, direction: Direction): Promise<string | undefined> {
    const picked = await pickDevice(hub, {
      title: direction === 'd2c' ? `Send D2C: as which device of ${hub.label}?` : `Send C2D: to which device of ${hub.label}?`,
      extra: [{ id: 'create', label: '$(add) Create Device...', alwaysShow: true }],
    });
    if (picked !== 'create') return picked;
    const created = await vscode.commands.executeCommand<string | undefined>('iotHubMessaging.device.create', { hub });
    return created;
  }

  /** The palette's second step: a message of a workspace message file, or a quick body. */
  private async pickMessage(direction: Direction): Promise<IotMessage | { error: string } | undefined> {
    type Item = vscode.QuickPickItem & { quick?: boolean; uri?: vscode.Uri; index?: number };
    const items: Item[] = [{ label: '$(edit) Type a body...', description: 'JSON or text', quick: true, alwaysShow: true }];
    const active = vscode.window.activeTextEditor?.document.uri;
    const files = (await vscode.workspace.findFiles(MESSAGE_FILE_GLOB, '**/node_modules/**', PICK_MAX_FILES))
      .sort((a, b) => Number(b.toString() === active?.toString()) - Number(a.toString() === active?.toString()) || a.path.localeCompare(b.path));
    for (const uri of files) {
      const file = parseMessageFile(await readText(uri));
      const fromFile = file.messages.filter((m) => m.direction === undefined || m.direction === direction);
      if (fromFile.length > 0) items.push({ label: vscode.workspace.asRelativePath(uri), kind: vscode.QuickPickItemKind.Separator });
      for (const m of fromFile) {
        const invalid = problemsNote(m.message, direction);
        const detail = [m.message.deviceId ? `written for ${m.message.deviceId}` : '', invalid?.detail ?? ''].filter(Boolean).join(' \u00b7 ');
        items.push({
          label: `${invalid ? '$(error) ' : ''}${m.message.systemProperties.messageId || `Message ${m.index + 1}`}`,
          description: `${vscode.workspace.asRelativePath(uri)}${file.isArray ? ` #${m.index + 1}` : ''}${invalid ? ` \u00b7 ${invalid.count}` : ''}`,
          ...(detail ? { detail } : {}),
          uri, index: m.index,
        });
      }
    }
    const pick = await vscode.window.showQuickPick(items, {
      title: `Send ${direction.toUpperCase()}: which message?`,
      placeHolder: 'A message from a message file, or type a body',
      matchOnDescription: true,
    });
    if (!pick) return undefined;
    if (pick.uri && pick.index !== undefined) {
      const r = sendableMessage(await readText(pick.uri), pick.index);
      return r.ok ? r.message : { error: `Cannot send from ${vscode.workspace.asRelativePath(pick.uri)}: ${r.error}` };
    }
    const body = await vscode.window.showInputBox({
      title: `Send ${direction.toUpperCase()}: message body`,
      prompt: 'JSON is sent as application/json (UTF-8); anything else as text/plain.',
      value: '{"hello": "world"}',
      ignoreFocusOut: true,
    });
    if (body === undefined) return undefined;
    return createMessage({
      systemProperties: isJson(body) ? { contentType: 'application/json', contentEncoding: 'utf-8' } : { contentType: 'text/plain' },
      body,
    });
  }

  private async pickMessageOfFile(text: string, direction: Direction): Promise<number | undefined> {
    const file = parseMessageFile(text);
    if (file.messages.length <= 1) return file.messages[0]?.index ?? 0;
    const pick = await vscode.window.showQuickPick(file.messages.map((m) => {
      const invalid = problemsNote(m.message, direction);
      return {
        label: `${invalid ? '$(error) ' : ''}Message ${m.index + 1}`,
        description: [m.direction?.toUpperCase(), m.message.deviceId, m.message.systemProperties.messageId, invalid?.count].filter(Boolean).join(' \u00b7 '),
        ...(invalid ? { detail: invalid.detail } : {}),
        index: m.index,
      };
    }), { title: `Send ${direction.toUpperCase()}: which message?` });
    return pick?.index;
  }
}

/** How a pick marks a message IoT Hub would refuse: its error count and the first problem, briefly. */
function problemsNote(message: IotMessage, direction: Direction): { count: string; detail: string } | undefined {
  const ask = sendQuestion(validateMessage({ ...message, direction }, { direction }).problems, direction);
  if (!ask) return undefined;
  const n = ask.logLines.length;
  return { count: `${n} problem${n === 1 ? '' : 's'}`, detail: ask.detail.split('\n')[0] ?? '' };
}

/** An open document's text (unsaved edits included), else the file on disk. */
async function readText(uri: vscode.Uri): Promise<string> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText();
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
}
