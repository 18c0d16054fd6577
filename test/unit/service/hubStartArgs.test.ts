// How the extension starts its hub from the iotHubMessaging.localHub.* settings: the standard
// service ports at their defaults are left to the CLI (tried, skipped with a warning), other values
// are passed (required), null turns them off; package.json contributes the settings with the same
// defaults; and the real CLI started with those arguments listens where the settings say.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_HTTPS_PORT, DEFAULT_SERVICE_PORT, hubStartArgs, portSetting, type LocalHubSettings } from '../../../src/vscode/localHub/hubStartArgs';
import { runHubCli } from '../hub/testHub';

const base: LocalHubSettings = { host: '127.0.0.1', allowRemoteAccess: false, mqttPort: 8883, apiPort: 8443, amqpPort: 5672, servicePort: 5671, httpsPort: 443 };
const repoRoot = join(import.meta.dirname, '../../..');

void describe('local hub start arguments from the settings', () => {
  void it('leaves the default standard ports to the CLI, passes other values, and turns null off', () => {
    assert.deepEqual(hubStartArgs('/d', base), ['start', '--data-dir', '/d', '--host', '127.0.0.1', '--mqtt-port', '8883', '--api-port', '8443', '--amqp-port', '5672']);
    assert.deepEqual(hubStartArgs('/d', { ...base, servicePort: 15671, httpsPort: 0 }).slice(-4), ['--service-port', '15671', '--https-port', '0']);
    assert.deepEqual(hubStartArgs('/d', { ...base, servicePort: null, httpsPort: null }).slice(-4), ['--service-port', 'off', '--https-port', 'off']);
  });

  void it('reads a port setting: a whole number 0-65535 or null, anything else falls back to the default', () => {
    assert.equal(portSetting(0, 5671), 0);
    assert.equal(portSetting(8443, 443), 8443);
    assert.equal(portSetting(null, 443), null);
    for (const bad of [-1, 65536, 1.5, '443', undefined, {}]) assert.equal(portSetting(bad, 443), 443, String(bad));
  });

  void it('package.json contributes both settings with the defaults the extension uses, described', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { default: unknown; type: unknown; markdownDescription?: string }> } } };
    const props = pkg.contributes.configuration.properties;
    for (const [key, def] of [['servicePort', DEFAULT_SERVICE_PORT], ['httpsPort', DEFAULT_HTTPS_PORT]] as const) {
      const p = props[`iotHubMessaging.localHub.${key}`];
      assert.ok(p, `iotHubMessaging.localHub.${key} is contributed`);
      assert.equal(p.default, def);
      assert.deepEqual(p.type, ['integer', 'null']);
      assert.match(p.markdownDescription ?? '', /`null` turns it off/);
    }
    assert.match(props['iotHubMessaging.localHub.httpsPort']!.markdownDescription!, /setcap cap_net_bind_service/);
  });

  void it('the CLI started with them listens where they say: service AMQP on a free port, no 443', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-args-'));
    try {
      const args = hubStartArgs(dir, { ...base, mqttPort: 0, apiPort: 0, amqpPort: 0, servicePort: 0, httpsPort: null });
      // `start` runs until a signal: ask for --json and stop it as soon as it printed its connection info.
      const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/hub/cli/main.ts'), ...args, '--json'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const info = await new Promise<{ service?: { amqpPort?: number; httpsPort?: number } }>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const line = out.split('\n').find((l) => l.startsWith('{'));
          if (line !== undefined) resolve(JSON.parse(line) as never);
        });
        child.on('close', (code) => reject(new Error(`the hub exited (${code})`)));
      });
      child.kill('SIGTERM');
      await new Promise((r) => child.on('close', r));
      assert.ok((info.service?.amqpPort ?? 0) > 0 && info.service!.amqpPort !== DEFAULT_SERVICE_PORT, `service AMQP on a free port: ${JSON.stringify(info.service)}`);
      assert.equal(info.service?.httpsPort, undefined);
      // A bad value the CLI refuses comes back as its usage error (what the extension shows).
      const refused = await runHubCli(['start', '--data-dir', dir, '--service-port', 'seventy']);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /--service-port/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
