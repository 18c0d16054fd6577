// npm run bench:routing — routing condition evaluation in one core (issue 19's "Measure"):
//  1. a typical property condition (an application property and a system property compared with
//     literals) on messages with a few application properties: target >= 1,000,000 evaluations/s;
//  2. a `$body` condition on a 1 KB JSON body, each evaluation on a fresh message, so the body is
//     decoded and parsed every time (as the router does once per message): target >= 200,000/s.
// Writes the "Condition evaluation" section of bench/results/routing.md and leaves every other
// section of that file (the hub's routing throughput) as it is.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseCondition, type CompiledCondition, type RoutingMessage } from '../src/core/routing/condition';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 7;
const TARGET_PROPERTY = 1_000_000;
const TARGET_BODY = 200_000;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};

function compile(text: string): CompiledCondition {
  const r = parseCondition(text);
  if (!r.ok) throw new Error(`bench condition does not parse: ${r.error.message}`);
  return r.condition;
}

/**
 * A typical 1 KB telemetry body: readings, identity, location, status strings and a short series,
 * padded with a note to `bytes` bytes.
 */
function body(bytes: number, i: number): Uint8Array {
  const doc: Record<string, unknown> = {
    deviceId: `device-${i % 100}`, timestamp: '2026-12-07T10:00:00.000Z', messageType: 'telemetry', schemaVersion: '1.2',
    temperature: 20 + (i % 20), humidity: 40 + (i % 30), pressure: 1013.2, battery: 87, rssi: -67,
    location: { building: i % 2 ? '43' : '44', floor: i % 5, room: 'lab-2', lat: 47.6423, lon: -122.1368 },
    status: i % 7 ? 'ok' : 'alarm', firmware: { version: '4.2.1', channel: 'stable', updatedAt: '2026-11-30T08:00:00Z' },
    tags: ['north-wing', 'hvac', 'pilot'], recent: [21.5, 21.7, 21.6, 21.9, 22.1, 22.0, 21.8, 21.7],
    alerts: { overheat: false, lowBattery: false, doorOpen: i % 11 === 0 },
  };
  const base = JSON.stringify(doc).length;
  doc['note'] = 'x'.repeat(Math.max(0, bytes - base - 10));
  return new TextEncoder().encode(JSON.stringify(doc));
}

/** A 1 KB body that is mostly an array of numbers: the slow case for any JSON reader. */
function numericBody(bytes: number, i: number): Uint8Array {
  const doc = { temperature: 20 + (i % 20), location: { building: i % 2 ? '43' : '44' }, readings: [] as number[] };
  while (JSON.stringify(doc).length < bytes - 8) doc.readings.push(Math.round(Math.sin(doc.readings.length + i) * 1000) / 10);
  return new TextEncoder().encode(JSON.stringify(doc));
}

function messages(count: number, bodies: Uint8Array[]): RoutingMessage[] {
  const out: RoutingMessage[] = [];
  for (let i = 0; i < count; i++) {
    out.push({
      systemProperties: { contentType: 'application/json', contentEncoding: 'utf-8', connectionDeviceId: `device-${i % 100}`, messageId: `m-${i}`, enqueuedTime: '2026-12-07T10:00:00.000Z' },
      applicationProperties: [{ name: 'processingPath', value: i % 3 ? 'cold' : 'hot' }, { name: 'Level', value: i % 10 ? 'info' : 'critical' }, { name: 'severity', value: String(i % 5) }, { name: 'testDevice', value: 'false' }],
      body: bodies[i % bodies.length] as Uint8Array,
    });
  }
  return out;
}

/**
 * Evaluations per second: `count` evaluations over a pool of messages whose parse cache is cleared
 * before each one, so every evaluation sees the message as new (as the router does) and parsed
 * bodies become garbage at once, as they do in the hub.
 */
function rate(cond: CompiledCondition, pool: RoutingMessage[], count: number): { perSecond: number; perCpuSecond: number; routed: number; rounds: number[] } {
  const rounds: number[] = [];
  const cpuRounds: number[] = [];
  let routed = 0;
  for (let r = -2; r < ROUNDS; r++) { // two warm-up rounds for the JIT
    let hits = 0;
    const cpu = process.cpuUsage();
    const t = performance.now();
    for (let i = 0; i < count; i++) {
      const m = pool[i % pool.length] as RoutingMessage;
      m.parsedBody = undefined;
      if (cond.evaluate(m)) hits++;
    }
    const ms = performance.now() - t;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    if (r >= 0) { rounds.push(count / (ms / 1000)); cpuRounds.push(count / (cpuMs / 1000)); routed = hits; }
  }
  return { perSecond: median(rounds), perCpuSecond: median(cpuRounds), routed, rounds };
}

const bodies = Array.from({ length: 64 }, (_, i) => body(1024, i));
const numericBodies = Array.from({ length: 64 }, (_, i) => numericBody(1024, i));
const bodySize = bodies[0]?.length ?? 0;
const numericSize = numericBodies[0]?.length ?? 0;
const propertyCondition = compile("level = 'critical' AND $connectionDeviceId != 'device-7'");
const orCondition = compile("processingPath = 'hot' OR as_number(severity) >= 3 OR STARTS_WITH($connectionDeviceId, 'device-9')");
const bodyCondition = compile("$body.temperature > 30 AND $body.location.building = '43'");
const PROPERTY_N = 1_000_000;
const BODY_N = 200_000;

const pool = messages(1_000, bodies);
const prop = rate(propertyCondition, pool, PROPERTY_N);
const or3 = rate(orCondition, pool, PROPERTY_N);
const bodyRate = rate(bodyCondition, pool, BODY_N);
const numericRate = rate(bodyCondition, messages(1_000, numericBodies), BODY_N);

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const load = loadavg().map((x) => x.toFixed(2)).join(' ');
const lines = [
  '## Condition evaluation',
  '',
  `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, \`npm run bench:routing\`${quick ? ' --quick' : ''}, Node ${process.version}, ${cpu}, load average ${load}`,
  `(the machine is shared by several engineers: figures are noisy). One core (a single JS thread), median of ${ROUNDS} rounds after 2 warm-up rounds.`,
  '',
  '| Condition | Messages | Evaluations/s (wall, median) | Rounds min-max | Evaluations per CPU-second | Target | Met (wall) |',
  '|---|---|---|---|---|---|---|',
  `| \`${propertyCondition.source}\` | 4 application properties | ${fmt(prop.perSecond)} | ${fmt(Math.min(...prop.rounds))}-${fmt(Math.max(...prop.rounds))} | ${fmt(prop.perCpuSecond)} | ${fmt(TARGET_PROPERTY)} | ${prop.perSecond >= TARGET_PROPERTY ? 'yes' : 'NO'} |`,
  `| \`${orCondition.source}\` | same | ${fmt(or3.perSecond)} | ${fmt(Math.min(...or3.rounds))}-${fmt(Math.max(...or3.rounds))} | ${fmt(or3.perCpuSecond)} | - | - |`,
  `| \`${bodyCondition.source}\` | ${bodySize}-byte JSON body, parsed on every message | ${fmt(bodyRate.perSecond)} | ${fmt(Math.min(...bodyRate.rounds))}-${fmt(Math.max(...bodyRate.rounds))} | ${fmt(bodyRate.perCpuSecond)} | ${fmt(TARGET_BODY)} | ${bodyRate.perSecond >= TARGET_BODY ? 'yes' : 'NO'} |`,
  `| same | ${numericSize}-byte JSON body that is mostly an array of ~150 numbers | ${fmt(numericRate.perSecond)} | ${fmt(Math.min(...numericRate.rounds))}-${fmt(Math.max(...numericRate.rounds))} | ${fmt(numericRate.perCpuSecond)} | - | - |`,
  '',
  'The parse cache of a message is cleared before each evaluation, so the `$body` rows include decoding and',
  'checking the whole body as JSON every time (the router does that once per message, however many routes read it);',
  'the values a condition reads are then parsed alone (src/core/routing/lazyJson.ts), not the whole document.',
  'Evaluations per CPU-second divide by the process\'s own CPU time (user + system, which includes the garbage',
  'collector\'s threads), so they show what one core does when other processes share the machine.',
  '',
];
console.log(lines.join('\n'));

const file = join(__dirname, 'results', 'routing.md');
const section = lines.join('\n');
let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Routing benchmarks\n\n';
const at = text.indexOf('## Condition evaluation');
if (at >= 0) {
  const next = text.indexOf('\n## ', at + 1);
  text = text.slice(0, at) + section + (next >= 0 ? text.slice(next + 1) : '');
} else {
  text = `${text.trimEnd()}\n\n${section}`;
}
writeFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
console.log(`wrote ${file}`);
if (prop.perSecond < TARGET_PROPERTY || bodyRate.perSecond < TARGET_BODY) process.exitCode = 1;
