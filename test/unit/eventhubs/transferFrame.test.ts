// The hand-written transfer frame, decoded by rhea's own frame reader and compared with the frame
// rhea would have written for the same performative.
import { strict as assert } from 'node:assert';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { encodeTransferFrame } from '../../../src/hub/eventhubs/rheaOutputBatching';

interface RheaFrames {
  transfer(fields: Record<string, unknown>): unknown;
  open(fields: Record<string, unknown>): unknown;
  amqp_frame(channel: number, performative: unknown, payload?: Buffer): unknown;
  write_frame(frame: unknown): Buffer;
  read_frame(buffer: Buffer): { channel: number; performative: Record<string, unknown>; payload?: Buffer };
}
const frames = createRequire(import.meta.url)('rhea/lib/frames.js') as RheaFrames;

function decoded(buffer: Buffer): Record<string, unknown> {
  const f = frames.read_frame(buffer);
  const p = f.performative;
  return {
    channel: f.channel, handle: p['handle'], delivery_id: p['delivery_id'], delivery_tag: p['delivery_tag'],
    message_format: p['message_format'], settled: p['settled'], more: p['more'], payload: f.payload,
  };
}

void describe('transfer frame encoding', () => {
  const cases: [string, Record<string, unknown>, number, number][] = [
    ['small values', { handle: 0, delivery_id: 0, delivery_tag: Buffer.from('0'), message_format: 0, settled: true, more: false }, 0, 10],
    ['large ids, unsettled, more', { handle: 70000, delivery_id: 4_000_000_000, delivery_tag: Buffer.from('123456'), message_format: 0, settled: false, more: true }, 3, 2000],
    ['long tag (list32)', { handle: 5, delivery_id: 300, delivery_tag: Buffer.alloc(250, 7), message_format: 0, settled: true, more: false }, 65535, 0],
  ];
  for (const [name, fields, channel, payloadBytes] of cases) {
    void test(name, () => {
      const payload = Buffer.from(Array.from({ length: payloadBytes }, (_, i) => i % 256));
      const performative = frames.transfer(fields);
      const ours = encodeTransferFrame(channel, performative, payload);
      assert.ok(ours !== undefined);
      const theirs = frames.write_frame(frames.amqp_frame(channel, performative, payload));
      assert.equal(ours.readUInt32BE(0), ours.length);
      assert.deepEqual(decoded(ours), decoded(theirs));
      if (payloadBytes > 0) assert.deepEqual(decoded(ours)['payload'], payload);
    });
  }

  void test('anything else is left to rhea', () => {
    assert.equal(encodeTransferFrame(0, frames.open({ container_id: 'x' }), Buffer.alloc(1)), undefined);
    assert.equal(encodeTransferFrame(0, frames.transfer({ handle: 1, delivery_id: 1, delivery_tag: Buffer.from('1') }), undefined), undefined);
    assert.equal(encodeTransferFrame(0, frames.transfer({ handle: 1, delivery_id: 1, delivery_tag: Buffer.from('1'), message_format: 0, settled: true, more: false, rcv_settle_mode: 1 }), Buffer.alloc(1)), undefined);
    assert.equal(encodeTransferFrame(0, undefined, Buffer.alloc(1)), undefined);
  });
});
