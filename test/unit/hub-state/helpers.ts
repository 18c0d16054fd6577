// Shared helpers for the hub-state tests: temp data dirs that are always removed, a logger that
// records what the hub said.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HubLogger } from '../../../src/hub/contracts';

export interface CapturedLog extends HubLogger {
  lines: { level: string; message: string }[];
  text(): string;
}

export function captureLogger(): CapturedLog {
  const lines: { level: string; message: string }[] = [];
  const add = (level: string) => (message: string) => {
    lines.push({ level, message });
  };
  return {
    lines,
    info: add('info'),
    warn: add('warn'),
    error: add('error'),
    debug: add('debug'),
    text: () => lines.map((l) => `${l.level}: ${l.message}`).join('\n'),
  };
}

export function tempDir(prefix = 'hub-state-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function text(body: Uint8Array): string {
  return Buffer.from(body).toString('utf8');
}
