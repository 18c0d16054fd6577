// The hub CLI's options (node:util parseArgs) and the parsing of their values: durations, ports,
// the data dir. A UsageError is a mistake on the command line (exit code 2).
import * as os from 'node:os';
import * as path from 'node:path';
import type { parseArgs, ParseArgsConfig } from 'node:util';
import type { HubLogger } from '../contracts';

export const DEFAULT_DATA_DIR = path.join(os.homedir(), '.iot-hub-local');

export class UsageError extends Error {}

export const OPTIONS = {
  'data-dir': { type: 'string' },
  host: { type: 'string' },
  'allow-remote': { type: 'boolean' },
  'mqtt-port': { type: 'string' },
  'api-port': { type: 'string' },
  'amqp-port': { type: 'string' },
  'service-port': { type: 'string' },
  'https-port': { type: 'string' },
  partitions: { type: 'string' },
  retention: { type: 'string' },
  'hub-name': { type: 'string' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  disabled: { type: 'boolean' },
  'primary-key': { type: 'string' },
  'secondary-key': { type: 'string' },
  ttl: { type: 'string' },
  // route, endpoint and enrichment commands
  condition: { type: 'string' },
  endpoint: { type: 'string', multiple: true },
  source: { type: 'string' },
  type: { type: 'string' },
  'entity-path': { type: 'string' },
  'consumer-group': { type: 'string', multiple: true },
  encoding: { type: 'string' },
  'batch-frequency': { type: 'string' },
  'max-chunk': { type: 'string' },
  'file-name-format': { type: 'string' },
  container: { type: 'string' },
  property: { type: 'string', multiple: true },
  body: { type: 'string' },
  'content-type': { type: 'string' },
  'content-encoding': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

export type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

export function stderrLogger(verbose: boolean): HubLogger {
  const line = (level: string, m: string): void => {
    process.stderr.write(`${new Date().toISOString()} ${level} ${m}\n`);
  };
  return {
    info: (m) => line('info ', m),
    warn: (m) => line('warn ', m),
    error: (m) => line('error', m),
    debug: (m) => {
      if (verbose) line('debug', m);
    },
  };
}

export const quietLogger: HubLogger = { info() {}, warn() {}, error() {}, debug() {} };

export function parseDuration(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (m === null || m[1] === undefined) throw new UsageError(`${what} must be a duration like 30s, 15m, 12h or 1d, not "${text}".`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 's'] ?? 1000;
  const ms = Number(m[1]) * unit;
  if (!(ms > 0)) throw new UsageError(`${what} must be positive.`);
  return ms;
}

export function parsePort(text: string | undefined, what: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new UsageError(`${what} must be a port number 0-65535, not "${text}".`);
  return Number(text);
}

export function dataDirOf(values: Values): string {
  return path.resolve(values['data-dir'] ?? process.env['IOT_HUB_LOCAL_DATA_DIR'] ?? DEFAULT_DATA_DIR);
}

export function requireId(positionals: string[], index: number, what: string): string {
  const id = positionals[index];
  if (id === undefined || id === '') throw new UsageError(`Missing ${what}. See "iot-hub-local help ${positionals[0] ?? ''}".`);
  return id;
}
