// Makes a rhea server connection write its frames in batches. Out of the box rhea (3.0.5) flushes
// after every frame (Connection._write_frame -> output): one socket.write and one clearTimeout +
// setTimeout (the heartbeat timer) per AMQP frame. Delivering tens of thousands of events per
// second that way spends more CPU on timers and writes than on the events. Here frames are queued
// as rhea queues them and flushed once per tick, as one socket.write of all pending frames.
// Frame order and content are unchanged (rhea's own encoder still writes every frame).
import type { Connection } from 'rhea';

interface RheaConnectionInternals {
  amqp_transport: {
    encode(frame: unknown): void;
    write(socket: { write(buffer: Buffer): boolean }): void;
  };
  socket?: { write(buffer: Buffer): boolean; destroyed?: boolean };
  output(): void;
  _write_frame(channel?: number, frame?: unknown, payload?: Buffer): void;
}

/** rhea's frames.TYPE_AMQP */
const TYPE_AMQP = 0x00;

export function batchConnectionOutput(connection: Connection): void {
  const c = connection as unknown as RheaConnectionInternals;
  if (typeof c._write_frame !== 'function' || typeof c.output !== 'function' || c.amqp_transport === undefined) return;
  const transport = c.amqp_transport;
  const originalWrite = transport.write.bind(transport);
  // Gather every frame rhea writes in one flush, then hand the socket one buffer.
  transport.write = (socket) => {
    const chunks: Buffer[] = [];
    originalWrite({ write: (b: Buffer) => chunks.push(b) > 0 });
    if (chunks.length === 1) socket.write(chunks[0]!);
    else if (chunks.length > 1) socket.write(Buffer.concat(chunks));
  };
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    c.output();
  };
  c._write_frame = function writeFrameBatched(channel?: number, frame?: unknown, payload?: Buffer): void {
    // Same frame object rhea's frames.amqp_frame builds.
    transport.encode({ channel: channel ?? 0, type: TYPE_AMQP, performative: frame, payload });
    if (!scheduled) {
      scheduled = true;
      process.nextTick(flush);
    }
  };
}
