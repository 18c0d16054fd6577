// azure-iothub's Registry against the local hub's REST API: the device query with continuation
// (createQuery / nextAsTwin), statistics, and a refused query. Registry always dials port 443 with
// HostName as the host; the hub's port is ephemeral here, so (as test/unit/hub/serviceSdk.test.ts)
// its HTTP layer gets an agent that splits `localhost:PORT` - the only adaptation;
// standardPorts.test.ts runs Registry unchanged on 443.
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'azure-iothub';
import { startTestHub, type TestHub } from '../hub/testHub';

class HostPortAgent extends Agent {
  override createConnection(options: ConnectionOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex {
    const m = /^(.*):(\d+)$/.exec(options.host ?? '');
    const fixed: ConnectionOptions = m === null ? options : { ...options, host: m[1]!, port: Number(m[2]), servername: m[1]! };
    return (Agent.prototype as unknown as { createConnection(o: ConnectionOptions, cb?: unknown): Duplex }).createConnection.call(this, fixed, callback);
  }
}

void describe('azure-iothub Registry: query, statistics', () => {
  let t: TestHub;
  let registry: Registry;
  let agent: Agent;
  before(async () => {
    t = await startTestHub();
    agent = new HostPortAgent({ ca: t.ca, keepAlive: true });
    registry = Registry.fromConnectionString(t.hub.connectionInfo.hubConnectionString);
    (registry as unknown as { _restApiClient: { setOptions(o: unknown): void } })._restApiClient.setOptions({ http: { agent } });
    for (let i = 0; i < 250; i++) {
      await t.hub.hubState.registry.create({ deviceId: `q-${String(i).padStart(3, '0')}`, status: i % 10 === 0 ? 'disabled' : 'enabled' });
    }
  });
  after(async () => {
    agent.destroy();
    await t.close();
  });

  void it('pages through every device with continuation tokens, as twins', async () => {
    const query = registry.createQuery('SELECT * FROM devices', 100);
    const ids: string[] = [];
    let pages = 0;
    while (query.hasMoreResults) {
      const page = await query.nextAsTwin();
      pages++;
      for (const twin of page.result) ids.push(twin.deviceId);
      assert.ok(pages < 10, 'the query keeps returning pages');
    }
    assert.equal(pages, 3);
    assert.equal(ids.length, 250);
    assert.equal(new Set(ids).size, 250);
    assert.deepEqual(ids.slice(0, 2), ['q-000', 'q-001']);
  });

  void it('filters with WHERE and keeps pages exact across the filter', async () => {
    const query = registry.createQuery("SELECT * FROM devices WHERE status = 'disabled'", 10);
    const first = await query.next();
    assert.equal((first.result as { deviceId: string }[]).length, 10);
    assert.ok(query.hasMoreResults);
    // Query.next() without an argument sends no token (an SDK quirk; nextAsTwin uses its own): pass it.
    const second = await query.next(query.continuationToken);
    const rest = second.result as { deviceId: string; status: string; authenticationType: string }[];
    assert.deepEqual(rest.map((d) => d.deviceId), Array.from({ length: 10 }, (_, i) => `q-${100 + i * 10}`));
    assert.ok(rest.every((d) => d.status === 'disabled' && d.authenticationType === 'sas'));
    const last = await query.next(query.continuationToken);
    assert.deepEqual((last.result as { deviceId: string }[]).map((d) => d.deviceId), ['q-200', 'q-210', 'q-220', 'q-230', 'q-240']);
    assert.equal(query.hasMoreResults, false);
  });

  void it('refuses a query it cannot answer with ArgumentError naming what it supports', async () => {
    await assert.rejects(registry.createQuery('SELECT deviceId FROM devices.modules', 10).next(), (e: Error) => e.name === 'ArgumentError' && /SELECT \* FROM devices/.test(e.message));
  });

  void it('reports registry and service statistics', async () => {
    const stats = await registry.getRegistryStatistics();
    assert.deepEqual(stats.responseBody, { totalDeviceCount: 250, enabledDeviceCount: 225, disabledDeviceCount: 25 });
  });
});
