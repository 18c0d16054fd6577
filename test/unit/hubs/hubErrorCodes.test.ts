// One table turns IoT Hub's error codes into what a user reads and can do (src/hubs/hubErrorCodes.ts):
// the local and the Azure hub connection say the same thing for the same refusal, from the code,
// the service SDK's error class or the status; what needs the hub's words stays each one's own.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalHubApiError } from '../../../src/hub/client/localHubClient';
import { toAzureHubError } from '../../../src/hubs/azure/azureErrors';
import { knownHubError } from '../../../src/hubs/hubErrorCodes';
import { toHubRequestError } from '../../../src/hubs/local/localHubConnection';

const local = (status: number, code?: string): { kind: string; message: string } => {
  const e = toHubRequestError(new LocalHubApiError(`the hub's text (${status})`, status, code, undefined), 'Do it');
  return { kind: e.kind, message: e.message };
};
const azure = (e: unknown): { kind: string; message: string } => {
  const r = toAzureHubError(e, 'Do it', 'h.azure-devices.net');
  return { kind: r.kind, message: r.message };
};

void describe('IoT Hub error codes as hub request errors', () => {
  void it('the same code reads the same on the local hub and on Azure', () => {
    for (const [code, status, kind] of [
      ['DeviceNotFound', 404, 'device-not-found'], ['DeviceAlreadyExists', 409, 'device-exists'], ['PreconditionFailed', 412, 'changed-meanwhile'],
      ['DeviceMaximumQueueDepthExceeded', 403, 'queue-full'], ['ThrottlingException', 429, 'throttled'], ['IotHubQuotaExceeded', 403, 'quota'],
    ] as const) {
      const l = local(status, code);
      assert.equal(l.kind, kind, code);
      assert.deepEqual(azure(new LocalHubApiError('x', status, code, undefined)), l, code);
      assert.equal(l.message, `Do it: ${knownHubError({ code })!.advice}`);
    }
  });

  void it('the SDK error class or the status says as much when no code came', () => {
    assert.equal(azure(Object.assign(new Error('gone'), { name: 'DeviceNotFoundError' })).kind, 'device-not-found');
    assert.equal(azure(Object.assign(new Error('etag'), { name: 'InvalidEtagError' })).kind, 'changed-meanwhile');
    assert.equal(azure(Object.assign(new Error('slow down'), { response: { statusCode: 429 } })).kind, 'throttled');
    assert.equal(local(409).kind, 'device-exists');
    // 404 without a code: on the local hub a device (what these calls name); on Azure maybe the hub itself.
    assert.equal(local(404).kind, 'device-not-found');
    assert.notEqual(azure(Object.assign(new Error('not found'), { response: { statusCode: 404 } })).kind, 'device-not-found');
    assert.equal(knownHubError({ code: 'constructor' }), undefined);
  });

  void it('what needs the hub\'s own words keeps them', () => {
    assert.deepEqual(local(413, 'MessageTooLarge'), { kind: 'too-large', message: "Do it: the hub's text (413)" });
    assert.deepEqual(local(400, 'ArgumentInvalid'), { kind: 'invalid', message: "Do it: the hub's text (400)" });
    assert.match(azure(Object.assign(new Error('no'), { name: 'UnauthorizedError' })).message, /h\.azure-devices\.net refused the credentials/);
  });
});
