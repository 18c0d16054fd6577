// The Routes section: where the inspected message would go on the local hub (the host works it out
// with the core's routing, src/inspector/routesVerdict.ts) and, route by route, whether it matched
// and which part of the condition decided, with the values. Redrawn after each edit.
import type { RoutesVerdict } from '../../src/inspector/protocol';
import { h } from './dom';

const VERDICT_LABELS = { matched: 'matches', 'no-match': 'no match', skipped: 'skipped' } as const;

export function renderRoutes(verdict: RoutesVerdict | undefined): HTMLElement[] {
  const heading = h('h2', { id: 'routes-heading' }, 'Routes');
  if (verdict === undefined) return [heading, h('p', { class: 'routes-note' }, 'Working out the routes\u2026')];
  if (verdict.kind === 'none') return [heading, h('p', { class: 'routes-note', 'data-testid': 'routes-summary' }, verdict.reason)];
  if (verdict.kind === 'error') {
    return [heading, h('p', { class: 'routes-error', 'data-testid': 'routes-summary' }, verdict.reason), h('p', { class: 'routes-source' }, `Routes file: ${verdict.source}`)];
  }
  const where = verdict.dropped
    ? h('span', { class: 'routes-dropped' }, 'dropped: no route matched and the fallback route is off')
    : h('span', {}, 'goes to ', ...verdict.endpoints.flatMap((e, i) => [i > 0 ? ', ' : '', h('code', {}, e)]), verdict.fallback ? ' (fallback route)' : '');
  const rows = verdict.routes.map((r) => h('tr', { 'data-route': r.name, 'data-verdict': r.verdict },
    h('th', { scope: 'row' }, h('span', { class: `route-mark route-${r.verdict}`, 'aria-hidden': 'true' }, r.verdict === 'matched' ? '\u2714' : r.verdict === 'skipped' ? '\u2212' : '\u2715'), ' ', r.name),
    h('td', {}, h('code', {}, r.endpoint)),
    h('td', { class: `route-verdict route-${r.verdict}` }, VERDICT_LABELS[r.verdict]),
    h('td', { class: 'route-detail' }, r.detail || h('code', {}, r.condition))));
  return [
    heading,
    h('p', { class: 'routes-summary', 'data-testid': 'routes-summary' }, where),
    h('p', { class: 'routes-title' }, h('code', {}, verdict.title)),
    rows.length === 0 ? h('p', { class: 'routes-note' }, 'The routes file has no routes.') : h('table', { class: 'routes-table', 'data-testid': 'routes-table' },
      h('caption', { class: 'visually-hidden' }, 'Each route: endpoint, verdict and the part of the condition that decided'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Route'), h('th', { scope: 'col' }, 'Endpoint'), h('th', { scope: 'col' }, 'Verdict'), h('th', { scope: 'col' }, 'Why'))),
      h('tbody', {}, ...rows)),
    h('p', { class: 'routes-source' }, `Routes file: ${verdict.source} (as on the local hub: enqueued now, the device id as $connectionDeviceId)`),
  ];
}
