// Delivers C2D feedback batches to the service back ends' receivers on
// `/messages/serviceBound/feedback`, as IoT Hub does: one AMQP message per batch (content type
// application/vnd.microsoft.iothub.feedback.json, body a JSON array of records in a data section,
// user-id the hub name). A batch goes to one receiver at a time (receivers compete) and leaves the
// store only when a receiver accepts (or rejects) it; released, modified or unsettled on a lost
// link, it is offered again. The store acknowledges up to a batch id, so only the settled prefix
// is acknowledged. Shared by every connection of the service endpoint.
import type { Delivery, Message, Sender } from 'rhea';
import { message as rheaMessage } from 'rhea';
import type { FeedbackBatch, FeedbackStore, HubLogger } from '../contracts';
import { errorText } from '../../core/errorText';

/** How many stored batches one pass looks at (IoT Hub batches up to 64 records each). */
const SCAN = 1000;

export function feedbackMessage(batch: FeedbackBatch): Message {
  return {
    message_id: `feedback-${batch.batchId}`,
    // IoT Hub sends the hub name as the binary user-id (rhea's typings say string).
    user_id: Buffer.from(batch.userId, 'utf8') as unknown as string,
    content_type: batch.contentType,
    content_encoding: 'utf-8',
    creation_time: new Date(batch.enqueuedTimeUtc),
    message_annotations: { 'iothub-enqueuedtime': new Date(batch.enqueuedTimeUtc) },
    body: rheaMessage.data_section(Buffer.from(JSON.stringify(batch.records), 'utf8')),
  };
}

interface FeedbackLink {
  sender: Sender;
  /** Outstanding deliveries on this link: delivery -> batch id. */
  inFlight: Map<Delivery, number>;
}

export class FeedbackDispatcher {
  private readonly links = new Set<FeedbackLink>();
  /** Batch ids sent and not yet settled. */
  private readonly inFlight = new Set<number>();
  /** Settled (accepted/rejected) batch ids not yet acknowledged in the store (an older one is still out). */
  private readonly settled = new Set<number>();

  constructor(
    private readonly store: FeedbackStore,
    private readonly log: HubLogger,
  ) {}

  /** Registers a receiver's link and starts delivering to it; returns its removal. */
  add(sender: Sender): () => void {
    const link: FeedbackLink = { sender, inFlight: new Map() };
    this.links.add(link);
    this.kick();
    return () => {
      if (!this.links.delete(link)) return;
      // Unsettled batches go back to the pool for the next receiver.
      for (const id of link.inFlight.values()) this.inFlight.delete(id);
      link.inFlight.clear();
      this.kick();
    };
  }

  /** The client settled a delivery: accepted/rejected remove the batch; released/modified offer it again. */
  outcome(sender: Sender, delivery: Delivery, outcome: 'accepted' | 'rejected' | 'released' | 'modified'): void {
    const link = [...this.links].find((l) => l.sender === sender);
    const id = link?.inFlight.get(delivery);
    if (link === undefined || id === undefined) return;
    link.inFlight.delete(delivery);
    this.inFlight.delete(id);
    if (outcome === 'accepted' || outcome === 'rejected') {
      this.settled.add(id);
      this.acknowledgePrefix();
    }
    this.kick();
  }

  /** Offers every undelivered stored batch to links with credit. */
  kick(): void {
    if (this.links.size === 0) return;
    for (const batch of this.store.read(0, SCAN)) {
      if (this.inFlight.has(batch.batchId) || this.settled.has(batch.batchId)) continue;
      const link = [...this.links].find((l) => l.sender.is_open() && l.sender.sendable());
      if (link === undefined) return;
      const delivery = link.sender.send(feedbackMessage(batch));
      link.inFlight.set(delivery, batch.batchId);
      this.inFlight.add(batch.batchId);
    }
  }

  private acknowledgePrefix(): void {
    let upTo: number | undefined;
    for (const batch of this.store.read(0, SCAN)) {
      if (!this.settled.has(batch.batchId)) break;
      upTo = batch.batchId;
    }
    if (upTo === undefined) return;
    const until = upTo;
    // acknowledge() drops the batches from the store's memory at once (the write follows), so a
    // kick() right after cannot offer them again.
    this.store.acknowledge(until).catch((e: unknown) =>
      this.log.error(`Removing settled feedback batches up to ${until} failed: ${errorText(e)}`));
    for (const id of [...this.settled]) if (id <= until) this.settled.delete(id);
  }
}
