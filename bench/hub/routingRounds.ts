// bench:hub's routing rounds (`npm run bench:hub -- --loads=routing`): the durable hub with 10
// routes whose conditions read application properties and the JSON body, over 3 Event
// Hubs-style endpoints, against the same hub with no routes, in the same run, rounds alternating,
// with the same telemetry load (JSON body, properties). Writes the "Hub throughput" section of
// bench/results/routing.md (the "Condition evaluation" section is bench:routing's).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';

/** 10 routes over 3 Event Hubs-style endpoints; each message matches one or two (IoT Hub delivers once per endpoint). */
export const BENCH_ROUTES = {
  routes: [
    { name: 'critical', source: 'DeviceMessages', condition: "level = 'critical'", endpointNames: ['eh-alerts'], isEnabled: true },
    { name: 'hot', source: 'DeviceMessages', condition: '$body.temperature > 30', endpointNames: ['eh-alerts'], isEnabled: true },
    { name: 'cold', source: 'DeviceMessages', condition: '$body.temperature < 0', endpointNames: ['eh-alerts'], isEnabled: true },
    { name: 'lab', source: 'DeviceMessages', condition: "site = 'lab-1' AND $body.temperature >= 0", endpointNames: ['eh-telemetry'], isEnabled: true },
    { name: 'plant', source: 'DeviceMessages', condition: "site = 'plant-2'", endpointNames: ['eh-telemetry'], isEnabled: true },
    { name: 'info', source: 'DeviceMessages', condition: "level = 'info' AND IS_DEFINED($body.temperature)", endpointNames: ['eh-archive'], isEnabled: true },
    { name: 'debug', source: 'DeviceMessages', condition: "level = 'debug'", endpointNames: ['eh-archive'], isEnabled: true },
    { name: 'json', source: 'DeviceMessages', condition: "$contentType = 'application/json' AND $body.temperature > 100", endpointNames: ['eh-archive'], isEnabled: true },
    { name: 'unit', source: 'DeviceMessages', condition: "STARTS_WITH(site, 'plant')", endpointNames: ['eh-telemetry'], isEnabled: true },
    { name: 'none', source: 'DeviceMessages', condition: "level = 'none' OR $body.missing = true", endpointNames: ['eh-alerts'], isEnabled: true },
  ],
  fallbackRoute: { isEnabled: true },
  endpoints: { eventHubs: [{ name: 'eh-alerts' }, { name: 'eh-telemetry' }, { name: 'eh-archive' }], storageContainers: [] },
  enrichments: [],
};

export interface RoutingRound { plain: number; routed: number }

/** Writes (or replaces) the "Hub throughput" section of bench/results/routing.md, keeping the rest. */
export function writeRoutingResults(resultsDir: string, rounds: RoutingRound[], setup: string, loadStart: number): { ratio: number } {
  const ratios = rounds.map((r) => r.routed / r.plain);
  const sorted = [...ratios].sort((a, b) => a - b);
  const ratio = sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  const f = (n: number, d = 0): string => n.toFixed(d);
  const section = [
    '## Hub throughput',
    '',
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`npm run bench:hub -- --loads=routing\`. ${setup}`,
    '',
    '| round | no routes msg/s | 10 routes, 3 endpoints msg/s | ratio |',
    '|---:|---:|---:|---:|',
    ...rounds.map((r, i) => `| ${i + 1} | ${f(r.plain)} | ${f(r.routed)} | ${f(ratios[i]!, 3)} |`),
    '',
    `Target: routed >= 0.8x the hub's own no-route throughput, same run: **${f(ratio, 3)}x** (median of the rounds' ratios; ${ratio >= 0.8 ? 'met' : 'NOT met'}).`,
    `Load average (1 min) ${loadStart.toFixed(2)} at the start and ${loadavg()[0]!.toFixed(2)} at the end: this 2-core machine is shared, so absolute figures move between runs; the ratio compares the two hubs measured in alternating rounds of the same run.`,
    '',
  ].join('\n');
  const file = join(resultsDir, 'routing.md');
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Routing benchmarks\n\n';
  const start = text.indexOf('## Hub throughput');
  if (start >= 0) {
    const next = text.indexOf('\n## ', start + 1);
    text = text.slice(0, start) + section + (next >= 0 ? text.slice(next + 1) : '');
  } else {
    text = `${text.trimEnd()}\n\n${section}`;
  }
  writeFileSync(file, text);
  return { ratio };
}
