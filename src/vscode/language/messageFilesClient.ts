// The language client for *.iotmsg.json files and routes files (*.iotroutes.json and the local
// hub's routes.json): starts the language server (its own process, IPC) the first time such a file
// is open and answers its requests: device ids, the routes file the route tester uses, and the
// application property names of the workspace's message files (for condition completion). The "send from file"
// commands its code lenses run live with the other send commands (src/vscode/send). All language
// logic lives in src/language (no vscode there). vscode-languageclient is loaded when the server
// starts, never at activation (a lazy module, scripts/build.mjs).
import * as vscode from 'vscode';
import type { LanguageClient, LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import {
  APPLICATION_PROPERTY_NAMES_REQUEST, DEVICE_IDS_REQUEST, ROUTES_CHANGED_NOTIFICATION, ROUTES_REQUEST,
  type ApplicationPropertyNamesResult, type DeviceIdsParams, type DeviceIdsResult, type LanguageServerInitOptions, type RoutesResult,
} from '../../language/protocol';
import { parseMessageFile } from '../../language/rules/messageFile';
import type { Log } from '../log';
import { ROUTES_FILE_PATTERN, type RoutesSource } from '../routing/routesSource';
import { errorText } from '../../core/errorText';

export const MESSAGE_FILE_PATTERN = '**/*.iotmsg.json';
export const LINT_WORKSPACE_COMMAND = 'iotHubMessaging.lintWorkspace';
/** Opening a document is how its diagnostics reach the Problems view; beyond this many, use the CLI. */
const LINT_WORKSPACE_MAX_FILES = 500;
/** Application property names for completion come from at most this many message files, cached this long. */
const PROPERTY_NAME_FILES = 200;
const PROPERTY_NAME_CACHE_MS = 10_000;

/** Where device ids for completion come from (the local hub's registry, see localHubCommands.ts). */
export type DeviceIdSource = () => Promise<string[]>;

export class MessageFilesLanguage implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<void> | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  private deviceIds: DeviceIdSource = () => Promise.resolve([]);

  private propertyNames: { at: number; names: Promise<string[]> } | undefined;

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: Log, private readonly routes: RoutesSource) {
    this.disposables.push(
      routes.onDidChange(() => {
        this.propertyNames = undefined;
        void this.client?.sendNotification(ROUTES_CHANGED_NOTIFICATION).catch(() => undefined);
      }),
      vscode.workspace.onDidSaveTextDocument((d) => { if (d.uri.path.endsWith('.iotmsg.json')) this.propertyNames = undefined; }),
      vscode.commands.registerCommand(LINT_WORKSPACE_COMMAND, () => this.lintWorkspace()),
      // Lazy: no server process until a message file is open.
      vscode.workspace.onDidOpenTextDocument((doc) => this.startIfMessageFile(doc)),
    );
    for (const doc of vscode.workspace.textDocuments) this.startIfMessageFile(doc);
  }

  /** Lets the hub connection feed device-id completion. */
  setDeviceIdSource(source: DeviceIdSource): void {
    this.deviceIds = source;
  }

  /** Starts the server if it is not running yet; resolves once it is ready. */
  start(): Promise<void> {
    this.starting ??= this.startClient().catch((err: unknown) => {
      this.log.error('message file language server failed to start', err);
      this.starting = undefined;
    });
    return this.starting;
  }

  private startIfMessageFile(doc: vscode.TextDocument): void {
    if (doc.uri.path.endsWith('.iotmsg.json') || this.routes.isRoutesFile(doc.uri)) void this.start();
  }

  /** Application property names used by the workspace's message files, sorted, each once (any case). */
  private applicationPropertyNames(): Promise<string[]> {
    const now = Date.now();
    if (this.propertyNames === undefined || now - this.propertyNames.at > PROPERTY_NAME_CACHE_MS) {
      this.propertyNames = { at: now, names: this.scanPropertyNames() };
    }
    return this.propertyNames.names;
  }

  private async scanPropertyNames(): Promise<string[]> {
    const byLower = new Map<string, string>();
    const files = await vscode.workspace.findFiles(MESSAGE_FILE_PATTERN, '**/node_modules/**', PROPERTY_NAME_FILES);
    for (const uri of files) {
      try {
        const file = parseMessageFile(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
        for (const m of file.messages) for (const p of m.message.applicationProperties) if (!byLower.has(p.name.toLowerCase())) byLower.set(p.name.toLowerCase(), p.name);
      } catch (err) {
        this.log.debug(`property names: skipped ${uri.fsPath}: ${errorText(err)}`);
      }
    }
    return [...byLower.values()].sort((a, b) => a.localeCompare(b));
  }

  private async startClient(): Promise<void> {
    const loading = performance.now();
    const { LanguageClient, TransportKind } = await import('vscode-languageclient/node');
    const loadMs = performance.now() - loading;
    if (this.disposed) return;
    const serverModule = this.context.asAbsolutePath('dist/language-server.js');
    const serverOptions: ServerOptions = {
      run: { module: serverModule, transport: TransportKind.ipc },
      debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
    };
    const initializationOptions: LanguageServerInitOptions = {
      // VS Code's JSON language validates against our schema (contributed via jsonValidation).
      jsonSchemaHandledByClient: vscode.extensions.getExtension('vscode.json-language-features') !== undefined,
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { language: 'json', pattern: MESSAGE_FILE_PATTERN },
        { language: 'jsonc', pattern: MESSAGE_FILE_PATTERN },
        { language: 'json', pattern: ROUTES_FILE_PATTERN },
        { language: 'jsonc', pattern: ROUTES_FILE_PATTERN },
        { scheme: 'file', pattern: this.routes.hubRoutesFile.fsPath.replace(/\\/g, '/') },
      ],
      initializationOptions,
      outputChannelName: 'IoT Hub Message Files',
    };
    const client = new LanguageClient('iotHubMessageFiles', 'IoT Hub Message Files', serverOptions, clientOptions);
    this.client = client;
    this.disposables.push(client.onRequest(DEVICE_IDS_REQUEST, async (_params: DeviceIdsParams): Promise<DeviceIdsResult> => {
      try {
        return { deviceIds: await this.deviceIds() };
      } catch (err) {
        this.log.warn(`device ids for completion unavailable: ${errorText(err)}`);
        return { deviceIds: [] };
      }
    }));
    this.disposables.push(client.onRequest(ROUTES_REQUEST, async (): Promise<RoutesResult> => {
      try {
        const loaded = await this.routes.load();
        return loaded === undefined ? {} : { text: loaded.text, source: loaded.source };
      } catch (err) {
        this.log.warn(`routes file for the route tester unavailable: ${errorText(err)}`);
        return {};
      }
    }));
    this.disposables.push(client.onRequest(APPLICATION_PROPERTY_NAMES_REQUEST, async (): Promise<ApplicationPropertyNamesResult> => ({ names: await this.applicationPropertyNames() })));
    const started = performance.now();
    await client.start();
    this.log.info(`message file language server started in ${(performance.now() - started).toFixed(0)} ms (client library loaded in ${loadMs.toFixed(0)} ms)`);
  }

  /**
   * Checks every message file of the workspace: each is opened (not shown), which hands it to the
   * language server, whose diagnostics then fill the Problems view. Returns how many were checked.
   */
  async lintWorkspace(): Promise<number> {
    const files = await vscode.workspace.findFiles(MESSAGE_FILE_PATTERN, '**/node_modules/**', LINT_WORKSPACE_MAX_FILES + 1);
    if (files.length === 0) {
      void vscode.window.showInformationMessage('No message files (*.iotmsg.json) in this workspace.');
      return 0;
    }
    const checked = files.slice(0, LINT_WORKSPACE_MAX_FILES);
    await this.start();
    for (const uri of checked) await vscode.workspace.openTextDocument(uri);
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    const more = files.length > checked.length ? ` (the first ${checked.length}; run "iot-hub-msg lint" for all)` : '';
    this.log.info(`checked ${checked.length} message files${more}`);
    return checked.length;
  }

  dispose(): void {
    this.disposed = true;
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
    const client = this.client;
    this.client = undefined;
    if (client) void client.dispose().catch((err: unknown) => this.log.warn(`language server stop: ${String(err)}`));
  }
}
