// Serves one AMQP connection of the Event Hubs-compatible endpoint: the `$cbs` node (put-token),
// the `$management` node (READ), and receiver links on partitions. Everything a client does wrong
// ends its own link (or request) with an AMQP error; the connection and every other client go on.
// The IoT Hub service endpoint (src/hub/service) reuses this class with extra nodes (C2D send,
// feedback, the events redirect) plugged in through ConnectionNodes, so CBS lives in one place.
import type { Connection, Delivery, EventContext, Message, Receiver, Sender, Session } from 'rhea';
import { types } from 'rhea';
import { errorText } from '../../core/errorText';
import type { HubLogger } from '../contracts';
import { AmqpCondition, EndpointError, toAmqpError } from './amqpErrors';
import { ConnectionClaims, MAX_CLAIMS_PER_CONNECTION, type CbsAuthorizer } from './cbsAuthorizer';
import { entityPath, parseEntityPartitionAddress, type PartitionAddress } from './entityAddress';
import type { EventHubEntities, EventHubEntity } from './eventHubEntities';
import { handleManagementRequest } from './managementNode';
import type { OwnerLevels } from './ownerLevels';
import { PartitionDelivery } from './partitionDelivery';
import { connectionSocket, localAttach } from './rheaInternals';
import { parseSelectorFilter, selectorFromSourceFilter } from './selectorFilter';

export const CBS_NODE = '$cbs';
export const MANAGEMENT_NODE = '$management';
const EPOCH_PROPERTY = 'com.microsoft:epoch';
const RUNTIME_METRIC_CAPABILITY = 'com.microsoft:enable-receiver-runtime-metric';
/** Longest delay a Node timer accepts; token-expiry checks further out are re-armed. */
const MAX_TIMER_MS = 2_147_000_000;

/** Nodes a connection serves besides `$cbs`, `$management` and partitions (one instance per connection). */
export interface ConnectionNodes {
  /** The client attached a receiving link (we send) on `address`; true when these nodes took it. */
  senderOpened(sender: Sender, address: string): boolean;
  /** The client attached a sending link (we receive) on `address`; true when these nodes took it. */
  receiverOpened(receiver: Receiver, address: string): boolean;
  /** A message on a receiver these nodes took; the nodes settle the delivery. */
  message(receiver: Receiver, delivery: Delivery, message: Message): void;
  /** A link of these nodes (or its session) ended. */
  linkGone(link: Sender | Receiver): void;
  /** The connection ended. */
  end(): void;
}

/** What a connection offers its extra nodes. */
export interface ConnectionView {
  readonly label: string;
  readonly connection: Connection;
  /** The latest expiry of a valid CBS (or SASL) claim covering `path`, or undefined. */
  claimValidUntil(path: string): number | undefined;
  /** Refuses a link attach with an AMQP error (logged). */
  refuse(link: Sender | Receiver, e: unknown, address: string): void;
}

export interface EndpointShared {
  /** How logs name the endpoint ("Event Hubs endpoint", "Service endpoint"). */
  name: string;
  /** Extra nodes per connection (the IoT Hub service endpoint's). */
  nodes?: (view: ConnectionView) => ConnectionNodes;
  /** The Event Hubs served: the built-in one and routing's Event Hubs-style endpoints. */
  entities: EventHubEntities;
  log: HubLogger;
  authorizer: CbsAuthorizer;
  ownerLevels: OwnerLevels;
  now(): number;
  /** Routes the entity log's onAppended notifications for the delivery's partition to it. */
  track(entity: EventHubEntity, delivery: PartitionDelivery): () => void;
}

interface PartitionLink {
  sender: Sender;
  address: PartitionAddress;
  entity: EventHubEntity;
  delivery?: PartitionDelivery;
  cleanup: (() => void)[];
  closed: boolean;
  clearExpiryTimer?: () => void;
}

export class EndpointConnection {
  private readonly claims = new ConnectionClaims();
  private readonly replyLinks = new Map<string, Sender>();
  private readonly partitionLinks = new Map<Sender, PartitionLink>();
  /** Deliveries paused on a full socket; one 'drain' listener serves them all. */
  private readonly drainWaiters = new Set<() => void>();
  private drainListening = false;
  private ended = false;
  private readonly nodes: ConnectionNodes | undefined;
  /** Links the extra nodes took. */
  private readonly nodeLinks = new Set<Sender | Receiver>();

  constructor(
    private readonly connection: Connection,
    private readonly shared: EndpointShared,
    readonly label: string,
  ) {
    this.nodes = shared.nodes?.({
      label,
      connection,
      claimValidUntil: (path) => this.claims.validUntil(path, this.shared.now()),
      refuse: (link, e, address) => this.refuse(link, e, address),
    });
    connection.on('sender_open', (ctx: EventContext) => this.safely(() => this.onSenderOpen(ctx.sender!)));
    connection.on('receiver_open', (ctx: EventContext) => this.safely(() => this.onReceiverOpen(ctx.receiver!)));
    connection.on('message', (ctx: EventContext) => this.safely(() => this.onMessage(ctx.receiver!, ctx.delivery!, ctx.message!)));
    connection.on('sendable', (ctx: EventContext) => this.partitionLinks.get(ctx.sender!)?.delivery?.kick());
    connection.on('sender_draining', (ctx: EventContext) => this.partitionLinks.get(ctx.sender!)?.delivery?.requestDrain());
    connection.on('sender_close', (ctx: EventContext) => this.onSenderGone(ctx.sender!));
    connection.on('sender_error', (ctx: EventContext) => this.onSenderGone(ctx.sender!));
    connection.on('receiver_close', (ctx: EventContext) => this.onNodeLinkGone(ctx.receiver!));
    connection.on('receiver_error', (ctx: EventContext) => this.onNodeLinkGone(ctx.receiver!));
    connection.on('session_close', (ctx: EventContext) => this.onSessionGone(ctx.session!));
    connection.on('session_error', (ctx: EventContext) => this.onSessionGone(ctx.session!));
    connection.on('connection_close', () => this.end('closed by the client'));
    connection.on('connection_error', () => this.end('closed by the client with an error'));
    connection.on('disconnected', (ctx: EventContext) => this.end(ctx.error ? `disconnected: ${amqpErrorText(ctx.error)}` : 'disconnected'));
    connection.on('protocol_error', (e: unknown) => this.shared.log.debug(`${this.shared.name} ${this.label}: protocol error: ${amqpErrorText(e)}`));
    connection.on('error', (e: unknown) => this.shared.log.debug(`${this.shared.name} ${this.label}: ${amqpErrorText(e)}`));
  }

  /** Records a claim obtained outside `$cbs` (SASL PLAIN with a SAS token as the password). */
  addClaim(path: string, expiresAt: number): void {
    this.claims.add(path, expiresAt, this.shared.now());
  }

  private onNodeLinkGone(link: Sender | Receiver): void {
    if (this.nodeLinks.delete(link)) this.safely(() => this.nodes?.linkGone(link));
  }

  private whenSocketDrains(resume: () => void): void {
    this.drainWaiters.add(resume);
    if (this.drainListening) return;
    const socket = connectionSocket(this.connection);
    if (socket === undefined) return;
    this.drainListening = true;
    socket.once('drain', () => {
      this.drainListening = false;
      const waiters = [...this.drainWaiters];
      this.drainWaiters.clear();
      for (const w of waiters) w();
    });
  }

  /** Stops every delivery of this connection (the socket is gone or the endpoint is closing). */
  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    for (const link of this.partitionLinks.values()) this.release(link);
    this.partitionLinks.clear();
    this.replyLinks.clear();
    this.drainWaiters.clear();
    this.nodeLinks.clear();
    this.safely(() => this.nodes?.end());
    this.shared.log.debug(`${this.shared.name} ${this.label}: connection ${reason}`);
  }

  // ---------------------------------------------------------------- link attach

  /** The client opened a receiving link, so we are the sender: `$cbs`/`$management` replies or a partition. */
  private onSenderOpen(sender: Sender): void {
    const address = sender.source?.address ?? '';
    // Extra nodes first: `messages/events/$management` is the service endpoint's, not `$management`.
    if (this.nodes?.senderOpened(sender, address) === true) {
      this.nodeLinks.add(sender);
      return;
    }
    const node = nodeName(address);
    if (node === CBS_NODE || node === MANAGEMENT_NODE) {
      sender.set_source({ address });
      const target = sender.target?.address;
      if (target !== undefined && target !== '') sender.set_target({ address: target });
      this.replyLinks.set(sender.name, sender);
      if (target !== undefined && target !== '') this.replyLinks.set(target, sender);
      return;
    }
    let address_: PartitionAddress;
    let entity: EventHubEntity;
    try {
      ({ address: address_, entity } = this.admitPartitionLink(sender, address));
    } catch (e) {
      this.refuse(sender, e, address);
      return;
    }
    const link: PartitionLink = { sender, address: address_, entity, cleanup: [], closed: false };
    this.partitionLinks.set(sender, link);
    const ownerLevel = readOwnerLevel(sender.properties);
    try {
      link.cleanup.push(this.shared.ownerLevels.admit(address_.path, {
        ownerLevel,
        disconnect: (error) => this.closeLink(link, error),
      }));
    } catch (e) {
      this.partitionLinks.delete(sender);
      this.refuse(sender, e, address);
      return;
    }
    // Accept: echo the source, deliver pre-settled (the client need not settle each event).
    sender.set_source({ address });
    const target = sender.target?.address;
    if (target !== undefined && target !== '') sender.set_target({ address: target });
    const local = localAttach(sender);
    local.snd_settle_mode = 1;
    const runtimeMetrics = capabilities(sender.desired_capabilities).includes(RUNTIME_METRIC_CAPABILITY);
    if (runtimeMetrics) local.offered_capabilities = [RUNTIME_METRIC_CAPABILITY];
    this.armExpiryCheck(link);
    void this.startDelivery(link, runtimeMetrics);
  }

  /** Validates address, consumer group, claim and filter; throws EndpointError to refuse. */
  private admitPartitionLink(sender: Sender, address: string): { address: PartitionAddress; entity: EventHubEntity } {
    const { entities } = this.shared;
    const parsed = parseEntityPartitionAddress(address, (name) => {
      const e = entities.get(name);
      return e === undefined ? undefined : { name: e.name, partitionCount: e.d2c.partitionCount };
    }, entities.list().map((e) => e.name));
    const entity = entities.get(parsed.entity)!;
    const groups = entity.consumerGroups();
    const wanted = parsed.consumerGroup.toLowerCase();
    if (wanted !== '$default' && !groups.some((g) => g.toLowerCase() === wanted)) {
      throw new EndpointError(AmqpCondition.notFound,
        `The messaging entity "${address}" could not be found: consumer group "${parsed.consumerGroup}" does not exist ` +
        `(existing: ${['$Default', ...groups.filter((g) => g.toLowerCase() !== '$default')].join(', ')}).`);
    }
    if (this.claims.validUntil(parsed.path, this.shared.now()) === undefined) {
      throw new EndpointError(AmqpCondition.unauthorized,
        `Unauthorized access to "${address}": put a valid SAS token for it on $cbs first (policy with ServiceConnect).`);
    }
    // Parse the filter now so a malformed one is refused before any delivery starts.
    const selector = selectorFromSourceFilter(sender.source?.filter);
    if (selector !== undefined) parseSelectorFilter(selector);
    return { address: parsed, entity };
  }

  private async startDelivery(link: PartitionLink, runtimeMetrics: boolean): Promise<void> {
    const { sender, address, entity } = link;
    try {
      const selector = selectorFromSourceFilter(sender.source?.filter);
      const position = selector === undefined ? 'earliest' : parseSelectorFilter(selector);
      const start = await entity.d2c.resolveStart(address.partition, position);
      if (link.closed) return;
      const delivery = new PartitionDelivery({
        sender,
        d2c: entity.d2c,
        partition: address.partition,
        startSequenceNumber: start,
        log: this.shared.log,
        runtimeMetrics,
        whenSocketDrains: (resume) => this.whenSocketDrains(resume),
        onFailed: (error) => this.closeLink(link, error),
      });
      link.delivery = delivery;
      link.cleanup.push(this.shared.track(entity, delivery));
      this.shared.log.debug(`${this.shared.name} ${this.label}: receiver on ${address.path} from sequence number ${start}` +
        (selector === undefined ? '' : ` (filter ${selector})`));
      delivery.kick();
    } catch (e) {
      this.closeLink(link, e);
    }
  }

  /** The client opened a sending link, so we receive: only `$cbs` and `$management` accept requests. */
  private onReceiverOpen(receiver: Receiver): void {
    const address = receiver.target?.address ?? '';
    const node = nodeName(address);
    if (node === CBS_NODE || node === MANAGEMENT_NODE) {
      receiver.set_target({ address });
      const source = receiver.source?.address;
      if (source !== undefined && source !== '') receiver.set_source({ address: source });
      return;
    }
    if (this.nodes?.receiverOpened(receiver, address) === true) {
      this.nodeLinks.add(receiver);
      return;
    }
    this.refuse(receiver, new EndpointError(AmqpCondition.notAllowed,
      `Sending to "${address}" is not allowed: IoT Hub's Event Hubs-compatible endpoint is read-only (devices send telemetry over MQTT).`), address);
  }

  // ---------------------------------------------------------------- requests

  private onMessage(receiver: Receiver, delivery: Delivery, message: Message): void {
    if (this.nodeLinks.has(receiver)) {
      this.nodes?.message(receiver, delivery, message);
      return;
    }
    // Connections run with autoaccept off (the service nodes settle after a durable write); requests are accepted here.
    delivery.accept();
    const node = nodeName(receiver.target?.address ?? '');
    const response = node === CBS_NODE ? this.putToken(message) : handleManagementRequest(message, {
      entities: this.shared.entities,
      authorized: (token, eventHub) => this.managementAuthorized(token, eventHub),
    });
    const reply = this.replyLinkFor(message.reply_to, receiver.session, node);
    if (reply === undefined) {
      this.shared.log.debug(`${this.shared.name} ${this.label}: no reply link for ${node} request (reply_to ${String(message.reply_to)})`);
      return;
    }
    reply.send(response);
  }

  private putToken(request: Message): Message {
    const props = (request.application_properties ?? {}) as Record<string, unknown>;
    let status = 200;
    let description = 'OK';
    if (props['operation'] !== 'put-token') {
      status = 400;
      description = `Unsupported $cbs operation "${String(props['operation'])}": only put-token is available.`;
    } else {
      const result = this.shared.authorizer.putToken({
        audience: String(props['name'] ?? ''),
        type: String(props['type'] ?? ''),
        token: request.body,
      });
      if (result.ok && !this.claims.add(result.claimPath, result.expiresAt, this.shared.now())) {
        status = 403;
        description = `This connection already holds tokens for ${MAX_CLAIMS_PER_CONNECTION} entities; use a token for the whole Event Hub.`;
        this.shared.log.info(`${this.shared.name} ${this.label}: put-token refused (${status}): ${description}`);
      } else if (result.ok) {
        this.rearmExpiryChecks();
      } else {
        status = result.statusCode;
        description = result.description;
        this.shared.log.info(`${this.shared.name} ${this.label}: put-token refused (${status}): ${description}`);
      }
    }
    const response: Message = {
      application_properties: { 'status-code': types.wrap_int(status), 'status-description': description },
      body: null,
    };
    if (request.message_id !== undefined) response.correlation_id = request.message_id;
    if (request.reply_to !== undefined) response.to = request.reply_to;
    return response;
  }

  private managementAuthorized(token: unknown, eventHub: string): boolean {
    const now = this.shared.now();
    const path = `${eventHub.toLowerCase()}/${MANAGEMENT_NODE}`;
    if (this.claims.validUntil(path, now) !== undefined) return true;
    if (typeof token !== 'string') return false;
    const check = this.shared.authorizer.verify(token);
    return check.ok && (check.tokenPath === '' || path === check.tokenPath || path.startsWith(`${check.tokenPath}/`));
  }

  private replyLinkFor(replyTo: unknown, session: Session, node: string): Sender | undefined {
    if (typeof replyTo === 'string') {
      const link = this.replyLinks.get(replyTo);
      if (link !== undefined && link.is_open()) return link;
    }
    for (const link of this.replyLinks.values()) {
      if (link.session === session && nodeName(link.source?.address ?? '') === node && link.is_open()) return link;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- link lifetime

  /** Event Hubs detaches a receiver whose token expired without renewal; so do we. */
  private armExpiryCheck(link: PartitionLink): void {
    if (link.closed) return;
    const until = this.claims.validUntil(link.address.path, this.shared.now());
    if (until === undefined) {
      this.closeLink(link, new EndpointError(AmqpCondition.unauthorized,
        'The SAS token for this receiver expired and was not renewed on $cbs.'));
      return;
    }
    const timer = setTimeout(() => this.armExpiryCheck(link), Math.min(MAX_TIMER_MS, Math.max(0, until - this.shared.now()) + 1));
    timer.unref();
    link.clearExpiryTimer?.();
    link.clearExpiryTimer = () => clearTimeout(timer);
  }

  private rearmExpiryChecks(): void {
    for (const link of this.partitionLinks.values()) this.armExpiryCheck(link);
  }

  private closeLink(link: PartitionLink, error: unknown): void {
    if (link.closed) return;
    const amqpError = toAmqpError(error);
    this.shared.log.info(`${this.shared.name} ${this.label}: closing receiver on ${link.address.path}: ${amqpError.condition} ${String(amqpError.description)}`);
    this.release(link);
    this.partitionLinks.delete(link.sender);
    if (link.sender.is_open()) link.sender.close(amqpError);
  }

  private release(link: PartitionLink): void {
    if (link.closed) return;
    link.closed = true;
    link.delivery?.stop();
    link.clearExpiryTimer?.();
    for (const c of link.cleanup.splice(0)) c();
  }

  private onSenderGone(sender: Sender): void {
    const link = this.partitionLinks.get(sender);
    if (link !== undefined) {
      this.release(link);
      this.partitionLinks.delete(sender);
      return;
    }
    for (const [key, s] of this.replyLinks) if (s === sender) this.replyLinks.delete(key);
    this.onNodeLinkGone(sender);
  }

  private onSessionGone(session: Session): void {
    for (const [sender, link] of [...this.partitionLinks]) {
      if (sender.session === session) {
        this.release(link);
        this.partitionLinks.delete(sender);
      }
    }
    for (const [key, s] of [...this.replyLinks]) if (s.session === session) this.replyLinks.delete(key);
    for (const link of [...this.nodeLinks]) if (link.session === session) this.onNodeLinkGone(link);
  }

  private refuse(link: Sender | Receiver, e: unknown, address: string): void {
    const amqpError = toAmqpError(e);
    this.shared.log.info(`${this.shared.name} ${this.label}: refused link "${address}": ${amqpError.condition} ${String(amqpError.description)}`);
    // The attach goes out with no source/target (the AMQP way to refuse), followed by the detach.
    link.close(amqpError);
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.shared.log.error(`${this.shared.name} ${this.label}: ${amqpErrorText(e)}`);
    }
  }
}

/** `$cbs`, `$management` (optionally `{hub}/$management`) or the address itself. */
function nodeName(address: string): string {
  const path = entityPath(address);
  const last = path.slice(path.lastIndexOf('/') + 1);
  return last === CBS_NODE || last === MANAGEMENT_NODE ? last : path;
}

function readOwnerLevel(properties: unknown): number | undefined {
  if (properties === null || typeof properties !== 'object') return undefined;
  const v = (properties as Record<string, unknown>)[EPOCH_PROPERTY];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (Buffer.isBuffer(v) && v.length === 8) return Number(v.readBigInt64BE(0));
  return undefined;
}

function capabilities(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string') return [v];
  return [];
}

/** rhea reports AMQP errors as plain objects with a description: say that, else the shared errorText. */
function amqpErrorText(e: unknown): string {
  if (!(e instanceof Error) && e !== null && typeof e === 'object' && 'description' in e) return String((e as { description: unknown }).description);
  return errorText(e);
}
