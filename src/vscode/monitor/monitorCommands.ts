// The D2C monitor commands (*Start Monitoring D2C Messages*, *Stop Monitoring*, *Show Monitors*)
// and the status bar item that shows running monitors and their rate. A monitor started on a hub
// node reads all devices, on a device node that device only, on an endpoint node all devices on that
// routing endpoint; from the palette it asks (the endpoint only when the hub has custom ones, see
// monitorEndpoint.ts). Monitors stop (close their reader) while their hub is not running and resume
// where they were after.
import * as vscode from 'vscode';
import type { HubConnection } from '../../hubs/hubConnection';
import { D2cMonitor, DEFAULT_MONITOR_CAPACITY } from '../../monitor/d2cMonitor';
import { describeScope, type MonitorScope } from '../../monitor/monitorFilter';
import type { StartChoice } from '../../monitor/startPosition';
import { isHubNodeArg, pickHub } from '../hubs/pickers';
import type { ExtensionRuntime } from '../runtime';
import { DiffDocuments } from './diffDocuments';
import { MONITOR_VIEW_TYPE, MonitorPanel } from './monitorPanel';
import { askConsumerGroup, askScope, askStart } from './monitorSetup';
import { askEndpoint, askEndpointConsumerGroup, customEndpoint, readRouting, warnIfStarved } from './monitorEndpoint';
import { errorText } from '../../core/errorText';
import { EndpointNode } from '../tree/endpointsNode';
import { isBuiltInEndpoint } from '../../monitor/routingWarning';

export const START_MONITOR_COMMAND = 'iotHubMessaging.monitor.start';
export const STOP_MONITOR_COMMAND = 'iotHubMessaging.monitor.stop';
export const SHOW_MONITORS_COMMAND = 'iotHubMessaging.monitor.show';

/** What tests and other commands may pass to skip the questions. */
export interface StartMonitorArgs {
  hub: HubConnection;
  /** A routing endpoint (custom Event Hubs-style, or `events`); the built-in one when left out. */
  endpoint?: string;
  deviceId?: string;
  pattern?: string;
  consumerGroup?: string;
  start?: StartChoice;
}

export class MonitorRegistry implements vscode.Disposable {
  readonly panels = new Set<MonitorPanel>();
  private readonly statusItem: vscode.StatusBarItem;
  private readonly timer: ReturnType<typeof setInterval>;
  readonly diffs = new DiffDocuments();

  constructor() {
    this.statusItem = vscode.window.createStatusBarItem('iotHubMessaging.monitors', vscode.StatusBarAlignment.Left, 50);
    this.statusItem.name = 'IoT Hub D2C monitors';
    this.statusItem.command = SHOW_MONITORS_COMMAND;
    this.timer = setInterval(() => this.refresh(), 1000);
  }

  add(panel: MonitorPanel): void {
    this.panels.add(panel);
    panel.onDidDispose(() => {
      this.panels.delete(panel);
      this.refresh();
    });
    panel.monitor.onDidChangeState(() => this.refresh());
    this.refresh();
  }

  refresh(): void {
    const running = [...this.panels].filter((p) => p.monitor.state.state !== 'stopped');
    for (const p of this.panels) p.postStatus();
    this.setContext('iotHubMessaging.monitorsRunning', running.length > 0);
    if (running.length === 0) {
      this.statusItem.hide();
      return;
    }
    const rate = running.reduce((n, p) => n + p.monitor.rate(), 0);
    const waiting = running.filter((p) => p.monitor.state.state === 'waiting').length;
    this.statusItem.text = `$(pulse) ${running.length} monitor${running.length === 1 ? '' : 's'} ${Math.round(rate)} msg/s${waiting ? ` (${waiting} waiting for hub)` : ''}`;
    this.statusItem.tooltip = running.map((p) => `${p.monitor.description}: ${p.monitor.state.state}, ${p.monitor.received} received, ${p.monitor.rate().toFixed(1)} msg/s`).join('\n');
    this.statusItem.show();
  }

  private readonly contexts = new Map<string, boolean>();
  /** Sets a `when` context key only when it changes (refresh runs every second). */
  setContext(key: string, value: boolean): void {
    if (this.contexts.get(key) === value) return;
    this.contexts.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const p of [...this.panels]) p.dispose();
    this.statusItem.dispose();
    this.diffs.dispose();
  }
}

function capacitySetting(): number {
  const n = vscode.workspace.getConfiguration('iotHubMessaging.monitor').get<number>('bufferSize', DEFAULT_MONITOR_CAPACITY);
  return Number.isInteger(n) && n >= 100 && n <= 1_000_000 ? n : DEFAULT_MONITOR_CAPACITY;
}

function isStartArgs(x: unknown): x is StartMonitorArgs {
  return isHubNodeArg(x);
}

export function registerMonitorCommands(runtime: ExtensionRuntime): MonitorRegistry {
  const registry = runtime.own(new MonitorRegistry());

  const start = async (arg?: unknown): Promise<MonitorPanel | undefined> => {
    const title = 'Start Monitoring D2C Messages';
    const given = isStartArgs(arg) ? arg : undefined;
    const hub = given?.hub ?? await pickHub(runtime.hubs, { title, running: true });
    if (!hub) return undefined;
    const view = await readRouting(hub);
    const endpoint = arg instanceof EndpointNode ? arg.name
      : given ? (typeof given.endpoint === 'string' ? given.endpoint : undefined) : await askEndpoint(hub, view);
    if (!given && endpoint === undefined) return undefined;
    const custom = customEndpoint(view, endpoint);
    if (!isBuiltInEndpoint(endpoint) && custom === undefined) {
      void vscode.window.showErrorMessage(`D2C monitor not started: ${hub.label} has no Event Hubs-style endpoint named '${endpoint ?? ''}' (it may have been deleted meanwhile).`);
      return undefined;
    }
    const scope: MonitorScope | undefined = given?.deviceId !== undefined ? { kind: 'device', deviceId: given.deviceId }
      : given?.pattern !== undefined ? { kind: 'pattern', pattern: given.pattern }
      : given ? { kind: 'hub' } : await askScope(hub);
    if (!scope) return undefined;
    const consumerGroup = given?.consumerGroup ?? (custom ? await askEndpointConsumerGroup(custom) : await askConsumerGroup(hub));
    if (consumerGroup === undefined) return undefined;
    const startAt = given?.start ?? (given?.consumerGroup !== undefined ? { kind: 'now' as const } : await askStart());
    if (!startAt) return undefined;
    const monitor = new D2cMonitor(hub, {
      ...(custom ? { endpoint: custom.name } : {}),
      consumerGroup, start: startAt, scope, capacity: capacitySetting(),
      onTransientError: (e, partitionId) => runtime.log.warn(`monitor ${describeScope(scope)}: partition ${partitionId}: ${e.message}`),
    });
    const what = scope.kind === 'hub' ? hub.label : scope.kind === 'device' ? scope.deviceId : scope.pattern;
    const panel = vscode.window.createWebviewPanel(MONITOR_VIEW_TYPE, `D2C: ${what}${custom ? ` · ${custom.name}` : ''}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      // Kept while hidden: the live table and chart go on filling (bounded by the ring).
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(runtime.context.extensionUri, 'dist', 'webview')],
    });
    const monitorPanel = new MonitorPanel(monitor, panel, { extensionUri: runtime.context.extensionUri, log: runtime.log, inspector: runtime.inspector, diffs: registry.diffs });
    registry.add(monitorPanel);
    runtime.log.info(`monitor: started ${monitor.description}`);
    if (!custom) monitorPanel.routingWarning = warnIfStarved(runtime, hub, view);
    try {
      await monitor.start();
    } catch (e) {
      const message = errorText(e);
      runtime.log.error(`monitor: ${monitor.description} could not start`, e);
      void vscode.window.showErrorMessage(`D2C monitor not started: ${message}`);
    }
    monitor.onDidChangeState((s) => {
      if (s.state === 'stopped' && s.reason !== undefined) void vscode.window.showWarningMessage(`D2C monitor of ${describeScope(scope)} stopped: ${s.reason}`);
    });
    return monitorPanel;
  };

  const pickMonitor = async (arg: unknown, title: string): Promise<MonitorPanel[]> => {
    let panels = [...registry.panels].filter((p) => p.monitor.state.state !== 'stopped');
    if (isHubNodeArg(arg)) {
      panels = panels.filter((p) => p.monitor.hub === arg.hub && (arg.deviceId === undefined
        || (p.monitor.options.scope.kind === 'device' && p.monitor.options.scope.deviceId === arg.deviceId)));
    }
    if (panels.length <= 1) return panels;
    const pick = await vscode.window.showQuickPick([
      { label: 'All monitors', panels },
      ...panels.map((p) => ({ label: p.monitor.description, description: `${p.monitor.received} received`, panels: [p] })),
    ], { title });
    return pick?.panels ?? [];
  };

  runtime.own(vscode.commands.registerCommand(START_MONITOR_COMMAND, start));
  runtime.own(vscode.commands.registerCommand(STOP_MONITOR_COMMAND, async (arg?: unknown) => {
    const panels = await pickMonitor(arg, 'Stop Monitoring');
    if (panels.length === 0 && registry.panels.size === 0) {
      void vscode.window.showInformationMessage('No D2C monitor is running.');
    }
    for (const p of panels) await p.monitor.stop();
    registry.refresh();
  }));
  runtime.own(vscode.commands.registerCommand(SHOW_MONITORS_COMMAND, async () => {
    const panels = [...registry.panels];
    if (panels.length === 0) {
      void vscode.window.showInformationMessage('No D2C monitor is running.');
      return;
    }
    const pick = await vscode.window.showQuickPick(panels.map((p) => ({
      label: p.monitor.description, description: `${p.monitor.state.state} \u00b7 ${p.monitor.received} received \u00b7 ${p.monitor.rate().toFixed(1)} msg/s`, panel: p,
    })), { title: 'D2C monitors', placeHolder: 'Show a monitor' });
    pick?.panel.reveal();
  }));
  return registry;
}
