// *IoT Hub: Test Routes*: for a message of a message file (the route code lens passes it; from
// the palette, the active file's message is picked) and a route (picked from a list that already
// says which match), shows a report of which part of each condition decided, with the values, as a
// rendered Markdown preview beside the file (VS Code's own preview of a read-only virtual document:
// its CSP and link handling, no webview of ours). Thin: the decision and the words are the core's
// (src/core/routing/report.ts).
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { routingMessageFromIotMessage, type RoutingMessage } from '../../core/routing/message';
import { formatRouteReport, testMessage } from '../../core/routing/report';
import { parseRoutesFileText } from '../../core/routing/routesFile';
import { RouteTable } from '../../core/routing/routeTable';
import type { TestRoutesArgs } from '../../language/protocol';
import { parseMessageFile } from '../../language/rules/messageFile';
import { TEST_ROUTES_COMMAND } from '../../language/rules/routeLenses';
import type { ExtensionRuntime } from '../runtime';
import type { RoutesSource } from './routesSource';

export const ROUTE_REPORT_SCHEME = 'iothub-route-test';
const ALL_ROUTES = '$(list-flat) All routes';

/** What the command returns (the tests read it). */
export type RouteTestOutcome =
  | { status: 'shown'; report: string; title: string; routeName?: string; uri: string }
  | { status: 'cancelled' }
  | { status: 'failed'; error: string };

class ReportDocuments implements vscode.TextDocumentContentProvider {
  private readonly reports = new Map<string, string>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;
  private next = 0;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.reports.get(uri.toString()) ?? '';
  }

  add(name: string, text: string): vscode.Uri {
    // Keep the last few reports only: each is small, but the map must not grow for ever.
    if (this.reports.size > 20) this.reports.delete(this.reports.keys().next().value as string);
    const uri = vscode.Uri.from({ scheme: ROUTE_REPORT_SCHEME, path: `/${name}.md`, query: String(++this.next) });
    this.reports.set(uri.toString(), text);
    this.emitter.fire(uri);
    return uri;
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

function isArgs(x: unknown): x is TestRoutesArgs {
  return typeof x === 'object' && x !== null && typeof (x as TestRoutesArgs).uri === 'string' && typeof (x as TestRoutesArgs).messageIndex === 'number';
}

export function registerRouteTester(runtime: ExtensionRuntime): void {
  const docs = runtime.own(new ReportDocuments());
  runtime.own(vscode.workspace.registerTextDocumentContentProvider(ROUTE_REPORT_SCHEME, docs));
  runtime.own(vscode.commands.registerCommand(TEST_ROUTES_COMMAND, (arg?: unknown) => testRoutes(runtime.routes, docs, isArgs(arg) ? arg : undefined)));
}

async function fail(error: string): Promise<RouteTestOutcome> {
  void vscode.window.showErrorMessage(error);
  return { status: 'failed', error };
}

async function testRoutes(routes: RoutesSource, docs: ReportDocuments, args: TestRoutesArgs | undefined): Promise<RouteTestOutcome> {
  const uri = args !== undefined ? vscode.Uri.parse(args.uri) : vscode.window.activeTextEditor?.document.uri;
  if (uri === undefined || !uri.path.endsWith('.iotmsg.json')) return fail('Test Routes works on a message file (*.iotmsg.json): open one, or use the routes code lens above a message.');
  const document = await vscode.workspace.openTextDocument(uri);
  const file = parseMessageFile(document.getText());
  const candidates = file.messages.filter((m) => m.direction !== 'c2d');
  if (candidates.length === 0) return fail(`${basename(uri.fsPath)} has no device-to-cloud message to route (C2D messages are not routed).`);
  let chosen = args !== undefined ? file.messages.find((m) => m.index === args.messageIndex) : candidates.length === 1 ? candidates[0] : undefined;
  if (chosen === undefined && args === undefined) {
    const pick = await vscode.window.showQuickPick(candidates.map((m) => ({
      label: `Message ${m.index + 1}`,
      description: [m.message.deviceId, m.message.systemProperties.messageId].filter((x) => x !== undefined).join(' · '),
      index: m.index,
    })), { title: 'Test Routes: which message?' });
    if (pick === undefined) return { status: 'cancelled' };
    chosen = file.messages.find((m) => m.index === pick.index);
  }
  if (chosen === undefined) return fail(`Message ${args === undefined ? '' : args.messageIndex + 1} is no longer in ${basename(uri.fsPath)}.`);

  const loaded = await routes.load();
  if (loaded === undefined) {
    return fail(`No routes file: add a *.iotroutes.json file to the workspace, or routes to the local hub (its routes file is ${routes.hubRoutesFile.fsPath}).`);
  }
  const validation = parseRoutesFileText(loaded.text);
  if (validation.file === undefined) {
    const first = validation.problems.find((p) => p.severity === 'error');
    return fail(`The routes file ${loaded.source} has errors; nothing was tested. First: ${first?.message ?? 'unknown'}`);
  }
  const table = RouteTable.compile(validation.file);
  const message: RoutingMessage = routingMessageFromIotMessage(chosen.message, { enqueuedTime: new Date().toISOString(), messageSource: 'Telemetry' });
  const tested = testMessage(table, message);

  let routeName = args?.routeName;
  if (routeName === undefined && table.routes.length > 0) {
    type Item = vscode.QuickPickItem & { routeName?: string };
    const items: Item[] = [
      { label: ALL_ROUTES, description: tested.title },
      ...tested.explanations.map((e): Item => ({
        label: `${e.matched ? '$(pass-filled)' : e.skipped !== undefined ? '$(circle-slash)' : '$(circle-large-outline)'} ${e.route.name}`,
        description: `${e.skipped !== undefined ? 'skipped' : e.matched ? 'matches' : 'no match'} → ${e.route.endpointNames.join(', ')}`,
        detail: e.skipped ?? e.explanation?.summary ?? '',
        routeName: e.route.name,
      })),
    ];
    const pick = await vscode.window.showQuickPick(items, { title: `Test Routes: message ${chosen.index + 1} of ${basename(uri.fsPath)}`, placeHolder: 'Which route should be explained?', matchOnDetail: true });
    if (pick === undefined) return { status: 'cancelled' };
    routeName = pick.routeName;
  }
  const label = `message ${chosen.index + 1} of ${basename(uri.fsPath)}`;
  const report = formatRouteReport(table, message, { messageLabel: label, routesSource: loaded.source, ...(routeName === undefined ? {} : { routeName }) });
  const reportUri = docs.add(`Route test - ${basename(uri.fsPath, '.iotmsg.json')} ${chosen.index + 1}${routeName === undefined ? '' : ` - ${routeName}`}`, report);
  // The preview reads the document through the content provider; it must exist (and be Markdown) first.
  const reportDoc = await vscode.workspace.openTextDocument(reportUri);
  await vscode.languages.setTextDocumentLanguage(reportDoc, 'markdown');
  await vscode.commands.executeCommand('markdown.showPreviewToSide', reportUri);
  return { status: 'shown', report, title: tested.title, uri: reportUri.toString(), ...(routeName === undefined ? {} : { routeName }) };
}
