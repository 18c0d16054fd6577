// Opens everything durable about one local hub from its data dir:
//   <dataDir>/hub.lock    exclusive owner (pid + host)
//   <dataDir>/hub.db      SQLite: policies, registry, C2D queues, feedback, consumer groups
//   <dataDir>/d2c/        the partitioned D2C append log
//   <dataDir>/routes.json routing configuration; <dataDir>/endpoints/ and storage/ its endpoints
// See docs/hub-storage.md for the formats and the durability argument.
import * as path from 'node:path';
import { SqliteC2dQueues } from './c2d/c2dQueues';
import { SqliteFeedbackStore } from './c2d/feedbackStore';
import { systemClock } from './clock';
import type { Clock, HubLogger, HubState, QueueEvent, SharedAccessPolicy } from './contracts';
import { FileD2cLog, type D2cLogOptions } from './d2c/d2cLog';
import { SqliteConsumerGroups } from './registry/consumerGroups';
import { SqliteDeviceRegistry } from './registry/deviceRegistry';
import { MessageRouter } from './routing/messageRouter';
import type { StorageFileWriter } from './routing/storageWriter';
import { acquireDataDirLock, type DataDirLock } from './state/dataDirLock';
import { loadOrCreatePolicies } from './state/policies';
import { SqliteStore } from './state/sqliteStore';
import { TypedEvents } from './state/typedEvents';

export interface OpenHubStateOptions {
  dataDir: string;
  /** Default 'local-hub'. Used as the feedback messages' user-id. */
  hubName?: string;
  /** D2C partitions when the data dir is new (default 4); an existing log keeps its count. */
  partitionCount?: number;
  /** D2C retention (default 1 day). */
  retentionMs?: number;
  clock?: Clock;
  /** Default C2D time to live (default 1 hour, capped at 48 hours). */
  c2dDefaultTtlMs?: number;
  /** C2D lock timeout (default 60 s). */
  c2dLockTimeoutMs?: number;
  /** Deliveries before a C2D message is dead-lettered (default 10, 1..100). */
  c2dMaxDeliveryCount?: number;
  /** Feedback batching window (default 1000 ms; IoT Hub uses about 15 s). */
  feedbackBatchMs?: number;
  log?: HubLogger;
  /** D2C segment file size (default 64 MB); tests use small values. */
  d2cSegmentBytes?: number;
  /** Tests: how storage endpoints write files (inject a failing disk). */
  storageFileWriter?: StorageFileWriter;
}

/** HubState plus the extras the hub process uses (all additive to the contract). */
export interface LocalHubState extends HubState {
  readonly dataDir: string;
  readonly registry: SqliteDeviceRegistry;
  readonly d2c: FileD2cLog;
  readonly c2d: SqliteC2dQueues;
  readonly feedback: SqliteFeedbackStore;
  readonly consumerGroups: SqliteConsumerGroups;
  /** Message routing: the D2C ingest (routes, custom endpoints), and the Event Hubs it serves. */
  readonly routing: MessageRouter;
  /** The policy with this name, if any. */
  policy(keyName: string): SharedAccessPolicy | undefined;
  /** Resolves when every write started so far (D2C and database) is durable and announced. */
  settled(): Promise<void>;
}

const silentLogger: HubLogger = { info() {}, warn() {}, error() {}, debug() {} };

export async function openHubState(options: OpenHubStateOptions): Promise<LocalHubState> {
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const hubName = options.hubName ?? 'local-hub';
  const dataDir = path.resolve(options.dataDir);
  const lock: DataDirLock = acquireDataDirLock(dataDir, log);
  let store: SqliteStore | undefined;
  let d2c: FileD2cLog | undefined;
  let routing: MessageRouter | undefined;
  try {
    store = SqliteStore.open(dataDir, log);
    const policies = loadOrCreatePolicies(store);
    const queueEvents = new TypedEvents<QueueEvent>(log);
    const registry = new SqliteDeviceRegistry(store, clock, log);
    const feedback = new SqliteFeedbackStore(store, clock, log, queueEvents, hubName, options.feedbackBatchMs ?? 1000);
    const c2dOptions: ConstructorParameters<typeof SqliteC2dQueues>[6] = {};
    if (options.c2dDefaultTtlMs !== undefined) c2dOptions.defaultTtlMs = options.c2dDefaultTtlMs;
    if (options.c2dLockTimeoutMs !== undefined) c2dOptions.lockTimeoutMs = options.c2dLockTimeoutMs;
    if (options.c2dMaxDeliveryCount !== undefined) c2dOptions.maxDeliveryCount = options.c2dMaxDeliveryCount;
    const c2d = new SqliteC2dQueues(store, {
      exists: (id) => registry.getRecord(id) !== undefined,
      generationId: (id) => registry.getRecord(id)?.generationId,
    }, feedback, queueEvents, clock, log, c2dOptions);
    registry.queueDepth = (id) => c2d.depth(id);
    registry.onDeviceDeleted = (id) => c2d.deleteDeviceQueue(id);
    const consumerGroups = new SqliteConsumerGroups(store, clock);
    const d2cOptions: D2cLogOptions = {
      dir: path.join(dataDir, 'd2c'),
      partitionCount: options.partitionCount ?? 4,
      retentionMs: options.retentionMs ?? 24 * 60 * 60 * 1000,
      clock,
      log,
    };
    if (options.d2cSegmentBytes !== undefined) d2cOptions.segmentBytes = options.d2cSegmentBytes;
    d2c = await FileD2cLog.open(d2cOptions);
    const openD2c = d2c;
    // A routes.json that is not valid stops the hub here, naming the file (nothing is changed).
    routing = await MessageRouter.open({
      dataDir, hubName, builtIn: openD2c, builtInConsumerGroups: () => consumerGroups.list(), registryEvents: registry.events, clock, log,
      retentionMs: d2cOptions.retentionMs,
      ...(options.storageFileWriter === undefined ? {} : { storageFileWriter: options.storageFileWriter }),
      ...(options.d2cSegmentBytes === undefined ? {} : { segmentBytes: options.d2cSegmentBytes }),
    });
    const openRouting = routing;
    const openStore = store;
    let closing: Promise<void> | undefined;
    log.info(`Hub state opened from ${dataDir}: ${registry.count} device(s), ${openD2c.partitionCount} D2C partitions`);
    return {
      hubName,
      dataDir,
      policies,
      registry,
      d2c: openD2c,
      c2d,
      feedback,
      consumerGroups,
      routing: openRouting,
      policy: (keyName) => policies.find((p) => p.keyName === keyName),
      async settled(): Promise<void> {
        await openD2c.drain();
        await openRouting.drain();
        await openStore.idle();
      },
      close(): Promise<void> {
        closing ??= (async () => {
          c2d.close();
          feedback.flushNow();
          feedback.close();
          await registry.close();
          await openRouting.close();
          await openD2c.close();
          await openStore.close();
          lock.release();
          log.info(`Hub state in ${dataDir} closed`);
        })();
        return closing;
      },
    };
  } catch (e) {
    await routing?.close().catch(() => undefined);
    await d2c?.close().catch(() => undefined);
    try {
      store?.closeNow();
    } catch {
      // reporting the original error matters more
    }
    lock.release();
    throw e;
  }
}
