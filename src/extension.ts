// Thin entry point: builds the extension context object and hands it everything to own.
import * as vscode from 'vscode';
import { ExtensionRuntime } from './vscode/runtime';

let runtime: ExtensionRuntime | undefined;

export function activate(context: vscode.ExtensionContext): ExtensionRuntime {
  const called = performance.now();
  runtime = new ExtensionRuntime(context);
  context.subscriptions.push(runtime);
  // From the bundle starting to run (build banner) to activate() returning: what bench:extension reports.
  // The split says whose time it is: our top level (start -> end), VS Code's (end -> activate() called).
  const stamps = globalThis as { __iotHubBundleStart?: number; __iotHubBundleEnd?: number };
  if (stamps.__iotHubBundleStart !== undefined) {
    runtime.loadToActivateMs = performance.now() - stamps.__iotHubBundleStart;
    if (stamps.__iotHubBundleEnd !== undefined) {
      runtime.bundleEvalMs = stamps.__iotHubBundleEnd - stamps.__iotHubBundleStart;
      runtime.hostGapMs = called - stamps.__iotHubBundleEnd;
    }
  }
  return runtime;
}

export function deactivate(): void {
  runtime = undefined;
}
