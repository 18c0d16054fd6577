// The extension's one logging path. Secrets (keys, tokens, connection strings) never reach it:
// callers pass identifiers, and `redact` scrubs anything that looks like a credential.
import * as vscode from 'vscode';
import { errorText } from '../core/errorText';
import { redactSecrets } from '../core/redactSecrets';

/** Scrubs keys, SAS tokens and signatures (src/core/redactSecrets.ts) from a log line. */
export const redact = redactSecrets;

export class Log implements vscode.Disposable {
  private readonly channel: vscode.LogOutputChannel;
  constructor(name = 'IoT Hub Messaging') {
    this.channel = vscode.window.createOutputChannel(name, { log: true });
  }
  info(message: string): void { this.channel.info(redact(message)); }
  warn(message: string): void { this.channel.warn(redact(message)); }
  error(message: string, error?: unknown): void {
    const detail = error !== undefined ? `: ${errorText(error)}` : '';
    this.channel.error(redact(message + detail));
  }
  debug(message: string): void { this.channel.debug(redact(message)); }
  show(): void { this.channel.show(true); }
  dispose(): void { this.channel.dispose(); }
}
