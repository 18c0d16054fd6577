// The language server for *.iotmsg.json and routes files (*.iotroutes.json, the local hub's
// routes.json): a thin LSP adapter over the pure rules in ../rules.
import {
  CodeActionKind, CodeLensRefreshRequest, CompletionItemKind, DiagnosticSeverity, InsertTextFormat, MarkupKind, TextDocuments, TextDocumentSyncKind,
  type CodeAction, type CodeLens, type CompletionItem, type Connection, type Diagnostic, type Hover, type InitializeResult,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Severity } from '../../core/message/problems';
import { codeActions } from '../rules/codeActions';
import { codeLenses } from '../rules/codeLenses';
import { complete, wantsDeviceIds, type FileCompletionItem } from '../rules/complete';
import { analyse, type Analysis } from '../rules/diagnose';
import type { FileDiagnostic } from '../rules/fileDiagnostic';
import { hover } from '../rules/hover';
import { parseRoutesFileText } from '../../core/routing/routesFile';
import { RouteTable } from '../../core/routing/routeTable';
import { routeLenses, routesUnusableLens, TEST_ROUTES_COMMAND } from '../rules/routeLenses';
import { completeRoutes, type RoutesCompletionItem } from '../rules/routesComplete';
import { analyseRoutesDocument, isRoutesFileName, type RoutesAnalysis } from '../rules/routesDocument';
import {
  APPLICATION_PROPERTY_NAMES_REQUEST, DEVICE_IDS_REQUEST, ROUTES_CHANGED_NOTIFICATION, ROUTES_REQUEST,
  type ApplicationPropertyNamesParams, type ApplicationPropertyNamesResult, type DeviceIdsParams, type DeviceIdsResult,
  type LanguageServerInitOptions, type RoutesParams, type RoutesResult, type SendFromFileArgs, type TestRoutesArgs,
} from '../protocol';
import { errorDetail } from '../../core/errorText';

export const DIAGNOSTIC_SOURCE = 'iot-hub-msg';
export const ROUTES_DIAGNOSTIC_SOURCE = 'iot-hub-routes';

const SEVERITY: Readonly<Record<Severity, DiagnosticSeverity>> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

const ITEM_KIND: Readonly<Record<FileCompletionItem['kind'], CompletionItemKind>> = {
  property: CompletionItemKind.Property,
  value: CompletionItemKind.Value,
  device: CompletionItemKind.Reference,
};

const ROUTES_ITEM_KIND: Readonly<Record<RoutesCompletionItem['kind'], CompletionItemKind>> = {
  property: CompletionItemKind.Property,
  function: CompletionItemKind.Function,
  keyword: CompletionItemKind.Keyword,
  value: CompletionItemKind.Value,
};

/** How long completion waits for the extension's device list before going on without it. */
const DEVICE_IDS_TIMEOUT_MS = 1500;

/** The routes in use for the route tester's lenses, as last fetched from the client. */
type RoutesState = { table: RouteTable; source: string } | { unusable: string } | { none: true };

function isRoutesDocument(uri: string): boolean {
  return isRoutesFileName(decodeURIComponent(uri));
}

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const cache = new Map<string, { version: number; analysis: Analysis }>();
  let schemaHandledByClient = false;

  const routesCache = new Map<string, { version: number; analysis: RoutesAnalysis }>();
  const routesAnalysisOf = (doc: TextDocument): RoutesAnalysis => {
    const hit = routesCache.get(doc.uri);
    if (hit?.version === doc.version) return hit.analysis;
    const analysis = analyseRoutesDocument(doc.getText());
    routesCache.set(doc.uri, { version: doc.version, analysis });
    return analysis;
  };
  let routes: Promise<RoutesState> | undefined;
  const routesState = (): Promise<RoutesState> => {
    routes ??= fetchRoutes(connection);
    return routes;
  };

  const analysisOf = (doc: TextDocument): Analysis => {
    const hit = cache.get(doc.uri);
    if (hit?.version === doc.version) return hit.analysis;
    const analysis = analyse(doc.getText());
    cache.set(doc.uri, { version: doc.version, analysis });
    return analysis;
  };

  const toDiagnostic = (doc: TextDocument, d: FileDiagnostic): Diagnostic => {
    const diagnostic: Diagnostic = {
      range: { start: doc.positionAt(d.start), end: doc.positionAt(d.end) },
      severity: SEVERITY[d.severity],
      code: d.code,
      source: DIAGNOSTIC_SOURCE,
      message: d.message,
    };
    // One problem for several bad characters of a value: the Problems view lists each exact place under it.
    if (d.places) {
      diagnostic.relatedInformation = d.places.map((r, i, all) => {
        const range = { start: doc.positionAt(r.start), end: doc.positionAt(r.end) };
        return { location: { uri: doc.uri, range }, message: `character ${i + 1} of ${all.length}: ${doc.getText(range)}` };
      });
    }
    return diagnostic;
  };

  const visible = (d: FileDiagnostic): boolean => !schemaHandledByClient || d.origin === 'rule';

  const validate = (doc: TextDocument): void => {
    if (isRoutesDocument(doc.uri)) {
      try {
        const diagnostics: Diagnostic[] = routesAnalysisOf(doc).diagnostics
          // VS Code's JSON language reports syntax errors itself.
          .filter((d) => !(schemaHandledByClient && d.code === 'json-syntax'))
          .map((d) => ({
            range: { start: doc.positionAt(d.start), end: doc.positionAt(d.end) },
            severity: d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
            code: d.code,
            source: ROUTES_DIAGNOSTIC_SOURCE,
            message: d.message,
          }));
        void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
      } catch (err) {
        connection.console.error(`could not check ${doc.uri}: ${errorDetail(err)}`);
      }
      return;
    }
    try {
      const diagnostics = analysisOf(doc).diagnostics.filter(visible).map((d) => toDiagnostic(doc, d));
      void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
    } catch (err) {
      // One document that cannot be analysed must not take the server (and every other file) down.
      connection.console.error(`could not check ${doc.uri}: ${errorDetail(err)}`);
    }
  };

  connection.onInitialize((params): InitializeResult => {
    const options = (params.initializationOptions ?? {}) as LanguageServerInitOptions;
    schemaHandledByClient = options.jsonSchemaHandledByClient === true;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: ['"', ':'] },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorRewrite] },
        codeLensProvider: { resolveProvider: false },
      },
      serverInfo: { name: 'IoT Hub message files' },
    };
  });

  documents.onDidChangeContent((e) => validate(e.document));
  connection.onNotification(ROUTES_CHANGED_NOTIFICATION, () => {
    routes = undefined;
    void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  });
  documents.onDidClose((e) => {
    cache.delete(e.document.uri);
    routesCache.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onCompletion(async (params): Promise<CompletionItem[]> => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    const text = doc.getText();
    const offset = doc.offsetAt(params.position);
    if (isRoutesDocument(doc.uri)) {
      const root = routesAnalysisOf(doc).root;
      let items = completeRoutes(text, offset, root);
      if (items.some((i) => i.kind === 'function')) {
        items = completeRoutes(text, offset, root, { applicationPropertyNames: await fetchApplicationPropertyNames(connection) });
      }
      return items.map((item, i) => {
        const ci: CompletionItem = {
          label: item.label,
          kind: ROUTES_ITEM_KIND[item.kind],
          sortText: String(i).padStart(4, '0'),
          insertTextFormat: item.isSnippet ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
          textEdit: { range: { start: doc.positionAt(item.range.start), end: doc.positionAt(item.range.end) }, newText: item.insertText },
        };
        if (item.detail !== undefined) ci.detail = item.detail;
        if (item.documentation !== undefined) ci.documentation = { kind: MarkupKind.Markdown, value: item.documentation };
        return ci;
      });
    }
    const deviceIds = wantsDeviceIds(text, offset) ? await fetchDeviceIds(connection) : [];
    return complete(text, offset, { deviceIds })
      .filter((item) => !schemaHandledByClient || !item.fromSchema)
      .map((item, i) => {
        const ci: CompletionItem = {
          label: item.label,
          kind: ITEM_KIND[item.kind],
          filterText: `"${item.label}"`,
          sortText: String(i).padStart(4, '0'),
          insertTextFormat: item.isSnippet ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
          textEdit: { range: { start: doc.positionAt(item.range.start), end: doc.positionAt(item.range.end) }, newText: item.insertText },
        };
        if (item.detail !== undefined) ci.detail = item.detail;
        if (item.documentation) ci.documentation = { kind: MarkupKind.Markdown, value: item.documentation };
        return ci;
      });
  });

  connection.onHover((params): Hover | null => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc || isRoutesDocument(doc.uri)) return null;
    const h = hover(analysisOf(doc), doc.offsetAt(params.position));
    if (!h || (schemaHandledByClient && h.fromSchema)) return null;
    return {
      contents: { kind: MarkupKind.Markdown, value: h.contents },
      range: { start: doc.positionAt(h.range.start), end: doc.positionAt(h.range.end) },
    };
  });

  connection.onCodeAction((params): CodeAction[] => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc || isRoutesDocument(doc.uri)) return [];
    const range = { start: doc.offsetAt(params.range.start), end: doc.offsetAt(params.range.end) };
    const only = params.context.only;
    return codeActions(analysisOf(doc), range)
      .filter((a) => !only || only.some((k) => a.kind === k || a.kind.startsWith(`${k}.`)))
      // Fixes for diagnostics the JSON language shows in our place (unknown keys, missing direction)
      // are still offered: the schema knows the problem, only we know the fix.
      .map((a) => {
        const action: CodeAction = {
          title: a.title,
          kind: a.kind === 'quickfix' ? CodeActionKind.QuickFix : CodeActionKind.RefactorRewrite,
          edit: {
            changes: {
              [doc.uri]: a.edits.map((e) => ({ range: { start: doc.positionAt(e.start), end: doc.positionAt(e.end) }, newText: e.newText })),
            },
          },
        };
        if (a.diagnostic && visible(a.diagnostic)) action.diagnostics = [toDiagnostic(doc, a.diagnostic)];
        if (a.isPreferred) action.isPreferred = true;
        return action;
      });
  });

  connection.onCodeLens(async (params): Promise<CodeLens[]> => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc || isRoutesDocument(doc.uri)) return [];
    const analysis = analysisOf(doc);
    const lenses: CodeLens[] = codeLenses(analysis).map((lens) => {
      const at = doc.positionAt(lens.offset);
      const args: SendFromFileArgs = { uri: doc.uri, messageIndex: lens.messageIndex };
      return { range: { start: at, end: at }, command: { title: lens.title, command: lens.command, arguments: [args] } };
    });
    // The route tester: where each D2C message would go, when there is a routes file.
    const state = await routesState();
    if ('none' in state) return lenses;
    const routeLensList = 'unusable' in state ? routesUnusableLens(analysis, state.unusable) : routeLenses(analysis, state.table);
    for (const lens of routeLensList) {
      const at = doc.positionAt(lens.offset);
      const args: TestRoutesArgs = { uri: doc.uri, messageIndex: lens.messageIndex };
      lenses.push({ range: { start: at, end: at }, command: { title: lens.title, command: TEST_ROUTES_COMMAND, arguments: [args] } });
    }
    return lenses;
  });

  documents.listen(connection);
  connection.listen();
}

async function fetchRoutes(connection: Connection): Promise<RoutesState> {
  let result: RoutesResult | undefined;
  try {
    const params: RoutesParams = {};
    result = await connection.sendRequest<RoutesResult>(ROUTES_REQUEST, params);
  } catch {
    return { none: true }; // a client without the request: no route tester
  }
  if (typeof result?.text !== 'string') return { none: true };
  const source = result.source ?? 'routes file';
  const v = parseRoutesFileText(result.text);
  if (v.file === undefined) {
    const errors = v.problems.filter((p) => p.severity === 'error').length;
    return { unusable: `${source.split(/[\\/]/).pop() ?? source} has ${errors} error${errors === 1 ? '' : 's'}` };
  }
  return { table: RouteTable.compile(v.file), source };
}

async function fetchApplicationPropertyNames(connection: Connection): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const params: ApplicationPropertyNamesParams = {};
    const reply = connection.sendRequest<ApplicationPropertyNamesResult>(APPLICATION_PROPERTY_NAMES_REQUEST, params);
    const timeout = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), DEVICE_IDS_TIMEOUT_MS); });
    const result = await Promise.race([reply, timeout]);
    return Array.isArray(result?.names) ? result.names.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  } finally {
    if (timer) clearTimeout(timer);
  }
}

async function fetchDeviceIds(connection: Connection): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const params: DeviceIdsParams = {};
    const reply = connection.sendRequest<DeviceIdsResult>(DEVICE_IDS_REQUEST, params);
    const timeout = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), DEVICE_IDS_TIMEOUT_MS); });
    const result = await Promise.race([reply, timeout]);
    return Array.isArray(result?.deviceIds) ? result.deviceIds.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    // A client that does not implement the request (another editor) simply gets no device ids.
    return [];
  } finally {
    if (timer) clearTimeout(timer);
  }
}
