// IoT Hub's built-in Event Hubs-compatible endpoint, locally: an AMQP 1.0 listener (rhea) that the
// real @azure/event-hubs EventHubConsumerClient reads D2C telemetry from with unchanged code.
// Plain TCP on loopback (what the SDK's `UseDevelopmentEmulator=true` expects); SASL ANONYMOUS,
// PLAIN or no SASL are all accepted because authorization happens per entity through CBS.
import * as net from 'node:net';
import { create_container, type Connection } from 'rhea';
import type { ConsumerGroups, D2cLog, HubLogger, SharedAccessPolicy } from '../contracts';
import { CbsAuthorizer } from './cbsAuthorizer';
import { eventHubsConnectionString, pickServicePolicy } from './connectionString';
import { EndpointConnection } from './endpointConnection';
import { OwnerLevels } from './ownerLevels';
import { acceptSocket, checkRheaInternals, clearRheaTimers } from './rheaInternals';
import { batchConnectionOutput } from './rheaOutputBatching';
import type { PartitionDelivery } from './partitionDelivery';

export const DEFAULT_EVENT_HUBS_PORT = 5672;
/** A client must finish the AMQP handshake (header, SASL, open) within this time. */
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;
/** We advertise this idle timeout; clients heartbeat at half of it, silent ones are dropped after twice it. */
const IDLE_TIMEOUT_MS = 120_000;

export interface EventHubsEndpointOptions {
  host: string;
  /** 0 picks an ephemeral port (tests). */
  port: number;
  hubName: string;
  d2c: D2cLog;
  policies: SharedAccessPolicy[];
  consumerGroups: ConsumerGroups;
  log: HubLogger;
  /** Reported as the Event Hub's created_at (default: now). */
  createdAt?: number;
  /** Time source for token expiry (default Date.now). */
  now?: () => number;
  /** A client must finish the AMQP handshake within this time (default 30 s). */
  handshakeTimeoutMs?: number;
}

export interface EventHubsEndpointStats {
  connections: number;
  /** Partition receivers currently delivering. */
  receivers: number;
  /** Events sent to receivers since the endpoint started. */
  eventsDelivered: number;
}

export interface EventHubsEndpoint {
  readonly port: number;
  stats(): EventHubsEndpointStats;
  /** `Endpoint=sb://localhost:{port}/;SharedAccessKeyName=...;SharedAccessKey=...;EntityPath={hub};UseDevelopmentEmulator=true` */
  connectionString(policyName?: string): string;
  close(): Promise<void>;
}

export async function startEventHubsEndpoint(options: EventHubsEndpointOptions): Promise<EventHubsEndpoint> {
  const { hubName, d2c, log } = options;
  const now = options.now ?? Date.now;
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  checkRheaInternals();
  const container = create_container({ id: `iot-hub-local-${hubName}` });
  container.sasl_server_mechanisms.enable_anonymous();
  // Some clients send PLAIN with the key name; CBS does the real check, so any credentials pass here.
  container.sasl_server_mechanisms.enable_plain(() => true);
  // rhea emits unhandled link/session errors on the container; an unhandled 'error' would crash the hub.
  container.on('error', (e: unknown) => log.debug(`Event Hubs endpoint: ${e instanceof Error ? e.message : String(e)}`));

  const deliveries = new Map<number, Set<PartitionDelivery>>();
  /** Events sent by receivers that have ended (live ones are summed from `deliveries`). */
  let deliveredByEnded = 0;
  const unsubscribe = d2c.onAppended((partition) => {
    const set = deliveries.get(partition);
    if (set !== undefined) for (const d of set) d.kick();
  });

  const shared = {
    hubName,
    createdAt: options.createdAt ?? now(),
    d2c,
    consumerGroups: options.consumerGroups,
    log,
    authorizer: new CbsAuthorizer(hubName, () => options.policies, now),
    ownerLevels: new OwnerLevels(),
    now,
    track(delivery: PartitionDelivery): () => void {
      const set = deliveries.get(delivery.partition) ?? new Set<PartitionDelivery>();
      deliveries.set(delivery.partition, set);
      set.add(delivery);
      return () => {
        if (set.delete(delivery)) deliveredByEnded += delivery.delivered;
      };
    },
  };

  const sockets = new Set<net.Socket>();
  const connections = new Set<EndpointConnection>();
  let nextId = 1;
  const server = net.createServer((socket) => {
    const label = `#${nextId++} (${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'})`;
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(handshakeTimeoutMs, () => {
      log.info(`Event Hubs endpoint ${label}: no AMQP handshake within ${handshakeTimeoutMs} ms; closing`);
      socket.destroy();
    });
    socket.on('error', (e) => log.debug(`Event Hubs endpoint ${label}: socket error: ${e.message}`));
    let connection: Connection;
    try {
      connection = container.create_connection({
        container_id: container.id,
        idle_time_out: IDLE_TIMEOUT_MS,
        properties: { product: 'iot-hub-local' },
      } as never);
    } catch (e) {
      log.error(`Event Hubs endpoint ${label}: ${e instanceof Error ? e.message : String(e)}`);
      socket.destroy();
      return;
    }
    batchConnectionOutput(connection);
    const served = new EndpointConnection(connection, shared, label);
    connections.add(served);
    connection.on('connection_open', () => {
      socket.setTimeout(0);
      log.debug(`Event Hubs endpoint ${label}: connection open`);
    });
    socket.on('close', () => {
      sockets.delete(socket);
      connections.delete(served);
      served.end('socket closed');
      clearRheaTimers(connection);
    });
    acceptSocket(connection, socket);
  });
  server.on('error', (e) => log.error(`Event Hubs endpoint: ${e.message}`));

  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(new Error(e.code === 'EADDRINUSE'
        ? `Cannot start the Event Hubs-compatible endpoint: ${options.host}:${options.port} is already in use. Stop the other program (another local hub or Event Hubs emulator?) or choose another port.`
        : `Cannot start the Event Hubs-compatible endpoint on ${options.host}:${options.port}: ${e.message}`));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(options.port, options.host);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  log.info(`Event Hubs-compatible endpoint listening on ${options.host}:${port} (AMQP, no TLS), Event Hub "${hubName}"`);

  let closing: Promise<void> | undefined;
  return {
    port,
    stats(): EventHubsEndpointStats {
      let receivers = 0;
      let live = 0;
      for (const set of deliveries.values()) {
        receivers += set.size;
        for (const d of set) live += d.delivered;
      }
      return { connections: connections.size, receivers, eventsDelivered: deliveredByEnded + live };
    },
    connectionString(policyName?: string): string {
      return eventHubsConnectionString({ host: 'localhost', port, hubName, policy: pickServicePolicy(options.policies, policyName) });
    },
    close(): Promise<void> {
      closing ??= (async () => {
        unsubscribe();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const c of connections) c.end('endpoint closing');
        for (const s of sockets) s.destroy();
        await closed;
        deliveries.clear();
      })();
      return closing;
    },
  };
}
