// Thin entry point: builds the extension context object and hands it everything to own.
import * as vscode from 'vscode';
import { ExtensionRuntime } from './vscode/runtime';

let runtime: ExtensionRuntime | undefined;

export function activate(context: vscode.ExtensionContext): ExtensionRuntime {
  runtime = new ExtensionRuntime(context);
  context.subscriptions.push(runtime);
  return runtime;
}

export function deactivate(): void {
  runtime = undefined;
}
