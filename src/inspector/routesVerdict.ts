// The inspector's Routes section, worked out on the host with the core's routing (no vscode
// import): for the message the panel holds (edits included) and the route tester's routes file,
// which routes it takes, where it goes, and for each route the part of the condition that
// decided, in the same words as the code lens and Test Routes (src/core/routing/report.ts).
import type { Direction, IotMessage } from '../core/message/model';
import { routingMessageFromIotMessage } from '../core/routing/message';
import { testMessage } from '../core/routing/report';
import { parseRoutesFileText } from '../core/routing/routesFile';
import { RouteTable } from '../core/routing/routeTable';
import type { RoutesVerdict } from './protocol';

/**
 * `routes` is the routes file's text and where it came from, or undefined when there is none.
 * `now` stamps the enqueued time as the hub would.
 */
export function routesVerdict(message: IotMessage, direction: Direction, routes: { text: string; source: string } | undefined, now: Date = new Date()): RoutesVerdict {
  if (direction === 'c2d') return { kind: 'none', reason: 'C2D messages are not routed: routing applies to device-to-cloud messages.' };
  if (routes === undefined) return { kind: 'none', reason: 'No routes file: add a *.iotroutes.json file to the workspace, or routes to the local hub. With no routes, every message goes to the built-in endpoint (events).' };
  const parsed = parseRoutesFileText(routes.text);
  if (parsed.file === undefined) {
    const first = parsed.problems.find((p) => p.severity === 'error');
    return { kind: 'error', source: routes.source, reason: `The routes file has errors, so nothing was tested. First: ${first?.message ?? 'unknown problem'}` };
  }
  const table = RouteTable.compile(parsed.file);
  const tested = testMessage(table, routingMessageFromIotMessage(message, { enqueuedTime: now.toISOString(), messageSource: 'Telemetry' }));
  return {
    kind: 'tested',
    source: routes.source,
    title: tested.title,
    endpoints: [...tested.decision.endpoints],
    fallback: tested.decision.fallback,
    dropped: tested.decision.dropped,
    routes: tested.explanations.map((e) => ({
      name: e.route.name,
      endpoint: e.route.endpointNames.join(', '),
      condition: e.route.condition,
      verdict: e.skipped !== undefined ? 'skipped' : e.matched ? 'matched' : 'no-match',
      detail: e.skipped ?? e.explanation?.summary ?? '',
    })),
  };
}
