// How the C2D queues map to SQLite: reading them back at start-up (c2d_messages, c2d_sequences)
// and writing a batch of lifecycle Changes inside one group-committed transaction.
// See docs/hub-storage.md for the schema.
import type { Database } from 'node-sqlite3-wasm';
import type { SystemProperties } from '../../core/message/model';
import type { C2dMessage, FeedbackStatus } from '../contracts';
import type { Change } from './c2dLifecycle';

interface MessageRow {
  device_id: string; seq: number; state: string; delivery_count: number; enqueued_time: number; expiry_time: number;
  lock_token: string | null; locked_until: number | null; system_properties: string; application_properties: string; body: Uint8Array;
}

export interface StoredC2d {
  /** Next sequence number per device (kept after the queue empties, so numbers are never reused). */
  sequences: Map<string, number>;
  /** Every stored message as Enqueued, in device and sequence order. */
  messages: C2dMessage[];
  /** How many were locked (Invisible) when the hub stopped. */
  wereLocked: number;
}

export function readStoredC2d(db: Database): StoredC2d {
  const sequences = new Map<string, number>();
  for (const row of db.all('SELECT device_id, next_seq FROM c2d_sequences') as { device_id: string; next_seq: number }[]) {
    sequences.set(row.device_id, Number(row.next_seq));
  }
  let wereLocked = 0;
  const messages: C2dMessage[] = [];
  for (const row of db.all('SELECT * FROM c2d_messages ORDER BY device_id, seq') as unknown as MessageRow[]) {
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
    if (row.state === 'Invisible') wereLocked++;
    if (msg.systemProperties.messageId !== undefined) msg.messageId = msg.systemProperties.messageId;
    messages.push(msg);
  }
  return { sequences, messages, wereLocked };
}

/** Returns the messages locked when the hub stopped to their queues (in the store). */
export function unlockStoredC2d(db: Database): void {
  db.run("UPDATE c2d_messages SET state = 'Enqueued', lock_token = NULL, locked_until = NULL WHERE state = 'Invisible'");
}

/**
 * Writes the changes (each with the message as it was when the change was made) in the caller's
 * transaction. `onFinished` is called for each removed message with its outcome, to record feedback
 * in the same transaction.
 */
export function writeC2dChanges(db: Database, changes: { change: Change; snap: C2dMessage }[], onFinished: (msg: C2dMessage, outcome: FeedbackStatus) => void): void {
  for (const { change: c, snap: m } of changes) {
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
      if (c.feedback !== undefined) onFinished(m, c.feedback);
    }
  }
}

/** Deletes a device's queue and its sequence counter. */
export function deleteStoredC2dQueue(db: Database, deviceId: string): void {
  db.run('DELETE FROM c2d_messages WHERE device_id = ?', [deviceId]);
  db.run('DELETE FROM c2d_sequences WHERE device_id = ?', [deviceId]);
}
