// The device-facing MQTT 3.1.1 front door: an aedes broker whose hooks implement IoT Hub's rules.
// - authenticate: SAS (device key or DeviceConnect policy), CONNACK 2/4/5, expiry drops the link;
// - authorizePublish: only `devices/{self}/messages/events/{bag}`, QoS 0/1, at most 256 KB by the
//   core size rule; the message is stamped and appended to the D2C log (d2cIngest.ts), and its
//   PUBACK is written once the group commit that holds it is on disk. Repeats of a connection's
//   last accepted topic skip aedes' publish pipeline (hookParsedPackets) under the same rules;
// - authorizeSubscribe: only `devices/{self}/messages/devicebound/#` (QoS 2 granted as 1; a QoS 0
//   subscription gets at-most-once delivery, completed as it is written);
// - authorizeForward: nothing the broker routes reaches a device (C2D is written by C2dDelivery).
// aedes drops an older connection with the same client id itself (MQTT-3.1.4-2), which is IoT
// Hub's "one connection per device".
// Sessions live in deviceSession.ts; every use of aedes' private API is in aedesInternals.ts.
import { Aedes, type Client, type ConnectPacket, type PublishPacket, type Subscription } from 'aedes';
import type { Duplex } from 'node:stream';
import { SAS_AUTH_METHOD } from '../connectionAuth';
import type { Clock, D2cLog, HubLogger, HubState } from '../contracts';
import { createD2cStamp } from '../d2c/recordCodec';
import { checkAedesInternals, interceptParsedPackets, skipRouting } from './aedesInternals';
import { C2dDelivery } from './c2dDelivery';
import { createD2cIngest } from './d2cIngest';
import { authenticateDevice, CONNACK, type ConnackRefusal } from './deviceAuth';
import { DeviceSessions, type DeviceSession } from './deviceSession';
import { guardFrameSizes } from './frameGuard';
import { createHubPersistence } from './hubPersistence';
import { errorText, toError } from '../../core/errorText';

export interface DeviceBrokerOptions {
  hubState: HubState;
  clock: Clock;
  log: HubLogger;
  /** Where accepted D2C messages go (the message router); default the D2C log. */
  d2cSink?: Pick<D2cLog, 'appendThen'>;
}

export interface DeviceBroker {
  readonly aedes: Aedes;
  /** Serves one device connection (a TLS socket or a WebSocket stream). */
  handle(stream: Duplex): void;
  readonly connectedDevices: number;
  /** Connections whose reading is paused for backpressure (too much not yet committed): for tests and diagnostics. */
  readonly pausedConnections: number;
  close(): Promise<void>;
}

function authError(returnCode: ConnackRefusal, message: string): Error & { returnCode: number } {
  return Object.assign(new Error(message), { returnCode });
}


const DEVICEBOUND_FILTER = /^devices\/(.+)\/messages\/devicebound\/#$/;
const D2C_TOPIC = /^devices\/[^/]+\/messages\/events(?:\/|$)/;

export async function startDeviceBroker(options: DeviceBrokerOptions): Promise<DeviceBroker> {
  const { hubState, clock, log } = options;
  await checkAedesInternals();
  const sessions = new DeviceSessions(clock, log);
  const ingest = createD2cIngest(hubState, clock, log, options.d2cSink ?? hubState.d2c);
  const closing = new Set<Promise<void>>();

  function track(p: Promise<void>): void {
    closing.add(p);
    void p.finally(() => closing.delete(p));
  }

  /**
   * Sees each packet as the connection's parser emits it, before aedes does:
   * - a SUBSCRIBE asking for QoS 2 must be granted QoS 1 (IoT Hub), and aedes fixes the granted
   *   QoS from the packet before any hook runs, so it is downgraded here;
   * - a D2C PUBLISH to the topic this connection last published to (so aedes and acceptPublish
   *   have already checked that topic once) is handled here, synchronously and in order, instead
   *   of going through aedes' publish pipeline (a Packet copy, two series runners and a 'publish'
   *   event per message, none of which telemetry needs). Anything else, or any packet while
   *   aedes still queues packets that came before CONNACK, takes aedes' path.
   */
  function hookParsedPackets(client: Client): void {
    interceptParsedPackets(client, (packet) => {
      if (packet.cmd === 'publish') return ingest.handledFast(sessions.of(client), client, packet as unknown as PublishPacket);
      if (packet.cmd === 'subscribe' && Array.isArray(packet.subscriptions)) {
        for (const sub of packet.subscriptions) if (sub.qos > 1) sub.qos = 1;
      }
      return false;
    });
  }

  const persistence = createHubPersistence((client, packetId) => sessions.of(client)?.delivery.onPuback(packetId));

  const aedes = await Aedes.createBroker({
    persistence,
    // Clients with a long keep-alive are normal (the SDK uses 180 s); aedes enforces 1.5x.
    connectTimeout: 30_000,
    preConnect(client: Client, packet: ConnectPacket, callback: (error: Error | null, success: boolean) => void) {
      // IoT Hub would route a will as telemetry; this hub does not keep wills (documented).
      delete (packet as { will?: unknown }).will;
      try {
        hookParsedPackets(client);
      } catch (e) {
        log.error(`Refusing MQTT connections: ${errorText(e)}`);
        callback(toError(e), false);
        return;
      }
      callback(null, true);
    },
    authenticate(client, username, password, done) {
      let result;
      try {
        result = authenticateDevice(client.id, username, password, {
          getDevice: (id) => hubState.registry.get(id),
          policies: hubState.policies,
          now: clock.now(),
        });
      } catch (e) {
        log.error(`Authenticating '${client.id}' failed: ${errorText(e)}`);
        done(authError(CONNACK.serverUnavailable, 'server unavailable'), false);
        return;
      }
      if (!result.ok) {
        log.info(`Refused MQTT connection for '${client.id.slice(0, 140)}' (CONNACK ${result.returnCode}): ${result.reason}`);
        done(authError(result.returnCode, result.reason), false);
        return;
      }
      const deviceId = result.deviceId;
      const session: DeviceSession = {
        client,
        deviceId,
        generationId: result.generationId,
        stamp: createD2cStamp({
          connectionDeviceId: deviceId,
          connectionAuthMethod: SAS_AUTH_METHOD,
          connectionAuthGenerationId: result.generationId,
          messageSource: 'Telemetry',
        }),
        expiresAtMs: result.expiresAtMs,
        delivery: new C2dDelivery({
          deviceId,
          write(bytes) {
            const conn = client.conn;
            if (client.closed || conn.destroyed || !conn.writable) return false;
            conn.write(bytes);
            return true;
          },
        }, hubState.c2d, log),
        wantsC2d: false,
        c2dQos: 1,
        activityReportedAt: 0,
        ready: false,
        uncommitted: 0,
        uncommittedBytes: 0,
        paused: false,
        acks: [],
      };
      sessions.add(session);
      done(null, true);
    },
    authorizePublish(client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void) {
      const session = sessions.of(client);
      if (session === undefined) {
        // The broker's own $SYS announcements (client === null) stay inside aedes.
        if (client === null) return callback(null);
        return callback(new Error('publish before authentication'));
      }
      callback(ingest.acceptPublish(session, packet));
    },
    authorizeSubscribe(client: Client, sub: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void) {
      const session = sessions.of(client);
      const m = DEVICEBOUND_FILTER.exec(sub.topic);
      if (session === undefined || m === null || m[1] !== session.deviceId) {
        log.info(`Device ${session?.deviceId ?? client.id}: subscription to '${sub.topic.slice(0, 200)}' refused (only devices/{self}/messages/devicebound/# is served)`);
        return callback(null, null);
      }
      session.wantsC2d = true;
      session.c2dQos = sub.qos === 0 ? 0 : 1;
      // Deliver after the SUBACK, which aedes writes once this callback returns.
      if (session.ready) setImmediate(() => session.delivery.subscribe(session.c2dQos));
      callback(null, { ...sub, qos: sub.qos > 1 ? 1 : sub.qos });
    },
    authorizeForward() {
      return null;
    },
  });

  // Telemetry is never routed to MQTT subscribers (authorizeForward refuses everything and no
  // device may subscribe to an events topic), so it skips aedes' topic matching: that was pure
  // overhead on every D2C message. Everything else still goes through aedes' emitter.
  skipRouting(aedes, (topic) => D2C_TOPIC.test(topic));

  aedes.on('clientReady', (client) => {
    const session = sessions.ready(client);
    if (session === undefined) return;
    hubState.registry.recordConnection(session.deviceId, true);
    log.debug(`Device ${session.deviceId} connected`);
    // A clean-session-0 reconnect restores the subscription before CONNACK: deliver now.
    if (session.wantsC2d) session.delivery.subscribe(session.c2dQos);
  });

  aedes.on('unsubscribe', (topics, client) => {
    const session = sessions.of(client);
    if (session !== undefined && topics.some((t) => DEVICEBOUND_FILTER.test(t))) session.delivery.unsubscribe();
  });

  aedes.on('clientDisconnect', (client) => {
    const removed = sessions.remove(client);
    if (removed === undefined) return;
    const { session, wasCurrent } = removed;
    track(session.delivery.stop());
    if (wasCurrent) hubState.registry.recordConnection(session.deviceId, false);
    log.debug(`Device ${session.deviceId} disconnected`);
  });

  aedes.on('clientError', (client, error) => log.debug(`MQTT client ${client.id}: ${error.message}`));
  aedes.on('connectionError', (_client, error) => log.debug(`MQTT connection error: ${error.message}`));

  const unsubscribeQueue = hubState.c2d.events.subscribe((event) => {
    if (event.type === 'feedback') return;
    const session = sessions.currentOf(event.deviceId);
    if (session === undefined) return;
    if (event.type === 'c2dStateChanged' && event.message.state !== 'Invisible') {
      session.delivery.release(event.message.sequenceNumber, event.message.lockToken);
    }
    if (event.type === 'c2dEnqueued' || event.type === 'c2dPurged' || (event.type === 'c2dStateChanged' && event.message.state !== 'Invisible')) {
      session.delivery.kick();
    }
  });
  // A new message is delivered to a connected device at once, while its commit is in flight: the
  // sender's acknowledgement still waits for durability, the device need not.
  const unsubscribeDeliverable = hubState.c2d.onDeliverable((deviceId) => sessions.currentOf(deviceId)?.delivery.kick());
  const unsubscribeRegistry = hubState.registry.events.subscribe((event) => {
    // A disabled or deleted device loses its connection, as in IoT Hub.
    const id = event.type === 'deviceDeleted' ? event.deviceId : event.type === 'deviceUpdated' && event.device.status === 'disabled' ? event.device.deviceId : undefined;
    if (id !== undefined) {
      const session = sessions.currentOf(id);
      if (session !== undefined) {
        log.info(`Device ${id} was ${event.type === 'deviceDeleted' ? 'deleted' : 'disabled'}; disconnecting it`);
        session.client.close();
      }
    }
  });

  return {
    aedes,
    handle(stream: Duplex): void {
      aedes.handle(stream);
      guardFrameSizes(stream, (reason) => {
        log.warn(`MQTT connection ${reason}; closing it`);
        stream.destroy();
      });
    },
    get connectedDevices(): number {
      return sessions.connectedDevices;
    },
    get pausedConnections(): number {
      let n = 0;
      for (const s of sessions.currentSessions()) if (s.paused) n++;
      return n;
    },
    async close(): Promise<void> {
      unsubscribeQueue();
      unsubscribeDeliverable();
      unsubscribeRegistry();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      // Disconnect handlers abandon what devices still held; wait for those writes.
      for (const s of sessions.currentSessions()) track(s.delivery.stop());
      await Promise.all([...closing]);
    },
  };
}

