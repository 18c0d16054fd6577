// Every use of rhea's private API, in one place, with the start-up check of all of them (the one file
// allowed to touch rhea internals). The hub relies on:
// - Connection#accept(socket) (serving a socket the hub accepted itself, e.g. after TLS);
// - Connection#socket (waiting for 'drain') and its heartbeat/idle timers (cleared on close);
// - Sender#credit and session.outgoing (next_pending_delivery, available()) for flow control;
// - Sender#local.attach (settle mode and offered capabilities of the attach the hub answers with);
// - the delivery object send() returns having an id;
// - Connection#_write_frame, #output and #amqp_transport (encode/write), replaced by the output
//   batching (rheaOutputBatching.ts), and a transfer performative's descriptor and field list.
import type * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { create_container, type Connection, type Sender } from 'rhea';
import { isFunction, requireShapes, type ShapeCheck } from '../libraryCheck';

/** The rhea version whose private API this module was written against (package.json pins it). */
export const RHEA_VERSION = '3.0.5';

type RheaTimers = Record<'heartbeat_in' | 'heartbeat_out' | 'abort_idle', NodeJS.Timeout | undefined>;
interface SenderInternals {
  credit?: number;
  session: { outgoing: { next_pending_delivery: number; available(): number } };
  local: { attach: LocalAttach };
}
/** The attach performative the hub sends back for a sender link (fields rhea copies into the frame). */
export interface LocalAttach { snd_settle_mode?: number; offered_capabilities?: string[] }
interface ConnectionInternals {
  accept?: unknown;
  socket?: net.Socket;
  _write_frame?: unknown;
  output?: unknown;
  amqp_transport?: {
    encode(frame: RheaFrame): void;
    write(socket: FrameSink): void;
  };
}

/** A frame as rhea's transport encodes it. */
export interface RheaFrame { channel: number; type: number; performative: unknown; payload: Buffer | undefined }
/** Where rhea's transport writes encoded bytes (the socket, or a collector). */
export interface FrameSink { write(buffer: Buffer): boolean }
/** rhea's frames.TYPE_AMQP (the frame type byte of AMQP frames). */
export const RHEA_TYPE_AMQP = 0x00;
/** The transfer performative's descriptor code (AMQP 1.0 part 2, 2.7.5). */
export const AMQP_TRANSFER = 0x14;

/** rhea's composite performative (frames.transfer(...)): field getters plus the raw field list. */
interface TransferPerformative {
  constructor?: { descriptor?: { numeric?: number } };
  value: unknown[];
  handle: number;
  delivery_id: number;
  delivery_tag: unknown;
  message_format: number;
  settled: boolean;
  more: boolean;
}

/**
 * rhea clears its heartbeat timers when the socket ends, but a destroyed socket (endpoint closing,
 * peer reset) emits only 'close'; a leftover 240 s timer would keep the hub process alive.
 */
export function clearRheaTimers(connection: Connection): void {
  const timers = connection as unknown as RheaTimers;
  for (const name of ['heartbeat_in', 'heartbeat_out', 'abort_idle'] as const) {
    const t = timers[name];
    if (t !== undefined) clearTimeout(t);
    timers[name] = undefined;
  }
}

/** Serves a socket (or any duplex stream: AMQP over WebSocket) the hub accepted (rhea's server-side entry point). */
export function acceptSocket(connection: Connection, socket: Duplex): void {
  (connection as unknown as { accept(socket: Duplex): void }).accept(socket);
}

/** The connection's socket, if it has one. */
export function connectionSocket(connection: Connection): { writableLength?: number; once(e: 'drain', l: () => void): unknown } | undefined {
  return (connection as unknown as ConnectionInternals).socket;
}

/**
 * Calls `fn` once every frame the connection has produced so far has been written by its socket:
 * rhea (and the output batching) write pending frames on process.nextTick, so by the next turn they
 * are in the socket; then this waits until the socket has nothing left in flight. What is sent from
 * `fn` therefore goes out in a later write than those frames (over TLS, a later record).
 */
export function afterOutputWritten(connection: Connection, fn: () => void): void {
  const check = (): void => {
    const socket = (connection as unknown as ConnectionInternals).socket as (net.Socket & { writableNeedDrain?: boolean }) | undefined;
    if (socket === undefined || socket.destroyed || socket.writableLength === 0) fn();
    else if (socket.writableNeedDrain === true) socket.once('drain', check);
    else setImmediate(check); // a write the OS has not completed yet: look again next turn
  };
  setImmediate(check);
}

/** The delivery id of what Sender#send returned. */
export function deliveryId(delivery: unknown): number {
  return (delivery as { id: number }).id;
}

/** The link's credit and its session's outgoing window. */
export function senderFlow(sender: Sender): { credit: number; nextPendingDelivery: number; available: number } {
  const s = sender as unknown as SenderInternals;
  const outgoing = s.session.outgoing;
  return { credit: s.credit ?? 0, nextPendingDelivery: outgoing.next_pending_delivery, available: outgoing.available() };
}

/** The attach the hub answers a sender link with (changed before it is sent). */
export function localAttach(sender: Sender): LocalAttach {
  return (sender as unknown as SenderInternals).local.attach;
}

/** The frame output of a connection: rhea's own writers, and a way to put batching ones in their place. */
export interface ConnectionOutput {
  /** rhea's transport encoder (queues one frame's bytes). */
  encode(frame: RheaFrame): void;
  /** rhea's transport writer (hands the queued bytes, and the protocol header if not sent yet, to a sink). */
  write(sink: FrameSink): void;
  /** rhea's Connection#output: writes what is pending to the socket. */
  flush(): void;
  /** Replaces Connection#_write_frame and the transport's encode/write. */
  replace(hooks: { writeFrame(channel?: number, performative?: unknown, payload?: Buffer): void; encode(frame: RheaFrame): void; write(sink: FrameSink): void }): void;
}

/** The connection's frame output, or undefined when it has no transport yet (or rhea changed shape). */
export function connectionOutput(connection: Connection): ConnectionOutput | undefined {
  const c = connection as unknown as ConnectionInternals;
  const transport = c.amqp_transport;
  if (!isFunction(c._write_frame) || !isFunction(c.output) || transport === undefined) return undefined;
  const output = c.output as () => void;
  return {
    encode: transport.encode.bind(transport),
    write: transport.write.bind(transport),
    flush: () => output.call(c),
    replace: (hooks) => {
      c._write_frame = hooks.writeFrame;
      transport.encode = hooks.encode;
      transport.write = hooks.write;
    },
  };
}

/**
 * A transfer performative's fields (and how many it carries), or undefined for any other performative.
 * Not in the start-up check (rhea exports no performative constructor); test/unit/eventhubs/transferFrame
 * compares the frame built from these fields with rhea's own for the pinned version.
 */
export function transferFields(performative: unknown): { handle: number; deliveryId: number; deliveryTag: unknown; messageFormat: number | undefined; settled: boolean; more: boolean; fieldCount: number } | undefined {
  const p = performative as TransferPerformative | undefined | null;
  if (p === undefined || p === null || p.constructor?.descriptor?.numeric !== AMQP_TRANSFER || !Array.isArray(p.value)) return undefined;
  return { handle: p.handle, deliveryId: p.delivery_id, deliveryTag: p.delivery_tag, messageFormat: p.message_format, settled: p.settled, more: p.more, fieldCount: p.value.length };
}

/** What the hub relies on, checked on an unconnected connection and a sender on it. */
export function rheaShapeChecks(connection: unknown, sender: unknown): ShapeCheck[] {
  const c = connection as ConnectionInternals & Partial<RheaTimers> | undefined;
  const s = sender as Partial<SenderInternals> | undefined;
  return [
    ['Connection#accept()', isFunction(c?.accept)],
    ['Connection#_write_frame() and output()', isFunction(c?._write_frame) && isFunction(c?.output)],
    ['Connection heartbeat_in/heartbeat_out/abort_idle timers', c !== undefined && 'heartbeat_out' in c && 'abort_idle' in c],
    ['Sender#credit (a number)', typeof s?.credit === 'number'],
    ['Sender#session.outgoing.next_pending_delivery and available()', typeof s?.session?.outgoing?.next_pending_delivery === 'number' && isFunction(s?.session?.outgoing?.available)],
    ['Sender#local.attach', typeof s?.local?.attach === 'object' && s.local.attach !== null],
  ];
}

/** Start-up check on an in-memory connection (nothing is sent). Throws a LibraryShapeError naming rhea and its version. */
export function checkRheaInternals(): void {
  const connection = create_container({ id: 'iot-hub-local-shape-check' }).create_connection();
  const sender = connection.create_session().attach_sender({ target: { address: 'shape-check' } });
  requireShapes('rhea', RHEA_VERSION, rheaShapeChecks(connection, sender));
}
