// Pure unit tests: how an AMQP C2D message maps onto the hub's message model (no network).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { message as rheaMessage, type Message } from 'rhea';
import { c2dFromAmqp } from '../../../src/hub/service/c2dFromAmqp';
import { toAmqpError } from '../../../src/hub/eventhubs/amqpErrors';
import { hubError } from '../../../src/hub/state/hubErrors';

void describe('c2dFromAmqp', () => {
  void it('maps every property IoT Hub reads from a service C2D message', () => {
    const m = c2dFromAmqp({
      to: '/devices/dev%201/messages/devicebound',
      message_id: Buffer.from('0123456789abcdef0123456789abcdef', 'hex'),
      correlation_id: 'corr-1',
      user_id: Buffer.from('me') as unknown as string,
      absolute_expiry_time: new Date('2030-01-02T03:04:05.000Z'),
      content_type: 'application/json',
      content_encoding: 'utf-8',
      application_properties: { 'iothub-ack': 'full', 'iothub-creation-time-utc': '2030-01-01T00:00:00.000Z', color: 'red', n: 2 },
      message_annotations: { 'dt-subject': 'thermostat1' },
      body: rheaMessage.data_section(Buffer.from('hello')),
    } as Message);
    assert.equal(m.deviceId, 'dev 1');
    assert.deepEqual(m.systemProperties, {
      messageId: '01234567-89ab-cdef-0123-456789abcdef',
      correlationId: 'corr-1',
      userId: 'me',
      expiryTimeUtc: '2030-01-02T03:04:05.000Z',
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      ack: 'full',
      creationTimeUtc: '2030-01-01T00:00:00.000Z',
      subject: 'thermostat1',
    });
    assert.deepEqual(m.applicationProperties, [{ name: 'color', value: 'red' }, { name: 'n', value: '2' }]);
    assert.equal(Buffer.from(m.body).toString(), 'hello');
  });

  void it('joins several data sections and tolerates a binary value body', () => {
    const multi = c2dFromAmqp({ to: '/devices/d/messages/devicebound', body: rheaMessage.data_sections([Buffer.from('ab'), Buffer.from('cd')]) } as Message);
    assert.equal(Buffer.from(multi.body).toString(), 'abcd');
    assert.equal(Buffer.from(c2dFromAmqp({ to: '/devices/d/messages/devicebound', body: Buffer.from('x') } as Message).body).toString(), 'x');
  });

  void it('refuses a message with no device in "to" or a non-binary body, saying why', () => {
    assert.throws(() => c2dFromAmqp({ body: 'x' } as Message), (e: Error) => /"to" must be/.test(e.message) && /it has none/.test(e.message));
    assert.throws(() => c2dFromAmqp({ to: '/devices/d/messages/events' } as Message), /"to" must be/);
    assert.throws(() => c2dFromAmqp({ to: '/devices/%E0%A4/messages/devicebound' } as Message), /percent-encoding/);
    assert.throws(() => c2dFromAmqp({ to: '/devices/d/messages/devicebound', body: { a: 1 } } as Message), /data section/);
  });

  void it('maps domain errors to the AMQP conditions the SDK translates', () => {
    assert.equal(toAmqpError(hubError('DeviceNotFound', 'x')).condition, 'amqp:not-found');
    assert.equal(toAmqpError(hubError('DeviceMaximumQueueDepthExceeded', 'x')).condition, 'amqp:resource-limit-exceeded');
    assert.equal(toAmqpError(hubError('MessageTooLarge', 'x')).condition, 'amqp:link:message-size-exceeded');
    assert.equal(toAmqpError(hubError('ArgumentInvalid', 'x')).condition, 'com.microsoft:argument-error');
    assert.equal(toAmqpError(new Error('boom')).condition, 'amqp:internal-error');
  });
});
