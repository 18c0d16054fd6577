// The hub's HTTPS port (IoT Hub's 443): IoT Hub-shaped REST (registry, device-facing C2D and D2C),
// the local management API under /local/, and WebSockets at /$iothub/websocket (MQTT for devices
// under the `mqtt` subprotocol, AMQP for the service SDK under `AMQPWSB10`) and
// /$servicebus/websocket (AMQP for Event Hubs clients). The same API can listen on a second port
// (`listenAlso`: IoT Hub's 443 beside the configured one). Plain node:https; routing is a handful
// of regexes (no framework needed).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Clock, HubLogger, HubState } from '../contracts';
import { writeError } from './apiErrors';
import { addDeviceRoutes } from './deviceRoutes';
import { Router, type RouteContext } from './httpUtil';
import type { HubInfoJson } from './jsonShapes';
import { addLocalRoutes } from './localRoutes';
import { addRegistryRoutes } from './registryRoutes';
import { addServiceRoutes } from '../service/serviceRoutes';
import { addRoutingRoutes } from './routingRoutes';
import type { MessageRouter } from '../routing/messageRouter';
import { authenticateRequest, type Principal } from './requestAuth';
import type { SseStream } from './sse';
import { errorDetail } from '../../core/errorText';

/** The whole request (headers and body) must arrive within this. */
export const REQUEST_TIMEOUT_MS = 60_000;
/** A socket with no traffic either way for this long is closed (not an SSE stream's). */
export const IDLE_SOCKET_TIMEOUT_MS = 120_000;

export const WEBSOCKET_PATH = '/$iothub/websocket';
/** Where @azure/event-hubs opens AMQP over WebSocket (`webSocketEndpointPath`). */
export const SERVICEBUS_WEBSOCKET_PATH = '/$servicebus/websocket';
const AMQP_WS_PROTOCOL = 'AMQPWSB10';

export interface ApiServerOptions {
  hub: HubState;
  tls: { cert: string; key: string };
  host: string;
  port: number;
  clock: Clock;
  log: HubLogger;
  /** Message routing, configured under /local/routing, /local/routes, /local/endpoints, /local/enrichments. */
  routing?: MessageRouter;
  /** Hands an MQTT-over-WebSocket stream to the device broker. */
  handleMqttStream(stream: Duplex): void;
  /** Hands an AMQP-over-WebSocket stream to the service endpoint; absent when it is off. */
  handleAmqpStream?: (stream: Duplex, label: string) => void;
  info(): Omit<HubInfoJson, 'deviceCount' | 'partitionCount' | 'partitions' | 'consumerGroups'>;
  /** Overrides REQUEST_TIMEOUT_MS and IDLE_SOCKET_TIMEOUT_MS (tests use short ones). */
  timeouts?: { requestMs: number; idleSocketMs: number };
}

export interface ApiServer {
  readonly port: number;
  /** Serves the same API on another port too (IoT Hub's 443); resolves with the port. */
  listenAlso(port: number): Promise<number>;
  close(): Promise<void>;
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { hub, log, clock } = options;
  const router = new Router();
  const streams = new Set<SseStream>();
  addRegistryRoutes(router, hub);
  addServiceRoutes(router, hub);
  addDeviceRoutes(router, hub, options.routing ?? hub.d2c);
  const stopLocalRoutes = addLocalRoutes(router, { hub, clock, info: options.info, streams, ...(options.routing === undefined ? {} : { routing: options.routing }) });
  if (options.routing !== undefined) addRoutingRoutes(router, options.routing);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const trackingId = randomUUID().replace(/-/g, '');
    try {
      const url = new URL(req.url ?? '/', 'https://localhost');
      const { handler, params } = router.match(req.method ?? 'GET', url.pathname);
      let principal: Principal | undefined;
      const ctx: RouteContext = {
        req,
        res,
        params,
        query: url.searchParams,
        principal: () => (principal ??= authenticateRequest(req, { policies: hub.policies, getDevice: (id) => hub.registry.get(id), now: clock.now() })),
      };
      await handler(ctx);
    } catch (e) {
      if (!(e instanceof Error && e.name === 'HubError')) log.error(`${req.method ?? '?'} ${req.url ?? ''} failed: ${errorDetail(e)}`);
      else log.debug(`${req.method ?? '?'} ${(req.url ?? '').slice(0, 200)}: ${e.message}`);
      writeError(res, e, trackingId);
    }
  }

  const sockets = new Set<Socket>();
  const wss = new WebSocketServer({
    noServer: true,
    // IoT Hub's WebSocket endpoint speaks MQTT under `mqtt` and AMQP under `AMQPWSB10`.
    handleProtocols: (protocols) => (protocols.has(AMQP_WS_PROTOCOL) && options.handleAmqpStream !== undefined
      ? AMQP_WS_PROTOCOL
      : protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
    maxPayload: 2 * 1024 * 1024,
  });
  let nextWs = 1;
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = new URL(req.url ?? '/', 'https://localhost').pathname;
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const amqp = offered.includes(AMQP_WS_PROTOCOL);
    if (path !== WEBSOCKET_PATH && !(path === SERVICEBUS_WEBSOCKET_PATH && amqp)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    if (amqp && options.handleAmqpStream === undefined) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nThe hub runs without its service AMQP endpoint (--service-port off).');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const stream = createWebSocketStream(ws);
      if (ws.protocol === AMQP_WS_PROTOCOL && options.handleAmqpStream !== undefined) {
        stream.on('error', (e) => log.debug(`AMQP over WebSocket: ${e.message}`));
        options.handleAmqpStream(stream, `(WebSocket ${path} #${nextWs++})`);
        return;
      }
      stream.on('error', (e) => log.debug(`MQTT over WebSocket: ${e.message}`));
      options.handleMqttStream(stream);
    });
  };

  const servers: Server[] = [];
  const listen = async (port: number): Promise<number> => {
    const server: Server = createServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' }, (req, res) => {
      void handle(req, res);
    });
    // Ordinary requests keep timeouts: the whole request must arrive within 60 s (a message body is
    // at most 256 KB) and a socket idle for 2 minutes is closed. SSE streams lift the idle timeout
    // on their own socket (sse.ts); WebSocket upgrades leave the HTTP server's handling.
    server.requestTimeout = options.timeouts?.requestMs ?? REQUEST_TIMEOUT_MS;
    server.headersTimeout = Math.min(30_000, server.requestTimeout);
    server.setTimeout(options.timeouts?.idleSocketMs ?? IDLE_SOCKET_TIMEOUT_MS);
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    server.on('tlsClientError', (e) => log.debug(`HTTPS TLS handshake failed: ${e.message}`));
    server.on('upgrade', onUpgrade);
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      server.once('error', onError);
      server.listen(port, options.host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (e) => log.error(`HTTPS server error: ${e.message}`));
    servers.push(server);
    const address = server.address();
    return typeof address === 'object' && address !== null ? address.port : port;
  };
  const port = await listen(options.port);

  return {
    port,
    listenAlso: listen,
    async close(): Promise<void> {
      stopLocalRoutes();
      for (const s of streams) s.end();
      for (const client of wss.clients) client.terminate();
      wss.close();
      const closed = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
      for (const server of servers) server.closeIdleConnections();
      for (const s of sockets) s.destroy();
      await Promise.all(closed);
    },
  };
}

