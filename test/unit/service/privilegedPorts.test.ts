// A user without the privilege to bind ports below 1024 starts the hub CLI (`iot-hub-local start`)
// on IoT Hub's 443, with a real bind the kernel refuses (EACCES): asked for 443 explicitly, the hub
// stops and says why with the fixes (root, setcap cap_net_bind_service, the sysctl); left at the
// default, it runs without 443, warns with the same fixes, and serves everything else (the
// service AMQP endpoint, MQTT, its HTTPS API), which a device connection proves.
// As root (CI) the hub runs as `nobody`; as another user, as that user. Skipped where every user
// may bind 443 (net.ipv4.ip_unprivileged_port_start <= 443, as in some containers): nothing to refuse.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, describe, it } from 'node:test';

const repoRoot = join(import.meta.dirname, '../../..');
const NOBODY = 65534;

function unprivilegedPortStart(): number | undefined {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
  } catch {
    return undefined;
  }
}

const isRoot = process.getuid?.() === 0;
const portStart = unprivilegedPortStart();
const skip = process.platform !== 'linux' ? 'the privilege check is Linux\'s here'
  : portStart === undefined ? 'cannot read net.ipv4.ip_unprivileged_port_start'
  : portStart <= 443 ? `every user may bind 443 on this machine (net.ipv4.ip_unprivileged_port_start=${portStart})`
  : false;

const dirs: string[] = [];
/** A data dir the unprivileged user owns (the hub writes its state, CA and connection.json there). */
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hub-unpriv-'));
  dirs.push(dir);
  if (isRoot) chownSync(dir, NOBODY, NOBODY);
  return dir;
}

/** `iot-hub-local start` as an unprivileged user (nobody when we are root). */
function startCli(dir: string, args: string[]): { child: ChildProcess; output: () => { stdout: string; stderr: string }; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/hub/cli/main.ts'), 'start', '--data-dir', dir, '--json', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    // HOME and the tsx cache must be the unprivileged user's to write.
    env: { PATH: process.env['PATH'] ?? '', HOME: dir, TMPDIR: dir },
    ...(isRoot ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => ({ stdout, stderr }), exited };
}

async function until<T>(what: string, fn: () => T | undefined, exited: Promise<unknown>, ms = 60_000): Promise<T> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (gone) throw new Error(`the hub exited before ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const FIXES = [/Not allowed to listen on the HTTPS \(IoT Hub's 443\) port 443/, /as administrator \(root\)/, /setcap cap_net_bind_service=\+ep/, /sysctl net\.ipv4\.ip_unprivileged_port_start=443/, /or choose another port/];

void describe('standard ports without the privilege to bind them', { skip }, () => {
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  void it('asked for 443 explicitly, the hub refuses to start and names the fixes', async () => {
    const run = startCli(dataDir(), ['--mqtt-port', '0', '--api-port', '0', '--amqp-port', 'off', '--service-port', 'off', '--https-port', '443']);
    const timer = setTimeout(() => run.child.kill('SIGKILL'), 60_000);
    const code = await run.exited;
    clearTimeout(timer);
    const { stdout, stderr } = run.output();
    assert.notEqual(code, 0, `the hub started on 443 as an unprivileged user:\n${stdout}\n${stderr}`);
    for (const fix of FIXES) assert.match(stderr, fix);
    assert.match(stderr, /^iot-hub-local: /m, 'one fatal line the extension shows');
  });

  void it('left at the default, it warns with the fixes and serves everything else', async () => {
    const dir = dataDir();
    const run = startCli(dir, ['--mqtt-port', '0', '--api-port', '0', '--amqp-port', 'off', '--service-port', '0']);
    try {
      const info = await until('the hub to start', () => {
        const line = run.output().stdout.split('\n').find((l) => l.startsWith('{'));
        return line === undefined ? undefined : JSON.parse(line) as { pid: number; mqtt: { port: number }; api: { port: number }; service?: { amqpPort?: number; httpsPort?: number; connectionString: string } };
      }, run.exited);
      const { stderr } = run.output();
      for (const fix of FIXES) assert.match(stderr, fix);
      assert.match(stderr, /The hub runs without it/);
      assert.equal(info.service?.httpsPort, undefined);
      assert.ok((info.service?.amqpPort ?? 0) > 0, 'the service AMQP endpoint is listening');
      // Without 443 the SDK connection string carries the AMQP port (Client honours it).
      assert.match(info.service!.connectionString, new RegExp(`^HostName=localhost:${info.service!.amqpPort};`));
      const ca = readFileSync(join(dir, 'tls', 'ca.pem'), 'utf8');
      for (const port of [info.service!.amqpPort!, info.mqtt.port, info.api.port]) {
        await new Promise<void>((resolve, reject) => {
          const s = connect({ host: '127.0.0.1', port, servername: 'localhost', ca }, () => {
            s.destroy();
            resolve();
          });
          s.on('error', reject);
        });
      }
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  });
});
