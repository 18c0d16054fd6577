// Owns everything the extension registers for its lifetime. Features add themselves here.
import * as vscode from 'vscode';
import { registerAzureHubs, type AzureHubs } from './azure/azureHubCommands';
import { HubList } from './hubs/hubList';
import { registerInspector } from './inspector/inspectorCommands';
import type { InspectorPanels } from './inspector/inspectorPanels';
import { registerLocalHub } from './localHub/localHubCommands';
import { registerMonitorCommands, type MonitorRegistry } from './monitor/monitorCommands';
import { FeedbackWatch } from './receive/feedbackWatch';
import { registerReceiveC2d } from './receive/receiveC2dCommand';
import { registerSimulatorCommands } from './simulator/simulatorCommands';
import type { LocalHubProcess } from './localHub/localHubProcess';
import { MessageFilesLanguage } from './language/messageFilesClient';
import { localHubDataDir } from './localHub/dataDir';
import { Log } from './log';
import { registerRouteTester } from './routing/routeTesterCommands';
import { RoutesSource } from './routing/routesSource';
import { registerSendCommands } from './send/sendCommands';
import { registerConsumerGroupCommands } from './tree/consumerGroupCommands';
import { registerDeviceCommands } from './tree/deviceCommands';
import { registerHubsTree, type HubsTree } from './tree/hubsTree';
import { registerQueueCommands } from './tree/queueCommands';
import { registerRoutingCommands } from './tree/routingCommands';

export class ExtensionRuntime implements vscode.Disposable {
  readonly log: Log;
  /** The routes file the route tester uses (workspace *.iotroutes.json, else the local hub's routes.json). */
  readonly routes: RoutesSource;
  /** The *.iotmsg.json language client (server starts when such a file opens). */
  readonly messageFiles: MessageFilesLanguage;
  /** Message inspector panels; the tree and the monitor call `inspector.show(message, source)`. */
  readonly inspector: InspectorPanels;
  /** The embedded local hub (a child process); the tree and the send commands read its status and connection. */
  readonly localHub: LocalHubProcess;
  /** Every hub the extension shows (local first, then Azure), each behind the HubConnection interface (src/hubs). */
  readonly hubs: HubList;
  /** The Hubs view: hubs, devices, C2D queues, feedback, consumer groups (src/vscode/tree). */
  readonly tree: HubsTree;
  /** Tells the user when feedback for a C2D message sent from VS Code (with ack) arrives. */
  readonly feedback: FeedbackWatch;
  /** Running D2C monitors and their panels. */
  readonly monitors: MonitorRegistry;
  /** Azure IoT Hubs added by connection string (kept in SecretStorage), listed in `hubs`. */
  readonly azureHubs: AzureHubs;
  /** Milliseconds spent in activate(), reported by the integration suite. */
  readonly activationMs: number;
  /** Milliseconds from the bundle starting to run to activate() returning (set by extension.ts). */
  loadToActivateMs: number | undefined;
  /** Of loadToActivateMs: evaluating the bundle's top level, then VS Code's gap until it calls activate(). */
  bundleEvalMs: number | undefined;
  hostGapMs: number | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly context: vscode.ExtensionContext) {
    const started = performance.now();
    this.log = this.own(new Log());
    this.own(vscode.commands.registerCommand('iotHubMessaging.showLog', () => this.log.show()));
    this.routes = this.own(new RoutesSource(localHubDataDir(context)));
    this.messageFiles = this.own(new MessageFilesLanguage(context, this.log, this.routes));
    this.inspector = registerInspector(this);
    this.hubs = this.own(new HubList());
    this.localHub = registerLocalHub(this);
    this.feedback = this.own(new FeedbackWatch(this.hubs, this.log));
    this.azureHubs = registerAzureHubs(this);
    registerSendCommands(this);
    this.tree = registerHubsTree(this);
    registerDeviceCommands(this);
    registerQueueCommands(this, this.tree);
    registerConsumerGroupCommands(this, this.tree);
    registerRoutingCommands(this, this.tree);
    this.monitors = registerMonitorCommands(this);
    registerRouteTester(this);
    registerReceiveC2d(this);
    registerSimulatorCommands(this);
    this.activationMs = performance.now() - started;
    this.log.info(`activated in ${this.activationMs.toFixed(1)} ms`);
  }

  own<T extends vscode.Disposable>(disposable: T): T {
    this.disposables.push(disposable);
    return disposable;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}
