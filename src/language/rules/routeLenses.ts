// The route tester's code lens above each device-to-cloud message of a message file: where the
// message would go with the routes in use (`routes: alerts -> eh-alerts; fallback: no`). The
// message is taken as the hub would see it on receipt: the file's device id as the connection's
// device id, enqueued now. C2D messages are not routed, so they get none.
import { routingMessageFromIotMessage } from '../../core/routing/message';
import { testMessage } from '../../core/routing/report';
import type { RouteTable } from '../../core/routing/routeTable';
import type { Analysis } from './diagnose';

/** Re-exported: the id is written once, in ../protocol.ts, with the other ids shared with the extension. */
export { TEST_ROUTES_COMMAND } from '../protocol';

export interface RouteLens {
  offset: number;
  title: string;
  messageIndex: number;
}

/** What the lenses say when the routes file cannot be used. */
export function routesUnusableLens(analysis: Analysis, why: string): RouteLens[] {
  return analysis.messages.filter((m) => m.direction !== 'c2d').map((m) => ({ offset: m.node.offset, title: `routes: ${why}`, messageIndex: m.index }));
}

export function routeLenses(analysis: Analysis, table: RouteTable, now = new Date()): RouteLens[] {
  const out: RouteLens[] = [];
  for (const m of analysis.messages) {
    if (m.direction === 'c2d') continue;
    const rm = routingMessageFromIotMessage(m.message, { enqueuedTime: now.toISOString(), messageSource: 'Telemetry' });
    out.push({ offset: m.node.offset, title: testMessage(table, rm).title, messageIndex: m.index });
  }
  return out;
}
