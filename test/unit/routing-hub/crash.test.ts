// Crash test with routing: the hub CLI runs in a child process with routes to two Event
// Hubs-style endpoints, the built-in endpoint and a storage endpoint (every message goes to two
// endpoints), devices publish QoS 1, the hub gets kill -9 in the middle and restarts on the same
// data dir. Every PUBACKed message must be in every endpoint it was routed to: the Event Hubs
// logs, and the storage endpoint's files once the restarted hub caught up. Duplicates
// (at-least-once) are allowed and counted.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import { createSasToken } from '../../../src/core/auth/sas';
import { LocalHubClient } from '../../../src/hub/client/localHubClient';
import type { D2cLog } from '../../../src/hub/contracts';
import type { ConnectionInfoJson } from '../../../src/hub/localHub';
import { openHubState } from '../../../src/hub/openHubState';
import { decodeAvro, filesUnder } from './helpers';

const root = join(import.meta.dirname, '../../..');
const DEVICES = 3;
const WINDOW = 16;
const LOAD_MS = 1500;
const GROUP_OF = ['a', 'b', 'c'];
/** Where each device's messages go besides the storage endpoint. */
const ENDPOINT_OF: Record<string, string> = { a: 'eh-a', b: 'eh-b', c: 'events' };

function startHubProcess(dataDir: string): Promise<{ child: ChildProcess; info: ConnectionInfoJson }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/hub/cli/main.ts'), 'start', '--data-dir', dataDir,
    '--mqtt-port', '0', '--api-port', '0', '--amqp-port', 'off', '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve({ child, info: JSON.parse(line) as ConnectionInfoJson }));
    child.once('exit', (code) => reject(new Error(`hub exited early (${code}): ${stderr}`)));
  });
}

function connectDevice(info: ConnectionInfoJson, ca: string, deviceId: string, key: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(`mqtts://localhost:${info.mqtt.port}`, {
      protocolVersion: 4, reconnectPeriod: 0, ca, clean: false, clientId: deviceId,
      username: `localhost/${deviceId}/?api-version=2021-04-12`,
      password: createSasToken({ resourceUri: `localhost/devices/${deviceId}`, key, expiresAtSeconds: Math.floor(Date.now() / 1000) + 600 }),
    });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
    c.on('error', () => undefined);
  });
}

async function messageIds(log: D2cLog): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let p = 0; p < log.partitionCount; p++) {
    let from = 0;
    for (;;) {
      const batch = await log.read(p, from, 5000);
      for (const e of batch) {
        const mid = e.systemProperties.messageId ?? '';
        out.set(mid, (out.get(mid) ?? 0) + 1);
      }
      if (batch.length < 5000) break;
      from = batch[batch.length - 1]!.sequenceNumber + 1;
    }
  }
  return out;
}

void describe('crash safety with routing (kill -9 under routed load)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'routing-crash-'));
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  void it('loses no acknowledged message on any endpoint', async () => {
    writeFileSync(join(dir, 'routes.json'), JSON.stringify({
      routes: [
        { name: 'to-a', source: 'DeviceMessages', condition: "grp = 'a'", endpointNames: ['eh-a'], isEnabled: true },
        { name: 'to-b', source: 'DeviceMessages', condition: "grp = 'b'", endpointNames: ['eh-b'], isEnabled: true },
        { name: 'to-events', source: 'DeviceMessages', condition: "grp = 'c'", endpointNames: ['events'], isEnabled: true },
        { name: 'archive-all', source: 'DeviceMessages', condition: 'true', endpointNames: ['archive'], isEnabled: true },
      ],
      fallbackRoute: { isEnabled: false },
      endpoints: { eventHubs: [{ name: 'eh-a' }, { name: 'eh-b', partitionCount: 2 }], storageContainers: [{ name: 'archive', encoding: 'avro', batchFrequencyInSeconds: 1 }] },
      enrichments: [],
    }));
    const first = await startHubProcess(dir);
    children.push(first.child);
    const ca = readFileSync(first.info.caCertPath, 'utf8');
    const api = LocalHubClient.fromConnectionString(first.info.hubConnectionString, { ca });
    const keys = new Map<string, string>();
    for (let i = 0; i < DEVICES; i++) keys.set(`dev-${i}`, (await api.createDevice({ deviceId: `dev-${i}` })).authentication.symmetricKey.primaryKey);
    api.close();

    const acked = new Map<string, string>(); // messageId -> group
    let running = true;
    const publishers = await Promise.all([...keys].map(async ([id, key], i) => {
      const c = await connectDevice(first.info, ca, id, key);
      const grp = GROUP_OF[i % GROUP_OF.length]!;
      let n = 0;
      let inFlight = 0;
      const pump = (): void => {
        while (running && inFlight < WINDOW && c.connected) {
          const mid = `${id}-${n++}`;
          inFlight++;
          c.publish(`devices/${id}/messages/events/%24.mid=${mid}&grp=${grp}`, Buffer.alloc(512, 66), { qos: 1 }, (err) => {
            inFlight--;
            if (!err) acked.set(mid, grp);
            pump();
          });
        }
      };
      pump();
      return c;
    }));
    // Load for at least LOAD_MS and until enough is acknowledged to mean something (the machine may be busy).
    const loadStart = Date.now();
    while (Date.now() - loadStart < LOAD_MS || (acked.size < 300 && Date.now() - loadStart < 20_000)) await new Promise((r) => setTimeout(r, 50));
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    running = false;
    for (const c of publishers) c.end(true);
    assert.ok(acked.size > 100, `load too small to mean anything: ${acked.size} acknowledged`);

    // The restarted hub's storage writer catches up from the staging log.
    const second = await startHubProcess(dir);
    children.push(second.child);
    const api2 = LocalHubClient.fromConnectionString(second.info.hubConnectionString, { ca });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const archive = (await api2.listEndpoints()).find((e) => e.name === 'archive')!;
      if (archive.backlog === 0) break;
      if (Date.now() > deadline) throw new Error(`the storage endpoint did not catch up: ${JSON.stringify(archive)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    api2.close();
    second.child.kill('SIGTERM');
    assert.equal(await new Promise<number | null>((r) => second.child.once('exit', r)), 0);

    const state = await openHubState({ dataDir: dir });
    try {
      const stored: Record<string, Map<string, number>> = {
        events: await messageIds(state.d2c),
        'eh-a': await messageIds(state.routing.get('eh-a')!.d2c),
        'eh-b': await messageIds(state.routing.get('eh-b')!.d2c),
      };
      const inFiles = new Map<string, number>();
      for (const file of filesUnder(join(dir, 'storage', 'archive'))) {
        for (const r of await decodeAvro(file)) {
          const mid = r.SystemProperties['messageId'] ?? '';
          inFiles.set(mid, (inFiles.get(mid) ?? 0) + 1);
        }
      }
      const lost: string[] = [];
      const misrouted: string[] = [];
      for (const [mid, grp] of acked) {
        const target = ENDPOINT_OF[grp]!;
        if (!stored[target]!.has(mid)) lost.push(`${mid} (${target})`);
        if (!inFiles.has(mid)) lost.push(`${mid} (archive)`);
        for (const [name, ids] of Object.entries(stored)) if (name !== target && ids.has(mid)) misrouted.push(`${mid} in ${name}`);
      }
      const dups = (m: Map<string, number>): number => [...m.values()].filter((n) => n > 1).length;
      process.stdout.write(`# routing crash test: acknowledged ${acked.size}; stored events ${stored['events']!.size}, eh-a ${stored['eh-a']!.size}, eh-b ${stored['eh-b']!.size}, ` +
        `archive files ${inFiles.size} ids; duplicated ids: events ${dups(stored['events']!)}, eh-a ${dups(stored['eh-a']!)}, eh-b ${dups(stored['eh-b']!)}, archive ${dups(inFiles)}; lost ${lost.length}\n`);
      assert.deepEqual(lost.slice(0, 20), [], 'acknowledged messages lost');
      assert.deepEqual(misrouted.slice(0, 20), [], 'messages in an endpoint no route sends them to');
    } finally {
      await state.close();
    }
  });
});
