// Azure IoT Hubs in VS Code: *Add IoT Hub...* (by connection string: validated, tried with one
// registry call under a cancellable progress notification, kept only in SecretStorage), *Remove
// IoT Hub*, *Set Telemetry Endpoint...* (resolved through IoT Hub's redirect, or given, over AMQP or
// WebSockets), and restoring added hubs on activation. Each hub joins `runtime.hubs` as an
// AzureHubConnection (src/hubs/azure), so the tree and every hub command treat it like the local one.
import * as vscode from 'vscode';
import { ConnectionStringError, parseHubConnectionString } from '../../core/auth/connectionString';
import { AzureHubConnection, azureHubId } from '../../hubs/azure/azureHubConnection';
import type { LocalTrust } from '../../hubs/azure/sdkClients';
import { eventHubsConnectionStringProblem } from '../../hubs/azure/telemetryEndpoint';
import { HubRequestError, type HubConnection } from '../../hubs/hubConnection';
import { isHubNodeArg } from '../hubs/pickers';
import type { ExtensionRuntime } from '../runtime';
import { AzureHubStore, type AzureHubSecrets, type StoredAzureHub } from './azureHubStore';
import { errorText } from '../../core/errorText';

const HUB_COUNT_CONTEXT = 'iotHubMessaging.azure.hubCount';

/**
 * A Set Telemetry Endpoint choice given as the command's second argument (tests, keybindings,
 * other extensions) instead of asked: the same choices as the quick pick, checked the same way.
 */
export interface TelemetryEndpointChoice {
  /** `resolve`: through IoT Hub's redirect; `given`: `eventHubsConnectionString`; `websockets`: toggle WebSockets. */
  pick: 'resolve' | 'given' | 'websockets';
  eventHubsConnectionString?: string;
}

function isTelemetryEndpointChoice(x: unknown): x is TelemetryEndpointChoice {
  const pick = (x as { pick?: unknown } | undefined)?.pick;
  return typeof x === 'object' && x !== null && (pick === 'resolve' || pick === 'given' || pick === 'websockets');
}

/** Why a pasted text is not an IoT Hub connection string, or undefined when it is one. */
export function connectionStringProblem(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return 'Paste the IoT Hub connection string (Azure portal > your IoT Hub > Security settings > Shared access policies).';
  try {
    const cs = parseHubConnectionString(trimmed);
    if (cs.hostName.includes(':')) return `HostName '${cs.hostName}' has a port; an Azure IoT Hub host name has none (e.g. myhub.azure-devices.net).`;
    return undefined;
  } catch (e) {
    return e instanceof ConnectionStringError ? e.message : `Not an IoT Hub connection string: ${errorText(e)}`;
  }
}

export class AzureHubs implements vscode.Disposable {
  readonly store: AzureHubStore;
  /**
   * Test-only: a local hub standing in for Azure (its CA and ports; see sdkClients.ts). Set by the
   * integration suite through the runtime; there is no setting for it.
   */
  localTrustForTests: LocalTrust | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly runtime: ExtensionRuntime) {
    this.store = new AzureHubStore(runtime.context.secrets, runtime.context.globalState);
    const reg = (id: string, fn: (...args: unknown[]) => unknown): void => {
      this.disposables.push(vscode.commands.registerCommand(id, fn));
    };
    reg('iotHubMessaging.azure.addHub', (arg?: unknown) => this.addHub(typeof arg === 'string' ? arg : undefined));
    reg('iotHubMessaging.azure.removeHub', (arg?: unknown) => this.removeHub(arg));
    reg('iotHubMessaging.azure.setTelemetryEndpoint', (arg?: unknown, choice?: unknown) => this.setTelemetryEndpoint(arg, isTelemetryEndpointChoice(choice) ? choice : undefined));
    this.disposables.push(runtime.hubs.onDidChange(() => this.updateContext()));
    this.updateContext();
  }

  private azureHubs(): AzureHubConnection[] {
    return this.runtime.hubs.all().filter((h): h is AzureHubConnection => h instanceof AzureHubConnection);
  }

  private updateContext(): void {
    void vscode.commands.executeCommand('setContext', HUB_COUNT_CONTEXT, this.azureHubs().length);
  }

  private connection(stored: StoredAzureHub, secrets: AzureHubSecrets): AzureHubConnection {
    const log = this.runtime.log;
    return new AzureHubConnection({
      connectionString: secrets.connectionString,
      ...(secrets.eventHubsConnectionString !== undefined ? { eventHubsConnectionString: secrets.eventHubsConnectionString } : {}),
      ...(stored.webSockets === true ? { webSockets: true } : {}),
      ...(stored.consumerGroups !== undefined ? { consumerGroups: stored.consumerGroups } : {}),
      ...(this.localTrustForTests !== undefined ? { localTrust: this.localTrustForTests } : {}),
      log: (line) => log.warn(line),
    });
  }

  /** Lists the hubs added in earlier sessions; each connects in the background (a failure shows on its node). */
  async restore(): Promise<void> {
    for (const stored of this.store.list()) {
      if (this.runtime.hubs.get(azureHubId(stored.hostName)) !== undefined) continue;
      const secrets = await this.store.secretsOf(stored.hostName);
      if (secrets === undefined) {
        this.runtime.log.warn(`Azure IoT Hub ${stored.hostName}: its connection string is no longer in SecretStorage; add the hub again.`);
        await this.store.remove(stored.hostName);
        continue;
      }
      let hub: AzureHubConnection;
      try {
        hub = this.connection(stored, secrets);
      } catch (e) {
        this.runtime.log.warn(`Azure IoT Hub ${stored.hostName}: ${errorText(e)}`);
        continue;
      }
      this.runtime.hubs.add(hub);
      hub.open().then(
        () => this.runtime.log.info(`Azure IoT Hub ${hub.hostName}: connected`),
        (e: unknown) => this.runtime.log.warn(`Azure IoT Hub ${hub.hostName}: ${errorText(e)}`),
      );
    }
  }

  /** *Add IoT Hub...*: resolves with the hub when added, undefined when cancelled or refused (the user was told why). */
  async addHub(given?: string): Promise<HubConnection | undefined> {
    let text = given;
    if (text === undefined) {
      text = await vscode.window.showInputBox({
        title: 'Add IoT Hub',
        prompt: 'IoT Hub connection string (Azure portal > your IoT Hub > Shared access policies; a policy with registry read/write and service connect, such as iothubowner). It is kept in VS Code\'s secret storage.',
        placeHolder: 'HostName=<name>.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=...',
        password: true,
        ignoreFocusOut: true,
        validateInput: (v) => connectionStringProblem(v),
      });
      if (text === undefined) return undefined;
    }
    const problem = connectionStringProblem(text);
    if (problem !== undefined) {
      void vscode.window.showErrorMessage(`IoT Hub: not added. ${problem}`);
      return undefined;
    }
    const connectionString = text.trim();
    const hostName = parseHubConnectionString(connectionString).hostName;
    if (this.runtime.hubs.get(azureHubId(hostName)) !== undefined) {
      void vscode.window.showInformationMessage(`IoT Hub: ${hostName} is already in the list. Remove it first to add it with another connection string.`);
      return undefined;
    }
    const stored: StoredAzureHub = { hostName };
    const secrets: AzureHubSecrets = { connectionString };
    const hub = this.connection(stored, secrets);
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Connecting to ${hostName}...`, cancellable: true },
        async (_progress, token) => {
          const ac = new AbortController();
          const sub = token.onCancellationRequested(() => ac.abort());
          try {
            await hub.open({ signal: ac.signal });
          } finally {
            sub.dispose();
          }
        },
      );
    } catch (e) {
      hub.dispose();
      const message = errorText(e);
      if (/^Cancelled/.test(message)) {
        this.runtime.log.info(`Add IoT Hub ${hostName}: cancelled; nothing was stored`);
        return undefined;
      }
      this.runtime.log.warn(`Add IoT Hub ${hostName}: ${message} (nothing was stored)`);
      const retry = 'Try Again';
      void vscode.window.showErrorMessage(`IoT Hub: ${hostName} was not added (nothing was stored). ${message}`, retry).then((c) => {
        if (c === retry) void vscode.commands.executeCommand('iotHubMessaging.azure.addHub');
      });
      return undefined;
    }
    await this.store.save(stored, secrets);
    this.runtime.hubs.add(hub);
    this.runtime.log.info(`Azure IoT Hub ${hostName}: added`);
    return hub;
  }

  private async pickAzureHub(arg: unknown, title: string): Promise<AzureHubConnection | undefined> {
    if (isHubNodeArg(arg) && arg.hub instanceof AzureHubConnection) return arg.hub;
    const hubs = this.azureHubs();
    if (hubs.length === 0) {
      void vscode.window.showInformationMessage('IoT Hub: no Azure IoT Hub has been added.');
      return undefined;
    }
    if (hubs.length === 1) return hubs[0];
    const pick = await vscode.window.showQuickPick(hubs.map((h) => ({ label: h.label, description: h.status.state, hub: h })), { title, placeHolder: 'Select an Azure IoT Hub' });
    return pick?.hub;
  }

  /** *Remove IoT Hub*: forgets the hub and its stored connection string. Nothing on Azure changes. */
  async removeHub(arg?: unknown): Promise<void> {
    const hub = await this.pickAzureHub(arg, 'Remove IoT Hub');
    if (hub === undefined) return;
    if (!isHubNodeArg(arg)) {
      const remove = 'Remove';
      const c = await vscode.window.showWarningMessage(`Remove ${hub.hostName} from the list? Its connection string is deleted from VS Code's secret storage; nothing changes on Azure.`, { modal: true }, remove);
      if (c !== remove) return;
    }
    await this.store.remove(hub.hostName);
    this.runtime.hubs.remove(hub.id);
    this.runtime.log.info(`Azure IoT Hub ${hub.hostName}: removed`);
  }

  /**
   * *Set Telemetry Endpoint...*: where D2C is read from. Resolved from the IoT Hub connection string
   * through IoT Hub's redirect (default), or the Event Hubs-compatible connection string from the
   * portal; over AMQP (5671) or AMQP over WebSocket (443).
   */
  async setTelemetryEndpoint(arg?: unknown, given?: TelemetryEndpointChoice): Promise<HubConnection | undefined> {
    const hub = await this.pickAzureHub(arg, 'Set Telemetry Endpoint');
    if (hub === undefined) return undefined;
    const stored = this.store.list().find((h) => h.hostName.toLowerCase() === hub.hostName.toLowerCase()) ?? { hostName: hub.hostName };
    const secrets = await this.store.secretsOf(hub.hostName);
    if (secrets === undefined) {
      void vscode.window.showErrorMessage(`IoT Hub: the connection string of ${hub.hostName} is no longer stored; remove the hub and add it again.`);
      return undefined;
    }
    type Pick = vscode.QuickPickItem & { id: TelemetryEndpointChoice['pick'] };
    let choice: TelemetryEndpointChoice['pick'] | undefined = given?.pick;
    if (choice === undefined) {
      const items: Pick[] = [
        { id: 'resolve', label: 'Resolve from the IoT Hub connection string', description: secrets.eventHubsConnectionString === undefined ? '(current)' : '', detail: 'Asks IoT Hub where its built-in endpoint is, as Azure\'s samples do.' },
        { id: 'given', label: 'Enter the Event Hubs-compatible connection string...', description: secrets.eventHubsConnectionString !== undefined ? '(current)' : '', detail: 'Azure portal > your IoT Hub > Built-in endpoints.' },
        { id: 'websockets', label: stored.webSockets === true ? 'Read over AMQP (port 5671)' : 'Read over WebSockets (port 443)', detail: stored.webSockets === true ? 'Now: AMQP over WebSocket on 443.' : 'For networks that block port 5671.' },
      ];
      choice = (await vscode.window.showQuickPick(items, { title: `Telemetry endpoint of ${hub.hostName}` }))?.id;
      if (choice === undefined) return undefined;
    }
    const next: AzureHubSecrets = { connectionString: secrets.connectionString };
    let nextStored: StoredAzureHub = stored;
    if (choice === 'given') {
      let value = given?.eventHubsConnectionString;
      if (value === undefined) {
        value = await vscode.window.showInputBox({
          title: `Event Hubs-compatible connection string of ${hub.hostName}`,
          prompt: 'Endpoint=sb://...;SharedAccessKeyName=...;SharedAccessKey=...;EntityPath=... (kept in secret storage)',
          password: true, ignoreFocusOut: true,
          validateInput: (v) => eventHubsConnectionStringProblem(v),
        });
        if (value === undefined) return undefined;
      }
      const problem = eventHubsConnectionStringProblem(value);
      if (problem !== undefined) {
        void vscode.window.showErrorMessage(`IoT Hub: the telemetry endpoint of ${hub.hostName} was not changed. ${problem}`);
        return undefined;
      }
      next.eventHubsConnectionString = value.trim();
    } else if (choice === 'websockets') {
      if (secrets.eventHubsConnectionString !== undefined) next.eventHubsConnectionString = secrets.eventHubsConnectionString;
      nextStored = { ...stored, webSockets: stored.webSockets !== true };
    }
    const replaced = await this.replace(hub, nextStored, next);
    this.runtime.log.info(`Azure IoT Hub ${hub.hostName}: telemetry ${next.eventHubsConnectionString !== undefined ? 'from the Event Hubs-compatible connection string given' : 'resolved through IoT Hub\'s redirect'}, over ${nextStored.webSockets === true ? 'AMQP over WebSocket (443)' : 'AMQP (5671)'}`);
    return replaced;
  }

  /** Swaps the hub for one built with new choices (listeners see a removal and an addition). */
  private async replace(old: AzureHubConnection, stored: StoredAzureHub, secrets: AzureHubSecrets): Promise<AzureHubConnection> {
    const hub = this.connection(stored, secrets);
    await this.store.save(stored, secrets);
    this.runtime.hubs.remove(old.id);
    this.runtime.hubs.add(hub);
    hub.open().catch((e: unknown) => this.runtime.log.warn(`Azure IoT Hub ${hub.hostName}: ${errorText(e)}`));
    return hub;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

export function registerAzureHubs(runtime: ExtensionRuntime): AzureHubs {
  const azure = runtime.own(new AzureHubs(runtime));
  azure.restore().catch((e: unknown) => runtime.log.error('Restoring the added Azure IoT Hubs failed', e instanceof HubRequestError ? e.message : e));
  return azure;
}
