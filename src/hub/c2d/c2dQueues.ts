// Per-device C2D queues with IoT Hub's lifecycle (c2dLifecycle.ts, the pure state machine), written
// through to SQLite (c2dSql.ts) with deadlines scheduled by c2dDeadlines.ts. Working state is in
// memory (peek/depth are synchronous); every change is written through and the operation resolves
// after the commit, so an accepted message survives kill -9.
import type { ApplicationProperty, SystemProperties } from '../../core/message/model';
import {
  C2D_DEFAULT_LOCK_TIMEOUT_MS, C2D_DEFAULT_MAX_DELIVERY_COUNT, C2D_DEFAULT_TTL_MS, C2D_MAX_DELIVERY_COUNT_LIMIT, C2D_MAX_QUEUE_DEPTH,
  C2D_MAX_TTL_MS,
} from '../../core/message/limits';
import type { C2dMessage, C2dQueues, C2dSendOptions, Clock, FeedbackRecord, HubLogger, QueueEvent } from '../contracts';
import { HubValidationError, hubError } from '../state/hubErrors';
import type { SqliteStore } from '../state/sqliteStore';
import type { TypedEvents } from '../state/typedEvents';
import { C2dDeadlines } from './c2dDeadlines';
import { C2dLifecycle, FEEDBACK_DESCRIPTION, snapshot, wantsFeedback, type Change } from './c2dLifecycle';
import { deleteStoredC2dQueue, readStoredC2d, unlockStoredC2d, writeC2dChanges } from './c2dSql';
import type { SqliteFeedbackStore } from './feedbackStore';
import { c2dErrors } from './validateC2d';
import { errorText } from '../../core/errorText';

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

export class SqliteC2dQueues implements C2dQueues {
  private readonly lifecycle: C2dLifecycle;
  private readonly deadlines: C2dDeadlines;
  private readonly deliverableListeners = new Set<(deviceId: string) => void>();
  private readonly defaultTtlMs: number;
  private readonly lockTimeoutMs: number;

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
    this.lifecycle = new C2dLifecycle(max, (time, deviceId, seq) => this.deadlines.push(time, deviceId, seq));
    this.deadlines = new C2dDeadlines(clock, log, this.lifecycle, () => this.processDeadlines());
    this.load();
  }

  private load(): void {
    const stored = readStoredC2d(this.store.db);
    for (const [deviceId, nextSeq] of stored.sequences) this.lifecycle.queue(deviceId).nextSeq = nextSeq;
    for (const msg of stored.messages) this.lifecycle.restore(msg);
    if (stored.wereLocked > 0) {
      unlockStoredC2d(this.store.db);
      this.log.info(`C2D: ${stored.wereLocked} message(s) that were locked when the hub stopped are back in their queues`);
    }
    this.deadlines.arm();
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
    const changes = this.lifecycle.sweep(deviceId, now);
    if (this.lifecycle.depth(deviceId) >= C2D_MAX_QUEUE_DEPTH) {
      this.applyInBackground(changes);
      throw hubError('DeviceMaximumQueueDepthExceeded',
        `The C2D queue of device "${deviceId}" already holds ${C2D_MAX_QUEUE_DEPTH} messages, IoT Hub's limit; the device must receive or the queue be purged first.`);
    }
    const { msg, change } = this.lifecycle.enqueue(deviceId, message, now, expiryTime);
    changes.push(change);
    // apply() queues the insert synchronously, so a delivery started now writes its lock after it.
    const applied = this.apply(changes);
    this.notifyDeliverable(deviceId);
    try {
      await applied;
    } catch (e) {
      // Not accepted (the store failed): the message leaves the queue even if a device already
      // received it; the sender was told it failed (at-least-once: it may resend).
      this.lifecycle.undoInsert(msg);
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
        this.log.error(`A C2D delivery listener failed: ${errorText(e)}`);
      }
    }
  }

  async receive(deviceId: string, lockTimeoutMs?: number): Promise<C2dMessage | undefined> {
    this.requireDevice(deviceId);
    const now = this.clock.now();
    const changes = this.lifecycle.sweep(deviceId, now);
    const locked = this.lifecycle.lockNext(deviceId, now, lockTimeoutMs !== undefined && lockTimeoutMs > 0 ? lockTimeoutMs : this.lockTimeoutMs);
    if (locked !== undefined) changes.push(locked.change);
    // The lock itself is not durable (locks never survive a restart), so delivery need not wait
    // for this commit: it only records the delivery count, and a crash before it commits means
    // one redelivery with a count one lower - still at-least-once. Saves an fsync per delivery.
    this.applyInBackground(changes);
    return locked === undefined ? undefined : snapshot(locked.msg);
  }

  complete(deviceId: string, lockToken: string): Promise<void> {
    return this.settle(deviceId, lockToken, (msg) => this.lifecycle.complete(msg));
  }

  reject(deviceId: string, lockToken: string): Promise<void> {
    return this.settle(deviceId, lockToken, (msg) => this.lifecycle.reject(msg));
  }

  abandon(deviceId: string, lockToken: string): Promise<void> {
    return this.settle(deviceId, lockToken, (msg) => this.lifecycle.abandon(msg, this.clock.now()));
  }

  peek(deviceId: string): C2dMessage[] {
    const changes = this.lifecycle.sweep(deviceId, this.clock.now());
    this.applyInBackground(changes);
    const q = this.lifecycle.queues.get(deviceId);
    return q === undefined ? [] : [...q.messages.values()].map(snapshot);
  }

  depth(deviceId: string): number {
    if (this.lifecycle.depth(deviceId) === 0) return 0;
    this.applyInBackground(this.lifecycle.sweep(deviceId, this.clock.now()));
    return this.lifecycle.depth(deviceId);
  }

  async purge(deviceId: string): Promise<number> {
    this.requireDevice(deviceId);
    const changes = this.lifecycle.purge(deviceId);
    if (changes.length === 0) return 0;
    const count = changes.length;
    await this.apply(changes, true);
    this.events.emit({ type: 'c2dPurged', deviceId, count });
    return count;
  }

  // ------------------------------------------------------------------ extras for the hub

  /** Drops a deleted device's queue (IoT Hub deletes it with the identity). */
  deleteDeviceQueue(deviceId: string): void {
    const count = this.lifecycle.dropQueue(deviceId);
    this.store.write((db) => deleteStoredC2dQueue(db, deviceId))
      .catch((e: unknown) => this.log.error(`Deleting the C2D queue of ${deviceId} failed: ${errorText(e)}`));
    if (count > 0) this.events.emit({ type: 'c2dPurged', deviceId, count });
  }

  /** Applies due expiries and lock timeouts now (normally done by the timer). */
  async processDeadlines(): Promise<void> {
    const now = this.clock.now();
    const changes: Change[] = [];
    for (const id of this.deadlines.takeDue(now)) changes.push(...this.lifecycle.sweep(id, now));
    await this.apply(changes);
  }

  close(): void {
    this.deadlines.close();
  }

  // ------------------------------------------------------------------ internals

  private requireDevice(deviceId: string): void {
    if (!this.devices.exists(deviceId)) throw hubError('DeviceNotFound', `Device "${deviceId}" is not registered in this hub.`);
  }

  private async settle(deviceId: string, lockToken: string, outcome: (msg: C2dMessage) => Change): Promise<void> {
    this.requireDevice(deviceId);
    const now = this.clock.now();
    const changes = this.lifecycle.sweep(deviceId, now);
    const msg = this.lifecycle.locked(deviceId, lockToken);
    if (msg === undefined) {
      this.applyInBackground(changes);
      throw hubError('DeviceMessageLockLost', `Lock token ${lockToken} does not hold a message of device "${deviceId}": it expired, was already used, or never existed.`);
    }
    changes.push(outcome(msg));
    await this.apply(changes);
  }

  private applyInBackground(changes: Change[]): void {
    if (changes.length === 0) return;
    this.apply(changes).catch((e: unknown) => this.log.error(`C2D state change failed: ${errorText(e)}`));
  }

  /** Writes the changes in one group-committed transaction, then records feedback and emits events. */
  private async apply(changes: Change[], suppressStateEvents = false): Promise<void> {
    if (changes.length === 0) return;
    const feedbackRows: { id: number; record: FeedbackRecord }[] = [];
    const now = this.clock.now();
    // Depth as of this change (by the time the commit lands, later changes may have moved on).
    const snapshots = changes.map((c) => ({ change: c, snap: snapshot(c.msg), depth: this.lifecycle.depth(c.msg.deviceId) }));
    await this.store.write((db) => {
      writeC2dChanges(db, snapshots, (m, outcome) => {
        if (!wantsFeedback(m.systemProperties.ack, outcome)) return;
        const record: FeedbackRecord = {
          originalMessageId: m.messageId ?? '',
          deviceId: m.deviceId,
          deviceGenerationId: this.devices.generationId(m.deviceId) ?? '',
          enqueuedTimeUtc: new Date(now).toISOString(),
          statusCode: outcome,
          description: FEEDBACK_DESCRIPTION[outcome],
        };
        feedbackRows.push({ id: this.feedback.insertPending(db, record), record });
      });
    });
    for (const f of feedbackRows) this.feedback.committed(f.id, f.record);
    if (suppressStateEvents) return;
    for (const { change: c, snap, depth } of snapshots) {
      if (c.kind === 'insert') this.events.emit({ type: 'c2dEnqueued', deviceId: c.msg.deviceId, message: snap, depth });
      else this.events.emit({ type: 'c2dStateChanged', deviceId: c.msg.deviceId, message: snap, depth });
    }
  }
}
