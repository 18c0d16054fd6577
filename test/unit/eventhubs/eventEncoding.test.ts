// The hand-written AMQP encoder, checked by decoding its output with rhea (the decoder the SDK uses).
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { message } from 'rhea';
import type { D2cEvent } from '../../../src/hub/contracts';
import { AmqpWriter } from '../../../src/hub/eventhubs/amqpWriter';
import { encodeEvent } from '../../../src/hub/eventhubs/eventEncoding';

function event(over: Partial<D2cEvent> = {}): D2cEvent {
  return {
    partition: 0, sequenceNumber: 7, offset: '1234', enqueuedTime: 1_795_000_000_123, deviceId: 'dev',
    systemProperties: {}, applicationProperties: [], body: new Uint8Array([1, 2, 3]), ...over,
  };
}

void describe('event encoding (AMQP bytes)', () => {
  const w = new AmqpWriter(16); // tiny on purpose: exercises growth

  void test('a minimal event: annotations, no properties section, one data section', () => {
    const m = message.decode(encodeEvent(event(), w));
    const ann = m.message_annotations as Record<string, unknown>;
    assert.equal(ann['x-opt-sequence-number'], 7);
    assert.equal(ann['x-opt-offset'], '1234');
    assert.deepEqual(ann['x-opt-enqueued-time'], new Date(1_795_000_000_123));
    assert.deepEqual(ann['iothub-enqueuedtime'], new Date(1_795_000_000_123));
    assert.equal(ann['iothub-message-source'], 'Telemetry');
    assert.equal(ann['x-opt-partition-key'], 'dev');
    assert.equal(m.message_id, undefined);
    assert.equal(m.application_properties, undefined);
    assert.deepEqual([...(m.body as { content: Buffer }).content], [1, 2, 3]);
  });

  void test('all properties, long and non-ASCII strings, large body, duplicate names, runtime info with -1', () => {
    const long = 'é'.repeat(300);
    const body = new Uint8Array(70_000).map((_, i) => i % 256);
    const m = message.decode(encodeEvent(event({
      sequenceNumber: 2 ** 40 + 3,
      moduleId: 'mod',
      systemProperties: {
        messageId: long, userId: 'ü', to: '/x', subject: 's', correlationId: 'c', contentType: 'application/json', contentEncoding: 'utf-8',
        expiryTimeUtc: '2030-01-01T00:00:00.000Z', enqueuedTimeUtc: '2026-01-01T00:00:00.000Z', connectionAuthGenerationId: 'g', messageSource: 'twinChangeEvents',
      },
      applicationProperties: [{ name: 'a', value: long }, { name: 'b', value: '' }, { name: 'a', value: 'last' }],
      body,
    }), w, { info: { partition: 0, beginningSequenceNumber: -1, lastEnqueuedSequenceNumber: -1, lastEnqueuedOffset: '-1', lastEnqueuedTime: 0, isEmpty: true }, retrievedAt: 5 }));
    const ann = m.message_annotations as Record<string, unknown>;
    assert.equal(ann['x-opt-sequence-number'], 2 ** 40 + 3);
    assert.equal(ann['iothub-connection-module-id'], 'mod');
    assert.equal(ann['iothub-connection-auth-generation-id'], 'g');
    assert.equal(ann['iothub-message-source'], 'twinChangeEvents');
    assert.deepEqual(ann['iothub-enqueuedtime'], new Date('2026-01-01T00:00:00.000Z'));
    assert.equal(m.message_id, long);
    assert.deepEqual(m.user_id, Buffer.from('ü'));
    assert.equal(m.to, '/x');
    assert.equal(m.subject, 's');
    assert.equal(m.reply_to, undefined);
    assert.equal(m.correlation_id, 'c');
    assert.equal(m.content_type, 'application/json');
    assert.equal(m.content_encoding, 'utf-8');
    assert.deepEqual(m.absolute_expiry_time, new Date('2030-01-01T00:00:00.000Z'));
    assert.deepEqual(m.application_properties, { a: 'last', b: '' });
    assert.deepEqual(Buffer.from((m.body as { content: Buffer }).content), Buffer.from(body));
    const da = m.delivery_annotations as Record<string, unknown>;
    assert.equal(da['last_enqueued_sequence_number'], -1);
    assert.equal(da['last_enqueued_offset'], '-1');
    assert.deepEqual(da['last_enqueued_time_utc'], new Date(0));
    assert.deepEqual(da['runtime_info_retrieval_time_utc'], new Date(5));
  });

  void test('property: whatever the strings and bytes, rhea decodes exactly what was stored', () => {
    fc.assert(fc.property(
      fc.string({ unit: 'grapheme', maxLength: 300 }), fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 600 }),
      fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 20 }), fc.string({ maxLength: 300 })), { maxLength: 5 }),
      fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      (mid, cid, body, props, seq) => {
        const m = message.decode(encodeEvent(event({ sequenceNumber: seq, systemProperties: { messageId: mid, correlationId: cid }, applicationProperties: props.map(([name, value]) => ({ name, value })), body }), w));
        assert.equal(m.message_id, mid);
        assert.equal(m.correlation_id, cid);
        assert.equal((m.message_annotations as Record<string, unknown>)['x-opt-sequence-number'], seq);
        assert.deepEqual(Buffer.from((m.body as { content: Buffer }).content), Buffer.from(body));
        const expected: Record<string, string> = {};
        for (const [k, v] of props) expected[k] = v;
        assert.deepEqual(m.application_properties ?? {}, expected);
      },
    ), { numRuns: 300 });
  });
});
