// Makes a rhea server connection write its frames in batches, and encodes the one frame type that
// is on the hot path (transfer) itself. Out of the box rhea (3.0.5) flushes after every frame
// (Connection._write_frame -> output): one socket.write and one clearTimeout + setTimeout (the
// heartbeat timer) per AMQP frame, and its generic frame writer allocates two zero-filled buffers
// per 1 KB event. Delivering tens of thousands of events per second that way spends more CPU on
// timers, writes and allocation than on the events. Here frames are queued in the order rhea
// produces them and flushed once per tick as one socket.write; transfer frames are written
// directly (AMQP 1.0 part 2, 2.3 frame layout and 2.7.5 transfer), every other frame by rhea.
// rhea's private parts (the frame writer, the transport, the transfer performative's fields) are
// reached only through rheaInternals.ts, which checks them at start-up.
import type { Connection } from 'rhea';
import { AMQP_TRANSFER as TRANSFER, RHEA_TYPE_AMQP, connectionOutput, transferFields, type RheaFrame } from './rheaInternals';

export function batchConnectionOutput(connection: Connection): void {
  const output = connectionOutput(connection);
  if (output === undefined) return;
  const { write: originalWrite, encode: originalEncode } = output;
  let queue: (Buffer | RheaFrame)[] = [];

  // Gathers every queued frame (in order) and hands the socket one buffer.
  const write = (socket: { write(buffer: Buffer): boolean }): void => {
    const chunks: Buffer[] = [];
    const collector = { write: (b: Buffer): boolean => chunks.push(b) > 0 };
    originalWrite(collector); // the protocol header, if not sent yet
    const items = queue;
    queue = [];
    for (const item of items) {
      if (Buffer.isBuffer(item)) {
        chunks.push(item);
      } else {
        originalEncode(item);
        originalWrite(collector);
      }
    }
    if (chunks.length === 1) socket.write(chunks[0]!);
    else if (chunks.length > 1) socket.write(Buffer.concat(chunks));
  };
  const encode = (frame: RheaFrame): void => {
    queue.push(frame);
  };

  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    output.flush();
  };
  const writeFrame = (channel?: number, performative?: unknown, payload?: Buffer): void => {
    const ch = channel ?? 0;
    queue.push(encodeTransferFrame(ch, performative, payload) ?? { channel: ch, type: RHEA_TYPE_AMQP, performative, payload });
    if (!scheduled) {
      scheduled = true;
      process.nextTick(flush);
    }
  };
  output.replace({ writeFrame, encode, write });
}

/**
 * The bytes of a transfer frame with handle, delivery-id, delivery-tag, message-format, settled and
 * more; undefined for anything else (rhea then encodes the frame itself).
 */
export function encodeTransferFrame(channel: number, performative: unknown, payload: Buffer | undefined): Buffer | undefined {
  const p = transferFields(performative);
  if (p === undefined || !Buffer.isBuffer(payload)) return undefined;
  if (p.fieldCount > 6) return undefined; // rcv-settle-mode, state, resume...: leave to rhea
  const tag = p.deliveryTag;
  if (!Buffer.isBuffer(tag) || tag.length > 0xff) return undefined;
  const fields = Buffer.allocUnsafe(5 + 5 + 2 + tag.length + 5 + 1 + 1);
  let n = 0;
  const uint = (v: number): void => {
    if (v === 0) fields[n++] = 0x43;
    else if (v <= 0xff) {
      fields[n++] = 0x52;
      fields[n++] = v;
    } else {
      fields[n++] = 0x70;
      fields.writeUInt32BE(v, n);
      n += 4;
    }
  };
  uint(p.handle);
  uint(p.deliveryId);
  fields[n++] = 0xa0;
  fields[n++] = tag.length;
  tag.copy(fields, n);
  n += tag.length;
  uint(p.messageFormat ?? 0);
  fields[n++] = p.settled ? 0x41 : 0x42;
  fields[n++] = p.more ? 0x41 : 0x42;
  // list8 when the size (count byte + fields) fits one byte, else list32.
  const list8 = n + 1 <= 0xff;
  const listHeader = list8 ? 3 : 9;
  const total = 8 + 3 + listHeader + n + payload.length;
  const out = Buffer.allocUnsafe(total);
  out.writeUInt32BE(total, 0);
  out[4] = 2; // doff: 2 x 4 bytes of header
  out[5] = RHEA_TYPE_AMQP;
  out.writeUInt16BE(channel, 6);
  out[8] = 0x00;
  out[9] = 0x53;
  out[10] = TRANSFER;
  let o = 11;
  if (list8) {
    out[o++] = 0xc0;
    out[o++] = n + 1;
    out[o++] = 6;
  } else {
    out[o++] = 0xd0;
    out.writeUInt32BE(n + 4, o);
    out.writeUInt32BE(6, o + 4);
    o += 8;
  }
  fields.copy(out, o, 0, n);
  o += n;
  payload.copy(out, o);
  return out;
}
