// The inspector's Routes section as the host works it out: matched routes with their endpoints,
// the deciding part of each condition with its values, the fallback and the dropped cases, a
// routes file with errors, no routes file, and C2D (not routed).
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMessage } from '../../../src/core/message/model';
import { routesVerdict } from '../../../src/inspector/routesVerdict';

const ROUTES = {
  routes: [
    { name: 'alerts', source: 'DeviceMessages', condition: "level = 'critical'", endpointNames: ['eh-alerts'], isEnabled: true },
    { name: 'hot', source: 'DeviceMessages', condition: '$body.temperature > 30', endpointNames: ['eh-alerts'], isEnabled: true },
    { name: 'off', source: 'DeviceMessages', condition: 'true', endpointNames: ['eh-alerts'], isEnabled: false },
  ],
  fallbackRoute: { isEnabled: true },
  endpoints: { eventHubs: [{ name: 'eh-alerts' }], storageContainers: [] },
  enrichments: [],
};
const file = (r: unknown = ROUTES): { text: string; source: string } => ({ text: JSON.stringify(r), source: '/ws/a.iotroutes.json' });
const json = { contentType: 'application/json', contentEncoding: 'utf-8' };

describe('inspector routes verdict', () => {
  it('names the matched route, its endpoint, and for each route the part that decided with its value', () => {
    const v = routesVerdict(createMessage({ deviceId: 'd1', systemProperties: json, applicationProperties: [{ name: 'level', value: 'critical' }], body: '{"temperature":21.5}' }), 'd2c', file());
    assert.equal(v.kind, 'tested');
    if (v.kind !== 'tested') return;
    assert.equal(v.title, 'routes: alerts -> eh-alerts; fallback: no');
    assert.deepEqual(v.endpoints, ['eh-alerts']);
    assert.deepEqual(v.routes.map((r) => [r.name, r.verdict]), [['alerts', 'matched'], ['hot', 'no-match'], ['off', 'skipped']]);
    assert.match(v.routes[1]!.detail, /`\$body.temperature > 30` was false; `\$body.temperature` was 21.5/);
    assert.match(v.routes[2]!.detail, /disabled/);
    assert.equal(v.source, '/ws/a.iotroutes.json');
  });

  it('says the fallback route took a message no route matched, and that it is dropped when the fallback is off', () => {
    const msg = createMessage({ deviceId: 'd1', systemProperties: json, body: '{"temperature":21.5}' });
    const on = routesVerdict(msg, 'd2c', file());
    assert.ok(on.kind === 'tested' && on.fallback && !on.dropped && on.endpoints[0] === 'events');
    const off = routesVerdict(msg, 'd2c', file({ ...ROUTES, fallbackRoute: { isEnabled: false } }));
    assert.ok(off.kind === 'tested' && off.dropped && off.endpoints.length === 0);
  });

  it('a routes file with errors, no routes file and a C2D message are said plainly', () => {
    const msg = createMessage({ deviceId: 'd1' });
    const bad = routesVerdict(msg, 'd2c', file({ ...ROUTES, routes: [{ ...ROUTES.routes[0], condition: 'level == 1' }] }));
    assert.equal(bad.kind, 'error');
    assert.equal(routesVerdict(msg, 'd2c', undefined).kind, 'none');
    const c2d = routesVerdict(msg, 'c2d', file());
    assert.ok(c2d.kind === 'none' && /not routed/.test(c2d.reason));
  });
});
