// Helpers for the routing tests: the files a storage endpoint wrote, decoded with avsc's standard
// Avro object container reader.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as avro from 'avsc';

export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out.sort();
}

export function decodeAvro(file: string): Promise<Array<{ EnqueuedTimeUtc: string; Properties: Record<string, string>; SystemProperties: Record<string, string>; Body: Buffer | null }>> {
  return new Promise((resolve, reject) => {
    const records: unknown[] = [];
    avro.createFileDecoder(file)
      .on('data', (r: unknown) => records.push(r))
      .on('error', reject)
      .on('end', () => resolve(records as never));
  });
}

