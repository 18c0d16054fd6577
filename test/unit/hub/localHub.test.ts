// startLocalHub as a program: TLS material (local CA, loopback-only certificate, key modes, reuse
// across restarts), connection.json, loopback binding, the Event Hubs hook, and the CLI.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { after, describe, it } from 'node:test';
import { parseDeviceConnectionString, parseHubConnectionString } from '../../../src/core/auth/connectionString';
import { main as cliMain } from '../../../src/hub/cli/main';
import { CONNECTION_FILE_NAME, startLocalHub, type ConnectionInfoJson } from '../../../src/hub/localHub';
import { memoryLogger, runHubCli as cli } from './testHub';


/** The CLI in-process (same code as the bin, without a tsx start-up per call), capturing its output. */
async function cliIn(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await cliMain(args, { out: (t) => (stdout += t), err: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

function tlsHandshake(port: number, servername: string, ca: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = tlsConnect({ host: '127.0.0.1', port, servername, ca }, () => {
      s.end();
      resolve(undefined);
    });
    s.on('error', (e) => resolve(e.message));
  });
}

void describe('startLocalHub', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'hub-prog-'));
    dirs.push(d);
    return d;
  };
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  void it('creates a local CA and a loopback-only server certificate, keys 0600, reused on restart', async () => {
    const dir = tempDir();
    const logs: string[] = [];
    const hub = await startLocalHub({ dataDir: dir, mqttPort: 0, apiPort: 0, amqpPort: 0, log: memoryLogger(logs) });
    const info = hub.connectionInfo;
    let caPem: string;
    try {
      caPem = readFileSync(info.caCertPath, 'utf8');
      const ca = new X509Certificate(caPem);
      assert.equal(ca.ca, true);
      const server = new X509Certificate(readFileSync(join(dir, 'tls/server.pem')));
      assert.equal(server.verify(ca.publicKey), true, 'server certificate signed by the local CA');
      assert.equal(server.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
      for (const key of ['tls/ca-key.pem', 'tls/server-key.pem']) assert.equal(statSync(join(dir, key)).mode & 0o777, 0o600, key);
      assert.equal(statSync(join(dir, CONNECTION_FILE_NAME)).mode & 0o777, 0o600, 'connection.json holds the owner key');
      // The certificate is accepted for localhost and refused for another name.
      assert.equal(await tlsHandshake(info.mqtt.port, 'localhost', caPem), undefined);
      assert.match((await tlsHandshake(info.mqtt.port, 'example.com', caPem)) ?? '', /Hostname\/IP does not match|altnames/i);

      const json = JSON.parse(readFileSync(join(dir, CONNECTION_FILE_NAME), 'utf8')) as ConnectionInfoJson;
      assert.equal(json.pid, process.pid);
      assert.equal(json.mqtt.port, info.mqtt.port);
      assert.equal(json.api.websocketUrl, `wss://localhost:${info.api.port}/$iothub/websocket`);
      assert.equal(parseHubConnectionString(json.hubConnectionString).hostName, `localhost:${info.api.port}`);
      assert.match(json.amqp?.eventHubsConnectionString ?? '', new RegExp(`^Endpoint=sb://localhost:${json.amqp?.port}/;.*EntityPath=local-hub;UseDevelopmentEmulator=true$`));
      await hub.hubState.registry.create({ deviceId: 'cs-dev' });
      const dcs = parseDeviceConnectionString(info.deviceConnectionString('cs-dev'));
      assert.equal(dcs.hostName, `localhost:${info.mqtt.port}`);
      assert.equal(dcs.deviceId, 'cs-dev');
    } finally {
      await hub.close();
    }
    assert.equal(existsSync(join(dir, CONNECTION_FILE_NAME)), false, 'connection.json removed on close');
    const again = await startLocalHub({ dataDir: dir, mqttPort: 0, apiPort: 0, amqpPort: false });
    try {
      assert.equal(readFileSync(again.connectionInfo.caCertPath, 'utf8'), caPem, 'the CA survives restarts');
      assert.ok(again.hubState.registry.get('cs-dev'), 'devices survive restarts');
    } finally {
      await again.close();
    }
  });

  void it('binds loopback only unless remote binding is explicitly allowed; a locked data dir is a clear error', async () => {
    const dir = tempDir();
    await assert.rejects(startLocalHub({ dataDir: dir, host: '0.0.0.0', mqttPort: 0, apiPort: 0, amqpPort: false }), /not a loopback address.*--allow-remote/);
    const logs: string[] = [];
    const hub = await startLocalHub({ dataDir: dir, host: '0.0.0.0', allowRemote: true, mqttPort: 0, apiPort: 0, amqpPort: 0, log: memoryLogger(logs) });
    try {
      const warning = logs.find((l) => l.startsWith('warn') && l.includes('reachable from other machines'));
      assert.ok(warning !== undefined);
      assert.match(warning, /Event Hubs-compatible AMQP endpoint is plain text \(no TLS\)/, 'the warning says the AMQP endpoint is not encrypted');
      await assert.rejects(startLocalHub({ dataDir: dir, mqttPort: 0, apiPort: 0, amqpPort: false }), /already open in this process|in use/);
      await assert.rejects(startLocalHub({ dataDir: tempDir(), mqttPort: hub.connectionInfo.mqtt.port, apiPort: 0, amqpPort: false }), /port \d+ .*already in use/);
    } finally {
      await hub.close();
    }
  });
});

void describe('iot-hub-local CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  void it('documents itself and uses exit codes 0 / 1 / 2', async () => {
    const help = await cli(['--help']); // the real entry point, once
    assert.equal(help.code, 0);
    assert.match(help.stdout, /iot-hub-local start/);
    const startHelp = await cliIn(['help', 'start']);
    assert.match(startHelp.stdout, /--mqtt-port N/);
    assert.equal((await cliIn(['start', '--no-such-flag'])).code, 2);
    assert.equal((await cliIn(['frobnicate'])).code, 2);
    const missing = await cliIn(['device', 'show', 'x', '--data-dir', join(dir, 'absent')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No hub data dir/);
  });

  void it('manages devices and consumer groups on a stopped hub data dir', async () => {
    const created = await cliIn(['device', 'create', 'cli-1', '--data-dir', dir]);
    assert.equal(created.code, 0, created.stderr);
    const cs = parseDeviceConnectionString(created.stdout.trim());
    assert.equal(cs.deviceId, 'cli-1');
    assert.equal(cs.hostName, 'localhost');
    const dup = await cliIn(['device', 'create', 'cli-1', '--data-dir', dir]);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /already exists/);
    const list = await cliIn(['device', 'list', '--data-dir', dir, '--json']);
    assert.deepEqual((JSON.parse(list.stdout) as Array<{ deviceId: string }>).map((d) => d.deviceId), ['cli-1']);
    assert.match((await cliIn(['device', 'token', 'cli-1', '--data-dir', dir])).stdout, /^SharedAccessSignature sr=localhost%2Fdevices%2Fcli-1&sig=/);
    assert.equal((await cliIn(['consumer-group', 'create', 'tools', '--data-dir', dir])).code, 0);
    assert.deepEqual(JSON.parse((await cliIn(['consumer-group', 'list', '--data-dir', dir, '--json'])).stdout), ['$Default', 'tools']);
    assert.equal((await cliIn(['device', 'delete', 'cli-1', '--data-dir', dir])).code, 0);
    assert.equal((await cliIn(['device', 'show', 'cli-1', '--data-dir', dir])).code, 1);
  });

  void it('goes through the management API while a hub runs on the data dir', async () => {
    const hub = await startLocalHub({ dataDir: dir, mqttPort: 0, apiPort: 0, amqpPort: false });
    try {
      const created = await cliIn(['device', 'create', 'live-1', '--data-dir', dir, '--json']);
      assert.equal(created.code, 0, created.stderr);
      const out = JSON.parse(created.stdout) as { connectionString: string };
      assert.equal(parseDeviceConnectionString(out.connectionString).hostName, `localhost:${hub.connectionInfo.mqtt.port}`);
      assert.ok(hub.hubState.registry.get('live-1'), 'created in the running hub');
      const list = await cliIn(['device', 'list', '--data-dir', dir]);
      assert.match(list.stdout, /^live-1\tenabled\tDisconnected\tC2D queue 0$/m);
    } finally {
      await hub.close();
    }
  });
});
