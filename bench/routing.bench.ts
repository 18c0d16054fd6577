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

/** A JSON body of about `bytes` bytes: a telemetry reading with padding readings. */
function body(bytes: number, i: number): Uint8Array {
  const doc: Record<string, unknown> = {
    temperature: 20 + (i % 20), humidity: 40 + (i % 30), location: { building: i % 2 ? '43' : '44', floor: i % 5 },
    status: i % 7 ? 'ok' : 'alarm', readings: [] as number[],
  };
  const readings = doc['readings'] as number[];
  while (JSON.stringify(doc).length < bytes) readings.push(Math.round(Math.sin(readings.length + i) * 1000) / 10);
  return new TextEncoder().encode(JSON.stringify(doc).slice(0, bytes - 1).replace(/,[^,]*$/, ']}'));
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

/** Evaluations per second over `msgs` (each message used once per round: no parse cache reuse). */
function rate(cond: CompiledCondition, makeMessages: () => RoutingMessage[]): { perSecond: number; routed: number; rounds: number[] } {
  const rounds: number[] = [];
  let routed = 0;
  for (let r = -2; r < ROUNDS; r++) { // two warm-up rounds for the JIT
    const msgs = makeMessages();
    let hits = 0;
    const t = performance.now();
    for (let i = 0; i < msgs.length; i++) if (cond.evaluate(msgs[i] as RoutingMessage)) hits++;
    const ms = performance.now() - t;
    if (r >= 0) { rounds.push(msgs.length / (ms / 1000)); routed = hits; }
  }
  return { perSecond: median(rounds), routed, rounds };
}

const bodies = Array.from({ length: 64 }, (_, i) => body(1024, i));
const bodySize = bodies[0]?.length ?? 0;
const propertyCondition = compile("level = 'critical' AND $connectionDeviceId != 'device-7'");
const orCondition = compile("processingPath = 'hot' OR as_number(severity) >= 3 OR STARTS_WITH($connectionDeviceId, 'device-9')");
const bodyCondition = compile("$body.temperature > 30 AND $body.location.building = '43'");
const PROPERTY_N = 1_000_000;
const BODY_N = 200_000;

const prop = rate(propertyCondition, () => messages(PROPERTY_N, bodies));
const or3 = rate(orCondition, () => messages(PROPERTY_N, bodies));
const bodyRate = rate(bodyCondition, () => messages(BODY_N, bodies));

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const load = loadavg().map((x) => x.toFixed(2)).join(' ');
const lines = [
  '## Condition evaluation',
  '',
  `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, \`npm run bench:routing\`${quick ? ' --quick' : ''}, Node ${process.version}, ${cpu}, load average ${load}`,
  `(the machine is shared by several engineers: figures are noisy). One core (a single JS thread), median of ${ROUNDS} rounds after 2 warm-up rounds.`,
  '',
  '| Condition | Messages | Evaluations/s (median) | Rounds min-max | Target | Met |',
  '|---|---|---|---|---|---|',
  `| \`${propertyCondition.source}\` | 4 application properties | ${fmt(prop.perSecond)} | ${fmt(Math.min(...prop.rounds))}-${fmt(Math.max(...prop.rounds))} | ${fmt(TARGET_PROPERTY)} | ${prop.perSecond >= TARGET_PROPERTY ? 'yes' : 'NO'} |`,
  `| \`${orCondition.source}\` | same | ${fmt(or3.perSecond)} | ${fmt(Math.min(...or3.rounds))}-${fmt(Math.max(...or3.rounds))} | - | - |`,
  `| \`${bodyCondition.source}\` | ${bodySize}-byte JSON body, parsed on every message | ${fmt(bodyRate.perSecond)} | ${fmt(Math.min(...bodyRate.rounds))}-${fmt(Math.max(...bodyRate.rounds))} | ${fmt(TARGET_BODY)} | ${bodyRate.perSecond >= TARGET_BODY ? 'yes' : 'NO'} |`,
  '',
  'Each evaluation is on a message object not seen before, so the `$body` row includes decoding and',
  '`JSON.parse` of the body every time (the router parses a body once per message, however many routes read it).',
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
