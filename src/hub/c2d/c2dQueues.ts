// Per-device C2D queues with IoT Hub's lifecycle:
//   Enqueued -> (receive) Invisible -> complete: Completed | reject: DeadLettered
//                                    -> abandon / lock timeout: Enqueued (or DeadLettered once
//                                       maxDeliveryCount deliveries happened, or when expired)
//   Enqueued past its expiry -> DeadLettered (Expired)
// Working state is in memory (peek/depth are synchronous); every change is written through to
// SQLite and the operation resolves after the commit, so an accepted message survives kill -9.
// Completed and dead-lettered messages leave the queue (IoT Hub has no dead-letter queue for C2D).
import { randomUUID } from 'node:crypto';
import type { ApplicationProperty, SystemProperties } from '../../core/message/model';
import {
  C2D_DEFAULT_LOCK_TIMEOUT_MS, C2D_DEFAULT_MAX_DELIVERY_COUNT, C2D_DEFAULT_TTL_MS, C2D_MAX_DELIVERY_COUNT_LIMIT, C2D_MAX_QUEUE_DEPTH,
  C2D_MAX_TTL_MS,
} from '../../core/message/limits';
import type {
  C2dMessage, C2dQueues, C2dSendOptions, Clock, ClockTimer, FeedbackRecord, FeedbackStatus, HubLogger, QueueEvent,
} from '../contracts';
import { HubValidationError, hubError } from '../state/hubErrors';
import type { SqliteStore } from '../state/sqliteStore';
import type { TypedEvents } from '../state/typedEvents';
import { DeadlineHeap } from './deadlineHeap';
import type { SqliteFeedbackStore } from './feedbackStore';
import { c2dErrors } from './validateC2d';

export interface C2dQueueOptions {
  defaultTtlMs?: number;
  lockTimeoutMs?: number;
  maxDeliveryCount?: number;
}

/** What the queues need from the registry. */
export interface C2dDeviceLookup {
  exists(deviceId: string): boolean;
  generationId(deviceId: string): string | undefined;
}

interface DeviceQueue {
  /** Insertion order = sequence order; messages returned to the queue keep their place. */
  messages: Map<number, C2dMessage>;
  byLock: Map<string, C2dMessage>;
  nextSeq: number;
}

type Change =
  | { kind: 'insert'; msg: C2dMessage }
  | { kind: 'update'; msg: C2dMessage }
  | { kind: 'delete'; msg: C2dMessage; feedback?: FeedbackStatus };

interface MessageRow {
  device_id: string; seq: number; state: string; delivery_count: number; enqueued_time: number; expiry_time: number;
  lock_token: string | null; locked_until: number | null; system_properties: string; application_properties: string; body: Uint8Array;
}

const FEEDBACK_DESCRIPTION: Record<FeedbackStatus, string> = {
  Success: 'Success',
  Expired: 'Message expired',
  DeliveryCountExceeded: 'Message delivery count exceeded',
  Rejected: 'Message rejected',
  Purged: 'Message purged',
};

/** Which outcomes produce feedback for each ack mode. Purged counts as negative: the message was not completed. */
function wantsFeedback(ack: string | undefined, status: FeedbackStatus): boolean {
  if (ack === 'full') return true;
  if (ack === 'positive') return status === 'Success';
  if (ack === 'negative') return status !== 'Success';
  return false;
}

export class SqliteC2dQueues implements C2dQueues {
  private readonly queues = new Map<string, DeviceQueue>();
  private deadlines = new DeadlineHeap();
  private pushesSinceCompaction = 0;
  private timer: ClockTimer | undefined;
  private timerDue = Infinity;
  private closed = false;
  private readonly deliverableListeners = new Set<(deviceId: string) => void>();
  private readonly defaultTtlMs: number;
  private readonly lockTimeoutMs: number;
  private readonly maxDeliveryCount: number;

  constructor(
    private readonly store: SqliteStore,
    private readonly devices: C2dDeviceLookup,
    private readonly feedback: SqliteFeedbackStore,
    readonly events: TypedEvents<QueueEvent>,
    private readonly clock: Clock,
    private readonly log: HubLogger,
    options: C2dQueueOptions = {},
  ) {
    this.defaultTtlMs = Math.min(options.defaultTtlMs ?? C2D_DEFAULT_TTL_MS, C2D_MAX_TTL_MS);
    this.lockTimeoutMs = options.lockTimeoutMs ?? C2D_DEFAULT_LOCK_TIMEOUT_MS;
    const max = options.maxDeliveryCount ?? C2D_DEFAULT_MAX_DELIVERY_COUNT;
    if (!Number.isInteger(max) || max < 1 || max > C2D_MAX_DELIVERY_COUNT_LIMIT) {
      throw new RangeError(`maxDeliveryCount must be an integer from 1 to ${C2D_MAX_DELIVERY_COUNT_LIMIT} (got ${max}).`);
    }
    this.maxDeliveryCount = max;
    this.load();
  }

  private load(): void {
    for (const row of this.store.db.all('SELECT device_id, next_seq FROM c2d_sequences') as { device_id: string; next_seq: number }[]) {
      this.queue(row.device_id).nextSeq = Number(row.next_seq);
    }
    let unlocked = 0;
    const rows = this.store.db.all('SELECT * FROM c2d_messages ORDER BY device_id, seq') as unknown as MessageRow[];
    for (const row of rows) {
      const msg: C2dMessage = {
        deviceId: row.device_id,
        sequenceNumber: Number(row.seq),
        systemProperties: JSON.parse(row.system_properties) as SystemProperties,
        applicationProperties: (JSON.parse(row.application_properties) as [string, string][]).map(([name, value]) => ({ name, value })),
        body: row.body,
        // A lock does not survive a restart: the device connection that held it is gone.
        state: 'Enqueued',
        deliveryCount: Number(row.delivery_count),
        enqueuedTime: Number(row.enqueued_time),
        expiryTime: Number(row.expiry_time),
      };
      if (row.state === 'Invisible') unlocked++;
      if (msg.systemProperties.messageId !== undefined) msg.messageId = msg.systemProperties.messageId;
      const q = this.queue(msg.deviceId);
      q.messages.set(msg.sequenceNumber, msg);
      q.nextSeq = Math.max(q.nextSeq, msg.sequenceNumber + 1);
      this.deadlines.push({ time: msg.expiryTime, deviceId: msg.deviceId, seq: msg.sequenceNumber });
    }
    if (unlocked > 0) {
      this.store.db.run("UPDATE c2d_messages SET state = 'Enqueued', lock_token = NULL, locked_until = NULL WHERE state = 'Invisible'");
      this.log.info(`C2D: ${unlocked} message(s) that were locked when the hub stopped are back in their queues`);
    }
    this.armTimer();
  }

  private queue(deviceId: string): DeviceQueue {
    let q = this.queues.get(deviceId);
    if (q === undefined) {
      q = { messages: new Map(), byLock: new Map(), nextSeq: 1 };
      this.queues.set(deviceId, q);
    }
    return q;
  }

  // ------------------------------------------------------------------ the C2dQueues contract

  async send(
    deviceId: string,
    message: { systemProperties: SystemProperties; applicationProperties: ApplicationProperty[]; body: Uint8Array },
    options: C2dSendOptions = {},
  ): Promise<C2dMessage> {
    this.requireDevice(deviceId);
    const now = this.clock.now();
    const problems = c2dErrors(message.systemProperties, message.applicationProperties, message.body, now);
    if (problems.length > 0) {
      throw new HubValidationError(`The C2D message is invalid: ${problems.map((p) => `${p.code} ${p.message}`).join(' ')}`, problems);
    }
    let expiryTime: number;
    if (message.systemProperties.expiryTimeUtc !== undefined) {
      expiryTime = Math.min(Date.parse(message.systemProperties.expiryTimeUtc), now + C2D_MAX_TTL_MS);
    } else {
      const ttl = options.ttlMs ?? this.defaultTtlMs;
      if (!(ttl > 0)) throw hubError('ArgumentInvalid', `The C2D time to live must be positive (got ${ttl} ms).`);
      expiryTime = now + Math.min(ttl, C2D_MAX_TTL_MS);
    }
    const changes = this.sweep(deviceId, now);
    const q = this.queue(deviceId);
    if (q.messages.size >= C2D_MAX_QUEUE_DEPTH) {
      this.applyInBackground(changes);
      throw hubError('DeviceMaximumQueueDepthExceeded',
        `The C2D queue of device "${deviceId}" already holds ${C2D_MAX_QUEUE_DEPTH} messages, IoT Hub's limit; the device must receive or the queue be purged first.`);
    }
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
    this.pushDeadline(expiryTime, deviceId, seq);
    changes.push({ kind: 'insert', msg });
    // apply() queues the insert synchronously, so a delivery started now writes its lock after it.
    const applied = this.apply(changes);
    this.notifyDeliverable(deviceId);
    try {
      await applied;
    } catch (e) {
      // Not accepted (the store failed): the message leaves the queue even if a device already
      // received it; the sender was told it failed (at-least-once: it may resend).
      if (q.messages.get(seq) === msg) q.messages.delete(seq);
      if (msg.lockToken !== undefined) q.byLock.delete(msg.lockToken);
      throw e;
    }
    return snapshot(msg);
  }

  onDeliverable(listener: (deviceId: string) => void): () => void {
    this.deliverableListeners.add(listener);
    return () => this.deliverableListeners.delete(listener);
  }

  private notifyDeliverable(deviceId: string): void {
    for (const l of this.deliverableListeners) {
      try {
        l(deviceId);
      } catch (e) {
        this.log.error(`A C2D delivery listener failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  async receive(deviceId: string, lockTimeoutMs?: number): Promise<C2dMessage | undefined> {
    this.requireDevice(deviceId);
    const now = this.clock.now();
    const changes = this.sweep(deviceId, now);
    const q = this.queue(deviceId);
    let next: C2dMessage | undefined;
    for (const m of q.messages.values()) {
      if (m.state === 'Enqueued') {
        next = m;
        break;
      }
    }
    if (next !== undefined) {
      next.state = 'Invisible';
      next.deliveryCount++;
      next.lockToken = randomUUID();
      next.lockedUntil = now + (lockTimeoutMs !== undefined && lockTimeoutMs > 0 ? lockTimeoutMs : this.lockTimeoutMs);
      q.byLock.set(next.lockToken, next);
      this.pushDeadline(next.lockedUntil, deviceId, next.sequenceNumber);
      changes.push({ kind: 'update', msg: next });
    }
    // The lock itself is not durable (locks never survive a restart), so delivery need not wait
    // for this commit: it only records the delivery count, and a crash before it commits means
    // one redelivery with a count one lower - still at-least-once. Saves an fsync per delivery.
    this.applyInBackground(changes);
    return next === undefined ? undefined : snapshot(next);
  }

  complete(deviceId: string, lockToken: string): Promise<void> {
    return this.settle(deviceId, lockToken, (msg) => this.remove(msg, 'Completed', 'Success'));
  }

  reject(deviceId: string, lockToken: string): Promise<void> {
    return this.settle(deviceId, lockToken, (msg) => this.remove(msg, 'DeadLettered', 'Rejected'));
  }

  abandon(deviceId: string, lockToken: string): Promise<void> {
    return this.settle(deviceId, lockToken, (msg) => this.returnToQueue(msg, this.clock.now()));
  }

  peek(deviceId: string): C2dMessage[] {
    const changes = this.sweep(deviceId, this.clock.now());
    this.applyInBackground(changes);
    const q = this.queues.get(deviceId);
    return q === undefined ? [] : [...q.messages.values()].map(snapshot);
  }

  depth(deviceId: string): number {
    const q = this.queues.get(deviceId);
    if (q === undefined || q.messages.size === 0) return 0;
    this.applyInBackground(this.sweep(deviceId, this.clock.now()));
    return q.messages.size;
  }

  async purge(deviceId: string): Promise<number> {
    this.requireDevice(deviceId);
    const q = this.queues.get(deviceId);
    if (q === undefined || q.messages.size === 0) return 0;
    const changes: Change[] = [];
    for (const msg of [...q.messages.values()]) changes.push(this.remove(msg, 'DeadLettered', 'Purged'));
    const count = changes.length;
    await this.apply(changes, true);
    this.events.emit({ type: 'c2dPurged', deviceId, count });
    return count;
  }

  // ------------------------------------------------------------------ extras for the hub

  /** Drops a deleted device's queue (IoT Hub deletes it with the identity). */
  deleteDeviceQueue(deviceId: string): void {
    const q = this.queues.get(deviceId);
    this.queues.delete(deviceId);
    this.store.write((db) => {
      db.run('DELETE FROM c2d_messages WHERE device_id = ?', [deviceId]);
      db.run('DELETE FROM c2d_sequences WHERE device_id = ?', [deviceId]);
    }).catch((e: unknown) => this.log.error(`Deleting the C2D queue of ${deviceId} failed: ${e instanceof Error ? e.message : String(e)}`));
    if (q !== undefined && q.messages.size > 0) this.events.emit({ type: 'c2dPurged', deviceId, count: q.messages.size });
  }

  /** Applies due expiries and lock timeouts now (normally done by the timer). */
  async processDeadlines(): Promise<void> {
    const now = this.clock.now();
    const devices = new Set<string>();
    for (let d = this.deadlines.peek(); d !== undefined && d.time <= now; d = this.deadlines.peek()) {
      this.deadlines.pop();
      devices.add(d.deviceId);
    }
    const changes: Change[] = [];
    for (const id of devices) changes.push(...this.sweep(id, now));
    await this.apply(changes);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  // ------------------------------------------------------------------ internals

  private requireDevice(deviceId: string): void {
    if (!this.devices.exists(deviceId)) throw hubError('DeviceNotFound', `Device "${deviceId}" is not registered in this hub.`);
  }

  private async settle(deviceId: string, lockToken: string, outcome: (msg: C2dMessage) => Change): Promise<void> {
    this.requireDevice(deviceId);
    const now = this.clock.now();
    const changes = this.sweep(deviceId, now);
    const msg = this.queues.get(deviceId)?.byLock.get(lockToken);
    if (msg === undefined || msg.state !== 'Invisible') {
      this.applyInBackground(changes);
      throw hubError('DeviceMessageLockLost', `Lock token ${lockToken} does not hold a message of device "${deviceId}": it expired, was already used, or never existed.`);
    }
    changes.push(outcome(msg));
    await this.apply(changes);
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

  /** Abandon or lock timeout: back to Enqueued unless expired or out of deliveries. */
  private returnToQueue(msg: C2dMessage, now: number): Change {
    if (msg.expiryTime <= now) return this.remove(msg, 'DeadLettered', 'Expired');
    if (msg.deliveryCount >= this.maxDeliveryCount) return this.remove(msg, 'DeadLettered', 'DeliveryCountExceeded');
    const q = this.queue(msg.deviceId);
    if (msg.lockToken !== undefined) q.byLock.delete(msg.lockToken);
    msg.state = 'Enqueued';
    delete msg.lockToken;
    delete msg.lockedUntil;
    return { kind: 'update', msg };
  }

  /** Expires Enqueued messages and releases timed-out locks of one device (memory now; returns the writes). */
  private sweep(deviceId: string, now: number): Change[] {
    const q = this.queues.get(deviceId);
    const changes: Change[] = [];
    if (q === undefined) return changes;
    for (const msg of [...q.messages.values()]) {
      if (msg.state === 'Invisible' && msg.lockedUntil !== undefined && msg.lockedUntil <= now) changes.push(this.returnToQueue(msg, now));
      else if (msg.state === 'Enqueued' && msg.expiryTime <= now) changes.push(this.remove(msg, 'DeadLettered', 'Expired'));
    }
    return changes;
  }

  private applyInBackground(changes: Change[]): void {
    if (changes.length === 0) return;
    this.apply(changes).catch((e: unknown) => this.log.error(`C2D state change failed: ${e instanceof Error ? e.message : String(e)}`));
  }

  /** Writes the changes in one group-committed transaction, then records feedback and emits events. */
  private async apply(changes: Change[], suppressStateEvents = false): Promise<void> {
    if (changes.length === 0) return;
    const feedbackRows: { id: number; record: FeedbackRecord }[] = [];
    const now = this.clock.now();
    // Depth as of this change (by the time the commit lands, later changes may have moved on).
    const snapshots = changes.map((c) => ({ change: c, snap: snapshot(c.msg), depth: this.queues.get(c.msg.deviceId)?.messages.size ?? 0 }));
    await this.store.write((db) => {
      for (const { change: c, snap: m } of snapshots) {
        if (c.kind === 'insert') {
          db.run('INSERT INTO c2d_messages (device_id, seq, state, delivery_count, enqueued_time, expiry_time, lock_token, locked_until, system_properties, application_properties, body) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
            [m.deviceId, m.sequenceNumber, m.state, m.deliveryCount, m.enqueuedTime, m.expiryTime, null, null,
              JSON.stringify(m.systemProperties), JSON.stringify(m.applicationProperties.map((p) => [p.name, p.value])), m.body]);
          db.run('INSERT INTO c2d_sequences (device_id, next_seq) VALUES (?, ?) ON CONFLICT(device_id) DO UPDATE SET next_seq = MAX(next_seq, excluded.next_seq)',
            [m.deviceId, m.sequenceNumber + 1]);
        } else if (c.kind === 'update') {
          db.run('UPDATE c2d_messages SET state = ?, delivery_count = ?, lock_token = ?, locked_until = ? WHERE device_id = ? AND seq = ?',
            [m.state, m.deliveryCount, m.lockToken ?? null, m.lockedUntil ?? null, m.deviceId, m.sequenceNumber]);
        } else {
          db.run('DELETE FROM c2d_messages WHERE device_id = ? AND seq = ?', [m.deviceId, m.sequenceNumber]);
          if (c.feedback !== undefined && wantsFeedback(m.systemProperties.ack, c.feedback)) {
            const record: FeedbackRecord = {
              originalMessageId: m.messageId ?? '',
              deviceId: m.deviceId,
              deviceGenerationId: this.devices.generationId(m.deviceId) ?? '',
              enqueuedTimeUtc: new Date(now).toISOString(),
              statusCode: c.feedback,
              description: FEEDBACK_DESCRIPTION[c.feedback],
            };
            feedbackRows.push({ id: this.feedback.insertPending(db, record), record });
          }
        }
      }
    });
    for (const f of feedbackRows) this.feedback.committed(f.id, f.record);
    if (suppressStateEvents) return;
    for (const { change: c, snap, depth } of snapshots) {
      if (c.kind === 'insert') this.events.emit({ type: 'c2dEnqueued', deviceId: c.msg.deviceId, message: snap, depth });
      else this.events.emit({ type: 'c2dStateChanged', deviceId: c.msg.deviceId, message: snap, depth });
    }
  }

  private pushDeadline(time: number, deviceId: string, seq: number): void {
    this.deadlines.push({ time, deviceId, seq });
    if (++this.pushesSinceCompaction > 4096) {
      // Checked every 4096 pushes so counting the messages stays amortised O(1).
      this.pushesSinceCompaction = 0;
      if (this.deadlines.size > 4 * this.messageCount() + 1024) this.compactDeadlines();
    }
    if (time < this.timerDue) this.armTimer();
  }

  private messageCount(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.messages.size;
    return n;
  }

  /** Entries of finished messages stay in the heap until due; rebuild it when they dominate. */
  private compactDeadlines(): void {
    this.pushesSinceCompaction = 0;
    const fresh = new DeadlineHeap();
    for (const q of this.queues.values()) {
      for (const m of q.messages.values()) {
        fresh.push({ time: m.expiryTime, deviceId: m.deviceId, seq: m.sequenceNumber });
        if (m.lockedUntil !== undefined) fresh.push({ time: m.lockedUntil, deviceId: m.deviceId, seq: m.sequenceNumber });
      }
    }
    this.deadlines = fresh;
    this.armTimer();
  }

  private armTimer(): void {
    if (this.closed) return;
    const top = this.deadlines.peek();
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = Infinity;
    if (top === undefined) return;
    this.timerDue = top.time;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerDue = Infinity;
      // processDeadlines changes memory synchronously before its first await, so the next
      // deadline can be armed at once (a ManualClock advance then fires it in the same step).
      const done = this.processDeadlines();
      this.armTimer();
      done.catch((e: unknown) => this.log.error(`C2D expiry processing failed: ${e instanceof Error ? e.message : String(e)}`));
    }, Math.max(0, top.time - this.clock.now()));
  }
}

function snapshot(m: C2dMessage): C2dMessage {
  const s: C2dMessage = { ...m, systemProperties: { ...m.systemProperties }, applicationProperties: m.applicationProperties.map((p) => ({ ...p })) };
  if (m.lockToken === undefined) delete s.lockToken;
  if (m.lockedUntil === undefined) delete s.lockedUntil;
  return s;
}
