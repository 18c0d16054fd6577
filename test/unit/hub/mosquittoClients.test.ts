// Debian's mosquitto_pub / mosquitto_sub as a third, independent MQTT client implementation.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually, startTestHub, type TestHub } from './testHub';

const available = spawnSync('mosquitto_pub', ['--help']).error === undefined;

function run(cmd: string, args: string[], timeoutMs = 15_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

void describe('mosquitto clients', { skip: available ? false : 'mosquitto-clients is not installed' }, () => {
  let t: TestHub;
  let caFile: string;
  before(async () => {
    t = await startTestHub();
    caFile = join(t.dir, 'ca-for-mosquitto.pem');
    writeFileSync(caFile, t.ca);
  });
  after(async () => {
    await t.close();
  });

  const common = (deviceId: string, password: string): string[] => [
    '--cafile', caFile, '-h', 'localhost', '-p', String(t.mqttPort), '-V', 'mqttv311',
    '-i', deviceId, '-u', `localhost/${deviceId}/?api-version=2021-04-12`, '-P', password,
  ];

  void it('mosquitto_pub publishes D2C (QoS 1) with a SAS password; a wrong key is refused', async () => {
    const { key } = await t.createDevice('mos-pub');
    const r = await run('mosquitto_pub', [...common('mos-pub', t.deviceToken('mos-pub', key)), '-q', '1',
      '-t', 'devices/mos-pub/messages/events/%24.mid=mos-1&%24.ct=text%2Fplain&site=lab%201', '-m', 'hello from mosquitto']);
    assert.equal(r.code, 0, r.stderr);
    const d2c = t.hub.hubState.d2c;
    const events = (await d2c.read(d2c.partitionFor('mos-pub'), 0, 100)).filter((e) => e.deviceId === 'mos-pub');
    assert.equal(events.length, 1);
    assert.equal(Buffer.from(events[0]!.body).toString(), 'hello from mosquitto');
    assert.equal(events[0]!.systemProperties.messageId, 'mos-1');
    assert.equal(events[0]!.systemProperties.contentType, 'text/plain');
    assert.deepEqual(events[0]!.applicationProperties, [{ name: 'site', value: 'lab 1' }]);

    const wrong = t.deviceToken('mos-pub', Buffer.alloc(32, 9).toString('base64'));
    const refused = await run('mosquitto_pub', [...common('mos-pub', wrong), '-q', '1', '-t', 'devices/mos-pub/messages/events/', '-m', 'x']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /bad user ?name or password|not authori[sz]ed/i);
  });

  void it('mosquitto_sub receives a queued C2D message and acknowledges it', async () => {
    const { key } = await t.createDevice('mos-sub');
    // Queued while offline: delivered as soon as the subscription arrives.
    await t.hub.hubState.c2d.send('mos-sub', { systemProperties: { messageId: 'to-mosquitto' }, applicationProperties: [{ name: 'cmd', value: 'blink' }], body: Buffer.from('c2d payload') });
    const r = await run('mosquitto_sub', [...common('mos-sub', t.deviceToken('mos-sub', key)), '-c', '-q', '1',
      '-t', 'devices/mos-sub/messages/devicebound/#', '-C', '1', '-v', '-W', '10']);
    assert.equal(r.code, 0, r.stderr);
    const [topic, ...payload] = r.stdout.trim().split(' ');
    assert.match(topic ?? '', /^devices\/mos-sub\/messages\/devicebound\/%24\.mid=to-mosquitto&.*&cmd=blink$/);
    assert.equal(payload.join(' '), 'c2d payload');
    await eventually(() => (t.hub.hubState.c2d.depth('mos-sub') === 0 ? true : undefined), 'the PUBACK to complete the message');
  });
});
