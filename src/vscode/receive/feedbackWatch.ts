// Tells the user when the feedback for a C2D message they sent from VS Code arrives: a message
// sent with `ack` set (full, positive, negative) is remembered (hub, message id); the hub's
// `feedback` change event that answers it becomes one notification: delivered (Success), Expired,
// Rejected, DeliveryCountExceeded or Purged. Feedback for messages sent elsewhere is left to the
// tree's Feedback node. Remembers at most MAX_EXPECTED messages, for at most EXPECT_MS each.
import * as vscode from 'vscode';
import type { SentMessage } from '../../hub/client/messageSender';
import type { Disposable, FeedbackRecordView, HubConnection } from '../../hubs/hubConnection';
import type { HubList } from '../hubs/hubList';
import type { Log } from '../log';

const MAX_EXPECTED = 1000;
/** IoT Hub keeps an unanswered C2D message up to 48 hours (its maximum TTL). */
const EXPECT_MS = 48 * 3600_000;

export function describeFeedback(r: FeedbackRecordView): string {
  switch (r.statusCode) {
    case 'Success': return 'delivered (Success): the device completed it';
    case 'Expired': return 'Expired: it was not delivered before its expiry time';
    case 'Rejected': return 'Rejected by the device';
    case 'DeliveryCountExceeded': return 'DeliveryCountExceeded: delivered too often without being completed, then dead-lettered';
    case 'Purged': return 'Purged from the device\'s queue';
  }
}

interface Expected { hub: HubConnection; deviceId: string; ack: string; at: number }

export class FeedbackWatch implements vscode.Disposable {
  private readonly expected = new Map<string, Expected>();
  /** The hub object each subscription is on: an Azure hub re-added under the same id is a new object. */
  private readonly hubSubs = new Map<string, { hub: HubConnection; sub: Disposable }>();
  private readonly listSub: vscode.Disposable;
  /** Every notification shown (tests read it). */
  readonly shown: Array<{ messageId: string; deviceId: string; statusCode: FeedbackRecordView['statusCode']; text: string }> = [];

  constructor(private readonly hubs: HubList, private readonly log: Log) {
    this.listSub = hubs.onDidChange(() => this.watchHubs());
    this.watchHubs();
  }

  private key(hub: HubConnection, messageId: string): string {
    return `${hub.id}\u0000${messageId}`;
  }

  private watchHubs(): void {
    const current = new Map(this.hubs.all().map((h) => [h.id, h] as const));
    // A removed hub, or one replaced under the same id (an Azure hub restored or given a new
    // telemetry endpoint), loses its subscription; the new object gets one below.
    for (const [id, w] of this.hubSubs) {
      if (current.get(id) === w.hub) continue;
      w.sub.dispose();
      this.hubSubs.delete(id);
    }
    for (const hub of current.values()) {
      if (this.hubSubs.has(hub.id)) continue;
      this.hubSubs.set(hub.id, {
        hub,
        sub: hub.onDidChange((c) => {
          if (c.kind === 'feedback') for (const r of c.records) this.onRecord(hub, r);
        }),
      });
    }
  }

  /** A C2D message went out from VS Code; `ack` as the message had it. */
  expect(hub: HubConnection, sent: SentMessage, ack: string | undefined): void {
    if (sent.direction !== 'c2d' || ack === undefined || ack === 'none') return;
    const now = Date.now();
    for (const [k, e] of this.expected) if (now - e.at > EXPECT_MS || this.expected.size >= MAX_EXPECTED) this.expected.delete(k);
    this.expected.set(this.key(hub, sent.messageId), { hub, deviceId: sent.deviceId, ack, at: now });
  }

  private onRecord(hub: HubConnection, r: FeedbackRecordView): void {
    const k = this.key(hub, r.originalMessageId);
    const e = this.expected.get(k);
    if (!e) return;
    this.expected.delete(k);
    const text = `IoT Hub: C2D message '${r.originalMessageId}' to '${r.deviceId}': ${describeFeedback(r)}.`;
    this.shown.push({ messageId: r.originalMessageId, deviceId: r.deviceId, statusCode: r.statusCode, text });
    this.log.info(`feedback on ${hub.label}: ${r.originalMessageId} -> ${r.statusCode}`);
    if (r.statusCode === 'Success') void vscode.window.showInformationMessage(text);
    else void vscode.window.showWarningMessage(text);
  }

  dispose(): void {
    this.listSub.dispose();
    for (const w of this.hubSubs.values()) w.sub.dispose();
    this.hubSubs.clear();
    this.expected.clear();
  }
}
