// Words for a routing decision, shared by the route tester's code lens, the Test Routes command,
// the inspector and `iot-hub-msg route-test`: a one-line title
// (`routes: alerts -> eh-alerts; fallback: no`) and a Markdown report that explains, route by
// route, which part of each condition decided and with which values.
import type { ExplainedNode } from './explain';
import type { RoutingMessage } from './message';
import type { RouteDecision, RouteExplanation, RouteTable } from './routeTable';
import { BUILT_IN_ENDPOINT } from './routesFile';

/** `routes: alerts -> eh-alerts, hot -> eh-alerts; fallback: no` */
export function routeDecisionTitle(decision: RouteDecision, twinUnknown = false): string {
  const routes = decision.matched.length === 0 ? 'none' : decision.matched.map((r) => `${r.def.name} -> ${r.def.endpointNames.join(', ')}`).join(', ');
  const fallback = decision.fallback ? `yes -> ${BUILT_IN_ENDPOINT}` : decision.dropped ? 'off, message dropped' : 'no';
  return `routes: ${routes}; fallback: ${fallback}${twinUnknown ? ' ($twin unknown locally)' : ''}`;
}

/** Route decision and whether an evaluated route read `$twin` (which the local hub cannot know). */
export function testMessage(table: RouteTable, message: RoutingMessage): { decision: RouteDecision; explanations: RouteExplanation[]; twinUnknown: boolean; title: string } {
  const decision = table.route(message);
  const explanations = table.explain(message);
  const twinUnknown = explanations.some((e) => e.explanation?.twinUnavailable === true);
  return { decision, explanations, twinUnknown, title: routeDecisionTitle(decision, twinUnknown) };
}

function treeLines(n: ExplainedNode, depth: number, out: string[]): void {
  if (depth > 12) return;
  const pad = '  '.repeat(depth);
  const value = n.evaluated ? n.display : 'not evaluated (already decided)';
  out.push(`${pad}- \`${n.text}\` → **${value}**${n.note !== undefined ? ` — ${n.note}` : ''}`);
  if (n.kind === 'literal') return;
  for (const c of n.children) if (c.kind !== 'literal') treeLines(c, depth + 1, out);
}

/**
 * A Markdown report of how `message` is routed. With `routeName`, only that route is explained
 * in detail (the decision line still covers every route).
 */
export function formatRouteReport(table: RouteTable, message: RoutingMessage, options: { routeName?: string; messageLabel?: string; routesSource?: string } = {}): string {
  const t = testMessage(table, message);
  const out: string[] = [];
  out.push(`# Route test${options.messageLabel !== undefined ? `: ${options.messageLabel}` : ''}`, '');
  if (options.routesSource !== undefined) out.push(`Routes from \`${options.routesSource}\`.`, '');
  out.push(`**${t.title}**`, '');
  if (t.decision.matched.length > 0) out.push(`Delivered to ${t.decision.endpoints.map((e) => `\`${e}\``).join(', ')}.`);
  else if (t.decision.fallback) out.push(`No route matched: the fallback route sends the message to the built-in endpoint \`${BUILT_IN_ENDPOINT}\`.`);
  else out.push('No route matched and the fallback route is disabled: IoT Hub drops the message.');
  out.push('');
  const chosen = options.routeName === undefined ? t.explanations : t.explanations.filter((e) => e.route.name === options.routeName);
  if (options.routeName !== undefined && chosen.length === 0) out.push(`There is no route named \`${options.routeName}\`.`, '');
  for (const e of chosen) {
    out.push(`## ${e.route.name} → ${e.route.endpointNames.join(', ')}: ${e.skipped !== undefined ? 'skipped' : e.matched ? 'matches' : 'does not match'}`, '');
    out.push(`Condition: \`${e.route.condition}\``, '');
    if (e.skipped !== undefined) { out.push(`Not evaluated: ${e.skipped}.`, ''); continue; }
    const x = e.explanation;
    if (x === undefined) continue;
    out.push(`Decided by: ${x.summary}`, '');
    if (x.notes.length > 0) { for (const n of x.notes) out.push(`> ${n}`); out.push(''); }
    if (x.root.kind !== 'literal') {
      out.push('Every evaluated part:', '');
      treeLines(x.root, 0, out);
      out.push('');
    }
  }
  return out.join('\n');
}
