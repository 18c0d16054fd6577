// `iot-hub-msg route-test`: where messages go under a routes file, explanations, JSON output and
// every exit code (bad routes file, unreadable message file, bad usage, --expect-routed).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runLint } from '../../../src/lint/run';

let dir: string;

function run(args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runLint(args, { cwd: dir, stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, version: '0.1.0', now: new Date('2026-12-07T10:00:00Z') });
  return { code, out, err };
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'route-test-'));
  writeFileSync(join(dir, 'routes.json'), JSON.stringify({
    routes: [
      { name: 'alerts', source: 'DeviceMessages', condition: "level = 'critical'", endpointNames: ['eh-alerts'], isEnabled: true },
      { name: 'hot', source: 'DeviceMessages', condition: '$body.temperature > 30', endpointNames: ['eh-alerts'], isEnabled: true },
    ],
    fallbackRoute: { isEnabled: true },
    endpoints: { eventHubs: [{ name: 'eh-alerts' }] },
  }));
  writeFileSync(join(dir, 'bad-routes.json'), JSON.stringify({ routes: [{ name: 'x', source: 'DeviceMessages', condition: 'a ==', endpointNames: ['nowhere'], isEnabled: true }] }));
  writeFileSync(join(dir, 'm.iotmsg.json'), JSON.stringify([
    { direction: 'd2c', deviceId: 'd1', applicationProperties: { level: 'critical' }, body: 'x' },
    { direction: 'd2c', deviceId: 'd1', systemProperties: { contentType: 'application/json', contentEncoding: 'utf-8' }, body: { temperature: 21.5 } },
    { direction: 'c2d', deviceId: 'd1', body: 'not routed' },
  ]));
  writeFileSync(join(dir, 'broken.iotmsg.json'), '{ "direction": ');
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('text: one line per D2C message, C2D messages left out', () => {
  const r = run(['route-test', '--routes', 'routes.json', 'm.iotmsg.json']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'm.iotmsg.json message 1: routes: alerts -> eh-alerts; fallback: no\nm.iotmsg.json message 2: routes: none; fallback: yes -> events\n2 messages tested, 1 matched a route, 1 did not.\n');
});

test('--route explains that route for every message; --format json carries the same', () => {
  const r = run(['route-test', '--routes', 'routes.json', '--route', 'hot', 'm.iotmsg.json']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /`\$body.temperature > 30` was false; `\$body.temperature` was 21.5/);
  const j = run(['route-test', '--routes', 'routes.json', '--format', 'json', '*.iotmsg.json']);
  assert.equal(j.code, 1, 'the broken message file makes it exit 1');
  const parsed = JSON.parse(j.out) as { messages: Array<{ matched: string[]; fallback: boolean; routes: Array<{ summary?: string }> }> };
  assert.deepEqual(parsed.messages.map((m) => m.matched), [['alerts'], []]);
  assert.equal(parsed.messages[1]?.fallback, true);
  assert.match(j.err, /broken\.iotmsg\.json/);
});

test('exit codes: a bad routes file, --expect-routed, bad usage', () => {
  const bad = run(['route-test', '--routes', 'bad-routes.json', 'm.iotmsg.json']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /routes\[0\]\.condition: IoT Hub compares with a single '='/);
  assert.match(bad.err, /Unknown endpoint 'nowhere'/);
  assert.equal(bad.out, '');
  assert.equal(run(['route-test', '--routes', 'routes.json', '--expect-routed', 'm.iotmsg.json']).code, 1);
  assert.equal(run(['route-test', 'm.iotmsg.json']).code, 2);
  assert.equal(run(['route-test', '--routes', 'routes.json']).code, 2);
  assert.equal(run(['route-test', '--routes', 'routes.json', '--route', 'nope', 'm.iotmsg.json']).code, 2);
  assert.equal(run(['route-test', '--routes', 'missing.json', 'm.iotmsg.json']).code, 1);
  assert.equal(run(['route-test', '--bogus']).code, 2);
  assert.match(run(['route-test', '--help']).out, /Usage: iot-hub-msg route-test/);
});
