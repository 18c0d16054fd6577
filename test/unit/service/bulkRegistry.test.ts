// azure-iothub's bulk registry operations (Registry.addDevices / updateDevices / removeDevices,
// `POST /devices` with an array) against the local hub, the SDK unchanged except for the agent that
// reaches the hub's ephemeral port (standardPorts.test.ts runs Registry on 443 unchanged): every
// entry applied and 200, or a BulkRegistryOperationResult naming each refused entry with IoT Hub's
// error code and 400 (the SDK's ArgumentError), with nothing changed; malformed requests refused.
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

interface BulkResult { isSuccessful: boolean; errors: { deviceId: string; errorCode: string; errorStatus: string; operation: string }[]; warnings: unknown[] }
type SdkError = Error & { responseBody?: string; response?: { statusCode?: number } };

/** The BulkRegistryOperationResult of a refused batch (the SDK raises ArgumentError on 400 and keeps the body). */
function refusal(e: unknown): BulkResult {
  const err = e as SdkError;
  assert.equal(err.name, 'ArgumentError');
  assert.equal(err.response?.statusCode, 400);
  return JSON.parse(err.responseBody!) as BulkResult;
}

async function rejected(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail('the call succeeded');
}

void describe('azure-iothub Registry bulk operations', () => {
  let t: TestHub;
  let agent: Agent;
  const registryFor = (connectionString: string): Registry => {
    const r = Registry.fromConnectionString(connectionString);
    (r as unknown as { _restApiClient: { setOptions(o: unknown): void } })._restApiClient.setOptions({ http: { agent } });
    return r;
  };
  let registry: Registry;
  before(async () => {
    t = await startTestHub();
    agent = new HostPortAgent({ ca: t.ca, keepAlive: true });
    registry = registryFor(t.hub.connectionInfo.hubConnectionString);
  });
  after(async () => {
    agent.destroy();
    await t.close();
  });
  const state = (id: string) => t.hub.hubState.registry.get(id);

  void it('addDevices creates every device, generating the keys not given', async () => {
    const primaryKey = Buffer.alloc(32, 1).toString('base64');
    const secondaryKey = Buffer.alloc(32, 2).toString('base64');
    const res = await registry.addDevices([
      { deviceId: 'bulk-1' },
      { deviceId: 'bulk-2', status: 'disabled', statusReason: 'not yet' },
      { deviceId: 'bulk-3', authentication: { symmetricKey: { primaryKey, secondaryKey } } },
    ]);
    assert.deepEqual(res.responseBody, { isSuccessful: true, errors: [], warnings: [] });
    assert.equal(Buffer.from(state('bulk-1')!.authentication.symmetricKey.primaryKey, 'base64').length, 32);
    assert.equal(state('bulk-2')?.status, 'disabled');
    assert.equal(state('bulk-2')?.statusReason, 'not yet');
    assert.deepEqual(state('bulk-3')?.authentication.symmetricKey, { primaryKey, secondaryKey });
  });

  void it('a batch with an existing device is refused with DeviceAlreadyExists and creates nothing', async () => {
    const result = refusal(await rejected(registry.addDevices([{ deviceId: 'bulk-new' }, { deviceId: 'bulk-1' }])));
    assert.equal(result.isSuccessful, false);
    assert.deepEqual(result.errors.map((e) => [e.deviceId, e.errorCode, e.operation]), [['bulk-1', 'DeviceAlreadyExists', 'create']]);
    assert.match(result.errors[0]!.errorStatus, /already exists/);
    assert.equal(state('bulk-new'), undefined);
  });

  void it('updateDevices: forced, or only where the eTag still matches', async () => {
    const forced = await registry.updateDevices([{ deviceId: 'bulk-1', status: 'disabled', statusReason: 'maintenance' }, { deviceId: 'bulk-2', status: 'enabled' }], true);
    assert.equal(forced.responseBody.isSuccessful, true);
    assert.equal(state('bulk-1')?.status, 'disabled');
    assert.equal(state('bulk-1')?.statusReason, 'maintenance');
    assert.equal(state('bulk-2')?.status, 'enabled');

    const current = state('bulk-1')!.etag;
    const stale = refusal(await rejected(registry.updateDevices([{ deviceId: 'bulk-1', status: 'enabled', etag: 'AAAA' }, { deviceId: 'bulk-2', status: 'disabled', etag: state('bulk-2')!.etag }], false)));
    assert.deepEqual(stale.errors.map((e) => [e.deviceId, e.errorCode]), [['bulk-1', 'PreconditionFailed']]);
    assert.equal(state('bulk-1')?.status, 'disabled', 'nothing changed');
    assert.equal(state('bulk-2')?.status, 'enabled', 'nothing changed');

    const matched = await registry.updateDevices([{ deviceId: 'bulk-1', status: 'enabled', etag: current }], false);
    assert.equal(matched.responseBody.isSuccessful, true);
    assert.equal(state('bulk-1')?.status, 'enabled');
    // Keys stay as they were: the SDK sends empty keys for a device given without them.
    assert.equal(state('bulk-3')?.authentication.symmetricKey.primaryKey, Buffer.alloc(32, 1).toString('base64'));

    const unknown = refusal(await rejected(registry.updateDevices([{ deviceId: 'bulk-nobody', status: 'enabled' }], true)));
    assert.deepEqual(unknown.errors.map((e) => [e.deviceId, e.errorCode]), [['bulk-nobody', 'DeviceNotFound']]);
  });

  void it('removeDevices deletes them, and refuses a batch naming an unknown device without deleting any', async () => {
    const refused = refusal(await rejected(registry.removeDevices([{ deviceId: 'bulk-2' }, { deviceId: 'bulk-ghost' }], true)));
    assert.deepEqual(refused.errors.map((e) => [e.deviceId, e.errorCode, e.operation]), [['bulk-ghost', 'DeviceNotFound', 'delete']]);
    assert.ok(state('bulk-2'));
    const forced = await registry.removeDevices([{ deviceId: 'bulk-1' }, { deviceId: 'bulk-2' }], true);
    assert.equal(forced.responseBody.isSuccessful, true);
    // Without force each device needs its eTag.
    const noEtag = refusal(await rejected(registry.removeDevices([{ deviceId: 'bulk-3' }], false)));
    assert.deepEqual(noEtag.errors.map((e) => [e.deviceId, e.errorCode, e.operation]), [['bulk-3', 'ArgumentInvalid', 'deleteIfMatchETag']]);
    const matched = await registry.removeDevices([{ deviceId: 'bulk-3', etag: state('bulk-3')!.etag }], false);
    assert.equal(matched.responseBody.isSuccessful, true);
    assert.deepEqual(['bulk-1', 'bulk-2', 'bulk-3'].map(state), [undefined, undefined, undefined]);
  });

  void it('refuses malformed requests with ArgumentInvalid, and callers without RegistryWrite', async () => {
    // The SDK checks the count and the ids itself; a raw request through its own REST client does not.
    const post = (body: unknown): Promise<unknown> => new Promise((resolve, reject) => {
      (registry as unknown as { _restApiClient: { executeApiCall(m: string, p: string, h: object, b: unknown, done: (e: Error | null, r?: unknown) => void): void } })
        ._restApiClient.executeApiCall('POST', '/devices?api-version=2021-04-12', { 'Content-Type': 'application/json; charset=utf-8' }, body, (e, r) => (e ? reject(e) : resolve(r)));
    });
    const message = async (body: unknown): Promise<string> => {
      const e = await rejected(post(body)) as SdkError;
      assert.equal(e.name, 'ArgumentError');
      return e.message;
    };
    assert.match(await message({ id: 'x', importMode: 'create' }), /must be a JSON array/);
    assert.match(await message(Array.from({ length: 101 }, (_, i) => ({ id: `d${i}`, importMode: 'create' }))), /1 to 100 devices, not 101/);
    assert.match(await message([{ id: 'dup', importMode: 'create' }, { id: 'dup', importMode: 'delete' }]), /"dup" appears more than once/);
    assert.match(await message([{ id: 'x', importMode: 'updateTwin' }]), /importMode "updateTwin" is not one the local hub serves/);
    const badKey = refusal(await rejected(post([{ id: 'bad-key', importMode: 'create', authentication: { symmetricKey: { primaryKey: 'c2hvcnQ=' } } }])));
    assert.deepEqual(badKey.errors.map((e) => e.errorCode), ['ArgumentInvalid']);
    assert.equal(state('bad-key'), undefined);

    const readOnly = t.hub.hubState.policies.find((p) => p.keyName === 'registryRead')!;
    const reader = registryFor(t.hub.connectionInfo.hubConnectionString
      .replace(/SharedAccessKeyName=[^;]+/, 'SharedAccessKeyName=registryRead')
      .replace(/SharedAccessKey=[^;]+$/, `SharedAccessKey=${readOnly.primaryKey}`));
    await assert.rejects(reader.addDevices([{ deviceId: 'by-reader' }]), (e: Error) => e.name === 'UnauthorizedError');
    assert.equal(state('by-reader'), undefined);
  });
});
