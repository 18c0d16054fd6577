// The C2D messages sent from this window, per hub and device (the newest PER_DEVICE of at most
// MAX_DEVICES devices), each with what became of it, so the user sees the answer beside the
// message they sent: queued, delivered (locked, how often), completed, rejected, expired,
// dead-lettered or purged, and the hub's feedback record (status code, time, description) when the
// message asked for one. Fed with each hub's `HubChange`s: queue events (where a hub reports them:
// the local hub; IoT Hub tells a service nothing about a queued message) and feedback records
// (every hub). Nothing here assumes the hub is local. No vscode import.
//
// An event can come before the send's reply does (a connected device completes a message in
// milliseconds), so each hub's recent queue and feedback changes are kept a short while and
// replayed on the message when its send is recorded.
import type { SentMessage } from '../hub/client/messageSender';
import type { Disposable, FeedbackRecordView, HubChange, QueuedC2dMessage } from './hubConnection';
import { Listeners } from './listeners';

/** Messages kept per device (the oldest go first). */
export const SENT_PER_DEVICE = 20;
/** Devices kept per window (the one with the oldest send goes first). */
export const SENT_MAX_DEVICES = 200;
/** How long a change is kept to replay on a send whose reply comes after it. */
const REPLAY_MS = 30_000;
const REPLAY_MAX = 500;

export type SentC2dState = 'queued' | 'locked' | 'requeued' | 'completed' | 'deadLettered' | 'purged';

export interface SentC2dEntry {
  readonly hubId: string;
  readonly deviceId: string;
  readonly messageId: string;
  /** The message's place in the device's queue, when the hub tells (local hub). */
  readonly sequenceNumber: number | undefined;
  readonly ack: string;
  /** ISO 8601 UTC. */
  readonly sentAt: string;
  readonly expiryTimeUtc: string | undefined;
  /** False where the hub reports nothing about a queued message (Azure): only feedback tells. */
  readonly queueEvents: boolean;
  state: SentC2dState;
  deliveryCount: number;
  maxDeliveryCount: number | undefined;
  lockedUntil: string | undefined;
  /** The hub's feedback record on this message, when it came. */
  feedback: FeedbackRecordView | undefined;
  /** What happened, oldest first (ISO time, text). */
  readonly history: Array<{ at: string; text: string }>;
}

export interface SentC2dChange {
  hubId: string;
  deviceId: string;
  entry: SentC2dEntry;
  /** Set when this change is the arrival of the entry's feedback record. */
  feedback?: FeedbackRecordView;
}

type Replayable = { at: number; change: Extract<HubChange, { kind: 'queue' | 'feedback' }> };

export class SentC2dMessages {
  /** hub id -> device id -> entries, newest first. */
  private readonly byHub = new Map<string, Map<string, SentC2dEntry[]>>();
  private readonly recent = new Map<string, Replayable[]>();
  private readonly listeners = new Listeners<SentC2dChange>();

  constructor(private readonly now: () => number = Date.now) {}

  onDidChange(listener: (change: SentC2dChange) => void): Disposable {
    return this.listeners.add(listener);
  }

  /** The device's messages sent from this window, newest first. */
  forDevice(hubId: string, deviceId: string): readonly SentC2dEntry[] {
    return this.byHub.get(hubId)?.get(deviceId) ?? [];
  }

  /** A C2D message went out from this window (`ack` as the message had it). */
  recordSent(hub: { id: string; capabilities: { queuePeek: boolean } }, sent: SentMessage, ack: string | undefined): SentC2dEntry | undefined {
    if (sent.direction !== 'c2d') return undefined;
    const at = new Date(this.now()).toISOString();
    const entry: SentC2dEntry = {
      hubId: hub.id, deviceId: sent.deviceId, messageId: sent.messageId, sequenceNumber: sent.sequenceNumber,
      ack: ack ?? 'none', sentAt: at, expiryTimeUtc: sent.expiryTimeUtc, queueEvents: hub.capabilities.queuePeek,
      state: 'queued', deliveryCount: 0, maxDeliveryCount: undefined, lockedUntil: undefined, feedback: undefined,
      history: [{ at, text: `sent${sent.queueDepth !== undefined ? `; queue depth ${sent.queueDepth}` : ''}` }],
    };
    let devices = this.byHub.get(hub.id);
    if (!devices) this.byHub.set(hub.id, devices = new Map());
    const list = devices.get(sent.deviceId) ?? [];
    // Map order is insertion order: re-inserting keeps the most recently used device last.
    devices.delete(sent.deviceId);
    devices.set(sent.deviceId, list);
    list.unshift(entry);
    if (list.length > SENT_PER_DEVICE) list.length = SENT_PER_DEVICE;
    this.trimDevices();
    this.fire({ hubId: hub.id, deviceId: sent.deviceId, entry });
    // Changes that came before this reply and matched no message: a change used here is used up.
    const recent = this.recentOf(hub.id);
    for (let i = 0; i < recent.length; i++) {
      const left = this.apply(hub.id, recent[i]!.change, entry);
      if (left === undefined) recent.splice(i--, 1);
      else recent[i]!.change = left;
    }
    return entry;
  }

  /** A change on hub `hubId` (every change may be passed; only queue, purge and feedback matter). */
  observe(hubId: string, change: HubChange): void {
    if (change.kind === 'reset') return;
    const left = this.apply(hubId, change, undefined);
    if (left !== undefined) {
      const recent = this.recentOf(hubId);
      recent.push({ at: this.now(), change: left });
      if (recent.length > REPLAY_MAX) recent.splice(0, recent.length - REPLAY_MAX);
    }
  }

  /** Forgets a hub's messages (it was removed). */
  forgetHub(hubId: string): void {
    this.byHub.delete(hubId);
    this.recent.delete(hubId);
  }

  private recentOf(hubId: string): Replayable[] {
    let list = this.recent.get(hubId);
    if (!list) this.recent.set(hubId, list = []);
    const cutoff = this.now() - REPLAY_MS;
    let old = 0;
    while (old < list.length && list[old]!.at < cutoff) old++;
    if (old > 0) list.splice(0, old);
    return list;
  }

  private trimDevices(): void {
    let total = 0;
    for (const devices of this.byHub.values()) total += devices.size;
    while (total > SENT_MAX_DEVICES) {
      // The hub map holding the least recently used device: each hub's first key is its oldest.
      let oldest: { devices: Map<string, SentC2dEntry[]>; id: string; at: string } | undefined;
      for (const devices of this.byHub.values()) {
        const first = devices.entries().next().value;
        if (!first) continue;
        const at = first[1][0]?.sentAt ?? '';
        if (!oldest || at < oldest.at) oldest = { devices, id: first[0], at };
      }
      if (!oldest) return;
      oldest.devices.delete(oldest.id);
      total--;
    }
  }

  /**
   * Applies a change to `only` (a replay) or to whichever entry it concerns. Returns what of a queue
   * or feedback change matched no entry (kept for a send whose reply is still to come).
   */
  private apply(hubId: string, change: HubChange, only: SentC2dEntry | undefined): Replayable['change'] | undefined {
    const devices = this.byHub.get(hubId);
    switch (change.kind) {
      case 'queue': {
        const m = change.message;
        if (!m) return undefined;
        const entry = only ?? this.matchQueued(devices?.get(change.deviceId), m);
        if (!entry || entry.deviceId !== m.deviceId || !sameMessage(entry, m)) return change;
        if (this.applyQueued(entry, m)) this.fire({ hubId, deviceId: entry.deviceId, entry });
        return undefined;
      }
      case 'purged': {
        if (only) return undefined;
        for (const entry of devices?.get(change.deviceId) ?? []) {
          if (isSettled(entry)) continue;
          // A hub without queue events cannot say whether this one was still queued: its feedback (if asked) will.
          if (!entry.queueEvents) continue;
          entry.state = 'purged';
          entry.lockedUntil = undefined;
          entry.history.push({ at: new Date(this.now()).toISOString(), text: 'purged from the queue' });
          this.fire({ hubId, deviceId: entry.deviceId, entry });
        }
        return undefined;
      }
      case 'feedback': {
        const unmatched: FeedbackRecordView[] = [];
        for (const r of change.records) {
          const entry = only
            ? (only.deviceId === r.deviceId && only.messageId === r.originalMessageId && only.feedback === undefined && only.ack !== 'none' ? only : undefined)
            : this.matchFeedback(devices?.get(r.deviceId), r);
          if (!entry) {
            unmatched.push(r);
            continue;
          }
          entry.feedback = r;
          entry.history.push({ at: r.enqueuedTimeUtc, text: `feedback ${r.statusCode}: ${r.description}` });
          // The feedback says how it ended, also where no queue event did (Azure).
          entry.state = r.statusCode === 'Success' ? 'completed' : r.statusCode === 'Purged' ? 'purged' : 'deadLettered';
          entry.lockedUntil = undefined;
          this.fire({ hubId, deviceId: entry.deviceId, entry, feedback: r });
        }
        return unmatched.length > 0 ? { kind: 'feedback', records: unmatched } : undefined;
      }
      default:
        return undefined;
    }
  }

  private matchQueued(list: readonly SentC2dEntry[] | undefined, m: QueuedC2dMessage): SentC2dEntry | undefined {
    if (!list) return undefined;
    // Oldest first: a message id sent twice is matched in the queue's order.
    for (let i = list.length - 1; i >= 0; i--) if (sameMessage(list[i]!, m) && !isSettled(list[i]!)) return list[i];
    return undefined;
  }

  private matchFeedback(list: readonly SentC2dEntry[] | undefined, r: FeedbackRecordView): SentC2dEntry | undefined {
    if (!list) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const e = list[i]!;
      if (e.messageId === r.originalMessageId && e.feedback === undefined && e.ack !== 'none') return e;
    }
    return undefined;
  }

  /** True when it changed anything. */
  private applyQueued(entry: SentC2dEntry, m: QueuedC2dMessage): boolean {
    const state = queuedState(m);
    // An event older than what is known (a replayed insert after the lock, a lock after the feedback) changes nothing.
    if (m.deliveryCount < entry.deliveryCount || (isSettled(entry) && !isSettledState(state))) return false;
    if (state === entry.state && m.deliveryCount === entry.deliveryCount && m.lockedUntil === entry.lockedUntil) return false;
    const at = new Date(this.now()).toISOString();
    if (entry.feedback === undefined || !isSettledState(state)) entry.state = state;
    entry.deliveryCount = m.deliveryCount;
    entry.maxDeliveryCount = m.maxDeliveryCount;
    entry.lockedUntil = m.state === 'Invisible' ? m.lockedUntil : undefined;
    entry.history.push({ at, text: historyText(m) });
    return true;
  }

  private fire(change: SentC2dChange): void {
    this.listeners.fire(change);
  }
}

function sameMessage(e: SentC2dEntry, m: QueuedC2dMessage): boolean {
  if (e.sequenceNumber !== undefined) return e.sequenceNumber === m.sequenceNumber;
  return m.messageId !== undefined && m.messageId === e.messageId;
}

function queuedState(m: QueuedC2dMessage): SentC2dState {
  switch (m.state) {
    case 'Enqueued': return m.deliveryCount > 0 ? 'requeued' : 'queued';
    case 'Invisible': return 'locked';
    case 'Completed': return 'completed';
    case 'DeadLettered': return 'deadLettered';
  }
}

const isSettledState = (s: SentC2dState): boolean => s === 'completed' || s === 'deadLettered' || s === 'purged';
const isSettled = (e: SentC2dEntry): boolean => isSettledState(e.state);

function historyText(m: QueuedC2dMessage): string {
  switch (m.state) {
    case 'Enqueued': return m.deliveryCount > 0 ? `back in the queue after ${m.deliveryCount} deliver${m.deliveryCount === 1 ? 'y' : 'ies'} (abandoned, or its lock ran out)` : 'queued';
    case 'Invisible': return `delivered to the device (delivery ${m.deliveryCount} of ${m.maxDeliveryCount}) and locked`;
    case 'Completed': return 'completed by the device';
    case 'DeadLettered': return 'dead-lettered';
  }
}

/**
 * Why a dead-lettered message ended, when no feedback record says so (its ack did not ask):
 * inferred from what the queue showed.
 */
function inferredEnd(e: SentC2dEntry): string {
  if (e.maxDeliveryCount !== undefined && e.deliveryCount >= e.maxDeliveryCount) return 'delivery count exceeded';
  if (e.expiryTimeUtc !== undefined && Date.parse(e.expiryTimeUtc) <= Date.now()) return 'expired';
  return 'rejected';
}

export type SentC2dTone = 'pending' | 'success' | 'failure' | 'warning' | 'neutral';

/** The outcome in a few words (the tree's description) and its tone (the icon). */
export function describeSentC2d(e: SentC2dEntry, time: (iso: string) => string): { text: string; tone: SentC2dTone } {
  const f = e.feedback;
  if (f) {
    // The feedback's status code says how it ended (the tooltip tells the whole story).
    const tone: Record<FeedbackRecordView['statusCode'], SentC2dTone> = { Success: 'success', Rejected: 'failure', Expired: 'warning', DeliveryCountExceeded: 'warning', Purged: 'neutral' };
    return { text: `${f.statusCode} \u00b7 ${time(f.enqueuedTimeUtc)}`, tone: tone[f.statusCode] };
  }
  const wantsPositive = e.ack === 'positive' || e.ack === 'full';
  const wantsNegative = e.ack === 'negative' || e.ack === 'full';
  const delivered = e.maxDeliveryCount !== undefined ? `delivered ${e.deliveryCount}/${e.maxDeliveryCount}` : `delivered ${e.deliveryCount}`;
  if (!e.queueEvents) {
    // The hub says nothing about queued messages: only feedback will.
    return e.ack === 'none'
      ? { text: `sent ${time(e.sentAt)} \u00b7 ack none: the outcome is not reported`, tone: 'neutral' }
      : { text: `sent ${time(e.sentAt)} \u00b7 waiting for feedback (ack ${e.ack})`, tone: 'pending' };
  }
  switch (e.state) {
    case 'queued': return { text: `queued \u00b7 sent ${time(e.sentAt)}`, tone: 'pending' };
    case 'locked': return { text: `${delivered} \u00b7 locked${e.lockedUntil ? ` until ${time(e.lockedUntil)}` : ''}`, tone: 'pending' };
    case 'requeued': return { text: `queued again \u00b7 ${delivered}`, tone: 'pending' };
    case 'completed': return { text: wantsPositive ? 'completed \u00b7 waiting for feedback' : 'completed', tone: 'success' };
    case 'deadLettered': return wantsNegative
      ? { text: 'dead-lettered \u00b7 waiting for feedback', tone: 'warning' }
      : { text: `dead-lettered (${inferredEnd(e)})`, tone: inferredEnd(e) === 'rejected' ? 'failure' : 'warning' };
    case 'purged': return { text: wantsNegative ? 'purged \u00b7 waiting for feedback' : 'purged', tone: 'neutral' };
  }
}
