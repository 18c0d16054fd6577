// The official service SDK's Registry (azure-iothub) against the local hub's REST API. Registry
// always dials port 443 (it puts HostName, port included, into the TLS host); with the hub on
// `--api-port 443` and NODE_EXTRA_CA_CERTS=ca.pem it works unchanged. Here the hub's port is
// ephemeral, so the test hands Registry's HTTP layer (RestApiClient.setOptions({ http: { agent } }))
// an agent that trusts the CA and splits `localhost:PORT` - the only adaptation.
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'azure-iothub';
import { startTestHub, type TestHub } from './testHub';

/** Connects `host:port` hosts to that port (Registry passes HostName verbatim as the host). */
class HostPortAgent extends Agent {
  override createConnection(options: ConnectionOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex {
    const m = /^(.*):(\d+)$/.exec(options.host ?? '');
    const fixed: ConnectionOptions = m === null ? options : { ...options, host: m[1]!, port: Number(m[2]), servername: m[1]! };
    return (Agent.prototype as unknown as { createConnection(o: ConnectionOptions, cb?: unknown): Duplex }).createConnection.call(this, fixed, callback);
  }
}

void describe('azure-iothub Registry against the local REST API', () => {
  let t: TestHub;
  let registry: Registry;
  let agent: Agent;
  before(async () => {
    t = await startTestHub();
    agent = new HostPortAgent({ ca: t.ca, keepAlive: false });
    registry = Registry.fromConnectionString(t.hub.connectionInfo.hubConnectionString);
    (registry as unknown as { _restApiClient: { setOptions(o: unknown): void } })._restApiClient.setOptions({ http: { agent } });
  });
  after(async () => {
    agent.destroy();
    await t.close();
  });

  void it('creates, reads, lists, updates and deletes devices; errors map to the SDK error types', async () => {
    const created = await registry.create({ deviceId: 'reg-1', status: 'enabled' });
    assert.equal(created.responseBody.deviceId, 'reg-1');
    const key = created.responseBody.authentication?.symmetricKey?.primaryKey;
    assert.ok(key && Buffer.from(key, 'base64').length === 32);
    assert.equal(t.hub.hubState.registry.get('reg-1')?.authentication.symmetricKey.primaryKey, key);

    const got = await registry.get('reg-1');
    assert.equal(got.responseBody.status, 'enabled');
    const list = await registry.list();
    assert.deepEqual(list.responseBody.map((d) => d.deviceId), ['reg-1']);

    const updated = await registry.update({ deviceId: 'reg-1', status: 'disabled', etag: got.responseBody.etag });
    assert.equal(updated.responseBody.status, 'disabled');
    assert.equal(t.hub.hubState.registry.get('reg-1')?.status, 'disabled');

    await assert.rejects(registry.create({ deviceId: 'reg-1' }), (e: Error) => e.name === 'DeviceAlreadyExistsError');
    await assert.rejects(registry.get('nobody'), (e: Error) => e.name === 'DeviceNotFoundError');
    await registry.delete('reg-1');
    assert.equal(t.hub.hubState.registry.get('reg-1'), undefined);
  });
});
