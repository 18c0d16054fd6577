// IoT Hub's built-in Event Hubs-compatible endpoint, locally: an AMQP 1.0 listener (rhea) that the
// real @azure/event-hubs EventHubConsumerClient reads D2C telemetry from with unchanged code.
// Plain TCP on loopback (what the SDK's `UseDevelopmentEmulator=true` expects); SASL ANONYMOUS,
// PLAIN or no SASL are all accepted because authorization happens per entity through CBS.
//
// The same machinery, with `tls` and `nodes`, is the IoT Hub service endpoint (src/hub/service):
// AMQP over TLS that also serves the Event Hubs entities (where its events redirect points), and
// `acceptStream` takes AMQP-over-WebSocket streams from the HTTPS port.
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { create_container, type Connection, type Container } from 'rhea';
import type { ConsumerGroups, D2cLog, HubLogger, SharedAccessPolicy } from '../contracts';
import { singleEntity, type EventHubEntities, type EventHubEntity } from './eventHubEntities';
import { CbsAuthorizer } from './cbsAuthorizer';
import { eventHubsConnectionString, pickServicePolicy } from './connectionString';
import { EndpointConnection, type ConnectionNodes, type ConnectionView } from './endpointConnection';
import { guardFrameSizes, MAX_INCOMING_FRAME_SIZE } from './frameSizeGuard';
import { OwnerLevels } from './ownerLevels';
import { acceptSocket, checkRheaInternals, clearRheaTimers } from './rheaInternals';
import { batchConnectionOutput } from './rheaOutputBatching';
import type { PartitionDelivery } from './partitionDelivery';
import { errorText } from '../../core/errorText';

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
  /**
   * Every Event Hub served (the built-in one named `hubName` with `d2c` and `consumerGroups`, and
   * routing's Event Hubs-style endpoints); default: the built-in one alone.
   */
  entities?: EventHubEntities;
  log: HubLogger;
  /** Reported as the Event Hub's created_at (default: now). */
  createdAt?: number;
  /** Time source for token expiry (default Date.now). */
  now?: () => number;
  /** A client must finish the AMQP handshake within this time (default 30 s). */
  handshakeTimeoutMs?: number;
}

/** The service endpoint's additions (src/hub/service/serviceEndpoint.ts). */
export interface AmqpEndpointExtras {
  /** How logs and errors name the endpoint. */
  name: string;
  /** Listen with TLS (the hub's server certificate). */
  tls?: { cert: string; key: string };
  authorizer: CbsAuthorizer;
  nodes: (view: ConnectionView) => ConnectionNodes;
  /**
   * SASL PLAIN: checks the password (a SAS token, as IoT Hub's samples send) and returns the claim
   * it grants, or undefined to fail the SASL exchange.
   */
  plainClaim(username: string, password: string): { path: string; expiresAt: number } | undefined;
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
  /** `Endpoint=sb://localhost:{port}/;SharedAccessKeyName=...;SharedAccessKey=...;EntityPath={hub};UseDevelopmentEmulator=true` (or another Event Hub's EntityPath). */
  connectionString(policyName?: string, eventHub?: string): string;
  /** Serves an AMQP connection arriving on another transport (AMQP over WebSocket from the HTTPS port). */
  acceptStream(stream: Duplex, label: string): void;
  close(): Promise<void>;
}

export function startEventHubsEndpoint(options: EventHubsEndpointOptions): Promise<EventHubsEndpoint> {
  return startAmqpEndpoint(options, undefined);
}

export async function startAmqpEndpoint(options: EventHubsEndpointOptions, extras: AmqpEndpointExtras | undefined): Promise<EventHubsEndpoint> {
  const { hubName, d2c, log } = options;
  const name = extras?.name ?? 'Event Hubs endpoint';
  const now = options.now ?? Date.now;
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  checkRheaInternals();
  const newContainer = (): Container => {
    const c = create_container({ id: `iot-hub-local-${hubName}` });
    c.sasl_server_mechanisms.enable_anonymous();
    // rhea emits unhandled link/session errors on the container; an unhandled 'error' would crash the hub.
    c.on('error', (e: unknown) => log.debug(`${name}: ${errorText(e)}`));
    return c;
  };
  const container = newContainer();
  // Some clients send PLAIN with the key name; CBS does the real check, so any credentials pass here.
  container.sasl_server_mechanisms.enable_plain(() => true);

  const entities = options.entities ?? singleEntity(hubName, d2c, options.consumerGroups, options.createdAt ?? now());
  /** Live deliveries per Event Hub log and partition. */
  const deliveries = new Map<D2cLog, Map<number, Set<PartitionDelivery>>>();
  /** Events sent by receivers that have ended (live ones are summed from `deliveries`). */
  let deliveredByEnded = 0;
  /** One onAppended subscription per Event Hub log, following routing's endpoints as they come and go. */
  const appendedSubscriptions = new Map<D2cLog, () => void>();
  const followEntities = (): void => {
    const logs = new Set(entities.list().map((e) => e.d2c));
    for (const [log_, off] of appendedSubscriptions) {
      if (!logs.has(log_)) {
        off();
        appendedSubscriptions.delete(log_);
      }
    }
    for (const log_ of logs) {
      if (appendedSubscriptions.has(log_)) continue;
      appendedSubscriptions.set(log_, log_.onAppended((partition) => {
        const set = deliveries.get(log_)?.get(partition);
        if (set !== undefined) for (const d of set) d.kick();
      }));
    }
  };
  followEntities();
  const unsubscribeEntities = entities.onChanged(followEntities);

  const shared = {
    entities,
    log,
    name,
    ...(extras === undefined ? {} : { nodes: extras.nodes }),
    authorizer: extras?.authorizer ?? new CbsAuthorizer(() => entities.list().map((e) => e.name), () => options.policies, now),
    ownerLevels: new OwnerLevels(),
    now,
    track(entity: EventHubEntity, delivery: PartitionDelivery): () => void {
      let perLog = deliveries.get(entity.d2c);
      if (perLog === undefined) {
        perLog = new Map();
        deliveries.set(entity.d2c, perLog);
      }
      const set = perLog.get(delivery.partition) ?? new Set<PartitionDelivery>();
      perLog.set(delivery.partition, set);
      set.add(delivery);
      return () => {
        if (set.delete(delivery)) deliveredByEnded += delivery.delivered;
      };
    },
  };

  const sockets = new Set<Duplex>();
  const connections = new Set<EndpointConnection>();
  let nextId = 1;

  /** Serves one client transport (TCP, TLS or WebSocket stream) as an AMQP connection. */
  const serve = (socket: Duplex, label: string): void => {
    sockets.add(socket);
    const timer = setTimeout(() => {
      log.info(`${name} ${label}: no AMQP handshake within ${handshakeTimeoutMs} ms; closing`);
      socket.destroy();
    }, handshakeTimeoutMs);
    timer.unref();
    socket.on('error', (e) => log.debug(`${name} ${label}: socket error: ${e.message}`));
    guardFrameSizes(socket, MAX_INCOMING_FRAME_SIZE, (announced) => {
      log.info(`${name} ${label}: a frame of ${announced} bytes announced (the limit is ${MAX_INCOMING_FRAME_SIZE}); closing`);
      socket.destroy();
    });
    const pendingClaims: { path: string; expiresAt: number }[] = [];
    // With SASL PLAIN checked (the service endpoint), each connection gets its own container so the
    // mechanism can hand the claim its password grants to this connection.
    let owner = container;
    if (extras !== undefined) {
      owner = newContainer();
      owner.sasl_server_mechanisms.enable_plain((username: string, password: string) => {
        const claim = extras.plainClaim(username, password);
        if (claim === undefined) {
          log.info(`${name} ${label}: SASL PLAIN refused for "${username.slice(0, 100)}" (the password must be a valid SAS token with ServiceConnect)`);
          return false;
        }
        pendingClaims.push(claim);
        return true;
      });
    }
    let connection: Connection;
    try {
      connection = owner.create_connection({
        container_id: container.id,
        idle_time_out: IDLE_TIMEOUT_MS,
        max_frame_size: MAX_INCOMING_FRAME_SIZE,
        // Settling is explicit: the service endpoint accepts a C2D message only once it is durable.
        autoaccept: false,
        properties: { product: 'iot-hub-local' },
      } as never);
    } catch (e) {
      log.error(`${name} ${label}: ${errorText(e)}`);
      socket.destroy();
      return;
    }
    batchConnectionOutput(connection);
    const endpointConnection = new EndpointConnection(connection, shared, label);
    connections.add(endpointConnection);
    connection.on('connection_open', () => {
      clearTimeout(timer);
      for (const c of pendingClaims.splice(0)) endpointConnection.addClaim(c.path, c.expiresAt);
      log.debug(`${name} ${label}: connection open`);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      sockets.delete(socket);
      connections.delete(endpointConnection);
      endpointConnection.end('socket closed');
      clearRheaTimers(connection);
    });
    acceptSocket(connection, socket);
  };

  const onSocket = (socket: net.Socket): void => {
    socket.setNoDelay(true);
    serve(socket, `#${nextId++} (${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'})`);
  };
  const server: net.Server = extras?.tls === undefined
    ? net.createServer(onSocket)
    : tls.createServer({ cert: extras.tls.cert, key: extras.tls.key, minVersion: 'TLSv1.2' }, onSocket);
  if (extras?.tls !== undefined) server.on('tlsClientError', (e: Error) => log.debug(`${name}: TLS handshake failed: ${e.message}`));
  server.on('error', (e) => log.error(`${name}: ${e.message}`));

  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      const what = extras === undefined ? 'the Event Hubs-compatible endpoint' : `the ${name}`;
      const error = new Error(e.code === 'EADDRINUSE'
        ? `Cannot start ${what}: ${options.host}:${options.port} is already in use. Stop the other program (another local hub or Event Hubs emulator?) or choose another port.`
        : `Cannot start ${what} on ${options.host}:${options.port}: ${e.message}`, { cause: e });
      (error as NodeJS.ErrnoException).code = e.code;
      reject(error);
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
  log.info(extras === undefined
    ? `Event Hubs-compatible endpoint listening on ${options.host}:${port} (AMQP, no TLS), Event Hub "${hubName}"`
    : `${name} listening on ${options.host}:${port} (AMQP${extras.tls === undefined ? '' : ' over TLS'})`);

  let closing: Promise<void> | undefined;
  return {
    port,
    stats(): EventHubsEndpointStats {
      let receivers = 0;
      let live = 0;
      for (const perLog of deliveries.values()) {
        for (const set of perLog.values()) {
          receivers += set.size;
          for (const d of set) live += d.delivered;
        }
      }
      return { connections: connections.size, receivers, eventsDelivered: deliveredByEnded + live };
    },
    connectionString(policyName?: string, eventHub?: string): string {
      return eventHubsConnectionString({ host: 'localhost', port, hubName: eventHub ?? hubName, policy: pickServicePolicy(options.policies, policyName) });
    },
    acceptStream(stream: Duplex, label: string): void {
      if (closing !== undefined) {
        stream.destroy();
        return;
      }
      serve(stream, `#${nextId++} ${label}`);
    },
    close(): Promise<void> {
      closing ??= (async () => {
        unsubscribeEntities();
        for (const off of appendedSubscriptions.values()) off();
        appendedSubscriptions.clear();
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
