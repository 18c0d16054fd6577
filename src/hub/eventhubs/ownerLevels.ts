// Event Hubs' exclusive ("epoch" / owner level) receivers, per consumer group and partition:
// a receiver with owner level N disconnects receivers with a lower or no owner level
// (amqp:link:stolen, which @azure/event-hubs reports as ReceiverDisconnectedError), a receiver
// with a lower level than the current owner is refused, and at most five receivers without an
// owner level may read one partition of one consumer group at a time (as in Event Hubs).
import { AmqpCondition, EndpointError } from './amqpErrors';

export const MAX_RECEIVERS_WITHOUT_OWNER_LEVEL = 5;

export interface OwnedReceiver {
  ownerLevel: number | undefined;
  /** Detaches the receiver with the given error. */
  disconnect(error: EndpointError): void;
}

export class OwnerLevels {
  private readonly byPath = new Map<string, Set<OwnedReceiver>>();

  /** Registers a receiver or throws the EndpointError to refuse it with. Returns the release function. */
  admit(path: string, receiver: OwnedReceiver): () => void {
    const set = this.byPath.get(path) ?? new Set<OwnedReceiver>();
    let current: number | undefined;
    for (const r of set) {
      if (r.ownerLevel !== undefined && (current === undefined || r.ownerLevel > current)) current = r.ownerLevel;
    }
    const level = receiver.ownerLevel;
    if (level === undefined) {
      if (current !== undefined) {
        throw new EndpointError(AmqpCondition.linkStolen,
          `A receiver with owner level ${current} already reads this partition of this consumer group; a receiver without an owner level cannot be opened.`);
      }
      if (set.size >= MAX_RECEIVERS_WITHOUT_OWNER_LEVEL) {
        throw new EndpointError(AmqpCondition.resourceLimitExceeded,
          `At most ${MAX_RECEIVERS_WITHOUT_OWNER_LEVEL} receivers may read one partition of one consumer group at a time.`);
      }
    } else {
      if (current !== undefined && current > level) {
        throw new EndpointError(AmqpCondition.linkStolen,
          `A receiver with a higher owner level (${current}) already reads this partition of this consumer group (requested ${level}).`);
      }
      for (const r of [...set]) {
        set.delete(r);
        r.disconnect(new EndpointError(AmqpCondition.linkStolen,
          `Disconnected: a receiver with owner level ${level} was opened for this partition of this consumer group.`));
      }
    }
    set.add(receiver);
    this.byPath.set(path, set);
    return () => {
      set.delete(receiver);
      if (set.size === 0 && this.byPath.get(path) === set) this.byPath.delete(path);
    };
  }
}
