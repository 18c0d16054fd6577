// Thin entry point: builds the extension context object and hands it everything to own.
import * as vscode from 'vscode';
import { ExtensionRuntime } from './vscode/runtime';

let runtime: ExtensionRuntime | undefined;

export function activate(context: vscode.ExtensionContext): ExtensionRuntime {
  runtime = new ExtensionRuntime(context);
  context.subscriptions.push(runtime);
  // From the bundle starting to run (build banner) to activate() returning: what bench:extension reports.
  const bundleStart = (globalThis as { __iotHubBundleStart?: number }).__iotHubBundleStart;
  if (bundleStart !== undefined) runtime.loadToActivateMs = performance.now() - bundleStart;
  return runtime;
}

export function deactivate(): void {
  runtime = undefined;
}
