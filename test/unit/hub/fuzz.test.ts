// Fuzzing the MQTT front door: random bytes, random CONNECT packets (mqtt-packet encoded, random
// fields), and authenticated devices publishing to random topics with random property bags. The
// hub must never crash, must refuse cleanly (close the connection), and must keep serving a
// healthy client throughout. Bounded in time; seeded so a failure can be replayed (HUB_FUZZ_SEED).
import assert from 'node:assert/strict';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import { generate, type IConnectPacket } from 'mqtt-packet';
import { startTestHub, type TestHub } from './testHub';

const SEED = Number(process.env['HUB_FUZZ_SEED'] ?? Date.now() % 1_000_000);
const BUDGET_MS = 2500;

/** xorshift32: small, seeded, good enough to pick random test inputs. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

const BAG_ALPHABET = ['$', '.', '%', '%2', '%24', '%zz', '=', '&', '/', 'a', 'mid', 'é', '\u0000', '%E0%A4%A', '+', '#', ' ', '%C3%A9', 'iothub-ack', '$.mid', '$.exp', '&&', '=='];

function randomString(r: () => number, max: number, alphabet?: string[]): string {
  const n = Math.floor(r() * max);
  let s = '';
  for (let i = 0; i < n; i++) {
    s += alphabet !== undefined ? alphabet[Math.floor(r() * alphabet.length)] : String.fromCharCode(Math.floor(r() * (r() < 0.9 ? 128 : 0xffff)));
  }
  return s;
}

function randomBytes(r: () => number, max: number): Buffer {
  const b = Buffer.alloc(Math.floor(r() * max));
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256);
  return b;
}

/** Opens a TLS socket, writes `chunks`, and resolves when the hub closes it (or after `waitMs`). */
function throwAt(t: TestHub, chunks: Buffer[], waitMs = 150): Promise<'closed' | 'open'> {
  return new Promise((resolve) => {
    const s: TLSSocket = tlsConnect({ host: 'localhost', port: t.mqttPort, ca: t.ca }, () => {
      for (const c of chunks) s.write(c);
    });
    s.on('data', () => undefined);
    s.on('error', () => undefined);
    const timer = setTimeout(() => {
      s.destroy();
      resolve('open');
    }, waitMs);
    s.on('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
  });
}

void describe(`MQTT fuzz (seed ${SEED})`, () => {
  let t: TestHub;
  let healthy: MqttClient;
  let key: string;
  before(async () => {
    t = await startTestHub();
    key = (await t.createDevice('fuzz-dev')).key;
    await t.createDevice('healthy');
    const hk = t.hub.hubState.registry.get('healthy')!.authentication.symmetricKey.primaryKey;
    healthy = await mqtt.connectAsync(`mqtts://localhost:${t.mqttPort}`, {
      protocolVersion: 4, reconnectPeriod: 0, ca: t.ca, clientId: 'healthy',
      username: 'localhost/healthy/?api-version=2021-04-12', password: t.deviceToken('healthy', hk),
    });
  });
  after(async () => {
    await healthy.endAsync();
    await t.close();
  });

  async function assertHealthy(label: string): Promise<void> {
    assert.equal(healthy.connected, true, `healthy client still connected after ${label}`);
    await healthy.publishAsync('devices/healthy/messages/events/probe=1', 'ok', { qos: 1 });
  }

  void it('survives random bytes and random CONNECT packets', async () => {
    const r = rng(SEED);
    const deadline = Date.now() + BUDGET_MS;
    let n = 0;
    let accepted = 0;
    while (Date.now() < deadline) {
      n++;
      const kind = r();
      let chunks: Buffer[];
      if (kind < 0.3) {
        chunks = [randomBytes(r, 300)];
      } else {
        const packet: IConnectPacket = {
          cmd: 'connect',
          protocolId: r() < 0.8 ? 'MQTT' : 'MQIsdp',
          protocolVersion: r() < 0.8 ? 4 : r() < 0.5 ? 3 : 5,
          clean: r() < 0.5,
          clientId: r() < 0.3 ? 'fuzz-dev' : randomString(r, 40),
          keepalive: Math.floor(r() * 65536),
        };
        if (r() < 0.8) packet.username = r() < 0.5 ? `localhost/${packet.clientId}/?api-version=2021-04-12` : randomString(r, 80);
        if (r() < 0.8) packet.password = r() < 0.3 ? Buffer.from(t.deviceToken('fuzz-dev', key, Math.floor(r() * 7200) - 3600)) : randomBytes(r, 200);
        if (r() < 0.2) packet.will = { topic: randomString(r, 30) || 'w', payload: randomBytes(r, 20), qos: 0, retain: false };
        let bytes: Buffer;
        try {
          bytes = generate(packet);
        } catch {
          continue; // mqtt-packet refused to encode it (e.g. empty client id with v3)
        }
        chunks = [bytes];
        if (r() < 0.5) chunks.push(randomBytes(r, 100)); // garbage after the CONNECT
        if (r() < 0.3) chunks = [Buffer.concat(chunks).subarray(0, Math.floor(r() * bytes.length))]; // truncated
      }
      if ((await throwAt(t, chunks, 60)) === 'open') accepted++;
      if (n % 50 === 0) await assertHealthy(`${n} random connections`);
    }
    await assertHealthy(`${n} random connections`);
    process.stdout.write(`# fuzz CONNECT: ${n} connections, ${accepted} left open at 60 ms (accepted or incomplete)\n`);
  });

  void it('survives authenticated devices publishing random topics and property bags', async () => {
    const r = rng(SEED + 1);
    const deadline = Date.now() + BUDGET_MS;
    let n = 0;
    let stored = 0;
    let dropped = 0;
    while (Date.now() < deadline) {
      const c = await mqtt.connectAsync(`mqtts://localhost:${t.mqttPort}`, {
        protocolVersion: 4, reconnectPeriod: 0, ca: t.ca, clientId: 'fuzz-dev',
        username: 'localhost/fuzz-dev/?api-version=2021-04-12', password: t.deviceToken('fuzz-dev', key),
      });
      c.on('error', () => undefined);
      try {
        for (let i = 0; i < 20 && c.connected; i++) {
          n++;
          const topic = r() < 0.7
            ? `devices/fuzz-dev/messages/events/${randomString(r, 30, BAG_ALPHABET)}`
            : (randomString(r, 40, ['devices/', 'fuzz-dev', '/', 'messages', 'events', 'x', '$', '%']) || 't');
          const ok = await new Promise<boolean>((resolve) => {
            const onClose = (): void => resolve(false);
            c.once('close', onClose);
            try {
              c.publish(topic, randomBytes(r, 64), { qos: r() < 0.8 ? 1 : 0 }, (err) => {
                c.off('close', onClose);
                resolve(!err);
              });
            } catch {
              resolve(false);
            }
          });
          if (ok) stored++;
          else dropped++;
        }
      } finally {
        c.end(true);
      }
      await assertHealthy(`${n} random publishes`);
    }
    process.stdout.write(`# fuzz PUBLISH: ${n} publishes, ${stored} acknowledged, ${dropped} refused with a disconnect\n`);
    assert.ok(stored > 0 && dropped > 0, 'both outcomes happened (the fuzz reached the hub logic)');
  });
});
