// `iot-hub-local start` (the real CLI in a child process, human output) prints the Event Hubs-compatible
// connection string, the same one connection.json holds, and the real EventHubConsumerClient can use it
// as printed; Ctrl-C (SIGINT) stops the hub cleanly and removes connection.json.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { EventHubConsumerClient } from '@azure/event-hubs';
import { CONNECTION_FILE_NAME, type ConnectionInfoJson } from '../../../src/hub/localHub';

const root = join(import.meta.dirname, '../../..');
const EVENT_HUBS_CS = /^Endpoint=sb:\/\/localhost:(\d+)\/;SharedAccessKeyName=([^;]+);SharedAccessKey=([^;]+);EntityPath=([^;]+);UseDevelopmentEmulator=true$/;

/** Resolves with the first stdout line matching `pattern` (trimmed), rejects if the process exits first or on timeout. */
function waitForLine(child: ChildProcess, pattern: RegExp, stderr: () => string, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const seen: string[] = [];
    const done = (e: Error | undefined, line?: string): void => {
      clearTimeout(timer);
      lines.off('line', onLine);
      child.off('exit', onExit);
      if (e) reject(e);
      else resolve(line!);
    };
    const onLine = (raw: string): void => {
      const line = raw.trim();
      seen.push(raw);
      if (pattern.test(line)) done(undefined, line);
    };
    const onExit = (code: number | null): void => done(new Error(`hub exited early (${code}); stdout:\n${seen.join('\n')}\nstderr:\n${stderr()}`));
    const timer = setTimeout(() => done(new Error(`no line matching ${pattern} within ${timeoutMs} ms; stdout:\n${seen.join('\n')}\nstderr:\n${stderr()}`)), timeoutMs);
    lines.on('line', onLine);
    child.once('exit', onExit);
  });
}

void describe('iot-hub-local start: Event Hubs-compatible connection string', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-cli-start-'));
  let child: ChildProcess | undefined;
  after(() => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  void test('is printed, equals connection.json, works with EventHubConsumerClient; SIGINT exits 0 and removes connection.json', async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/hub/cli/main.ts'), 'start', '--data-dir', dir,
      '--mqtt-port', '0', '--api-port', '0', '--amqp-port', '0', '--service-port', 'off', '--https-port', 'off'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let stderr = '';
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));

    const printed = await waitForLine(proc, /^Endpoint=sb:\/\//, () => stderr);
    const m = EVENT_HUBS_CS.exec(printed);
    assert.ok(m, `printed connection string has the Event Hubs emulator shape: ${printed}`);
    const [, port, keyName, key, entityPath] = m;
    assert.notEqual(Number(port), 0);
    assert.ok(keyName && key && entityPath);

    // connection.json is written once listening, before the summary is printed.
    const file = join(dir, CONNECTION_FILE_NAME);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as ConnectionInfoJson;
    assert.equal(saved.amqp?.eventHubsConnectionString, printed);
    assert.equal(saved.amqp?.port, Number(port));
    assert.equal(entityPath, saved.hubName);

    const consumer = new EventHubConsumerClient('$Default', printed, { retryOptions: { maxRetries: 1, retryDelayInMs: 200, timeoutInMs: 10_000 } });
    try {
      const props = await consumer.getEventHubProperties();
      assert.equal(props.name, saved.hubName);
      assert.ok(props.partitionIds.length > 0);
    } finally {
      await consumer.close();
    }

    assert.ok(proc.kill('SIGINT'));
    const { code, signal } = await exited;
    assert.equal(signal, null, stderr);
    assert.equal(code, 0, stderr);
    assert.equal(existsSync(file), false, 'connection.json removed on a clean stop');
  });
});
