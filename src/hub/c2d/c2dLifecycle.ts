// The C2D lifecycle as a pure state machine over in-memory per-device queues (no SQLite, no timers):
//   Enqueued -> (lock) Invisible -> complete: Completed | reject: DeadLettered
//                                 -> abandon / lock timeout: Enqueued (or DeadLettered once
//                                    maxDeliveryCount deliveries happened, or when expired)
//   Enqueued past its expiry -> DeadLettered (Expired)
// Each transition changes memory at once and returns the Change that must be made durable
// (c2dSql.ts writes it); each new deadline (expiry, lock timeout) is announced through onDeadline.
// Completed and dead-lettered messages leave the queue (IoT Hub has no dead-letter queue for C2D).
import { randomUUID } from 'node:crypto';
import type { ApplicationProperty, SystemProperties } from '../../core/message/model';
import type { C2dMessage, FeedbackStatus } from '../contracts';

/** One device's queue. Insertion order = sequence order; messages returned to the queue keep their place. */
export interface DeviceQueue {
  messages: Map<number, C2dMessage>;
  byLock: Map<string, C2dMessage>;
  nextSeq: number;
}

/** What a transition asks the store to do. */
export type Change =
  | { kind: 'insert'; msg: C2dMessage }
  | { kind: 'update'; msg: C2dMessage }
  | { kind: 'delete'; msg: C2dMessage; feedback?: FeedbackStatus };

export const FEEDBACK_DESCRIPTION: Record<FeedbackStatus, string> = {
  Success: 'Success',
  Expired: 'Message expired',
  DeliveryCountExceeded: 'Message delivery count exceeded',
  Rejected: 'Message rejected',
  Purged: 'Message purged',
};

/** Which outcomes produce feedback for each ack mode. Purged counts as negative: the message was not completed. */
export function wantsFeedback(ack: string | undefined, status: FeedbackStatus): boolean {
  if (ack === 'full') return true;
  if (ack === 'positive') return status === 'Success';
  if (ack === 'negative') return status !== 'Success';
  return false;
}

/** A copy callers may keep: later transitions do not change it. */
export function snapshot(m: C2dMessage): C2dMessage {
  const s: C2dMessage = { ...m, systemProperties: { ...m.systemProperties }, applicationProperties: m.applicationProperties.map((p) => ({ ...p })) };
  if (m.lockToken === undefined) delete s.lockToken;
  if (m.lockedUntil === undefined) delete s.lockedUntil;
  return s;
}

export interface NewC2dMessage {
  systemProperties: SystemProperties;
  applicationProperties: ApplicationProperty[];
  body: Uint8Array;
}

export class C2dLifecycle {
  readonly queues = new Map<string, DeviceQueue>();

  constructor(
    private readonly maxDeliveryCount: number,
    /** Told of every deadline a transition creates (message expiry, lock timeout). */
    private readonly onDeadline: (time: number, deviceId: string, seq: number) => void = () => undefined,
    private readonly newLockToken: () => string = randomUUID,
  ) {}

  queue(deviceId: string): DeviceQueue {
    let q = this.queues.get(deviceId);
    if (q === undefined) {
      q = { messages: new Map(), byLock: new Map(), nextSeq: 1 };
      this.queues.set(deviceId, q);
    }
    return q;
  }

  depth(deviceId: string): number {
    return this.queues.get(deviceId)?.messages.size ?? 0;
  }

  messageCount(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.messages.size;
    return n;
  }

  /** Puts back a message read from the store at start-up (always Enqueued: locks do not survive a restart). */
  restore(msg: C2dMessage): void {
    const q = this.queue(msg.deviceId);
    q.messages.set(msg.sequenceNumber, msg);
    q.nextSeq = Math.max(q.nextSeq, msg.sequenceNumber + 1);
    this.onDeadline(msg.expiryTime, msg.deviceId, msg.sequenceNumber);
  }

  /** Appends a new message with the next sequence number and IoT Hub's stamps. */
  enqueue(deviceId: string, message: NewC2dMessage, now: number, expiryTime: number): { msg: C2dMessage; change: Change } {
    const q = this.queue(deviceId);
    const seq = q.nextSeq++;
    const systemProperties: SystemProperties = {
      ...message.systemProperties,
      to: `/devices/${deviceId}/messages/devicebound`,
      enqueuedTimeUtc: new Date(now).toISOString(),
      sequenceNumber: String(seq),
    };
    const msg: C2dMessage = {
      deviceId,
      sequenceNumber: seq,
      systemProperties,
      applicationProperties: message.applicationProperties.map((p) => ({ name: p.name, value: p.value })),
      body: Uint8Array.from(message.body),
      state: 'Enqueued',
      deliveryCount: 0,
      enqueuedTime: now,
      expiryTime,
    };
    if (systemProperties.messageId !== undefined) msg.messageId = systemProperties.messageId;
    q.messages.set(seq, msg);
    this.onDeadline(expiryTime, deviceId, seq);
    return { msg, change: { kind: 'insert', msg } };
  }

  /** Takes back an insert the store refused (the message leaves the queue, even if delivered). */
  undoInsert(msg: C2dMessage): void {
    const q = this.queues.get(msg.deviceId);
    if (q === undefined) return;
    if (q.messages.get(msg.sequenceNumber) === msg) q.messages.delete(msg.sequenceNumber);
    if (msg.lockToken !== undefined) q.byLock.delete(msg.lockToken);
  }

  /** Locks the oldest Enqueued message for delivery (Invisible, one more delivery), if any. */
  lockNext(deviceId: string, now: number, lockTimeoutMs: number): { msg: C2dMessage; change: Change } | undefined {
    const q = this.queue(deviceId);
    let next: C2dMessage | undefined;
    for (const m of q.messages.values()) {
      if (m.state === 'Enqueued') {
        next = m;
        break;
      }
    }
    if (next === undefined) return undefined;
    next.state = 'Invisible';
    next.deliveryCount++;
    next.lockToken = this.newLockToken();
    next.lockedUntil = now + lockTimeoutMs;
    q.byLock.set(next.lockToken, next);
    this.onDeadline(next.lockedUntil, deviceId, next.sequenceNumber);
    return { msg: next, change: { kind: 'update', msg: next } };
  }

  /** The Invisible message this lock token holds, if it still holds one. */
  locked(deviceId: string, lockToken: string): C2dMessage | undefined {
    const msg = this.queues.get(deviceId)?.byLock.get(lockToken);
    return msg?.state === 'Invisible' ? msg : undefined;
  }

  complete(msg: C2dMessage): Change {
    return this.remove(msg, 'Completed', 'Success');
  }

  reject(msg: C2dMessage): Change {
    return this.remove(msg, 'DeadLettered', 'Rejected');
  }

  /** Abandon or lock timeout: back to Enqueued unless expired or out of deliveries. */
  abandon(msg: C2dMessage, now: number): Change {
    if (msg.expiryTime <= now) return this.remove(msg, 'DeadLettered', 'Expired');
    if (msg.deliveryCount >= this.maxDeliveryCount) return this.remove(msg, 'DeadLettered', 'DeliveryCountExceeded');
    const q = this.queue(msg.deviceId);
    if (msg.lockToken !== undefined) q.byLock.delete(msg.lockToken);
    msg.state = 'Enqueued';
    delete msg.lockToken;
    delete msg.lockedUntil;
    return { kind: 'update', msg };
  }

  /** Dead-letters every message of the device as Purged. */
  purge(deviceId: string): Change[] {
    const q = this.queues.get(deviceId);
    if (q === undefined) return [];
    return [...q.messages.values()].map((msg) => this.remove(msg, 'DeadLettered', 'Purged'));
  }

  /** Forgets a deleted device's queue; returns how many messages it held. */
  dropQueue(deviceId: string): number {
    const q = this.queues.get(deviceId);
    this.queues.delete(deviceId);
    return q?.messages.size ?? 0;
  }

  /** Expires Enqueued messages and releases timed-out locks of one device. */
  sweep(deviceId: string, now: number): Change[] {
    const q = this.queues.get(deviceId);
    const changes: Change[] = [];
    if (q === undefined) return changes;
    for (const msg of [...q.messages.values()]) {
      if (msg.state === 'Invisible' && msg.lockedUntil !== undefined && msg.lockedUntil <= now) changes.push(this.abandon(msg, now));
      else if (msg.state === 'Enqueued' && msg.expiryTime <= now) changes.push(this.remove(msg, 'DeadLettered', 'Expired'));
    }
    return changes;
  }

  /** Every live deadline (expiries and lock timeouts), for rebuilding the scheduler's heap. */
  *liveDeadlines(): Iterable<{ time: number; deviceId: string; seq: number }> {
    for (const q of this.queues.values()) {
      for (const m of q.messages.values()) {
        yield { time: m.expiryTime, deviceId: m.deviceId, seq: m.sequenceNumber };
        if (m.lockedUntil !== undefined) yield { time: m.lockedUntil, deviceId: m.deviceId, seq: m.sequenceNumber };
      }
    }
  }

  /** Removes a finished message (Completed or DeadLettered). */
  private remove(msg: C2dMessage, state: 'Completed' | 'DeadLettered', feedback: FeedbackStatus): Change {
    const q = this.queue(msg.deviceId);
    q.messages.delete(msg.sequenceNumber);
    if (msg.lockToken !== undefined) q.byLock.delete(msg.lockToken);
    msg.state = state;
    delete msg.lockToken;
    delete msg.lockedUntil;
    return { kind: 'delete', msg, feedback };
  }
}
