// Store-level crash test: a child process writes D2C records and C2D messages under load and is
// killed with SIGKILL mid-run (twice, the second time on the recovered data dir). Every id the
// child printed as acknowledged must be in the reopened store. Extra records (written but never
// acknowledged) are allowed: delivery is at-least-once; they are counted, not failed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openHubState } from '../../../src/hub/openHubState';
import { captureLogger, tempDir } from './helpers';

const ROOT = join(__dirname, '..', '..', '..');

interface Acks { d2c: string[]; c2d: { device: string; id: string }[] }

function runAndKill(dataDir: string, round: number, killAfterD2c: number, killAfterC2d: number): Promise<Acks> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'crashWriter.ts'), dataDir, String(round)], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acks: Acks = { d2c: [], c2d: [] };
  let buffered = '';
  let stderr = '';
  let killed = false;
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const [kind, a, b] = line.split(' ');
        if (kind === 'D') acks.d2c.push(a!);
        else if (kind === 'C') acks.c2d.push({ device: a!, id: b! });
      }
      if (!killed && acks.d2c.length >= killAfterD2c && acks.c2d.length >= killAfterC2d) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // 'close' fires after stdout is drained, so every line the child wrote is counted.
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acks);
      else reject(new Error(`crash writer ended on its own (${code}): ${stderr}`));
    });
    setTimeout(() => {
      if (!killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    }, 30_000).unref();
  });
}

void describe('crash safety (kill -9 under load)', () => {
  void it('loses no acknowledged D2C record or C2D message', async () => {
    const dir = tempDir('hub-crash-');
    try {
      const all: Acks = { d2c: [], c2d: [] };
      for (const round of [1, 2]) {
        // Kill while both loads are running (each round's C2D queues hold 3,000 messages in all).
        const acks = await runAndKill(dir.path, round, 5_000 * round, 700 * round);
        all.d2c.push(...acks.d2c);
        all.c2d.push(...acks.c2d);
      }
      const log = captureLogger();
      const hub = await openHubState({ dataDir: dir.path, log });
      try {
        const stored = new Map<string, number>();
        for (let p = 0; p < hub.d2c.partitionCount; p++) {
          const info = hub.d2c.partitionInfo(p);
          for (let from = 0; from <= info.lastEnqueuedSequenceNumber;) {
            const batch = await hub.d2c.read(p, from, 5000);
            assert.ok(batch.length > 0);
            for (const e of batch) {
              const id = e.systemProperties.messageId!;
              stored.set(id, (stored.get(id) ?? 0) + 1);
            }
            from = batch[batch.length - 1]!.sequenceNumber + 1;
          }
        }
        const lostD2c = all.d2c.filter((id) => !stored.has(id));
        const duplicates = [...stored.values()].filter((n) => n > 1).length;
        const unacknowledgedExtra = stored.size - new Set(all.d2c).size;
        const queued = new Set<string>();
        for (const d of new Set(all.c2d.map((c) => c.device))) for (const m of hub.c2d.peek(d)) queued.add(m.messageId!);
        const lostC2d = all.c2d.filter((c) => !queued.has(c.id));
        console.log(`crash test: ${all.d2c.length} D2C acks, ${stored.size} stored (${unacknowledgedExtra} written but unacknowledged, ${duplicates} duplicates); ` +
          `${all.c2d.length} C2D acks, ${queued.size} queued; lost D2C ${lostD2c.length}, lost C2D ${lostC2d.length}`);
        assert.deepEqual(lostD2c, [], 'acknowledged D2C records lost');
        assert.deepEqual(lostC2d, [], 'acknowledged C2D messages lost');
        assert.ok(all.d2c.length >= 15_000);
        assert.ok(all.c2d.length >= 2_100);
        assert.ok(all.c2d.length < 6_000, 'the C2D load was still running when killed');
      } finally {
        await hub.close();
      }
    } finally {
      dir.remove();
    }
  });
});
