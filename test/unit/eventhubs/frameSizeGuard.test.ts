// Pure unit tests of the AMQP frame size guard: frame boundaries split anywhere across chunks.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { guardFrameSizes } from '../../../src/hub/eventhubs/frameSizeGuard';

function frame(size: number): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt32BE(size, 0);
  b[4] = 2;
  return b;
}

function feed(bytes: Buffer, chunk: number, max: number): number | undefined {
  const s = new PassThrough();
  let seen: number | undefined;
  guardFrameSizes(s, max, (n) => (seen = n));
  for (let i = 0; i < bytes.length; i += chunk) s.emit('data', bytes.subarray(i, i + chunk));
  return seen;
}

void describe('guardFrameSizes', () => {
  const header = Buffer.from('AMQP\x03\x01\x00\x00', 'latin1');
  const amqpHeader = Buffer.from('AMQP\x00\x01\x00\x00', 'latin1');
  const ok = Buffer.concat([header, frame(40), frame(8), amqpHeader, frame(1000), frame(64)]);

  void it('lets SASL and AMQP headers and frames within the limit through, however they are chunked', () => {
    for (const chunk of [1, 3, 7, 64, ok.length]) assert.equal(feed(ok, chunk, 1000), undefined, `chunk ${chunk}`);
  });

  void it('trips on a frame announcing more than the limit, or less than a frame header', () => {
    for (const chunk of [1, 5, 4096]) {
      assert.equal(feed(Buffer.concat([ok, Buffer.from([0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0])]), chunk, 1000), 0xffffffff);
      assert.equal(feed(Buffer.concat([amqpHeader, Buffer.from([0, 0, 0, 3])]), chunk, 1000), 3);
    }
  });
});
