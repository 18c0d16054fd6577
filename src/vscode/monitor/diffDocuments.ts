// Read-only documents for "compare with the previous message": two JSON texts under the
// `iothub-monitor` scheme, held in memory (the newest 50), so a diff needs no temp files.
import * as vscode from 'vscode';

export const DIFF_SCHEME = 'iothub-monitor';
const KEEP = 50;

export class DiffDocuments implements vscode.Disposable, vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private next = 1;
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(DIFF_SCHEME, this);
  }

  put(name: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: DIFF_SCHEME, path: `/${this.next++}/${name}` });
    this.texts.set(uri.toString(), text);
    while (this.texts.size > KEEP) {
      const oldest = this.texts.keys().next().value;
      if (oldest === undefined) break;
      this.texts.delete(oldest);
    }
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '(this message is no longer kept)';
  }

  dispose(): void {
    this.registration.dispose();
    this.texts.clear();
  }
}
