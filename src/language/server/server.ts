// The language server for *.iotmsg.json: a thin LSP adapter over the pure rules in ../rules.
import {
  CodeActionKind, CompletionItemKind, DiagnosticSeverity, InsertTextFormat, MarkupKind, TextDocuments, TextDocumentSyncKind,
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
import { DEVICE_IDS_REQUEST, type DeviceIdsParams, type DeviceIdsResult, type LanguageServerInitOptions, type SendFromFileArgs } from '../protocol';

export const DIAGNOSTIC_SOURCE = 'iot-hub-msg';

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

/** How long completion waits for the extension's device list before going on without it. */
const DEVICE_IDS_TIMEOUT_MS = 1500;

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const cache = new Map<string, { version: number; analysis: Analysis }>();
  let schemaHandledByClient = false;

  const analysisOf = (doc: TextDocument): Analysis => {
    const hit = cache.get(doc.uri);
    if (hit?.version === doc.version) return hit.analysis;
    const analysis = analyse(doc.getText());
    cache.set(doc.uri, { version: doc.version, analysis });
    return analysis;
  };

  const toDiagnostic = (doc: TextDocument, d: FileDiagnostic): Diagnostic => ({
    range: { start: doc.positionAt(d.start), end: doc.positionAt(d.end) },
    severity: SEVERITY[d.severity],
    code: d.code,
    source: DIAGNOSTIC_SOURCE,
    message: d.message,
  });

  const visible = (d: FileDiagnostic): boolean => !schemaHandledByClient || d.origin === 'rule';

  const validate = (doc: TextDocument): void => {
    try {
      const diagnostics = analysisOf(doc).diagnostics.filter(visible).map((d) => toDiagnostic(doc, d));
      void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
    } catch (err) {
      // One document that cannot be analysed must not take the server (and every other file) down.
      connection.console.error(`could not check ${doc.uri}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
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
  documents.onDidClose((e) => {
    cache.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onCompletion(async (params): Promise<CompletionItem[]> => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    const text = doc.getText();
    const offset = doc.offsetAt(params.position);
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
    if (!doc) return null;
    const h = hover(analysisOf(doc), doc.offsetAt(params.position));
    if (!h || (schemaHandledByClient && h.fromSchema)) return null;
    return {
      contents: { kind: MarkupKind.Markdown, value: h.contents },
      range: { start: doc.positionAt(h.range.start), end: doc.positionAt(h.range.end) },
    };
  });

  connection.onCodeAction((params): CodeAction[] => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
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

  connection.onCodeLens((params): CodeLens[] => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    return codeLenses(analysisOf(doc)).map((lens) => {
      const at = doc.positionAt(lens.offset);
      const args: SendFromFileArgs = { uri: doc.uri, messageIndex: lens.messageIndex };
      return { range: { start: at, end: at }, command: { title: lens.title, command: lens.command, arguments: [args] } };
    });
  });

  documents.listen(connection);
  connection.listen();
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
