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

/** One hub's figures in one round: throughput, and its own CPU and write calls per acknowledged message. */
export interface HubRound { perSecond: number; cpuMicrosPerMessage: number; writeCallsPerMessage: number; storageBytesPerMessage: number }
/** One round: both hubs measured back to back (`routedFirst`: the order, which alternates between rounds). */
export interface RoutingRound { plain: HubRound; routed: HubRound; routedFirst: boolean }

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Writes (or replaces) the "Hub throughput" section of bench/results/routing.md, keeping the rest. */
export function writeRoutingResults(resultsDir: string, rounds: RoutingRound[], setup: string, loadStart: number): { ratio: number } {
  const ratios = rounds.map((r) => r.routed.perSecond / r.plain.perSecond);
  const ratio = median(ratios);
  const f = (n: number, d = 0): string => n.toFixed(d);
  const cpuRatio = median(rounds.map((r) => r.routed.cpuMicrosPerMessage / r.plain.cpuMicrosPerMessage));
  const hub = (h: HubRound): string => `${f(h.perSecond)} | ${f(h.cpuMicrosPerMessage, 1)} | ${f(h.writeCallsPerMessage, 2)} | ${f(h.storageBytesPerMessage / 1024, 2)}`;
  const section = [
    '## Hub throughput',
    '',
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`npm run bench:hub -- --loads=routing\`. ${setup}`,
    '',
    'Per hub and round: acknowledged messages per second; the hub process\'s CPU (user + system, its I/O threads included) per message; its write system calls (files and sockets) per message; the KB per message it sent to storage (/proc/<pid>/io).',
    '',
    '| round | first | no routes msg/s | µs/msg | writes/msg | KB/msg | 10 routes, 3 endpoints msg/s | µs/msg | writes/msg | KB/msg | ratio |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rounds.map((r, i) => `| ${i + 1} | ${r.routedFirst ? 'routed' : 'no routes'} | ${hub(r.plain)} | ${hub(r.routed)} | ${f(ratios[i]!, 3)} |`),
    '',
    `Target: routed >= 0.8x the hub's own no-route throughput, same run: **${f(ratio, 3)}x** (median of the rounds' ratios, ${f(Math.min(...ratios), 2)}-${f(Math.max(...ratios), 2)}; ${ratio >= 0.8 ? 'met' : 'NOT met'}). The routed hub's CPU per message is ${f(cpuRatio, 2)}x the unrouted one's (median of the rounds).`,
    `Load average (1 min) ${loadStart.toFixed(2)} at the start and ${loadavg()[0]!.toFixed(2)} at the end: this 2-core machine is shared, so absolute figures move between runs; each ratio compares the two hubs measured back to back in one round, and which hub goes first alternates between rounds so a load that rises or falls during a round does not always favour the same one.`,
    '',
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
