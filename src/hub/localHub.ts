// The local IoT Hub process: opens the durable state from a data dir and starts its front doors
// (MQTT over TLS, the HTTPS port with REST + management API + MQTT over WebSocket, and the Event
// Hubs-compatible AMQP endpoint). Writes DATA_DIR/connection.json once everything is listening.
// Loopback only unless the caller explicitly allows remote binding.
import * as fs from 'node:fs';
import type { Socket } from 'node:net';
import * as path from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { formatDeviceConnectionString, formatHubConnectionString } from '../core/auth/connectionString';
import { systemClock } from './clock';
import type { Clock, HubLogger, SharedAccessPolicy } from './contracts';
import { startEventHubsEndpoint, type EventHubsEndpoint } from './eventhubs/endpoint';
import { startApiServer, WEBSOCKET_PATH, type ApiServer } from './http/apiServer';
import { DEFAULT_SERVICE_AMQP_PORT, startServiceEndpoint, type ServiceEndpoint } from './service/serviceEndpoint';
import { API_VERSION } from './http/jsonShapes';
import { startDeviceBroker, type DeviceBroker } from './mqtt/deviceBroker';
import { openHubState, type LocalHubState } from './openHubState';
import { CONNECTION_FILE } from './client/connectionFile';
import type { StorageFileWriter } from './routing/storageWriter';
import { ensureTlsMaterial } from './tls/localCa';
import { PRODUCT_VERSION } from '../version';
import { toError } from '../core/errorText';
import { isLoopbackAddress, remoteAccessWarning } from './bindHost';
import { writeFileAtomicSync } from './state/atomicWrite';

/** DATA_DIR/connection.json (named once, in client/connectionFile.ts). */
export const CONNECTION_FILE_NAME = CONNECTION_FILE;
export const DEFAULT_MQTT_PORT = 8883;
export const DEFAULT_API_PORT = 8443;
export const DEFAULT_AMQP_PORT = 5672;
/** IoT Hub's HTTPS port: azure-iothub's Registry and its WebSocket transports always dial it. */
export const DEFAULT_HTTPS_PORT = 443;
/** The host name devices and tools use: the server certificate is valid for it (and the loopback IPs). */
export const LOCAL_HOST_NAME = 'localhost';
export const HUB_VERSION = PRODUCT_VERSION;

export interface LocalHubOptions {
  dataDir: string;
  /** The HTTPS API's request and idle-socket timeouts (defaults in http/apiServer.ts; tests shorten them). */
  apiTimeouts?: { requestMs: number; idleSocketMs: number };
  /** Bind address; default 127.0.0.1. Anything not loopback needs `allowRemote`. */
  host?: string;
  allowRemote?: boolean;
  /** 0 picks a free port (tests). */
  mqttPort?: number;
  apiPort?: number;
  /** `false` disables the Event Hubs-compatible endpoint. */
  amqpPort?: number | false;
  /** IoT Hub's service AMQP endpoint over TLS (the CLI's default is 5671); off when absent or false. */
  serviceAmqpPort?: number | false;
  /** The HTTPS API also on this port (the CLI's default is IoT Hub's 443); off when absent or false. */
  httpsPort?: number | false;
  /**
   * Listeners that may fail to bind (the CLI's default standard ports): the hub then runs without
   * them and logs a warning with the fix, instead of failing to start.
   */
  optionalListeners?: readonly ('serviceAmqp' | 'https')[];
  hubName?: string;
  partitions?: number;
  retentionMs?: number;
  clock?: Clock;
  log?: HubLogger;
  /** Passed through to the durable state (lifecycle tests use short values). */
  c2dLockTimeoutMs?: number;
  c2dMaxDeliveryCount?: number;
  c2dDefaultTtlMs?: number;
  feedbackBatchMs?: number;
  /** Tests: how storage endpoints write files (inject a failing disk). */
  storageFileWriter?: StorageFileWriter;
}

export interface ServiceInfoJson {
  /** AMQP over TLS for azure-iothub's Client (C2D, feedback) and Event Hubs clients (TLS). */
  amqpPort?: number;
  /** The HTTPS API on IoT Hub's port (443), where azure-iothub's Registry and AmqpWs dial. */
  httpsPort?: number;
  /**
   * iothubowner for azure-iothub: `HostName=localhost` when the service listeners are on 5671
   * (and 443), else `HostName=localhost:{amqpPort}` (the Client's AMQP transport honours the port).
   */
  connectionString: string;
  /** Event Hubs connection string to the TLS endpoint (where IoT Hub's events redirect leads). */
  eventHubsConnectionString?: string;
}

/** What DATA_DIR/connection.json holds (it contains the owner key: mode 0600). */
export interface ConnectionInfoJson {
  hubName: string;
  /** Host name to connect to (the certificate's name). */
  hostName: string;
  /** Address the listeners are bound to. */
  bindAddress: string;
  pid: number;
  startedAt: string;
  dataDir: string;
  caCertPath: string;
  apiVersion: string;
  mqtt: { port: number; url: string };
  api: { port: number; url: string; websocketUrl: string };
  amqp?: { port: number; eventHubsConnectionString: string };
  /** IoT Hub's service side (azure-iothub Client and Registry); absent when neither listener runs. */
  service?: ServiceInfoJson;
  /** iothubowner: registry read/write, service and device connect. `HostName` carries the API port. */
  hubConnectionString: string;
  /** `HostName=...;DeviceId={deviceId};SharedAccessKey={key}`: fill in a device's id and key. */
  deviceConnectionStringTemplate: string;
}

export interface ConnectionInfo extends ConnectionInfoJson {
  /** The connection string of a registered device (primary key), for the MQTT transports. */
  deviceConnectionString(deviceId: string): string;
  /** The Event Hubs-compatible connection string for a policy (default `service`), of the built-in Event Hub or another one (a routing endpoint's entity path). */
  eventHubsConnectionString(policyName?: string, eventHub?: string): string | undefined;
}

export interface LocalHub {
  readonly hubState: LocalHubState;
  readonly connectionInfo: ConnectionInfo;
  readonly broker: DeviceBroker;
  close(): Promise<void>;
}

const silentLogger: HubLogger = { info() {}, warn() {}, error() {}, debug() {} };


/** `localhost` plus `:port` unless it is the protocol's default (so default setups look like IoT Hub). */
function hostWithPort(port: number, defaultPort: number): string {
  return port === defaultPort ? LOCAL_HOST_NAME : `${LOCAL_HOST_NAME}:${port}`;
}

function ownerPolicy(policies: readonly SharedAccessPolicy[]): SharedAccessPolicy {
  const p = policies.find((x) => x.keyName === 'iothubowner')
    ?? policies.find((x) => ['RegistryRead', 'RegistryWrite', 'ServiceConnect'].every((r) => x.rights.includes(r as SharedAccessPolicy['rights'][number])));
  if (p === undefined) throw new Error('The hub has no policy with registry and service rights (iothubowner is missing from the data dir).');
  return p;
}

function writeConnectionFile(dataDir: string, info: ConnectionInfoJson): string {
  const file = path.join(dataDir, CONNECTION_FILE_NAME);
  writeFileAtomicSync(file, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  return file;
}

async function listenTls(server: TlsServer, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const a = server.address();
  return typeof a === 'object' && a !== null ? a.port : port;
}

function describeListenError(e: unknown, what: string, port: number, host: string): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new Error(`The ${what} port ${port} on ${host} is already in use (another hub or broker?). Choose another port.`, { cause: e });
  if (code === 'EACCES') {
    return new Error(`Not allowed to listen on the ${what} port ${port} on ${host}: ports below 1024 need privileges. ` +
      'Run the hub as administrator (root), or let Node bind them (Linux: sudo setcap cap_net_bind_service=+ep "$(readlink -f "$(command -v node)")", ' +
      `or lower the limit: sudo sysctl net.ipv4.ip_unprivileged_port_start=${port}), or choose another port.`, { cause: e });
  }
  if (code === 'EADDRNOTAVAIL') return new Error(`Cannot bind the ${what} port to ${host}: no such local address.`, { cause: e });
  return toError(e);
}

export async function startLocalHub(options: LocalHubOptions): Promise<LocalHub> {
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackAddress(host)) {
    if (options.allowRemote !== true) {
      throw new Error(`Refusing to bind the local hub to ${host}: it is not a loopback address. Pass --allow-remote (allowRemote: true) if you really want other machines to reach it.`);
    }
    // MQTT and HTTPS are TLS; the Event Hubs-compatible endpoint is plain AMQP (as Event Hubs emulators are).
    log.warn(remoteAccessWarning(host, options.amqpPort !== false));
  }
  const dataDir = path.resolve(options.dataDir);
  const stateOptions: Parameters<typeof openHubState>[0] = { dataDir, clock, log };
  if (options.hubName !== undefined) stateOptions.hubName = options.hubName;
  if (options.partitions !== undefined) stateOptions.partitionCount = options.partitions;
  if (options.retentionMs !== undefined) stateOptions.retentionMs = options.retentionMs;
  if (options.c2dLockTimeoutMs !== undefined) stateOptions.c2dLockTimeoutMs = options.c2dLockTimeoutMs;
  if (options.c2dMaxDeliveryCount !== undefined) stateOptions.c2dMaxDeliveryCount = options.c2dMaxDeliveryCount;
  if (options.c2dDefaultTtlMs !== undefined) stateOptions.c2dDefaultTtlMs = options.c2dDefaultTtlMs;
  if (options.feedbackBatchMs !== undefined) stateOptions.feedbackBatchMs = options.feedbackBatchMs;
  if (options.storageFileWriter !== undefined) stateOptions.storageFileWriter = options.storageFileWriter;
  const hubState = await openHubState(stateOptions);

  let broker: DeviceBroker | undefined;
  let mqttServer: TlsServer | undefined;
  let api: ApiServer | undefined;
  let eventHubs: EventHubsEndpoint | undefined;
  let service: ServiceEndpoint | undefined;
  const mqttSockets = new Set<Socket>();
  const startedAt = new Date(clock.now()).toISOString();

  const shutdown = async (): Promise<void> => {
    // Stop accepting first, then drop devices (their in-flight C2D is abandoned), then close the state.
    const stops: Promise<unknown>[] = [];
    if (mqttServer !== undefined) {
      const s = mqttServer;
      stops.push(new Promise<void>((resolve) => s.close(() => resolve())));
    }
    if (api !== undefined) stops.push(api.close());
    if (eventHubs !== undefined) stops.push(eventHubs.close());
    if (service !== undefined) stops.push(service.close());
    if (broker !== undefined) stops.push(broker.close());
    for (const s of mqttSockets) s.destroy();
    const results = await Promise.allSettled(stops);
    for (const r of results) if (r.status === 'rejected') log.warn(`While stopping the hub: ${String(r.reason)}`);
    await hubState.close();
  };

  try {
    const tls = ensureTlsMaterial(dataDir, hubState.hubName, log);
    broker = await startDeviceBroker({ hubState, clock, log, d2cSink: hubState.routing });
    const deviceBroker = broker;

    mqttServer = createTlsServer({ cert: tls.serverCertPem, key: tls.serverKeyPem, minVersion: 'TLSv1.2' }, (socket: TLSSocket) => {
      mqttSockets.add(socket);
      socket.on('close', () => mqttSockets.delete(socket));
      socket.on('error', (e) => log.debug(`MQTT socket: ${e.message}`));
      deviceBroker.handle(socket);
    });
    mqttServer.on('tlsClientError', (e) => log.debug(`MQTT TLS handshake failed: ${e.message}`));
    const mqttPortWanted = options.mqttPort ?? DEFAULT_MQTT_PORT;
    let mqttPort: number;
    try {
      mqttPort = await listenTls(mqttServer, mqttPortWanted, host);
    } catch (e) {
      throw describeListenError(e, 'MQTT', mqttPortWanted, host);
    }

    const optional = new Set(options.optionalListeners ?? []);
    /** Binds an optional standard-port listener; undefined (with a warning naming the fix) when it may not. */
    const bindOptional = async <T>(which: 'serviceAmqp' | 'https', what: string, port: number, bind: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await bind();
      } catch (e) {
        const error = describeListenError(e, what, port, host);
        if (!optional.has(which)) throw error;
        log.warn(`${error.message} The hub runs without it.`);
        return undefined;
      }
    };
    if (options.serviceAmqpPort !== undefined && options.serviceAmqpPort !== false) {
      const wanted = options.serviceAmqpPort;
      service = await bindOptional('serviceAmqp', 'service AMQP', wanted, () => startServiceEndpoint({
        host, port: wanted, hub: hubState, tls: { cert: tls.serverCertPem, key: tls.serverKeyPem }, log, now: () => clock.now(),
      }));
    }
    const serviceEndpoint = service;

    let amqpPort: number | undefined;
    let httpsPort: number | undefined;
    const apiPortWanted = options.apiPort ?? DEFAULT_API_PORT;
    const info = (): { hubName: string; hostName: string; version: string; pid: number; startedAt: string; connectedDevices: number; ports: { mqtt: number; api: number; amqp?: number; serviceAmqp?: number; https?: number } } => {
      const ports: { mqtt: number; api: number; amqp?: number; serviceAmqp?: number; https?: number } = { mqtt: mqttPort, api: api?.port ?? apiPortWanted };
      if (amqpPort !== undefined) ports.amqp = amqpPort;
      if (serviceEndpoint !== undefined) ports.serviceAmqp = serviceEndpoint.port;
      if (httpsPort !== undefined) ports.https = httpsPort;
      return { hubName: hubState.hubName, hostName: LOCAL_HOST_NAME, version: HUB_VERSION, pid: process.pid, startedAt, connectedDevices: deviceBroker.connectedDevices, ports };
    };
    try {
      api = await startApiServer({
        hub: hubState, tls: { cert: tls.serverCertPem, key: tls.serverKeyPem }, host, port: apiPortWanted, clock, log, routing: hubState.routing,
        handleMqttStream: (stream) => deviceBroker.handle(stream),
        ...(serviceEndpoint === undefined ? {} : { handleAmqpStream: (stream, label) => serviceEndpoint.acceptStream(stream, label) }),
        info,
        ...(options.apiTimeouts === undefined ? {} : { timeouts: options.apiTimeouts }),
      });
    } catch (e) {
      throw describeListenError(e, 'HTTPS API', apiPortWanted, host);
    }
    const apiServer = api;
    if (options.httpsPort !== undefined && options.httpsPort !== false && options.httpsPort !== api.port) {
      const wanted = options.httpsPort;
      httpsPort = await bindOptional('https', 'HTTPS (IoT Hub\'s 443)', wanted, () => apiServer.listenAlso(wanted));
    }

    if (options.amqpPort !== false) {
      const wanted = options.amqpPort ?? DEFAULT_AMQP_PORT;
      try {
        eventHubs = await startEventHubsEndpoint({
          host, port: wanted, hubName: hubState.hubName, d2c: hubState.d2c, policies: hubState.policies,
          consumerGroups: hubState.consumerGroups, entities: hubState.routing, log,
        });
      } catch (e) {
        throw describeListenError(e, 'AMQP (Event Hubs-compatible)', wanted, host);
      }
      amqpPort = eventHubs.port;
    }

    const owner = ownerPolicy(hubState.policies);
    const mqttHost = hostWithPort(mqttPort, DEFAULT_MQTT_PORT);
    // On 443 (IoT Hub's port) the host carries no port, so azure-iothub's Registry can use it as is.
    const apiHost = hostWithPort(api.port, 443);
    const json: ConnectionInfoJson = {
      hubName: hubState.hubName,
      hostName: LOCAL_HOST_NAME,
      bindAddress: host,
      pid: process.pid,
      startedAt,
      dataDir,
      caCertPath: tls.caCertPath,
      apiVersion: API_VERSION,
      mqtt: { port: mqttPort, url: `mqtts://${LOCAL_HOST_NAME}:${mqttPort}` },
      api: { port: api.port, url: `https://${apiHost}`, websocketUrl: `wss://${apiHost}${WEBSOCKET_PATH}` },
      hubConnectionString: formatHubConnectionString({ hostName: apiHost, sharedAccessKeyName: owner.keyName, sharedAccessKey: owner.primaryKey }),
      deviceConnectionStringTemplate: `HostName=${mqttHost};DeviceId={deviceId};SharedAccessKey={key}`,
    };
    const endpoint = eventHubs;
    if (endpoint !== undefined && amqpPort !== undefined) json.amqp = { port: amqpPort, eventHubsConnectionString: endpoint.connectionString() };
    if (serviceEndpoint !== undefined || httpsPort !== undefined) {
      const servicePort = serviceEndpoint?.port;
      // The SDK's Client dials HostName's port (5671 when none); its Registry always dials 443.
      const sdkHost = servicePort === undefined ? hostWithPort(httpsPort ?? api.port, 443) : hostWithPort(servicePort, DEFAULT_SERVICE_AMQP_PORT);
      json.service = {
        connectionString: formatHubConnectionString({ hostName: sdkHost, sharedAccessKeyName: owner.keyName, sharedAccessKey: owner.primaryKey }),
      };
      if (servicePort !== undefined) json.service.amqpPort = servicePort;
      if (httpsPort !== undefined) json.service.httpsPort = httpsPort;
      if (serviceEndpoint !== undefined) json.service.eventHubsConnectionString = serviceEndpoint.eventHubsConnectionString();
    }
    const connectionInfo: ConnectionInfo = {
      ...json,
      deviceConnectionString(deviceId: string): string {
        const device = hubState.registry.get(deviceId);
        if (device === undefined) throw new Error(`Device "${deviceId}" is not registered in this hub.`);
        return formatDeviceConnectionString({ hostName: mqttHost, deviceId, sharedAccessKey: device.authentication.symmetricKey.primaryKey });
      },
      eventHubsConnectionString: (policyName, eventHub) => endpoint?.connectionString(policyName, eventHub),
    };
    const file = writeConnectionFile(dataDir, json);
    log.info(`Local IoT Hub '${hubState.hubName}' listening: MQTT ${host}:${mqttPort}, HTTPS ${host}:${api.port}` +
      `${httpsPort !== undefined ? ` and ${host}:${httpsPort}` : ''}${amqpPort !== undefined ? `, AMQP ${host}:${amqpPort}` : ''}` +
      `${serviceEndpoint !== undefined ? `, service AMQP (TLS) ${host}:${serviceEndpoint.port}` : ''}; ${file}`);

    let closing: Promise<void> | undefined;
    return {
      hubState,
      connectionInfo,
      broker: deviceBroker,
      close(): Promise<void> {
        closing ??= (async () => {
          try {
            fs.rmSync(file, { force: true });
          } catch {
            // a stale connection.json is harmless: its pid is gone
          }
          await shutdown();
        })();
        return closing;
      },
    };
  } catch (e) {
    await shutdown().catch(() => undefined);
    throw e;
  }
}
