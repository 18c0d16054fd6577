// HubConnection.routing of the local hub against a real local hub (in process, ephemeral ports):
// read, create/enable/disable/delete a route, the fallback route, custom endpoints (and the
// refusals that change nothing), a test of a message, and how to read a custom endpoint.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LocalHubClient } from '../../../src/hub/client/localHubClient';
import { HubRequestError } from '../../../src/hubs/hubConnection';
import { LocalHubConnection } from '../../../src/hubs/local/localHubConnection';
import { eventually, startTestHub, type TestHub } from '../hub/testHub';

describe('LocalHubConnection.routing', () => {
  let t: TestHub;
  let client: LocalHubClient;
  const hub = new LocalHubConnection();

  before(async () => {
    t = await startTestHub({ amqpPort: 0 });
    client = LocalHubClient.fromConnectionString(t.hub.connectionInfo.hubConnectionString, { ca: t.ca });
  });
  after(async () => {
    hub.dispose();
    client.close();
    await t.close();
  });

  it('says the hub is stopped before it is attached', async () => {
    await assert.rejects(hub.routing.read(), (e) => e instanceof HubRequestError && e.kind === 'hub-stopped');
  });

  it('reads a new hub: no routes, the fallback on, only the built-in endpoint', async () => {
    hub.attach(t.hub.connectionInfo, client);
    const view = await hub.routing.read();
    assert.deepEqual(view.routes, []);
    assert.equal(view.fallbackEnabled, true);
    assert.deepEqual(view.endpoints.map((e) => [e.name, e.type]), [['events', 'builtIn']]);
  });

  it('creates an endpoint and a route, disables and enables the route, and the hub routes by it', async () => {
    await hub.routing.putEndpoint('eh-alerts', { type: 'eventHub', entityPath: 'alerts' });
    const route = await hub.routing.putRoute('alerts', { source: 'DeviceMessages', condition: "level = 'critical'", endpointName: 'eh-alerts', isEnabled: true });
    assert.deepEqual(route.endpointNames, ['eh-alerts']);
    const critical = { deviceId: 'd1', applicationProperties: { level: 'critical' } };
    assert.deepEqual((await hub.routing.test(critical)).routes, ['alerts']);

    const disabled = await hub.routing.setRouteEnabled('alerts', false);
    assert.equal(disabled.isEnabled, false);
    assert.equal(disabled.condition, "level = 'critical'", 'the rest of the route is kept');
    assert.deepEqual((await hub.routing.test(critical)).routes, []);
    assert.equal((await client.listRoutes())[0]?.isEnabled, false);

    await hub.routing.setRouteEnabled('alerts', true);
    assert.deepEqual((await hub.routing.test(critical)).endpoints, ['eh-alerts']);
  });

  it('refuses a bad route with the hub\'s problems and changes nothing', async () => {
    await assert.rejects(
      hub.routing.putRoute('bad', { source: 'DeviceMessages', condition: 'level == 1', endpointName: 'nowhere', isEnabled: true }),
      (e) => e instanceof HubRequestError && e.kind === 'invalid' && /nowhere/.test(e.message) && /condition/.test(e.message),
    );
    assert.deepEqual((await hub.routing.read()).routes.map((r) => r.name), ['alerts']);
  });

  it('enabling a route that is gone says so and does not create it', async () => {
    await assert.rejects(hub.routing.setRouteEnabled('gone', true), (e) => e instanceof HubRequestError && e.kind === 'invalid' && /no route named 'gone'/.test(e.message));
    assert.deepEqual((await client.listRoutes()).map((r) => r.name), ['alerts']);
  });

  it('turns the fallback route off and on; with it off an unmatched message is dropped', async () => {
    await hub.routing.setFallbackEnabled(false);
    assert.equal((await hub.routing.read()).fallbackEnabled, false);
    assert.equal((await hub.routing.test({ deviceId: 'd1' })).dropped, true);
    await hub.routing.setFallbackEnabled(true);
    assert.equal((await hub.routing.test({ deviceId: 'd1' })).fallback, true);
  });

  it('gives the Event Hubs connection string of a custom endpoint (its entity path), and refuses a storage endpoint', async () => {
    const builtIn = await hub.eventHubsEndpoint();
    const custom = await hub.routing.eventHubsEndpoint('eh-alerts');
    assert.equal(custom.eventHubName, 'alerts');
    assert.match(custom.connectionString, /;EntityPath=alerts$|EntityPath=alerts;/);
    assert.equal(custom.connectionString.replace(/EntityPath=[^;]*/, ''), builtIn.connectionString.replace(/EntityPath=[^;]*/, ''));
    assert.deepEqual(await hub.routing.eventHubsEndpoint('events'), builtIn);
    await hub.routing.putEndpoint('archive', { type: 'storage', encoding: 'json', batchFrequencyInSeconds: 60 });
    await assert.rejects(hub.routing.eventHubsEndpoint('archive'), (e) => e instanceof HubRequestError && e.kind === 'unsupported');
    await assert.rejects(hub.routing.eventHubsEndpoint('nope'), (e) => e instanceof HubRequestError && e.kind === 'invalid');
  });

  it('reports a routing change made by another client as a `routing` change; a refused change sends none', async () => {
    const changes: string[] = [];
    const sub = hub.onDidChange((c) => changes.push(c.kind));
    try {
      await client.setFallbackRoute(false);
      await eventually(() => changes.includes('routing') || undefined, 'the routing change');
      changes.length = 0;
      await assert.rejects(client.putRoute('bad', { condition: 'level == 1', endpointNames: ['nowhere'] }));
      await client.setFallbackRoute(true);
      await eventually(() => changes.includes('routing') || undefined, 'the second routing change');
      assert.deepEqual(changes, ['routing'], 'one event for the applied change, none for the refused one');
    } finally {
      sub.dispose();
    }
  });

  it('refuses to delete an endpoint a route uses; deletes it once the route is gone', async () => {
    await assert.rejects(hub.routing.deleteEndpoint('eh-alerts'), (e) => e instanceof HubRequestError && e.kind === 'invalid' && /route "alerts"/.test(e.message));
    await hub.routing.deleteRoute('alerts');
    await hub.routing.deleteEndpoint('eh-alerts');
    assert.deepEqual((await hub.routing.read()).endpoints.map((e) => e.name).sort(), ['archive', 'events']);
    await assert.rejects(hub.routing.deleteRoute('alerts'), (e) => e instanceof HubRequestError && /no route named 'alerts'/.test(e.message));
  });
});
