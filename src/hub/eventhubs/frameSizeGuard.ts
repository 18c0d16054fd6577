// Bounds what one AMQP client can make the hub buffer. rhea keeps an incomplete frame in memory
// until all of its announced bytes arrive, and announces (and enforces) no frame size limit of its
// own, so one peer announcing a 4 GB frame could grow the hub without bound. This watches frame
// boundaries on the raw stream (protocol headers and frames, SASL or AMQP) and calls `violation`
// as soon as a frame announces more than the size the endpoint advertises in its open.
import type { Duplex } from 'node:stream';

/** The largest frame the AMQP endpoints accept (and advertise as max-frame-size). */
export const MAX_INCOMING_FRAME_SIZE = 1024 * 1024;

const HEADER = Buffer.from('AMQP', 'latin1');

/** Registers a 'data' listener; attach it before rhea's so a violation is seen first. */
export function guardFrameSizes(stream: Duplex, maxFrameSize: number, violation: (announced: number) => void): void {
  /** Bytes still to skip of the current frame or header. */
  let skip = 0;
  /** Bytes of an incomplete size field or header prefix. */
  let pending = Buffer.alloc(0);
  let tripped = false;
  stream.on('data', (chunk: Buffer) => {
    if (tripped) return;
    let buf = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    pending = Buffer.alloc(0);
    let offset = 0;
    while (offset < buf.length) {
      if (skip > 0) {
        const n = Math.min(skip, buf.length - offset);
        skip -= n;
        offset += n;
        continue;
      }
      if (buf.length - offset < 4) {
        pending = Buffer.from(buf.subarray(offset));
        return;
      }
      if (buf.subarray(offset, offset + 4).equals(HEADER)) {
        skip = 8;
        continue;
      }
      const size = buf.readUInt32BE(offset);
      if (size > maxFrameSize || size < 8) {
        tripped = true;
        violation(size);
        return;
      }
      skip = size;
    }
    buf = Buffer.alloc(0);
  });
}
