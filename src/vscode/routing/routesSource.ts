// Finds the routes file the route tester uses and says when it changes: the workspace's first
// `*.iotroutes.json` (by path), else the local hub's `routes.json` in its data directory. A
// workspace file wins because it is the one being written and tested in this project; the hub's
// file is what routes there when the project has none. A routes file open in an editor is read
// from the editor, unsaved edits included (debounced), so the route lenses and Test Routes answer
// for the text being typed, as the file's diagnostics do.
import { join } from 'node:path';
import * as vscode from 'vscode';
import { ROUTES_FILE_NAME } from '../../core/routing/routesFile';

export const ROUTES_FILE_PATTERN = '**/*.iotroutes.json';

export interface LoadedRoutes {
  text: string;
  /** File system path (or URI string for a non-file workspace). */
  source: string;
  uri: vscode.Uri;
}

/** How long typing in a routes file settles before the lenses are recomputed. */
export const ROUTES_EDIT_DEBOUNCE_MS = 300;

export class RoutesSource implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [this.emitter];
  private editTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly dataDir: string) {
    const fire = (): void => {
      if (this.editTimer !== undefined) clearTimeout(this.editTimer);
      this.editTimer = undefined;
      this.emitter.fire();
    };
    const watchers = [
      vscode.workspace.createFileSystemWatcher(ROUTES_FILE_PATTERN),
      vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dataDir), ROUTES_FILE_NAME)),
    ];
    for (const w of watchers) this.disposables.push(w, w.onDidCreate(fire), w.onDidChange(fire), w.onDidDelete(fire));
    // Saving in the editor fires the watcher too, but only once the file is written: also follow saves.
    this.disposables.push(vscode.workspace.onDidSaveTextDocument((d) => { if (this.isRoutesFile(d.uri)) fire(); }));
    // Unsaved edits, once typing pauses; closing the file (saved or not) goes back to the disk's text.
    this.disposables.push(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length === 0 || !this.isRoutesFile(e.document.uri)) return;
        if (this.editTimer !== undefined) clearTimeout(this.editTimer);
        this.editTimer = setTimeout(fire, ROUTES_EDIT_DEBOUNCE_MS);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => { if (this.isRoutesFile(d.uri)) fire(); }),
      { dispose: () => { if (this.editTimer !== undefined) clearTimeout(this.editTimer); } },
    );
  }

  /** The local hub's routes file. */
  get hubRoutesFile(): vscode.Uri {
    return vscode.Uri.file(join(this.dataDir, ROUTES_FILE_NAME));
  }

  isRoutesFile(uri: vscode.Uri): boolean {
    return uri.path.endsWith('.iotroutes.json') || (uri.scheme === 'file' && uri.fsPath === this.hubRoutesFile.fsPath);
  }

  async load(): Promise<LoadedRoutes | undefined> {
    const found = (await vscode.workspace.findFiles(ROUTES_FILE_PATTERN, '**/node_modules/**', 50)).sort((a, b) => a.path.localeCompare(b.path));
    for (const uri of [...found, this.hubRoutesFile]) {
      const open = vscode.workspace.textDocuments.find((d) => !d.isClosed && d.uri.toString() === uri.toString());
      if (open !== undefined) return { text: open.getText(), source: uri.scheme === 'file' ? uri.fsPath : uri.toString(), uri };
      try {
        const bytes = await vscode.workspace.fs.readFile(uri);
        return { text: new TextDecoder().decode(bytes), source: uri.scheme === 'file' ? uri.fsPath : uri.toString(), uri };
      } catch {
        // Gone since the search, or the hub has no routes file: try the next.
      }
    }
    return undefined;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}
