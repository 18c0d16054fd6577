// The warning a D2C monitor on the built-in endpoint gets when routing starves it: only when
// enabled telemetry routes exist and the fallback route is off, naming where routed messages go
// and what the monitor will still see.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HubRoute } from '../../../src/hubs/hubRouting';
import { builtInEndpointWarning, isBuiltInEndpoint } from '../../../src/monitor/routingWarning';

const route = (name: string, endpoint: string, extra: Partial<HubRoute> = {}): HubRoute =>
  ({ name, source: 'DeviceMessages', condition: 'true', endpointNames: [endpoint], isEnabled: true, ...extra });

describe('builtInEndpointWarning', () => {
  it('says nothing while the fallback route is on, or when no enabled telemetry route exists', () => {
    assert.equal(builtInEndpointWarning('Local hub', { routes: [route('a', 'eh')], fallbackEnabled: true }), undefined);
    assert.equal(builtInEndpointWarning('Local hub', { routes: [], fallbackEnabled: false }), undefined);
    assert.equal(builtInEndpointWarning('Local hub', { routes: [route('a', 'eh', { isEnabled: false })], fallbackEnabled: false }), undefined);
    assert.equal(builtInEndpointWarning('Local hub', { routes: [route('life', 'eh', { source: 'DeviceLifecycleEvents' })], fallbackEnabled: false }), undefined);
  });

  it('fallback off, every route elsewhere: the monitor will see no telemetry', () => {
    const w = builtInEndpointWarning('Local hub', { routes: [route('alerts', 'eh-alerts')], fallbackEnabled: false });
    assert.ok(w);
    assert.match(w.message, /^Local hub's fallback route is off: telemetry that matches no route is dropped/);
    assert.match(w.message, /Messages matched by route alerts → eh-alerts go only to that endpoint\./);
    assert.match(w.message, /This monitor will see no telemetry\.$/);
    assert.deepEqual(w.routesToBuiltIn, []);
  });

  it('fallback off, a route to events: the monitor sees only what that route sends', () => {
    const w = builtInEndpointWarning('Local hub', { routes: [route('alerts', 'eh-alerts'), route('keep', 'Events'), route('b', 'eh-b'), route('c', 'eh-c'), route('d', 'eh-d')], fallbackEnabled: false });
    assert.ok(w);
    assert.match(w.message, /routes alerts → eh-alerts; b → eh-b; c → eh-c; and 1 more go only to those endpoints/);
    assert.match(w.message, /This monitor sees only what route keep sends to events\.$/);
    assert.deepEqual(w.routesToBuiltIn, ['keep']);
  });

  it('knows the built-in endpoint by name, in any case, and by its absence', () => {
    assert.equal(isBuiltInEndpoint(undefined), true);
    assert.equal(isBuiltInEndpoint('EVENTS'), true);
    assert.equal(isBuiltInEndpoint('eh-alerts'), false);
  });
});
