// The brokers under test. Each target is started in its own process and described the same way
// to the one load generator.
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { bundleScript } from './bundle';
import type { C2dSender, Credential } from './loadGenerator';

export interface Target {
  name: string;
  url: string;
  ca: string;
  pid: number;
  credentials(count: number): Promise<Credential[]>;
  c2dSender(device: Credential): Promise<C2dSender>;
  stop(): Promise<void>;
}

/** A throwaway CA and a server certificate for localhost, for the peers (the hub makes its own). */
export function makePeerCertificates(dir: string): { ca: string; cert: string; key: string } {
  mkdirSync(dir, { recursive: true });
  const p = (f: string): string => join(dir, f);
  const run = (args: string[]): void => { execFileSync('openssl', args, { stdio: 'ignore' }); };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=bench-ca', '-keyout', p('ca.key'), '-out', p('ca.pem')]);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', p('server.key'), '-out', p('server.csr')]);
  writeFileSync(p('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  run(['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', p('ext.cnf'), '-out', p('server.pem')]);
  return { ca: p('ca.pem'), cert: p('server.pem'), key: p('server.key') };
}

export function waitForLine(child: ChildProcess, match: (line: string) => boolean, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error('timed out waiting for the target to start')), timeoutMs);
    rl.on('line', (line) => { if (match(line)) { clearTimeout(timer); rl.close(); resolve(line); } });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`target exited early with ${code}`)); });
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

/** Whether `command` can be run (on PATH): a missing mosquitto must skip its peer, not crash the benchmark. */
export function commandAvailable(command: string): boolean {
  const r = spawnSync(command, ['-h'], { stdio: 'ignore' });
  return (r.error as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT';
}

/**
 * Runs a target's start-up; if it fails (the target exits, times out or cannot be spawned), the
 * child is stopped before the error goes on, so a failed benchmark leaves nothing running.
 */
export async function stopIfStartFails<T>(child: ChildProcess, start: () => Promise<T>): Promise<T> {
  // An 'error' event (e.g. spawn ENOENT) with no listener would crash the process instead.
  child.on('error', () => undefined);
  try {
    return await start();
  } catch (e) {
    await stopChild(child);
    throw e;
  }
}

export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) { resolve(); return; }
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => { clearTimeout(t); resolve(); });
    child.kill('SIGTERM');
  });
}

function anonymous(count: number, prefix: string): Credential[] {
  return Array.from({ length: count }, (_, i) => ({ clientId: `${prefix}${i}`, username: `${prefix}${i}` }));
}

export async function startPlainAedes(root: string, certs: { ca: string; cert: string; key: string }): Promise<Target> {
  // AEDES_BENCH_NODE_ARGS: extra Node flags for the peer (for example --cpu-prof, to compare with the hub's profile).
  const extra = (process.env['AEDES_BENCH_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...extra, bundleScript(root, 'bench/hub/plainAedes.ts'), certs.cert, certs.key, '0'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await stopIfStartFails(child, () => waitForLine(child, (l) => l.includes('"ready"')));
  const port = (JSON.parse(line) as { port: number }).port;
  return {
    name: 'plain aedes over TLS', url: `mqtts://localhost:${port}`, ca: certs.ca, pid: child.pid!,
    credentials: async (n) => anonymous(n, 'dev'),
    c2dSender: async () => ({ kind: 'mqtt', service: { clientId: 'service', username: 'service' } }),
    stop: () => stopChild(child),
  };
}

export async function startMosquitto(dir: string, certs: { ca: string; cert: string; key: string }, port: number): Promise<Target> {
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [
    `listener ${port} 127.0.0.1`, `cafile ${certs.ca}`, `certfile ${certs.cert}`, `keyfile ${certs.key}`,
    // Running as root, mosquitto would drop to its own user, which cannot read our key file.
    'user root', 'allow_anonymous true', 'persistence false', 'max_connections -1', 'log_dest none', '',
  ].join('\n'));
  const child = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  // mosquitto prints nothing with log_dest none; poll the port instead.
  await stopIfStartFails(child, () => waitForPort(port, child));
  return {
    name: 'mosquitto (Debian)', url: `mqtts://localhost:${port}`, ca: certs.ca, pid: child.pid!,
    credentials: async (n) => anonymous(n, 'dev'),
    c2dSender: async () => ({ kind: 'mqtt', service: { clientId: 'service', username: 'service' } }),
    stop: () => stopChild(child),
  };
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs = 20_000): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  let failed: Error | undefined;
  child.once('error', (e) => { failed = e; });
  child.once('exit', (code) => { failed ??= new Error(`mosquitto exited early with ${code}`); });
  for (;;) {
    if (failed !== undefined) throw failed;
    const ok = await new Promise<boolean>((r) => { const s = connect(port, '127.0.0.1'); s.once('connect', () => { s.destroy(); r(true); }); s.once('error', () => r(false)); });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not open`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export { existsSync, readFileSync };
