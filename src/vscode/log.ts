// The extension's one logging path. Secrets (keys, tokens, connection strings) never reach it:
// callers pass identifiers, and `redact` scrubs anything that looks like a credential.
import * as vscode from 'vscode';
import { errorText } from '../core/errorText';

const SECRET_PATTERNS: RegExp[] = [
  /(SharedAccessKey=)[^;"\s]+/gi,
  /(sig=)[^&;"\s]+/gi,
  /(SharedAccessSignature\s+)\S+/gi,
];

export function redact(text: string): string {
  return SECRET_PATTERNS.reduce((t, re) => t.replace(re, '$1<redacted>'), text);
}

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
