// IoT Hub's error codes live in one table (src/hub/state/hubErrors.ts): the domain's errors, the
// HTTPS front door's errors and its REST body all take status and number from it, and the AMQP
// nodes map the same names to conditions (amqpErrors.ts). The send errors' kinds map to the hub
// connections' kinds in one place (hubConnection.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiError, writeError } from '../../../src/hub/http/apiErrors';
import { toAmqpError } from '../../../src/hub/eventhubs/amqpErrors';
import { HubError } from '../../../src/hub/contracts';
import { hubError, hubErrorNumber, iotHubErrorNumber, iotHubErrorStatus } from '../../../src/hub/state/hubErrors';
import { MessageSendError } from '../../../src/hub/client/messageSender';
import { hubRequestErrorOfSend } from '../../../src/hubs/hubConnection';

/** What writeError puts on the wire, caught by a fake response. */
function written(error: unknown): { status: number; headers: Record<string, unknown>; body: { Message: string; errorCode?: number } } {
  let status = 0;
  let headers: Record<string, unknown> = {};
  let text = '';
  const res = {
    headersSent: false,
    writeHead(s: number, h: Record<string, unknown>) { status = s; headers = h; return res; },
    end(t: string) { text = t; return res; },
    destroy() { return res; },
  };
  writeError(res as unknown as Parameters<typeof writeError>[0], error, 'track');
  return { status, headers, body: JSON.parse(text) as { Message: string; errorCode?: number } };
}

void describe('IoT Hub error codes', () => {
  void it('the domain and the front door take status and number from the one table', () => {
    const domain = hubError('DeviceMaximumQueueDepthExceeded', 'The queue is full.');
    assert.equal(domain.httpStatus, 403);
    assert.match(domain.message, /\(403004\)$/);
    assert.equal(hubErrorNumber(domain), 403004);
    const api = apiError('MethodNotAllowed', 'No.');
    assert.equal(api.httpStatus, iotHubErrorStatus('MethodNotAllowed'));
    assert.equal(api.httpStatus, 405);
    assert.equal(iotHubErrorNumber('NotFound'), 404000);
    assert.equal(iotHubErrorNumber('RouteNotFound'), undefined);
    assert.equal(iotHubErrorNumber('constructor'), undefined);
  });

  void it('the REST body carries the number of any IoT Hub code, the local codes none, anything else 500001', () => {
    const notFound = written(apiError('NotFound', 'No such path.'));
    assert.equal(notFound.status, 404);
    assert.equal(notFound.body.errorCode, 404000);
    assert.equal(notFound.headers['iothub-errorcode'], 'NotFound');
    assert.equal(notFound.body.Message, 'ErrorCode:NotFound;No such path.');
    const local = written(apiError('RouteNotFound', 404, 'No route named "x".'));
    assert.equal(local.status, 404);
    assert.equal(local.body.errorCode, undefined);
    const crash = written(new Error('disk on fire'));
    assert.equal(crash.status, 500);
    assert.equal(crash.body.errorCode, 500001);
    assert.doesNotMatch(crash.body.Message, /disk on fire/);
  });

  void it('AMQP: IoT Hub codes become the conditions the SDKs translate; the rest internal-error', () => {
    assert.equal(toAmqpError(hubError('DeviceNotFound', 'x')).condition, 'amqp:not-found');
    assert.equal(toAmqpError(apiError('IotHubUnauthorizedAccess', 'x')).condition, 'amqp:unauthorized-access');
    assert.equal(toAmqpError(new HubError('constructor', 400, 'x')).condition, 'amqp:internal-error');
    assert.equal(toAmqpError(hubError('PreconditionFailed', 'x')).condition, 'amqp:internal-error');
  });

  void it('a refused send keeps its kind, details and message as a hub request error', () => {
    const e = hubRequestErrorOfSend(new MessageSendError('full', 'queue-full', { status: 403, errorCode: 'DeviceMaximumQueueDepthExceeded' }), 'full (redacted)');
    assert.equal(e.kind, 'queue-full');
    assert.equal(e.message, 'full (redacted)');
    assert.deepEqual(e.details, { status: 403, errorCode: 'DeviceMaximumQueueDepthExceeded' });
    assert.equal(hubRequestErrorOfSend(new MessageSendError('bad', 'invalid-message'), 'bad').kind, 'invalid');
  });
});
