// A D2C monitor: reads a hub's telemetry from its Event Hubs-compatible endpoint with the official
// @azure/event-hubs client, exactly as a back end does, so the same code reads the local hub and
// Azure IoT Hub's built-in endpoint (the endpoint comes from HubConnection.eventHubsEndpoint()), or
// a custom Event Hubs-style routing endpoint (`endpoint`, from HubConnection.routing).
//
// Invariants:
// - Only messages whose stamped `iothub-connection-device-id` fits the scope are kept (see
//   monitorFilter.ts).
// - Memory is bounded: the newest `capacity` messages stay in a ring; `dropped` counts the rest.
// - Nothing is lost across a hub restart: the last sequence number seen on every partition is kept
//   (in memory); the monitor closes its client while the hub is not running and reopens it after
//   each partition's checkpoint when the hub runs again. "Now" is pinned to each partition's last
//   enqueued sequence number when the monitor starts, so a restart replays nothing before it.
// No vscode import: tested in plain Node against a real hub. @azure/event-hubs and ws are loaded when
// a monitor first opens, not when the extension activates (lazy modules, scripts/build.mjs).
import type { EventHubConsumerClient, EventPosition, PartitionContext, ReceivedEventData, Subscription } from '@azure/event-hubs';
import type { Disposable, HubConnection, HubStatus } from '../hubs/hubConnection';
import { decodeEvent, stampedDeviceId, type MonitoredMessage } from './monitoredMessage';
import { describeScope, scopeMatcher, type MonitorScope } from './monitorFilter';
import { RingBuffer } from './ringBuffer';
import { describeStart, type StartChoice } from './startPosition';
import { errorText } from '../core/errorText';
import { isBuiltInEndpoint } from './routingWarning';

export const DEFAULT_MONITOR_CAPACITY = 10_000;

export type MonitorState =
  | { state: 'starting' }
  | { state: 'running' }
  /** The hub is not running; the monitor reopens where it was when it runs again. */
  | { state: 'waiting'; reason: string }
  | { state: 'stopped'; reason?: string };

export interface D2cMonitorOptions {
  /** The routing endpoint to read: a custom Event Hubs-style one, or the built-in `events` (the default). */
  endpoint?: string;
  consumerGroup: string;
  start: StartChoice;
  scope: MonitorScope;
  /** Ring size (default 10,000). */
  capacity?: number;
  /** Events per processEvents call at most (default 1,000). */
  maxBatchSize?: number;
  /** Errors the SDK reports and recovers from (for the log); never given a secret. */
  onTransientError?: (error: Error, partitionId: string) => void;
  /** For tests: now in ms. */
  now?: () => number;
}

interface Listener<T> { (value: T): void }

class Emitter<T> {
  private readonly listeners = new Set<Listener<T>>();
  on(l: Listener<T>): Disposable {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  }
  fire(v: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(v);
      } catch {
        // one listener's failure must not stop the others (or the monitor)
      }
    }
  }
  clear(): void {
    this.listeners.clear();
  }
}

/** Errors after which retrying cannot help: the monitor stops and says why. */
const FATAL_CODES = new Set(['MessagingEntityNotFoundError', 'UnauthorizedError', 'ArgumentError']);

let nextMonitorId = 1;
/** How long a reopen waits for the previous client to close. */
const CLOSE_WAIT_MS = 2000;

export class D2cMonitor implements Disposable {
  readonly id = nextMonitorId++;
  readonly ring: RingBuffer<MonitoredMessage>;
  private readonly matches: (deviceId: string | undefined) => boolean;
  private readonly messages = new Emitter<MonitoredMessage[]>();
  private readonly states = new Emitter<MonitorState>();
  private current: MonitorState = { state: 'starting' };
  private client: EventHubConsumerClient | undefined;
  private subscription: Subscription | undefined;
  /** Last sequence number seen per partition (every event, shown or filtered out). */
  private readonly checkpoints = new Map<string, number>();
  /** Where each partition starts when it has no checkpoint (resolved once, at the first open). */
  private initialPositions: Record<string, EventPosition> | undefined;
  private readonly startedAt: number;
  private seq = 0;
  /** Messages shown (after the scope filter) since the monitor started. */
  received = 0;
  /** Per-second counts of the last few seconds, for the rate. */
  private readonly buckets = new Map<number, number>();
  private statusSub: Disposable | undefined;
  /** Opening and closing run one at a time, in order. */
  private chain: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(readonly hub: HubConnection, readonly options: D2cMonitorOptions) {
    this.ring = new RingBuffer(options.capacity ?? DEFAULT_MONITOR_CAPACITY);
    this.matches = scopeMatcher(options.scope);
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  get state(): MonitorState {
    return this.current;
  }

  get dropped(): number {
    return this.ring.dropped;
  }

  /** The custom endpoint read, or undefined for the built-in one. */
  get customEndpoint(): string | undefined {
    return isBuiltInEndpoint(this.options.endpoint) ? undefined : this.options.endpoint;
  }

  /** "device 'x' on Local hub ($Default, from now)"; "... on Local hub, endpoint 'eh-alerts' (...)". */
  get description(): string {
    const endpoint = this.customEndpoint === undefined ? '' : `, endpoint '${this.customEndpoint}'`;
    return `${describeScope(this.options.scope)} on ${this.hub.label}${endpoint} (${this.options.consumerGroup}, ${describeStart(this.options.start)})`;
  }

  onMessages(listener: Listener<MonitoredMessage[]>): Disposable {
    return this.messages.on(listener);
  }

  onDidChangeState(listener: Listener<MonitorState>): Disposable {
    return this.states.on(listener);
  }

  /** Messages per second over the last full seconds. */
  rate(windowSeconds = 3): number {
    const second = Math.floor(this.now() / 1000);
    let n = 0;
    for (let s = second - windowSeconds; s < second; s++) n += this.buckets.get(s) ?? 0;
    return n / windowSeconds;
  }

  /** Opens the reader; resolves once it reads (or waits for the hub); rejects with a fatal error. */
  async start(): Promise<void> {
    this.statusSub = this.hub.onDidChangeStatus((s) => this.onHubStatus(s));
    if (this.hub.status.state !== 'running') {
      this.setState({ state: 'waiting', reason: `${this.hub.label} is ${this.hub.status.state}` });
      return;
    }
    await this.enqueue(() => this.open());
    const after: MonitorState = this.current;
    if (after.state === 'stopped') throw new Error(after.reason ?? 'The monitor stopped.');
  }

  async stop(reason?: string): Promise<void> {
    if (this.current.state === 'stopped') return;
    this.statusSub?.dispose();
    this.statusSub = undefined;
    this.setState(reason === undefined ? { state: 'stopped' } : { state: 'stopped', reason });
    await this.enqueue(() => this.close());
  }

  clear(): void {
    this.ring.clear();
  }

  dispose(): void {
    void this.stop();
    this.messages.clear();
    this.states.clear();
  }

  private hubState(): HubStatus['state'] {
    return this.hub.status.state;
  }

  /** Read through a call so checks after an await see the state as it is now. */
  private stopped(): boolean {
    return this.current.state === 'stopped';
  }

  private setState(s: MonitorState): void {
    this.current = s;
    this.states.fire(s);
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(step, step);
    return this.chain;
  }

  private onHubStatus(status: HubStatus): void {
    if (this.current.state === 'stopped') return;
    if (status.state === 'running') {
      void this.enqueue(() => this.open());
    } else {
      this.setState({ state: 'waiting', reason: `${this.hub.label} is ${status.state}` });
      void this.enqueue(() => this.close());
    }
  }

  private async open(): Promise<void> {
    if (this.current.state === 'stopped' || this.hub.status.state !== 'running' || this.client) return;
    this.setState({ state: 'starting' });
    let client: EventHubConsumerClient | undefined;
    try {
      const [{ EventHubConsumerClient, earliestEventPosition }, { default: WebSocket }] = await Promise.all([import('@azure/event-hubs'), import('ws')]);
      const endpoint = await this.readEndpoint();
      client = new EventHubConsumerClient(this.options.consumerGroup, endpoint.connectionString, {
        retryOptions: { maxRetries: 6, retryDelayInMs: 300, maxRetryDelayInMs: 5_000, timeoutInMs: 20_000 },
        // AMQP over WebSocket on 443 when the hub's user chose it (networks that block 5671).
        ...(endpoint.webSockets === true ? { webSocketOptions: { webSocket: WebSocket as never } } : {}),
      });
      const partitionIds = await client.getPartitionIds();
      if (this.initialPositions === undefined) this.initialPositions = await this.resolveStart(client, partitionIds, earliestEventPosition);
      const positions: Record<string, EventPosition> = {};
      for (const p of partitionIds) {
        const cp = this.checkpoints.get(p);
        positions[p] = cp !== undefined ? { sequenceNumber: cp, isInclusive: false } : this.initialPositions[p] ?? earliestEventPosition;
      }
      if (this.stopped() || this.hub.status.state !== 'running') {
        await client.close();
        return;
      }
      this.client = client;
      this.subscription = client.subscribe({
        processEvents: async (events, context) => this.onEvents(events, context),
        processError: async (error, context) => this.onError(error, context.partitionId),
      }, {
        startPosition: positions,
        maxBatchSize: this.options.maxBatchSize ?? 1000,
        // Events are handed over as soon as some arrive; this only bounds an empty wait.
        maxWaitTimeInSeconds: 1,
        skipParsingBodyAsJson: true,
      });
      this.setState({ state: 'running' });
    } catch (e) {
      await client?.close().catch(() => undefined);
      const reason = `Could not read ${this.hub.label}'s telemetry${this.customEndpoint === undefined ? '' : ` on endpoint '${this.customEndpoint}'`}: ${errorText(e)}`;
      const hubState = this.hubState();
      if (hubState !== 'running') {
        this.setState({ state: 'waiting', reason: `${this.hub.label} is ${hubState}` });
      } else {
        this.setState({ state: 'stopped', reason });
        this.statusSub?.dispose();
      }
    }
  }

  /** Asked at every open: a custom endpoint deleted (or re-pointed) meanwhile is read as it is now. */
  private readEndpoint(): ReturnType<HubConnection['eventHubsEndpoint']> {
    const name = this.customEndpoint;
    if (name === undefined) return this.hub.eventHubsEndpoint();
    if (this.hub.routing === undefined) throw new Error(`${this.hub.label}'s routing endpoints cannot be read from here (only the built-in endpoint).`);
    return this.hub.routing.eventHubsEndpoint(name);
  }

  private async close(): Promise<void> {
    const sub = this.subscription;
    const client = this.client;
    this.subscription = undefined;
    this.client = undefined;
    // Closing a client whose hub went away can wait on the SDK's retries; a reopen must not.
    const closing = (async () => {
      await sub?.close().catch(() => undefined);
      await client?.close().catch(() => undefined);
    })();
    await Promise.race([closing, new Promise((r) => setTimeout(r, CLOSE_WAIT_MS).unref())]);
  }

  private async resolveStart(client: EventHubConsumerClient, partitionIds: string[], earliestEventPosition: EventPosition): Promise<Record<string, EventPosition>> {
    const out: Record<string, EventPosition> = {};
    const start = this.options.start;
    for (const p of partitionIds) {
      switch (start.kind) {
        case 'earliest':
          out[p] = earliestEventPosition;
          break;
        case 'ago':
          out[p] = { enqueuedOn: new Date(this.startedAt - start.ms) };
          break;
        case 'time':
          out[p] = { enqueuedOn: new Date(start.at) };
          break;
        case 'now': {
          // Pinned rather than `latest`, so a reopen after a hub restart misses nothing sent meanwhile.
          const props = await client.getPartitionProperties(p);
          out[p] = props.isEmpty ? earliestEventPosition : { sequenceNumber: props.lastEnqueuedSequenceNumber, isInclusive: false };
          break;
        }
      }
    }
    return out;
  }

  private onEvents(events: ReceivedEventData[], context: PartitionContext): void {
    if (events.length === 0 || this.current.state === 'stopped') return;
    const kept: MonitoredMessage[] = [];
    for (const ev of events) {
      const known = this.checkpoints.get(context.partitionId);
      // A reconnecting SDK may hand over an event again; the checkpoint says what was seen.
      if (known !== undefined && ev.sequenceNumber <= known) continue;
      this.checkpoints.set(context.partitionId, ev.sequenceNumber);
      if (!this.matches(stampedDeviceId(ev))) continue;
      const m = decodeEvent(ev, context.partitionId, ++this.seq);
      this.ring.push(m);
      kept.push(m);
    }
    if (kept.length === 0) return;
    this.received += kept.length;
    const second = Math.floor(this.now() / 1000);
    this.buckets.set(second, (this.buckets.get(second) ?? 0) + kept.length);
    if (this.buckets.size > 10) for (const s of this.buckets.keys()) if (s < second - 8) this.buckets.delete(s);
    this.messages.fire(kept);
  }

  private onError(error: Error, partitionId: string): void {
    const code = (error as { code?: string }).code ?? error.name;
    if (FATAL_CODES.has(code) && this.hub.status.state === 'running') {
      void this.stop(`${this.hub.label}: ${error.message}`);
      return;
    }
    this.options.onTransientError?.(error, partitionId);
  }
}
