// Feeds every hub's changes to the log of C2D messages sent from this window
// (src/hubs/sentC2dMessages.ts: the tree shows each with its outcome under its device), and tells
// the user when the feedback for one of them arrives: one notification, delivered (Success),
// Expired, Rejected, DeliveryCountExceeded or Purged, with *Show in Hubs View*. Feedback for
// messages sent elsewhere is left to the tree's Feedback node.
import * as vscode from 'vscode';
import type { SentMessage } from '../../hub/client/messageSender';
import type { Disposable, FeedbackRecordView, HubConnection } from '../../hubs/hubConnection';
import { SentC2dMessages } from '../../hubs/sentC2dMessages';
import type { HubList } from '../hubs/hubList';
import type { Log } from '../log';

export function describeFeedback(r: FeedbackRecordView): string {
  switch (r.statusCode) {
    case 'Success': return 'delivered (Success): the device completed it';
    case 'Expired': return 'Expired: it was not delivered before its expiry time';
    case 'Rejected': return 'Rejected by the device';
    case 'DeliveryCountExceeded': return 'DeliveryCountExceeded: delivered too often without being completed, then dead-lettered';
    case 'Purged': return 'Purged from the device\'s queue';
  }
}

/** Reveals a sent message's node in the Hubs view (registered by the tree). */
export const REVEAL_SENT_C2D_COMMAND = 'iotHubMessaging.tree.revealSentC2d';

export class FeedbackWatch implements vscode.Disposable {
  /** The C2D messages sent from this window and what became of them. */
  readonly sent = new SentC2dMessages();
  /** The hub object each subscription is on: an Azure hub re-added under the same id is a new object. */
  private readonly hubSubs = new Map<string, { hub: HubConnection; sub: Disposable }>();
  private readonly listSub: vscode.Disposable;
  private readonly sentSub: Disposable;
  /** Every notification shown (tests read it). */
  readonly shown: Array<{ messageId: string; deviceId: string; statusCode: FeedbackRecordView['statusCode']; text: string }> = [];

  constructor(private readonly hubs: HubList, private readonly log: Log) {
    this.listSub = hubs.onDidChange(() => this.watchHubs());
    this.sentSub = this.sent.onDidChange((c) => {
      const hub = this.hubs.get(c.hubId);
      if (c.feedback && hub) this.notify(hub, c.feedback);
    });
    this.watchHubs();
  }

  private watchHubs(): void {
    const current = new Map(this.hubs.all().map((h) => [h.id, h] as const));
    // A removed hub, or one replaced under the same id (an Azure hub restored or given a new
    // telemetry endpoint), loses its subscription; the new object gets one below.
    for (const [id, w] of this.hubSubs) {
      if (current.get(id) === w.hub) continue;
      w.sub.dispose();
      this.hubSubs.delete(id);
      if (!current.has(id)) this.sent.forgetHub(id);
    }
    for (const hub of current.values()) {
      if (this.hubSubs.has(hub.id)) continue;
      this.hubSubs.set(hub.id, {
        hub,
        sub: hub.onDidChange((c) => this.sent.observe(hub.id, c)),
      });
    }
  }

  /** A C2D message went out from VS Code; `ack` as the message had it. */
  expect(hub: HubConnection, sent: SentMessage, ack: string | undefined): void {
    this.sent.recordSent(hub, sent, ack);
  }

  private notify(hub: HubConnection, r: FeedbackRecordView): void {
    const text = `IoT Hub: C2D message '${r.originalMessageId}' to '${r.deviceId}': ${describeFeedback(r)}.`;
    this.shown.push({ messageId: r.originalMessageId, deviceId: r.deviceId, statusCode: r.statusCode, text });
    this.log.info(`feedback on ${hub.label}: ${r.originalMessageId} -> ${r.statusCode}`);
    const action = 'Show in Hubs View';
    const shown = r.statusCode === 'Success' ? vscode.window.showInformationMessage(text, action) : vscode.window.showWarningMessage(text, action);
    void shown.then((a) => {
      if (a) void vscode.commands.executeCommand(REVEAL_SENT_C2D_COMMAND, { hub, deviceId: r.deviceId, messageId: r.originalMessageId });
    });
  }

  dispose(): void {
    this.listSub.dispose();
    for (const w of this.hubSubs.values()) w.sub.dispose();
    this.hubSubs.clear();
    this.sentSub.dispose();
  }
}
