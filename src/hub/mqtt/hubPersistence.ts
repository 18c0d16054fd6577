// aedes' in-memory persistence with the parts the hub owns switched off. The hub's durable state
// (the D2C log and the C2D queues) is the only message store: aedes must not keep retained
// messages, queue QoS 1 packets for offline sessions, or replay its own copy of un-acknowledged
// packets on reconnect (the hub redelivers from the C2D queue instead). Subscriptions and wills
// stay with aedes (in memory). Every PUBACK reaches `outgoingClearMessageId`, which is aedes'
// documented persistence hook for it, so that is where C2D completion is observed.
// Every replaced method is checked to exist first (a renamed one would silently stay active).
import { Readable } from 'node:stream';
import type { Client } from 'aedes';
import memoryPersistence from 'aedes-persistence';
import { isFunction, requireShapes, type ShapeCheck } from '../libraryCheck';

/** The aedes-persistence version whose methods this module replaces (package.json pins it). */
export const AEDES_PERSISTENCE_VERSION = '11.0.0';

/** The methods replaced below: each must exist, or aedes would call the original we meant to switch off. */
const REPLACED = ['storeRetained', 'outgoingEnqueue', 'outgoingEnqueueCombi', 'outgoingUpdate', 'outgoingClearMessageId', 'outgoingStream', 'subscriptionsByTopic'] as const;

export function persistenceShapeChecks(persistence: unknown): ShapeCheck[] {
  const p = persistence as Record<string, unknown> | undefined;
  return REPLACED.map((name) => [`memory persistence ${name}()`, isFunction(p?.[name])] as const);
}

type Callback = ((error: Error | null, value?: unknown) => void) | undefined;

function done<T>(cb: Callback, value?: T): Promise<T | undefined> {
  if (typeof cb === 'function') cb(null, value);
  return Promise.resolve(value);
}

/** The persistence object aedes is given (an aedes-persistence memory instance, patched). */
export type HubPersistence = ReturnType<typeof memoryPersistence>;

export function createHubPersistence(onPuback: (client: Client, packetId: number) => void): HubPersistence {
  const persistence = memoryPersistence();
  requireShapes('aedes-persistence', AEDES_PERSISTENCE_VERSION, persistenceShapeChecks(persistence));
  const patched = persistence as unknown as Record<string, unknown>;
  patched['storeRetained'] = (_packet: unknown, cb?: Callback) => done(cb);
  patched['outgoingEnqueue'] = (_sub: unknown, _packet: unknown, cb?: Callback) => done(cb);
  patched['outgoingEnqueueCombi'] = (_subs: unknown, _packet: unknown, cb?: Callback) => done(cb);
  patched['outgoingUpdate'] = (_client: unknown, _packet: unknown, cb?: Callback) => done(cb);
  patched['outgoingClearMessageId'] = (client: Client, packet: { messageId?: number }, cb?: Callback) => {
    if (typeof packet.messageId === 'number') onPuback(client, packet.messageId);
    return done(cb);
  };
  patched['outgoingStream'] = () => Readable.from([]);
  // Only used to find offline sessions to queue a publish for, which the hub never does: skip the
  // per-publish subscription-tree match on the D2C hot path.
  patched['subscriptionsByTopic'] = (_topic: string, cb?: Callback) => done(cb, []);
  return persistence;
}
