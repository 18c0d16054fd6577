// Message routing in the local hub: where each device message (and each device lifecycle or
// connection state event) goes, and the custom endpoints it can go to.
//
// Every custom endpoint is a durable D2C log of its own under `<dataDir>/endpoints/<name>/`: an
// Event Hubs-style endpoint serves that log as a further entity on the Event Hubs-compatible AMQP
// endpoint; a storage endpoint's log is the staging area its StorageWriter turns into files. So a
// message is durable for an endpoint once it is in that endpoint's log, and `appendThen` calls
// back (the device's PUBACK) only when the message is durable in the log of EVERY endpoint it
// goes to. A storage disk that fails therefore holds back nothing: the message is already safe in
// the staging log and the writer catches up when the disk recovers.
//
// With no telemetry route, the fallback on and no enrichment of `events` (the default), the
// ingest is the built-in log's own appendThen: the unrouted hot path costs one branch.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ApplicationProperty, SystemProperties } from '../../core/message/model';
import type { RoutingMessage } from '../../core/routing/condition';
import type { Clock, D2cAppend, D2cLog, D2cStamp, HubLogger, RegistryEvent } from '../contracts';
import { FileD2cLog } from '../d2c/d2cLog';
import type { EventHubEntities, EventHubEntity } from '../eventhubs/eventHubEntities';
import { BUILT_IN_ENDPOINT, describeProblems, validateRoutingConfig, type EventHubEndpointConfig, type RoutingConfig, type RoutingConfigProblem, type StorageEndpointConfig } from './routingConfig';
import { enrich, RoutingTable, type RouteDecision } from './routingTable';
import { loadRoutingConfig, saveRoutingConfig } from './routesStore';
import { StorageWriter, type StorageEndpointStatus, type StorageFileWriter } from './storageWriter';
import { systemEventMessage } from './systemEvents';
import type { RouteSource } from './routingConfig';

/** A rejected configuration change: nothing was applied. */
export class RoutingConfigError extends Error {
  constructor(readonly problems: RoutingConfigProblem[]) {
    super(`The routing configuration was not changed:\n${describeProblems(problems)}`);
    this.name = 'RoutingConfigError';
  }
}

export interface EndpointStatusJson {
  name: string;
  type: 'builtIn' | 'eventHub' | 'storage';
  /** Event Hubs-style endpoints: the Event Hub name to read. */
  entityPath?: string;
  /** Custom Event Hubs-style endpoints: the consumer groups a reader may use (`$Default` first). */
  consumerGroups?: string[];
  /** Storage endpoints: the folder files are written to. */
  directory?: string;
  healthy: boolean;
  lastError?: string;
  /** Messages in the endpoint's log. */
  messages: number;
  /** Storage endpoints: files written since the hub started, messages not yet in a file. */
  filesWritten?: number;
  backlog?: number;
}

export interface RoutingStats {
  /** Telemetry messages routed to no endpoint (routes exist and the fallback is off). */
  dropped: number;
  /** Telemetry messages the fallback route took. */
  fallback: number;
  /** System events (lifecycle, connection state) routed. */
  systemEvents: number;
}

export interface MessageRouterOptions {
  dataDir: string;
  hubName: string;
  builtIn: D2cLog;
  builtInConsumerGroups: () => string[];
  registryEvents?: { subscribe(listener: (event: RegistryEvent) => void): () => void };
  clock: Clock;
  log: HubLogger;
  /** Retention of the custom endpoints' logs (default 1 day, like the built-in one). */
  retentionMs?: number;
  /** Tests: how storage endpoints write a file (inject a failing disk). */
  storageFileWriter?: StorageFileWriter;
  /** Tests: small segment files. */
  segmentBytes?: number;
}

interface OpenEndpoint {
  name: string;
  kind: 'eventHub' | 'storage';
  config: EventHubEndpointConfig | StorageEndpointConfig;
  log: FileD2cLog;
  writer?: StorageWriter;
  entity?: EventHubEntity;
  directory?: string;
}

/** The view conditions read of a property bag: the sender's system properties with the connection's stamp over them. */
interface MergedProperties {
  stamp: D2cStamp | undefined;
  merged: Record<string, string | undefined>;
}

export class MessageRouter implements EventHubEntities {
  private table: RoutingTable;
  private readonly endpoints = new Map<string, OpenEndpoint>();
  private readonly entityListeners = new Set<() => void>();
  private changes: Promise<unknown> = Promise.resolve();
  private unsubscribeRegistry: (() => void) | undefined;
  /**
   * Merged views per sender's property bag (the MQTT front door reuses one parsed bag per connection
   * and topic): built once per device connection, not per message, however devices interleave.
   */
  private merged = new WeakMap<SystemProperties, MergedProperties>();
  private readonly enriched = new WeakMap<readonly ApplicationProperty[], Map<string, ApplicationProperty[]>>();
  private readonly builtInEntity: EventHubEntity;
  private readonly pendingSystemEvents = new Set<Promise<unknown>>();
  private closed = false;
  readonly stats: RoutingStats = { dropped: 0, fallback: 0, systemEvents: 0 };

  private constructor(private readonly o: MessageRouterOptions, config: RoutingConfig) {
    this.table = new RoutingTable(config, o.hubName);
    this.builtInEntity = { name: o.hubName, d2c: o.builtIn, consumerGroups: o.builtInConsumerGroups, createdAt: o.clock.now() };
  }

  /** Loads `<dataDir>/routes.json` (a bad one throws, naming the file) and opens its endpoints. */
  static async open(o: MessageRouterOptions): Promise<MessageRouter> {
    const config = loadRoutingConfig(o.dataDir, o.hubName);
    const router = new MessageRouter(o, config);
    try {
      for (const e of config.endpoints.eventHubs) router.endpoints.set(e.name.toLowerCase(), await router.openEventHub(e));
      for (const e of config.endpoints.storageContainers) router.endpoints.set(e.name.toLowerCase(), await router.openStorage(e));
    } catch (err) {
      await router.close();
      throw err;
    }
    if (o.registryEvents !== undefined) router.unsubscribeRegistry = o.registryEvents.subscribe((event) => router.onRegistryEvent(event));
    if (config.routes.length > 0) o.log.info(`Routing: ${config.routes.length} route(s), ${router.endpoints.size} custom endpoint(s), fallback route ${config.fallbackRoute.isEnabled ? 'on' : 'off'}`);
    return router;
  }

  get config(): RoutingConfig {
    return this.table.config;
  }

  // ---------------------------------------------------------------- the D2C ingest

  /**
   * The MQTT front door's append: `done` runs once the message is durable in every endpoint it
   * goes to (or with the first error), always asynchronously. A message no route takes (fallback
   * off) is dropped, as IoT Hub drops it, and acknowledged.
   */
  appendThen(input: D2cAppend, done: (error: Error | undefined) => void): void {
    const table = this.table;
    if (table.passThrough) {
      this.o.builtIn.appendThen(input, done);
      return;
    }
    const decision = table.targets('DeviceMessages', this.routingView(input));
    if (decision.fallback) this.stats.fallback++;
    this.deliver(table, decision, input, done);
  }

  /** Which routes and endpoints a message would take now (the message is not stored). */
  test(source: RouteSource, input: D2cAppend): RouteDecision {
    return this.table.targets(source, this.routingView(input));
  }

  private deliver(table: RoutingTable, decision: RouteDecision, input: D2cAppend, done: (error: Error | undefined) => void): void {
    const targets = decision.endpoints;
    if (targets.length === 0) {
      this.stats.dropped++;
      queueMicrotask(() => done(undefined));
      return;
    }
    if (targets.length === 1) {
      this.sinkFor(targets[0]!).appendThen(this.forEndpoint(table, input, targets[0]!), done);
      return;
    }
    let remaining = targets.length;
    let failure: Error | undefined;
    const each = (e: Error | undefined): void => {
      if (e !== undefined && failure === undefined) failure = e;
      if (--remaining === 0) done(failure);
    };
    for (const name of targets) this.sinkFor(name).appendThen(this.forEndpoint(table, input, name), each);
  }

  private sinkFor(name: string): D2cLog {
    if (name === BUILT_IN_ENDPOINT) return this.o.builtIn;
    const e = this.endpoints.get(name.toLowerCase());
    // Validation makes every route's endpoint exist; a missing one is a bug.
    if (e === undefined) throw new Error(`Routing: endpoint "${name}" is not open`);
    return e.log;
  }

  /** The message as an endpoint stores it: with that endpoint's enrichments (arrays cached per property list, so the log's metadata cache still hits). */
  private forEndpoint(table: RoutingTable, input: D2cAppend, endpoint: string): D2cAppend {
    const extra = table.enrichmentsFor(endpoint);
    if (extra === undefined) return input;
    let perEndpoint = this.enriched.get(input.applicationProperties);
    if (perEndpoint === undefined) {
      perEndpoint = new Map();
      this.enriched.set(input.applicationProperties, perEndpoint);
    }
    let props = perEndpoint.get(endpoint);
    if (props === undefined) {
      props = enrich(input.applicationProperties, extra);
      perEndpoint.set(endpoint, props);
    }
    return { ...input, applicationProperties: props };
  }

  private routingView(input: D2cAppend): RoutingMessage {
    let m = this.merged.get(input.systemProperties);
    if (m === undefined || m.stamp !== input.stamp) {
      const merged: Record<string, string | undefined> = { ...input.systemProperties, ...input.stamp?.properties };
      const clock = this.o.clock;
      // The hub stamps the enqueued time when the log takes the message; a condition on it sees now.
      Object.defineProperty(merged, 'enqueuedTimeUtc', { enumerable: true, get: () => new Date(clock.now()).toISOString() });
      m = { stamp: input.stamp, merged };
      this.merged.set(input.systemProperties, m);
    }
    return { systemProperties: m.merged, applicationProperties: input.applicationProperties, body: input.body };
  }

  private onRegistryEvent(event: RegistryEvent): void {
    if (this.closed) return;
    const table = this.table;
    const source: RouteSource = event.type === 'connectionStateChanged' ? 'DeviceConnectionStateEvents' : 'DeviceLifecycleEvents';
    if (!table.hasRoutes(source)) return;
    const built = systemEventMessage(event, this.o.hubName, this.o.clock.now());
    if (built === undefined) return;
    const decision = table.targets(built.source, this.routingView(built.message));
    if (decision.endpoints.length === 0) return;
    this.stats.systemEvents++;
    const pending = new Promise<void>((resolve) => this.deliver(table, decision, built.message, (e) => {
      if (e !== undefined) this.o.log.warn(`Routing a ${event.type} event of ${built.message.deviceId} failed: ${e.message}`);
      resolve();
    }));
    this.pendingSystemEvents.add(pending);
    void pending.finally(() => this.pendingSystemEvents.delete(pending));
  }

  // ---------------------------------------------------------------- configuration

  /**
   * Validates and applies a whole configuration: opens new endpoints, saves routes.json, switches
   * routing over, then closes removed endpoints (their files stay on disk; re-adding the endpoint
   * resumes them). Throws RoutingConfigError (nothing changed) when it is not valid.
   */
  apply(raw: unknown): Promise<RoutingConfig> {
    const run = this.changes.catch(() => undefined).then(() => this.applyNow(raw));
    this.changes = run;
    return run;
  }

  /** Applies a change to the current configuration (read, modify, validate, apply: serialised). */
  update(change: (current: RoutingConfig) => unknown): Promise<RoutingConfig> {
    const run = this.changes.catch(() => undefined).then(() => this.applyNow(change(structuredClone(this.table.config))));
    this.changes = run;
    return run;
  }

  private async applyNow(raw: unknown): Promise<RoutingConfig> {
    if (this.closed) throw new Error('The hub is stopping; the routing configuration was not changed.');
    const result = validateRoutingConfig(raw, this.o.hubName);
    if (!result.ok) throw new RoutingConfigError(result.problems);
    const config = result.config;
    for (const w of result.warnings) this.o.log.warn(`Routing configuration: ${w.path}: ${w.message}`);
    const table = new RoutingTable(config, this.o.hubName);
    const wanted = new Map<string, { kind: 'eventHub' | 'storage'; config: EventHubEndpointConfig | StorageEndpointConfig }>();
    for (const e of config.endpoints.eventHubs) wanted.set(e.name.toLowerCase(), { kind: 'eventHub', config: e });
    for (const e of config.endpoints.storageContainers) wanted.set(e.name.toLowerCase(), { kind: 'storage', config: e });

    const opened: OpenEndpoint[] = [];
    const replaced: OpenEndpoint[] = [];
    try {
      for (const [key, want] of wanted) {
        const have = this.endpoints.get(key);
        if (have !== undefined && have.kind === want.kind && JSON.stringify(have.config) === JSON.stringify(want.config)) continue;
        if (have !== undefined) {
          // Same name, new settings: close the old one first (it owns the log directory).
          replaced.push(have);
          this.endpoints.delete(key);
          await this.closeEndpoint(have);
        }
        const e = want.kind === 'eventHub' ? await this.openEventHub(want.config) : await this.openStorage(want.config as StorageEndpointConfig);
        opened.push(e);
      }
      saveRoutingConfig(this.o.dataDir, config);
    } catch (e) {
      for (const o of opened) await this.closeEndpoint(o).catch(() => undefined);
      // Reopen what was replaced with its old settings, so a failed change leaves routing as it was.
      for (const r of replaced) this.endpoints.set(r.name.toLowerCase(), r.kind === 'eventHub' ? await this.openEventHub(r.config) : await this.openStorage(r.config as StorageEndpointConfig));
      throw e;
    }
    for (const o of opened) this.endpoints.set(o.name.toLowerCase(), o);
    this.table = table;
    this.merged = new WeakMap();
    const removed = [...this.endpoints.entries()].filter(([key]) => !wanted.has(key));
    for (const [key] of removed) this.endpoints.delete(key);
    for (const [, e] of removed) await this.closeEndpoint(e);
    for (const l of this.entityListeners) l();
    this.o.log.info(`Routing configuration applied: ${config.routes.length} route(s), ${this.endpoints.size} custom endpoint(s), fallback route ${config.fallbackRoute.isEnabled ? 'on' : 'off'}`);
    return config;
  }

  private endpointDir(name: string): string {
    return path.join(this.o.dataDir, 'endpoints', name.toLowerCase());
  }

  private async openLog(name: string, partitionCount: number): Promise<FileD2cLog> {
    const logOptions: Parameters<typeof FileD2cLog.open>[0] = {
      dir: path.join(this.endpointDir(name), 'log'),
      partitionCount,
      retentionMs: this.o.retentionMs ?? 24 * 60 * 60 * 1000,
      clock: this.o.clock,
      log: this.o.log,
      // Space reserved ahead as the built-in log does (8 MB by default). A routed message is written
      // to every endpoint it goes to, so an endpoint's log grows as fast as the built-in one; with 1 MB
      // steps it opened, zero-filled and synced its file every 512 KB of data, and those syncs
      // competed with the commits a PUBACK waits for. The unused reserve is trimmed when a segment closes.
    };
    if (this.o.segmentBytes !== undefined) logOptions.segmentBytes = this.o.segmentBytes;
    return FileD2cLog.open(logOptions);
  }

  private async openEventHub(config: EventHubEndpointConfig): Promise<OpenEndpoint> {
    const log = await this.openLog(config.name, config.partitionCount ?? 4);
    const groups = ['$Default', ...(config.consumerGroups ?? []).filter((g) => g.toLowerCase() !== '$default')];
    const entity: EventHubEntity = { name: config.entityPath ?? config.name, d2c: log, consumerGroups: () => groups, createdAt: this.o.clock.now(), endpointName: config.name };
    return { name: config.name, kind: 'eventHub', config, log, entity };
  }

  private async openStorage(config: StorageEndpointConfig): Promise<OpenEndpoint> {
    // The staging log has the hub's partitions, so a file's {partition} is the message's hub partition.
    const log = await this.openLog(config.name, this.o.builtIn.partitionCount);
    const directory = path.join(this.o.dataDir, 'storage', config.containerName ?? config.name);
    fs.mkdirSync(directory, { recursive: true });
    try {
      const writer = await StorageWriter.start({
        endpoint: config,
        hubName: this.o.hubName,
        log,
        containerDir: directory,
        checkpointFile: path.join(this.endpointDir(config.name), 'storage-checkpoint.json'),
        clock: this.o.clock,
        logger: this.o.log,
        ...(this.o.storageFileWriter === undefined ? {} : { writeFile: this.o.storageFileWriter }),
      });
      return { name: config.name, kind: 'storage', config, log, writer, directory };
    } catch (e) {
      await log.close();
      throw e;
    }
  }

  private async closeEndpoint(e: OpenEndpoint): Promise<void> {
    await e.log.drain();
    await e.writer?.close();
    await e.log.close();
  }

  // ---------------------------------------------------------------- Event Hubs entities

  get(name: string): EventHubEntity | undefined {
    const wanted = name.toLowerCase();
    if (wanted === this.o.hubName.toLowerCase()) return this.builtInEntity;
    for (const e of this.endpoints.values()) if (e.entity !== undefined && e.entity.name.toLowerCase() === wanted) return e.entity;
    return undefined;
  }

  list(): EventHubEntity[] {
    const out = [this.builtInEntity];
    for (const e of this.endpoints.values()) if (e.entity !== undefined) out.push(e.entity);
    return out;
  }

  onChanged(listener: () => void): () => void {
    this.entityListeners.add(listener);
    return () => this.entityListeners.delete(listener);
  }

  // ---------------------------------------------------------------- status

  endpointStatus(): EndpointStatusJson[] {
    const count = (log: D2cLog): number => {
      let n = 0;
      for (let p = 0; p < log.partitionCount; p++) {
        const i = log.partitionInfo(p);
        if (!i.isEmpty) n += i.lastEnqueuedSequenceNumber - i.beginningSequenceNumber + 1;
      }
      return n;
    };
    const out: EndpointStatusJson[] = [{ name: BUILT_IN_ENDPOINT, type: 'builtIn', entityPath: this.o.hubName, healthy: true, messages: count(this.o.builtIn) }];
    for (const e of this.endpoints.values()) {
      if (e.kind === 'eventHub') {
        out.push({ name: e.name, type: 'eventHub', entityPath: e.entity!.name, consumerGroups: e.entity!.consumerGroups(), healthy: true, messages: count(e.log) });
      } else {
        const s: StorageEndpointStatus = e.writer!.status();
        const row: EndpointStatusJson = { name: e.name, type: 'storage', directory: e.directory!, healthy: s.healthy, messages: count(e.log), filesWritten: s.filesWritten, backlog: s.backlog };
        if (s.lastError !== undefined) row.lastError = s.lastError;
        out.push(row);
      }
    }
    return out;
  }

  /** Tests: writes every storage endpoint's pending batches now. */
  async flushStorage(): Promise<void> {
    for (const e of this.endpoints.values()) await e.writer?.flushAll();
  }

  /** Resolves when every append started so far, on every custom endpoint, is durable. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.pendingSystemEvents]);
    await Promise.all([...this.endpoints.values()].map((e) => e.log.drain()));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribeRegistry?.();
    await this.changes.catch(() => undefined);
    await Promise.allSettled([...this.pendingSystemEvents]);
    for (const e of this.endpoints.values()) await this.closeEndpoint(e).catch((err: unknown) => this.o.log.warn(`Closing endpoint ${e.name}: ${String(err)}`));
    this.endpoints.clear();
  }
}
