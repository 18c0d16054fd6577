// The hub's HTTPS port (IoT Hub's 443): IoT Hub-shaped REST (registry, device-facing C2D and D2C),
// the local management API under /local/, and MQTT over WebSocket at /$iothub/websocket, all on
// one TLS listener. Plain node:https; routing is a handful of regexes (no framework needed).
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
import { authenticateRequest, type Principal } from './requestAuth';
import type { SseStream } from './sse';

export const WEBSOCKET_PATH = '/$iothub/websocket';

export interface ApiServerOptions {
  hub: HubState;
  tls: { cert: string; key: string };
  host: string;
  port: number;
  clock: Clock;
  log: HubLogger;
  /** Hands an MQTT-over-WebSocket stream to the device broker. */
  handleMqttStream(stream: Duplex): void;
  info(): Omit<HubInfoJson, 'deviceCount' | 'partitionCount' | 'partitions' | 'consumerGroups'>;
}

export interface ApiServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { hub, log, clock } = options;
  const router = new Router();
  const streams = new Set<SseStream>();
  addRegistryRoutes(router, hub);
  addDeviceRoutes(router, hub);
  const stopLocalRoutes = addLocalRoutes(router, { hub, clock, info: options.info, streams });

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
      if (!(e instanceof Error && e.name === 'HubError')) log.error(`${req.method ?? '?'} ${req.url ?? ''} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      else log.debug(`${req.method ?? '?'} ${(req.url ?? '').slice(0, 200)}: ${e.message}`);
      writeError(res, e, trackingId);
    }
  }

  const server: Server = createServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' }, (req, res) => {
    void handle(req, res);
  });
  // Long-lived SSE and WebSocket connections: no request timeout; idle keep-alive sockets still close.
  server.requestTimeout = 0;
  server.headersTimeout = 30_000;
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', (e) => log.debug(`HTTPS TLS handshake failed: ${e.message}`));

  const wss = new WebSocketServer({
    noServer: true,
    // IoT Hub's WebSocket endpoint speaks MQTT under the `mqtt` subprotocol.
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
    maxPayload: 2 * 1024 * 1024,
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'https://localhost').pathname;
    if (path !== WEBSOCKET_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const stream = createWebSocketStream(ws);
      stream.on('error', (e) => log.debug(`MQTT over WebSocket: ${e.message}`));
      options.handleMqttStream(stream);
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (e) => log.error(`HTTPS server error: ${e.message}`));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;

  return {
    port,
    async close(): Promise<void> {
      stopLocalRoutes();
      for (const s of streams) s.end();
      for (const client of wss.clients) client.terminate();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

