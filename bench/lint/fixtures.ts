// Message files for the lint benchmark: one large D2C telemetry file and many typical small ones.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A pretty-printed D2C message file of about `targetBytes`, its body a batch of readings. */
export function largeMessageFile(targetBytes: number): string {
  const readings: unknown[] = [];
  const make = (): string => JSON.stringify({
    direction: 'd2c',
    deviceId: 'thermostat-01',
    systemProperties: { messageId: 'batch-0001', contentType: 'application/json', contentEncoding: 'utf-8', creationTimeUtc: '2026-11-22T09:00:00.000Z' },
    applicationProperties: { batch: 'true', 'schema-version': '3' },
    body: readings,
  }, null, 2);
  // Grow in chunks, then trim to just under the target.
  for (let i = 0; make().length < targetBytes; i++) {
    readings.push({ seq: i, time: new Date(Date.UTC(2026, 10, 22, 9, 0, i % 60)).toISOString(), temperature: 20 + (i % 50) / 10, humidity: 40 + (i % 17), unit: '°C', ok: i % 13 !== 0 });
  }
  readings.pop();
  return make();
}

/** `count` typical message files (D2C and C2D, a few with problems) under `dir`, in 10 folders. */
export function writeTypicalFiles(dir: string, count: number): string[] {
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const sub = join(dir, `group-${i % 10}`);
    mkdirSync(sub, { recursive: true });
    const c2d = i % 3 === 0;
    const problem = i % 10 === 0;
    const msg = {
      direction: c2d ? 'c2d' : 'd2c',
      deviceId: `device-${(i % 50).toString().padStart(3, '0')}`,
      systemProperties: {
        messageId: problem ? `msg ${i}/é` : `msg-${i}`,
        correlationId: `corr-${i}`,
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        ...(c2d ? { ack: 'full', ttl: '1h' } : { creationTimeUtc: '2026-11-22T09:00:00.000Z' }),
      },
      applicationProperties: { source: 'bench', level: problem ? 'high priority' : 'normal', index: String(i) },
      body: { seq: i, temperature: 21.5, humidity: 48, tags: ['a', 'b', 'c'], location: { lat: 47.6, lon: -122.3 }, note: 'x'.repeat(i % 200) },
    };
    const path = join(sub, `m${i}.iotmsg.json`);
    writeFileSync(path, JSON.stringify(msg, null, 2));
    files.push(path);
  }
  return files;
}
