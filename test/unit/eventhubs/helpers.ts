// Shared helpers for the Event Hubs endpoint tests: a real hub state (openHubState in a temp data
// dir, so the real D2C log) with the endpoint on an ephemeral port, torn down by `close()`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EventHubConsumerClient, type ReceivedEventData, type Subscription, type SubscribeOptions, type SubscriptionEventHandlers,
} from '@azure/event-hubs';
import type { D2cAppend, D2cEvent, HubLogger } from '../../../src/hub/contracts';
import { startEventHubsEndpoint, type EventHubsEndpoint } from '../../../src/hub/eventhubs/endpoint';
import { openHubState, type LocalHubState } from '../../../src/hub/openHubState';

export interface CapturedLog extends HubLogger {
  lines: { level: string; message: string }[];
  text(): string;
}

export function captureLogger(): CapturedLog {
  const lines: { level: string; message: string }[] = [];
  const add = (level: string) => (message: string): void => {
    lines.push({ level, message });
  };
  return {
    lines,
    info: add('info'),
    warn: add('warn'),
    error: add('error'),
    debug: add('debug'),
    text: () => lines.map((l) => `${l.level}: ${l.message}`).join('\n'),
  };
}

export interface TestHub {
  state: LocalHubState;
  endpoint: EventHubsEndpoint;
  log: CapturedLog;
  hubName: string;
  connectionString(policyName?: string): string;
  append(deviceId: string, body: string, extra?: Partial<D2cAppend>): Promise<D2cEvent>;
  /** A consumer client that `close()` closes. */
  client(consumerGroup?: string, connectionString?: string): EventHubConsumerClient;
  close(): Promise<void>;
}

export async function startTestHub(options: { hubName?: string; partitionCount?: number; handshakeTimeoutMs?: number } = {}): Promise<TestHub> {
  const dir = mkdtempSync(join(tmpdir(), 'eventhubs-'));
  const log = captureLogger();
  const hubName = options.hubName ?? 'test-hub';
  const state = await openHubState({ dataDir: dir, hubName, partitionCount: options.partitionCount ?? 4, log });
  let endpoint: EventHubsEndpoint;
  try {
    endpoint = await startEventHubsEndpoint({
      host: '127.0.0.1',
      port: 0,
      hubName,
      d2c: state.d2c,
      policies: state.policies,
      consumerGroups: state.consumerGroups,
      log,
      ...(options.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: options.handshakeTimeoutMs }),
    });
  } catch (e) {
    await state.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const clients: EventHubConsumerClient[] = [];
  return {
    state,
    endpoint,
    log,
    hubName,
    connectionString: (policyName) => endpoint.connectionString(policyName),
    append: (deviceId, body, extra = {}) => state.d2c.append({
      deviceId,
      systemProperties: {},
      applicationProperties: [],
      body: new TextEncoder().encode(body),
      ...extra,
    }),
    client(consumerGroup = '$Default', connectionString = endpoint.connectionString()) {
      const c = new EventHubConsumerClient(consumerGroup, connectionString, { retryOptions: { maxRetries: 1, retryDelayInMs: 200, timeoutInMs: 10_000 } });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) await c.close().catch(() => undefined);
      await endpoint.close();
      await state.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Subscribes and resolves once `count` events arrived (or rejects on timeout / an error). */
export function collect(
  subscribe: (handlers: SubscriptionEventHandlers, options: SubscribeOptions) => Subscription,
  count: number,
  options: SubscribeOptions = {},
  timeoutMs = 15_000,
): Promise<{ events: ReceivedEventData[]; partitions: string[]; errors: Error[]; subscription: Subscription }> {
  return new Promise((resolve, reject) => {
    const events: ReceivedEventData[] = [];
    const partitions: string[] = [];
    const errors: Error[] = [];
    let done = false;
    const finish = (e?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (e) reject(e);
      else resolve({ events, partitions, errors, subscription });
    };
    const timer = setTimeout(() => finish(new Error(`timed out with ${events.length}/${count} events; errors: ${errors.map((x) => x.message).join('; ')}`)), timeoutMs);
    const subscription = subscribe({
      processEvents: async (batch, ctx) => {
        for (const ev of batch) {
          events.push(ev);
          partitions.push(ctx.partitionId);
        }
        if (events.length >= count) finish();
      },
      processError: async (err) => {
        errors.push(err);
      },
    }, { maxWaitTimeInSeconds: 1, ...options });
    if (count === 0) setTimeout(() => finish(), 10);
  });
}

/**
 * A quiet window, for assertions that something does NOT happen (no event beyond the credit, no
 * repeat, delivery stays paused): the window is part of what is asserted. To wait for something
 * to happen, use waitFor.
 */
export function quietFor(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits until `predicate` holds (polling), or throws after timeoutMs. */
export async function waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
