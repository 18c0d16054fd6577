// Every use of aedes' private API, in one place. The hub relies on these parts of aedes that its
// typings and documentation do not promise (checked against the pinned version in package.json):
// - Client#pause()/resume() and the `_parsingBatch` count resume() waits on (D2C backpressure);
// - the connection's parser (`_parser`), its single 'packet' listener and the `_queue` of packets
//   parsed before CONNACK (the D2C fast path and the SUBSCRIBE QoS downgrade);
// - `connackSent`, `_keepaliveInterval` and `_keepaliveTimer` (the fast path keeps keep-alive);
// - the broker's message emitter `mq.emit` (telemetry skips topic matching).
// checkAedesInternals() verifies all of them at start-up (see ../libraryCheck.ts).
import { Aedes as AedesBroker, type Aedes, type Client } from 'aedes';
import type { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { isFunction, requireShapes, type ShapeCheck } from '../libraryCheck';

/** aedes' Client has pause()/resume() (used around CONNECT) that its typings leave out. */
type PausableClient = Client & { pause(): void; resume(): void; _parsingBatch: number };
/** The connection's MQTT parser: `_queue` holds packets parsed before CONNACK (null once replayed). */
type ParserInternals = EventEmitter & { _queue: unknown[] | null };
/** The parts of aedes' Client that the D2C fast path reads. */
type InternalClient = Client & {
  _parser?: ParserInternals;
  connackSent: boolean;
  _keepaliveInterval: number;
  _keepaliveTimer: { refresh(): void } | null;
};
type Emitter = { emit(packet: { topic: string }, cb?: (error?: Error) => void): unknown };

/** Stops reading a connection (backpressure). */
export function pauseClient(client: Client): void {
  (client as PausableClient).pause();
}

/** Resumes reading a connection paused by pauseClient. */
export function resumeClient(client: Client): void {
  const c = client as PausableClient;
  // aedes' pause() drops the "packet handled" counts that arrive while paused, and its
  // resume() then waits for them forever; nothing of ours is outstanding, so restart the count.
  c._parsingBatch = 0;
  c.resume();
}

/** A packet as the parser emits it, before aedes sees it. */
export type ParsedPacket = { cmd?: string; topic?: string; qos?: number; subscriptions?: Array<{ qos: number }> };

/**
 * Puts `intercept` in front of aedes' own handling of each packet the connection's parser emits;
 * a packet for which it returns true never reaches aedes. Throws if the parser is not as expected.
 */
export function interceptParsedPackets(client: Client, intercept: (packet: ParsedPacket) => boolean): void {
  const parser = (client as InternalClient)._parser;
  const aedesListeners = parser?.listeners('packet') ?? [];
  const enqueue = aedesListeners[0] as ((this: unknown, packet: unknown) => void) | undefined;
  if (parser === undefined || enqueue === undefined || aedesListeners.length !== 1) {
    throw new Error('aedes internals changed: the connection parser does not have exactly one packet listener');
  }
  parser.removeListener('packet', enqueue);
  parser.on('packet', function (this: unknown, packet: ParsedPacket) {
    if (!intercept(packet)) enqueue.call(this, packet);
  });
}

/** True once CONNACK is written and the packets parsed before it have been replayed to aedes. */
export function pastConnack(client: Client): boolean {
  const c = client as InternalClient;
  return c.connackSent && c._parser?._queue === null;
}

/** What aedes does on any packet from the client: restart its keep-alive timer. */
export function refreshKeepalive(client: Client): void {
  const c = client as InternalClient;
  if (c._keepaliveInterval > 0) c._keepaliveTimer?.refresh();
}

/** Publishes whose topic `skip` accepts are acknowledged to aedes without routing them to anyone. */
export function skipRouting(aedes: Aedes, skip: (topic: string) => boolean): void {
  const mq = (aedes as unknown as { mq: Emitter }).mq;
  const emit = mq.emit.bind(mq);
  mq.emit = (packet, cb) => {
    if (skip(packet.topic)) {
      cb?.();
      return mq;
    }
    return emit(packet, cb);
  };
}

/** The aedes version whose private API this module was written against (package.json pins it). */
export const AEDES_VERSION = '1.2.0';

/** What the hub relies on, checked on a broker and one of its (unconnected) clients. */
export function aedesShapeChecks(broker: unknown, client: unknown): ShapeCheck[] {
  const b = broker as { mq?: { emit?: unknown } } | undefined;
  const c = client as Partial<InternalClient & PausableClient> | undefined;
  const parser = c?._parser;
  return [
    ['broker.mq.emit()', isFunction(b?.mq?.emit)],
    ['Client#pause() and resume()', isFunction(c?.pause) && isFunction(c?.resume)],
    ['Client#_parsingBatch (a number)', typeof c?._parsingBatch === 'number'],
    ['Client#_parser with exactly one "packet" listener', isFunction(parser?.listeners) && parser!.listeners('packet').length === 1],
    ['Client#_parser._queue (an array before CONNACK)', Array.isArray(parser?._queue)],
    ['Client#connackSent (false before CONNACK)', c?.connackSent === false],
    ['Client#_keepaliveInterval (a number) and _keepaliveTimer', typeof c?._keepaliveInterval === 'number' && c !== undefined && '_keepaliveTimer' in c],
  ];
}

/**
 * Start-up check: a throwaway broker serves an in-memory connection that never sends anything,
 * and the shapes above are checked on it. Throws a LibraryShapeError naming aedes and its version.
 */
export async function checkAedesInternals(): Promise<void> {
  const broker = await AedesBroker.createBroker();
  const conn = new PassThrough();
  try {
    const client = broker.handle(conn);
    requireShapes('aedes', AEDES_VERSION, aedesShapeChecks(broker, client));
  } finally {
    conn.destroy();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
  }
}
