// *Simulate Device...* and *Simulate N Devices...*: connect as devices over MQTT/TLS with SAS
// tokens from their keys (src/simulator) and send D2C from a template every N ms, with a
// cancellable progress notification showing what was sent and the rate. C2D messages the devices
// receive are shown with every property (completed at once, or held so the hub redelivers them).
// A device that fails (disabled, wrong key, connection lost) stops with the reason and a
// *Reconnect* action that resumes its counter. *Simulate N Devices* creates sim-001... on demand.
import * as vscode from 'vscode';
import type { HubConnection } from '../../hubs/hubConnection';
import { Simulation } from '../../simulator/simulation';
import type { ReceivedC2d } from '../../simulator/simulatedDevice';
import { DEFAULT_TEMPLATE_BODY, TemplateError, compileTemplate, templateFromMessage, type MessageTemplate } from '../../simulator/template';
import { parseMessageFile } from '../../language/rules/messageFile';
import { isHubNodeArg, pickHub, resolveDevice } from '../hubs/pickers';
import type { ExtensionRuntime } from '../runtime';
import { errorText } from '../../core/errorText';

export const SIMULATE_DEVICE_COMMAND = 'iotHubMessaging.simulator.simulateDevice';
export const SIMULATE_FLEET_COMMAND = 'iotHubMessaging.simulator.simulateFleet';
export const STOP_SIMULATIONS_COMMAND = 'iotHubMessaging.simulator.stop';
export const COMPLETE_HELD_COMMAND = 'iotHubMessaging.simulator.completeHeld';

/** What tests pass to *Complete Held C2D Messages...* to skip the picker: complete these message ids (or all). */
export interface CompleteHeldArgs { messageIds?: string[]; all?: boolean }

/** What tests, the quick start and the benchmark pass to skip the questions. */
export interface SimulateArgs {
  hub: HubConnection;
  deviceId?: string;
  /** Simulate N devices (sim-001...). */
  devices?: number;
  body?: string;
  /** A message file (URI string) whose message `messageIndex` (default 0) is the template. */
  messageFile?: string;
  messageIndex?: number;
  intervalMs?: number;
  count?: number;
  holdC2d?: boolean;
  /** No progress notification (the benchmark). */
  quiet?: boolean;
}

function isSimulateArgs(x: unknown): x is SimulateArgs {
  return isHubNodeArg(x);
}

function describeC2d(m: ReceivedC2d): string {
  const sys = Object.entries(m.systemProperties).map(([k, v]) => `${k}=${v}`);
  const app = m.applicationProperties.map((p) => `${p.name}=${p.value}`);
  const body = new TextDecoder().decode(m.body.subarray(0, 200));
  return `${[...sys, ...app].join(', ') || 'no properties'}; body: ${body}${m.body.length > 200 ? '...' : ''}`;
}

export function fleetIds(n: number): string[] {
  const width = Math.max(3, String(n).length);
  return Array.from({ length: n }, (_, i) => `sim-${String(i + 1).padStart(width, '0')}`);
}

/** The template in message `index` of a message file; its body and property values may hold placeholders. */
async function templateFromFile(uri: vscode.Uri, index: number): Promise<MessageTemplate> {
  const file = parseMessageFile((await vscode.workspace.openTextDocument(uri)).getText());
  const chosen = file.messages.find((m) => m.index === index);
  const name = `${vscode.workspace.asRelativePath(uri)}${file.isArray ? ` message ${index + 1}` : ''}`;
  if (!chosen) throw new TemplateError(`${name}: no such message${file.fileDiagnostics[0] ? ` (${file.fileDiagnostics[0].message})` : ''}.`);
  try {
    return templateFromMessage(chosen.message);
  } catch (e) {
    throw new TemplateError(`${name}: ${errorText(e)}`);
  }
}

/** Type a template body, or use a message of a workspace message file as the template. */
async function askTemplateSource(title: string): Promise<MessageTemplate | 'type' | undefined> {
  type Item = vscode.QuickPickItem & { uri?: vscode.Uri; index?: number };
  const items: Item[] = [{ label: '$(edit) Type a template body...', description: 'JSON or text with placeholders', alwaysShow: true }];
  const files = (await vscode.workspace.findFiles('**/*.iotmsg.json', '**/node_modules/**', 200)).sort((a, b) => a.path.localeCompare(b.path));
  for (const uri of files) {
    let file: ReturnType<typeof parseMessageFile>;
    try {
      file = parseMessageFile((await vscode.workspace.openTextDocument(uri)).getText());
    } catch {
      continue;
    }
    const d2c = file.messages.filter((m) => m.direction !== 'c2d');
    if (d2c.length > 0) items.push({ label: vscode.workspace.asRelativePath(uri), kind: vscode.QuickPickItemKind.Separator });
    for (const m of d2c) {
      items.push({ label: m.message.systemProperties.messageId || `Message ${m.index + 1}`, description: `${vscode.workspace.asRelativePath(uri)}${file.isArray ? ` #${m.index + 1}` : ''}`, uri, index: m.index });
    }
  }
  if (items.length === 1) return 'type';
  const pick = await vscode.window.showQuickPick(items, {
    title: `${title}: message template`,
    placeHolder: 'Type a body, or a message file\'s message (placeholders allowed in its body and property values)',
    matchOnDescription: true, ignoreFocusOut: true,
  });
  if (!pick) return undefined;
  if (!pick.uri || pick.index === undefined) return 'type';
  try {
    return await templateFromFile(pick.uri, pick.index);
  } catch (e) {
    void vscode.window.showErrorMessage(`${title}: ${errorText(e)}`);
    return undefined;
  }
}

async function askTemplate(title: string): Promise<{ template: MessageTemplate; intervalMs: number; count: number | undefined; holdC2d: boolean } | undefined> {
  const source = await askTemplateSource(title);
  if (source === undefined) return undefined;
  return source === 'type' ? askTypedTemplate(title) : askTiming(title, source);
}

async function askTypedTemplate(title: string): Promise<{ template: MessageTemplate; intervalMs: number; count: number | undefined; holdC2d: boolean } | undefined> {
  let template: MessageTemplate | undefined;
  const body = await vscode.window.showInputBox({
    title: `${title}: template body`,
    prompt: 'The body; placeholders: {{counter}}, {{random(min,max)}}, {{time}}, {{deviceId}}, {{uuid}}',
    value: DEFAULT_TEMPLATE_BODY,
    ignoreFocusOut: true,
    validateInput: (v) => {
      try {
        template = compileTemplate({ body: v, systemProperties: { contentType: 'application/json', contentEncoding: 'utf-8' } });
        return undefined;
      } catch (e) {
        return errorText(e);
      }
    },
  });
  if (body === undefined || !template) return undefined;
  template = compileTemplate({ body, systemProperties: /^\s*[{[]/.test(body) ? { contentType: 'application/json', contentEncoding: 'utf-8' } : { contentType: 'text/plain' } });
  return askTiming(title, template);
}

async function askTiming(title: string, template: MessageTemplate): Promise<{ template: MessageTemplate; intervalMs: number; count: number | undefined; holdC2d: boolean } | undefined> {
  const interval = await vscode.window.showInputBox({
    title: `${title}: every how many milliseconds?`, value: '1000', ignoreFocusOut: true,
    validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 3_600_000 ? undefined : 'A whole number of milliseconds, 1 to 3,600,000'),
  });
  if (interval === undefined) return undefined;
  const count = await vscode.window.showInputBox({
    title: `${title}: how many messages per device?`, value: '', placeHolder: 'empty: until stopped', ignoreFocusOut: true,
    validateInput: (v) => (v.trim() === '' || (/^\d+$/.test(v.trim()) && Number(v) >= 1) ? undefined : 'A positive whole number, or empty'),
  });
  if (count === undefined) return undefined;
  const c2d = await vscode.window.showQuickPick([
    { label: 'Complete C2D messages at once', hold: false },
    { label: 'Hold C2D messages', description: 'no PUBACK: the hub delivers them again after the lock', hold: true },
  ], { title: `${title}: received C2D messages`, ignoreFocusOut: true });
  if (!c2d) return undefined;
  return { template, intervalMs: Number(interval), count: count.trim() === '' ? undefined : Number(count), holdC2d: c2d.hold };
}

export function registerSimulatorCommands(runtime: ExtensionRuntime): { running: Set<Simulation> } {
  const running = new Set<Simulation>();
  runtime.own({ dispose: () => { for (const s of running) s.stop(); running.clear(); } });
  const setContext = (): void => {
    void vscode.commands.executeCommand('setContext', 'iotHubMessaging.simulating', running.size > 0);
    void vscode.commands.executeCommand('setContext', 'iotHubMessaging.simulatorHolding', [...running].some((s) => s.held.length > 0));
  };
  const allHeld = (): ReceivedC2d[] => [...running].flatMap((s) => [...s.held]);
  const complete = (messages: readonly ReceivedC2d[]): number => {
    let n = 0;
    for (const m of messages) if (m.complete?.()) n++;
    const lost = messages.length - n;
    if (n > 0) vscode.window.setStatusBarMessage(`$(check) ${n} held C2D message${n === 1 ? '' : 's'} completed (PUBACK sent)`, 5000);
    if (lost > 0) void vscode.window.showWarningMessage(`${lost} held C2D message${lost === 1 ? ' was' : 's were'} no longer held (the device's connection ended, so the hub will deliver ${lost === 1 ? 'it' : 'them'} again).`);
    return n;
  };

  const run = async (hub: HubConnection, deviceIds: string[], title: string, given: SimulateArgs | undefined): Promise<Simulation | undefined> => {
    let settings: Awaited<ReturnType<typeof askTemplate>>;
    if (given?.body !== undefined || given?.intervalMs !== undefined || given?.messageFile !== undefined) {
      try {
        const body = given.body ?? DEFAULT_TEMPLATE_BODY;
        const template = given.messageFile !== undefined
          ? await templateFromFile(vscode.Uri.parse(given.messageFile), given.messageIndex ?? 0)
          : compileTemplate({ body, systemProperties: { contentType: 'application/json', contentEncoding: 'utf-8' } });
        settings = { template, intervalMs: given.intervalMs ?? 1000, count: given.count, holdC2d: given.holdC2d ?? false };
      } catch (e) {
        void vscode.window.showErrorMessage(`${title}: ${errorText(e)}`);
        return undefined;
      }
    } else {
      settings = await askTemplate(title);
    }
    if (!settings) return undefined;
    const sim = new Simulation({
      hub, deviceIds, template: settings.template, intervalMs: settings.intervalMs, holdC2d: settings.holdC2d,
      ...(settings.count !== undefined ? { count: settings.count } : {}),
      onC2d: (m) => {
        runtime.log.info(`simulator: ${m.deviceId} received C2D${m.complete ? ' (held)' : ''} ${describeC2d(m)}`);
        if (given?.quiet) return;
        if (!m.complete) {
          void vscode.window.showInformationMessage(`${m.deviceId} received a C2D message (completed): ${describeC2d(m)}`);
          return;
        }
        // Held: the hub keeps it locked until the PUBACK, and delivers it again when the lock ends.
        void vscode.window.showInformationMessage(
          `${m.deviceId} received a C2D message, held (no PUBACK yet: the hub delivers it again when its lock ends): ${describeC2d(m)}`,
          'Complete', 'Complete All Held',
        ).then((a) => {
          if (a === 'Complete') complete([m]);
          else if (a === 'Complete All Held') complete(allHeld());
        });
      },
      onDeviceError: (id, message) => {
        runtime.log.warn(`simulator: ${id} stopped: ${message}`);
        void vscode.window.showErrorMessage(`Simulated device '${id}' stopped: ${message}`, 'Reconnect').then((a) => {
          if (a === 'Reconnect') void sim.reconnect();
        });
      },
    });
    const heldSub = sim.onHeldChange(setContext);
    try {
      await sim.start();
    } catch (e) {
      heldSub.dispose();
      void vscode.window.showErrorMessage(`${title}: ${errorText(e)}`);
      return undefined;
    }
    running.add(sim);
    setContext();
    runtime.log.info(`simulator: ${deviceIds.length} device(s) on ${hub.label}, every ${settings.intervalMs} ms${settings.count !== undefined ? `, ${settings.count} each` : ''}`);
    const finish = (): void => {
      sim.stop();
      heldSub.dispose();
      running.delete(sim);
      setContext();
      runtime.log.info(`simulator: stopped after ${sim.sent} messages`);
    };
    if (given?.quiet) {
      void sim.whenEnded().then(finish);
      return sim;
    }
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      token.onCancellationRequested(() => sim.stop());
      const timer = setInterval(() => {
        const failed = sim.failures.size;
        progress.report({ message: `${sim.sent.toLocaleString('en-US')} sent, ${sim.sampleRate().toFixed(0)} msg/s${failed ? `, ${failed} stopped (see notifications)` : ''}` });
      }, 1000);
      try {
        await sim.whenEnded();
      } finally {
        clearInterval(timer);
        finish();
      }
    });
    return sim;
  };

  runtime.own(vscode.commands.registerCommand(SIMULATE_DEVICE_COMMAND, async (arg?: unknown) => {
    const given = isSimulateArgs(arg) ? arg : undefined;
    const target = await resolveDevice(runtime.hubs, arg, 'Simulate Device');
    if (!target) return undefined;
    return run(target.hub, [target.deviceId], `Simulating ${target.deviceId}`, given);
  }));

  runtime.own(vscode.commands.registerCommand(SIMULATE_FLEET_COMMAND, async (arg?: unknown) => {
    const given = isSimulateArgs(arg) ? arg : undefined;
    const hub = isHubNodeArg(arg) ? arg.hub : await pickHub(runtime.hubs, { title: 'Simulate N Devices', running: true });
    if (!hub) return undefined;
    let n = given?.devices;
    if (n === undefined) {
      const text = await vscode.window.showInputBox({
        title: 'Simulate N Devices: how many?', value: '10', prompt: 'Devices sim-001, sim-002, ... are created when missing',
        validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 1000 ? undefined : '1 to 1,000'),
      });
      if (text === undefined) return undefined;
      n = Number(text);
    }
    const ids = fleetIds(n);
    try {
      for (const id of ids) if (!(await hub.getDevice(id))) await hub.createDevice(id);
    } catch (e) {
      void vscode.window.showErrorMessage(`Simulate N Devices: ${errorText(e)}`);
      return undefined;
    }
    return run(hub, ids, `Simulating ${n} devices`, given);
  }));

  runtime.own(vscode.commands.registerCommand(STOP_SIMULATIONS_COMMAND, () => {
    for (const s of running) s.stop();
  }));

  runtime.own(vscode.commands.registerCommand(COMPLETE_HELD_COMMAND, async (arg?: unknown): Promise<number> => {
    const held = allHeld();
    const given = typeof arg === 'object' && arg !== null ? arg as CompleteHeldArgs : undefined;
    if (given) return complete(given.all ? held : held.filter((m) => m.systemProperties.messageId !== undefined && given.messageIds?.includes(m.systemProperties.messageId)));
    if (held.length === 0) {
      void vscode.window.showInformationMessage('No simulated device is holding a C2D message.');
      return 0;
    }
    const picks = await vscode.window.showQuickPick(held.map((m) => ({
      label: m.systemProperties.messageId ?? '(no message id)',
      description: m.deviceId,
      detail: describeC2d(m),
      picked: true,
      m,
    })), { title: 'Complete Held C2D Messages (send their PUBACK)', canPickMany: true, placeHolder: 'The hub completes each picked message (with Success feedback if asked for); MQTT devices cannot reject or abandon' });
    return picks ? complete(picks.map((p) => p.m)) : 0;
  }));
  return { running };
}
