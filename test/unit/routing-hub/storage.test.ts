// The storage endpoint: IoT Hub's file naming and encodings (Avro files decoded by Apache Avro's
// own JavaScript reader, avro-js, besides avsc; JSON lines), batching by size, and a failing disk
// (injected) that holds back neither the device's PUBACK nor the other endpoints, then catches up.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, Message } from 'azure-iot-device';
import { Mqtt } from 'azure-iot-device-mqtt';
import { startLocalHub, type LocalHub } from '../../../src/hub/localHub';
import { expandFileName } from '../../../src/hub/routing/storageFormat';
import { writeFileDurably } from '../../../src/hub/routing/storageWriter';
import { decodeAvro, filesUnder } from './helpers';

/** Apache Avro's JavaScript implementation (untyped CommonJS). */
const apacheAvro = createRequire(import.meta.url)('avro-js') as {
  createFileDecoder(path: string): NodeJS.EventEmitter;
};

function decodeWithApacheAvro(file: string): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const out: Array<Record<string, unknown>> = [];
    apacheAvro.createFileDecoder(file).on('data', (r: Record<string, unknown>) => out.push(r)).on('error', reject).on('end', () => resolve(out));
  });
}

function message(n: number, json = true): Message {
  const m = new Message(json ? JSON.stringify({ n }) : `raw-${n}`);
  if (json) {
    m.contentType = 'application/json';
    m.contentEncoding = 'utf-8';
  }
  m.messageId = `m-${n}`;
  m.properties.add('n', String(n));
  return m;
}

void describe('storage endpoint', () => {
  let dir: string;
  let hub: LocalHub;
  let ca: string;
  let failing: Error | undefined;
  let failedWrites = 0;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'routing-storage-'));
    hub = await startLocalHub({
      dataDir: dir, mqttPort: 0, apiPort: 0, amqpPort: false, hubName: 'store-hub',
      // The injected disk: fails while `failing` is set, like a full disk would.
      storageFileWriter: async (file, data) => {
        if (failing !== undefined) {
          failedWrites++;
          throw failing;
        }
        await writeFileDurably(file, data);
      },
    });
    ca = readFileSync(hub.connectionInfo.caCertPath, 'utf8');
    await hub.hubState.registry.create({ deviceId: 'st-dev' });
  });
  after(async () => {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function send(messages: Message[]): Promise<void> {
    const client = Client.fromConnectionString(hub.connectionInfo.deviceConnectionString('st-dev'), Mqtt);
    await client.setOptions({ ca });
    await client.open();
    try {
      for (const m of messages) await client.sendEvent(m);
    } finally {
      await client.close();
    }
  }

  void test('file names follow the format in UTC', () => {
    const t = Date.UTC(2026, 11, 7, 9, 5, 30);
    assert.equal(expandFileName('{iothub}/{partition}/{YYYY}/{MM}/{DD}/{HH}/{mm}', 'h', 3, t), 'h/3/2026/12/07/09/05');
    assert.equal(expandFileName('{YYYY}-{MM}-{DD}/{HH}{mm}/{iothub}-{partition}', 'h', 0, t), '2026-12-07/0905/h-0');
  });

  void test('Avro files hold IoT Hub\'s record schema and decode with Apache Avro\'s reader', async () => {
    await hub.hubState.routing.apply({
      routes: [{ name: 'all', source: 'DeviceMessages', condition: 'true', endpointNames: ['avro-store'], isEnabled: true }],
      endpoints: { storageContainers: [{ name: 'avro-store', fileNameFormat: '{iothub}/{partition}/{YYYY}-{MM}-{DD}T{HH}{mm}', batchFrequencyInSeconds: 60 }] },
      fallbackRoute: { isEnabled: true },
    });
    await send([message(1), message(2, false)]);
    await hub.hubState.routing.flushStorage();
    const files = filesUnder(join(dir, 'storage', 'avro-store'));
    assert.equal(files.length, 1);
    assert.match(files[0]!, /store-hub\/\d\/\d{4}-\d{2}-\d{2}T\d{4}$/);
    const records = await decodeWithApacheAvro(files[0]!);
    assert.equal(records.length, 2);
    assert.deepEqual(Object.keys(records[0]!), ['EnqueuedTimeUtc', 'Properties', 'SystemProperties', 'Body']);
    // Apache's reader gives a union value wrapped in its branch name: {"bytes": <Buffer>}.
    const body = (r: Record<string, unknown>): string => (r['Body'] as { bytes: Buffer }).bytes.toString('utf8');
    assert.deepEqual(JSON.parse(body(records[0]!)), { n: 1 });
    assert.equal(body(records[1]!), 'raw-2');
    assert.equal((records[0]!['Properties'] as Record<string, string>)['n'], '1');
    assert.equal((records[0]!['SystemProperties'] as Record<string, string>)['messageId'], 'm-1');
    assert.equal((records[0]!['SystemProperties'] as Record<string, string>)['connectionDeviceId'], 'st-dev');
    assert.deepEqual((await decodeAvro(files[0]!)).map((r) => r.Properties['n']), ['1', '2'], 'avsc reads the same');
  });

  void test('JSON files: one object per line, a UTF-8 JSON body as JSON, others as base64; batches split at the size limit', async () => {
    await hub.hubState.routing.apply({
      routes: [{ name: 'all', source: 'DeviceMessages', condition: 'true', endpointNames: ['json-store'], isEnabled: true }],
      endpoints: { storageContainers: [{ name: 'json-store', encoding: 'json', batchFrequencyInSeconds: 60, maxChunkSizeInBytes: 1024 }] },
    });
    await send([message(1), message(2, false), ...Array.from({ length: 8 }, (_, i) => message(10 + i))]);
    await hub.hubState.routing.flushStorage();
    const files = filesUnder(join(dir, 'storage', 'json-store'));
    assert.ok(files.length >= 2, `a 1 KB limit splits 10 messages into several files: ${files.length}`);
    const lines = files.flatMap((f) => readFileSync(f, 'utf8').trim().split('\n')).map((l) => JSON.parse(l) as { Body: unknown; Properties: Record<string, string>; EnqueuedTimeUtc: string });
    assert.equal(lines.length, 10);
    assert.deepEqual(lines[0]!.Body, { n: 1 });
    assert.equal(Buffer.from(lines[1]!.Body as string, 'base64').toString('utf8'), 'raw-2');
    assert.deepEqual(lines.map((l) => Number(l.Properties['n'])), [1, 2, 10, 11, 12, 13, 14, 15, 16, 17]);
  });

  void test('a failing disk holds back neither the PUBACK nor the Event Hubs endpoint; the files catch up when it recovers', async () => {
    await hub.hubState.routing.apply({
      routes: [
        { name: 'to-store', source: 'DeviceMessages', condition: 'true', endpointNames: ['flaky'], isEnabled: true },
        { name: 'to-eh', source: 'DeviceMessages', condition: 'true', endpointNames: ['eh'], isEnabled: true },
      ],
      endpoints: { eventHubs: [{ name: 'eh' }], storageContainers: [{ name: 'flaky', batchFrequencyInSeconds: 1 }] },
    });
    failing = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const started = Date.now();
    await send([message(1), message(2), message(3)]); // resolves on each PUBACK
    assert.ok(Date.now() - started < 10_000);
    const eh = hub.hubState.routing.get('eh')!.d2c;
    const inEh = Array.from({ length: eh.partitionCount }, (_, p) => eh.partitionInfo(p)).reduce((n, i) => n + (i.isEmpty ? 0 : i.lastEnqueuedSequenceNumber - i.beginningSequenceNumber + 1), 0);
    assert.equal(inEh, 3, 'the Event Hubs endpoint has every message');
    await waitUntil(() => failedWrites > 0, 'a failed file write');
    const status = hub.hubState.routing.endpointStatus().find((e) => e.name === 'flaky')!;
    assert.equal(status.healthy, false);
    assert.match(status.lastError ?? '', /ENOSPC/);
    assert.equal(status.backlog, 3);
    assert.deepEqual(filesUnder(join(dir, 'storage', 'flaky')), []);

    failing = undefined;
    await waitUntil(() => hub.hubState.routing.endpointStatus().find((e) => e.name === 'flaky')!.backlog === 0, 'the storage endpoint to catch up', 20_000);
    const after_ = hub.hubState.routing.endpointStatus().find((e) => e.name === 'flaky')!;
    assert.equal(after_.healthy, true);
    const records = (await Promise.all(filesUnder(join(dir, 'storage', 'flaky')).map((f) => decodeAvro(f)))).flat();
    assert.deepEqual(records.map((r) => r.SystemProperties['messageId']).sort(), ['m-1', 'm-2', 'm-3']);
  });
});

async function waitUntil(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
