// The IoT Hub service nodes one AMQP connection of the service endpoint serves, beside `$cbs` and
// the Event Hubs entities (src/hub/eventhubs/endpointConnection.ts):
//   /messages/devicebound              C2D from the back end: each message is queued, then settled
//                                      `accepted` once durable, or `rejected` with IoT Hub's condition
//   /messages/serviceBound/feedback    feedback batches to the back end (FeedbackDispatcher)
//   /messages/serviceBound/filenotifications  refused: the local hub has no file upload
//   messages/events[/...]              redirected (amqp:link:redirect) to the Event Hubs-compatible
//                                      entity, as IoT Hub does, so a back end holding only the IoT
//                                      Hub connection string finds its telemetry
// Every link needs a valid claim (CBS put-token, or SASL PLAIN with a SAS token) with ServiceConnect.
import type { AmqpError, Delivery, EventContext, Message, Receiver, Sender } from 'rhea';
import type { HubState } from '../contracts';
import { AmqpCondition, EndpointError, toAmqpError } from '../eventhubs/amqpErrors';
import type { ConnectionNodes, ConnectionView } from '../eventhubs/endpointConnection';
import { entityPath } from '../eventhubs/entityAddress';
import { afterOutputWritten } from '../eventhubs/rheaInternals';
import { c2dFromAmqp } from './c2dFromAmqp';
import type { FeedbackDispatcher } from './feedbackDispatcher';

export const DEVICEBOUND_PATH = 'messages/devicebound';
export const FEEDBACK_PATH = 'messages/servicebound/feedback';
export const FILE_NOTIFICATIONS_PATH = 'messages/servicebound/filenotifications';
export const EVENTS_PATH = 'messages/events';

export function isServicePath(path: string): boolean {
  return path === 'messages' || path.startsWith('messages/');
}

/** Where the events redirect points: the Event Hubs entities this same endpoint serves. */
export interface RedirectTarget {
  /** `localhost`, with `:port` unless the port is 5671 (so `Endpoint=sb://{hostname}/` works as is). */
  hostname: string;
  port: number;
}

export interface ServiceNodesShared {
  hub: HubState;
  feedback: FeedbackDispatcher;
  redirect(): RedirectTarget;
  now(): number;
}

export class ServiceNodes implements ConnectionNodes {
  private readonly c2dReceivers = new Set<Receiver>();
  private readonly feedbackLinks = new Map<Sender, () => void>();

  constructor(
    private readonly view: ConnectionView,
    private readonly shared: ServiceNodesShared,
  ) {
    const outcome = (kind: 'accepted' | 'rejected' | 'released' | 'modified') => (ctx: EventContext): void => {
      if (ctx.sender !== undefined && ctx.delivery !== undefined && this.feedbackLinks.has(ctx.sender)) {
        shared.feedback.outcome(ctx.sender, ctx.delivery, kind);
      }
    };
    for (const kind of ['accepted', 'rejected', 'released', 'modified'] as const) view.connection.on(kind, outcome(kind));
    view.connection.on('sendable', (ctx: EventContext) => {
      if (ctx.sender !== undefined && this.feedbackLinks.has(ctx.sender)) shared.feedback.kick();
    });
  }

  private requireClaim(path: string, address: string): void {
    if (this.view.claimValidUntil(path) === undefined) {
      throw new EndpointError(AmqpCondition.unauthorized,
        `Unauthorized access to "${address}": put a valid SAS token for the hub on $cbs first (a shared access policy with ServiceConnect).`);
    }
  }

  senderOpened(sender: Sender, address: string): boolean {
    const path = entityPath(address);
    if (path === FEEDBACK_PATH) {
      this.attach(sender, address, () => {
        this.requireClaim(path, address);
        sender.set_source({ address });
        this.feedbackLinks.set(sender, this.shared.feedback.add(sender));
      });
      return true;
    }
    if (path === FILE_NOTIFICATIONS_PATH) {
      this.view.refuse(sender, new EndpointError(AmqpCondition.notImplemented,
        'File upload notifications are not available: the local hub has no file upload (no storage account).'), address);
      return true;
    }
    if (path === EVENTS_PATH || path.startsWith(`${EVENTS_PATH}/`)) {
      this.attach(sender, address, () => {
        this.requireClaim(path, address);
        this.redirect(sender, address, path);
      });
      return true;
    }
    return false;
  }

  receiverOpened(receiver: Receiver, address: string): boolean {
    const path = entityPath(address);
    if (path !== DEVICEBOUND_PATH) return false;
    this.attach(receiver, address, () => {
      this.requireClaim(path, address);
      receiver.set_target({ address });
      this.c2dReceivers.add(receiver);
    });
    return true;
  }

  message(receiver: Receiver, delivery: Delivery, message: Message): void {
    if (!this.c2dReceivers.has(receiver)) {
      delivery.reject({ condition: AmqpCondition.notAllowed, description: 'This link does not take messages.' });
      return;
    }
    if (this.view.claimValidUntil(DEVICEBOUND_PATH) === undefined) {
      delivery.reject({ condition: AmqpCondition.unauthorized, description: 'The SAS token of this connection expired; put a new one on $cbs.' });
      return;
    }
    let c2d: ReturnType<typeof c2dFromAmqp>;
    try {
      c2d = c2dFromAmqp(message);
    } catch (e) {
      delivery.reject(toAmqpError(e));
      return;
    }
    // Accepted only once the message is durable: a back end that saw MessageEnqueued loses nothing.
    this.shared.hub.c2d.send(c2d.deviceId, c2d).then(
      () => settle(() => delivery.accept()),
      (e: unknown) => settle(() => delivery.reject(toAmqpError(e))),
    );
  }

  linkGone(link: Sender | Receiver): void {
    this.c2dReceivers.delete(link as Receiver);
    const remove = this.feedbackLinks.get(link as Sender);
    if (remove !== undefined) {
      this.feedbackLinks.delete(link as Sender);
      remove();
    }
  }

  end(): void {
    this.c2dReceivers.clear();
    for (const remove of this.feedbackLinks.values()) remove();
    this.feedbackLinks.clear();
  }

  private attach(link: Sender | Receiver, address: string, admit: () => void): void {
    try {
      admit();
    } catch (e) {
      this.view.refuse(link, e, address);
    }
  }

  /**
   * IoT Hub answers a receiver on its events address with a redirect to the Event Hubs-compatible
   * entity: `info.hostname` and `info.address` (`amqps://host:port/{hub}/...`, which the Azure
   * samples parse), plus `network-host` and `port`.
   */
  private redirect(sender: Sender, address: string, path: string): void {
    const target = this.shared.redirect();
    const rest = path.slice(EVENTS_PATH.length);
    const newAddress = `amqps://localhost:${target.port}/${this.shared.hub.hubName}${restoreCase(address, rest)}`;
    const error = {
      condition: AmqpCondition.linkRedirect,
      description: `IoT Hub's events are read from its Event Hubs-compatible endpoint: ${newAddress}`,
      info: { hostname: target.hostname, 'network-host': 'localhost', port: target.port, address: newAddress },
    } as AmqpError;
    // The detach goes out in its own write once the attach has been written: the Azure samples'
    // conversion (rhea-promise) awaits createReceiver and only then listens for receiver_error, so
    // a detach decoded in the same read as the attach would go unheard.
    afterOutputWritten(sender.connection, () => settle(() => sender.close(error)));
  }
}

/** The tail of the original address (after messages/events) with its case, e.g. `/ConsumerGroups/$Default/Partitions/0`. */
function restoreCase(address: string, lowerRest: string): string {
  if (lowerRest === '') return '';
  const i = address.toLowerCase().lastIndexOf(lowerRest);
  return i < 0 ? lowerRest : address.slice(i, i + lowerRest.length);
}

/** Settling after the connection is gone is harmless; never let it throw into a promise chain. */
function settle(fn: () => void): void {
  try {
    fn();
  } catch {
    // the link or connection closed meanwhile: the client sees no disposition and may retry
  }
}

