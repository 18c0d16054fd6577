// The local hub on IoT Hub's standard ports (HTTPS 443, AMQPS 5671, MQTT 8883) with a back end run
// as a user runs one: its own Node process, the official SDKs unchanged, and only the service
// connection string the hub prints (`HostName=localhost;...`, no port) plus NODE_EXTRA_CA_CERTS
// pointing at the hub's CA (fixtures/standardPortsBackEnd.js). It covers Registry create / get /
// list / delete on 443, Client C2D + feedback on 5671 and over AmqpWs on 443, a device on 8883, and
// telemetry read from the IoT Hub connection string (the samples' redirect conversion), through
// EventHubConsumerClient over TLS and over WebSocket.
//
// The standard ports are shared by the whole machine: when another run holds one, or the user may
// not bind below 1024, this test is skipped saying so (CI runs alone, as root, so it runs there);
// with CI set in the environment that is a failure instead.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestHub, type TestHub } from '../hub/testHub';

const PORTS = { https: 443, serviceAmqp: 5671, mqtt: 8883 } as const;
const BACK_END = join(import.meta.dirname, 'fixtures/standardPortsBackEnd.js');

interface Step { step?: string; error?: string; [k: string]: unknown }

function runBackEnd(env: Record<string, string>, timeoutMs = 90_000): Promise<{ code: number | null; steps: Step[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    // Nothing of the test's environment leaks in: what a user's shell would set, and no more.
    const child = spawn(process.execPath, [BACK_END], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const steps = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Step);
      resolve({ code, steps, stderr });
    });
  });
}

void describe('standard ports: an unchanged back end in its own process', () => {
  let t: TestHub | undefined;
  /** Why the hub could not take the standard ports here (another run holds one, or no privilege). */
  let unavailable: string | undefined;
  before(async () => {
    try {
      t = await startTestHub({ mqttPort: PORTS.mqtt, apiPort: 0, amqpPort: false, serviceAmqpPort: PORTS.serviceAmqp, httpsPort: PORTS.https, feedbackBatchMs: 50 });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (!/already in use|Not allowed to listen/.test(message)) throw e;
      unavailable = /already in use/.test(message) ? `port in use: ${message}` : message;
    }
  });
  after(async () => {
    await t?.close();
  });

  void it('Registry, Client (AMQP and AmqpWs), a device and Event Hubs readers reach the hub with only its connection string and CA', async (ctx) => {
    if (unavailable !== undefined) {
      if (process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false') assert.fail(`Standard ports unavailable in CI: ${unavailable}`);
      ctx.diagnostic(unavailable);
      ctx.skip(`${unavailable} (CI runs alone and runs this test)`);
      return;
    }
    const hub = t!;
    const info = hub.hub.connectionInfo;
    assert.equal(info.service?.amqpPort, PORTS.serviceAmqp);
    assert.equal(info.service?.httpsPort, PORTS.https);
    // The string a user copies: no port, because every listener is on IoT Hub's own.
    assert.match(info.service.connectionString, /^HostName=localhost;SharedAccessKeyName=iothubowner;SharedAccessKey=[A-Za-z0-9+/=]+$/);
    assert.equal(info.deviceConnectionStringTemplate, 'HostName=localhost;DeviceId={deviceId};SharedAccessKey={key}');

    const { code, steps, stderr } = await runBackEnd({ IOTHUB_CONNECTION_STRING: info.service.connectionString, NODE_EXTRA_CA_CERTS: info.caCertPath, DEVICE_ID: 'std-ports-device' });
    const failure = steps.find((s) => s.error !== undefined);
    assert.equal(code, 0, `the back end failed: ${failure?.error ?? `exit ${code}`}\n${String(failure?.['stack'] ?? '')}\n${stderr}`);
    const of = (name: string): Step[] => steps.filter((s) => s.step === name);

    assert.deepEqual(of('registry.create'), [{ step: 'registry.create', deviceId: 'std-ports-device', keyBytes: 32 }]);
    assert.deepEqual(of('registry.get'), [{ step: 'registry.get', deviceId: 'std-ports-device', status: 'enabled', sameKey: true }]);
    assert.ok((of('registry.list')[0]?.['deviceIds'] as string[]).includes('std-ports-device'));
    assert.deepEqual(of('client.send').map((s) => [s['transport'], s['result']]), [['amqp', 'MessageEnqueued'], ['amqpws', 'MessageEnqueued']]);
    const received = of('device.receive');
    assert.equal(received.length, 2);
    assert.equal(received[0]!['body'], 'hello from the back end');
    assert.equal(received[0]!['color'], 'blue');
    assert.equal(received[1]!['body'], 'over websocket');
    const fb = of('client.feedback')[0]!;
    assert.equal(fb['contentType'], 'application/vnd.microsoft.iothub.feedback.json');
    assert.equal((fb['record'] as { statusCode: string }).statusCode, 'Success');
    assert.equal((fb['record'] as { deviceId: string }).deviceId, 'std-ports-device');
    // The redirect names the TLS endpoint on 5671 with no port in the host, as IoT Hub's does.
    assert.deepEqual(of('eventhubs.redirect'), [{ step: 'eventhubs.redirect', endpoint: 'sb://localhost/', entityPath: hub.hub.hubState.hubName }]);
    const reads = of('eventhubs.read');
    assert.deepEqual(reads.map((r) => r['transport']), ['amqps', 'websocket']);
    for (const r of reads) {
      assert.deepEqual(r['body'], { temperature: 21.5 });
      assert.equal(r['deviceId'], 'std-ports-device');
    }
    assert.equal(of('registry.delete').length, 1);
    assert.equal(hub.hub.hubState.registry.get('std-ports-device'), undefined);
  });
});
