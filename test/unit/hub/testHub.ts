// Shared fixture for the hub front-door tests: a real local hub on ephemeral ports in a temp dir.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSasToken } from '../../../src/core/auth/sas';
import type { Clock, HubLogger } from '../../../src/hub/contracts';
import { startLocalHub, type LocalHub, type LocalHubOptions } from '../../../src/hub/localHub';

export interface TestHub {
  hub: LocalHub;
  dir: string;
  ca: string;
  mqttPort: number;
  apiPort: number;
  logs: string[];
  createDevice(deviceId: string, status?: 'enabled' | 'disabled'): Promise<{ deviceId: string; key: string; connectionString: string }>;
  /** A device SAS token (password) signed with the device's primary key. */
  deviceToken(deviceId: string, key: string, ttlSeconds?: number): string;
  close(): Promise<void>;
}

const repoRoot = join(import.meta.dirname, '../../..');

/** The real hub CLI entry point (tsx), as a separate process like a user's shell runs it. */
export function runHubCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/hub/cli/main.ts'), ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function memoryLogger(lines: string[], echo = process.env['HUB_TEST_LOG'] === '1'): HubLogger {
  const put = (level: string) => (m: string): void => {
    lines.push(`${level} ${m}`);
    if (echo) process.stderr.write(`[hub ${level}] ${m}\n`);
  };
  return { info: put('info'), warn: put('warn'), error: put('error'), debug: put('debug') };
}

export async function startTestHub(options: Partial<LocalHubOptions> & { clock?: Clock } = {}): Promise<TestHub> {
  const dir = mkdtempSync(join(tmpdir(), 'hub-test-'));
  const logs: string[] = [];
  let hub: LocalHub;
  try {
    hub = await startLocalHub({ dataDir: dir, mqttPort: 0, apiPort: 0, amqpPort: false, log: memoryLogger(logs), ...options });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const info = hub.connectionInfo;
  const ca = readFileSync(info.caCertPath, 'utf8');
  const now = (): number => (options.clock ?? { now: () => Date.now() }).now();
  return {
    hub,
    dir,
    ca,
    mqttPort: info.mqtt.port,
    apiPort: info.api.port,
    logs,
    async createDevice(deviceId, status = 'enabled') {
      const d = await hub.hubState.registry.create({ deviceId, status });
      return { deviceId, key: d.authentication.symmetricKey.primaryKey, connectionString: info.deviceConnectionString(deviceId) };
    },
    deviceToken(deviceId, key, ttlSeconds = 3600) {
      return createSasToken({ resourceUri: `localhost/devices/${deviceId}`, key, expiresAtSeconds: Math.floor(now() / 1000) + ttlSeconds });
    },
    async close() {
      await hub.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `fn` until it returns a defined value (real components settle asynchronously; the default
 * deadline leaves room for a CI machine whose two cores are busy with other suites). */
export async function eventually<T>(fn: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    // `false` would end the wait at once; a condition must give undefined to keep polling.
    if ((v as unknown) === false) throw new Error(`eventually(${what}): the check returned false; return undefined (e.g. \`cond || undefined\`) to keep waiting`);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
