// The device-facing MQTT 3.1.1 front door: an aedes broker whose hooks implement IoT Hub's rules.
// - authenticate: SAS (device key or DeviceConnect policy), CONNACK 2/4/5, expiry drops the link;
// - authorizePublish: only `devices/{self}/messages/events/{bag}`, QoS 0/1, at most 256 KB by the
//   core size rule; the message is stamped and appended to the D2C log, and its PUBACK is written
//   by this file once the group commit that holds it is on disk, so a PUBACK always means
//   "on disk" (see writeAcks for why aedes does not write it). Repeats of a connection's last
//   accepted topic skip aedes' publish pipeline (hookParsedPackets) under the same rules;
// - authorizeSubscribe: only `devices/{self}/messages/devicebound/#` (QoS 2 granted as 1; a QoS 0
//   subscription gets at-most-once delivery, completed as it is written);
// - authorizeForward: nothing the broker routes reaches a device (C2D is written by C2dDelivery).
// aedes drops an older connection with the same client id itself (MQTT-3.1.4-2), which is IoT
// Hub's "one connection per device".
import { Aedes, type Client, type ConnectPacket, type PublishPacket, type Subscription } from 'aedes';
import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { parseD2cTopic } from '../../core/codec/propertyBag';
import { D2C_MAX_MESSAGE_BYTES } from '../../core/message/limits';
import { computeSize } from '../../core/message/size';
import type { Clock, ClockTimer, D2cStamp, HubLogger, HubState } from '../contracts';
import { createD2cStamp } from '../d2c/recordCodec';
import { C2dDelivery } from './c2dDelivery';
import { authenticateDevice, CONNACK, type ConnackRefusal } from './deviceAuth';
import { guardFrameSizes } from './frameGuard';
import { createHubPersistence } from './hubPersistence';

/** What IoT Hub stamps as `iothub-connection-auth-method` for a SAS-authenticated device. */
export const SAS_AUTH_METHOD = '{"scope":"device","type":"sas","issuer":"iothub","acceptingIpFilterRule":null}';
/** Longest single timer: Node fires longer ones at once, so token expiry re-arms in steps. */
const MAX_TIMER_MS = 24 * 3600 * 1000;
/**
 * Per-connection bound on D2C messages handed to the log and not yet committed. Beyond it the
 * hub stops reading that connection until half have committed: backpressure (TCP's own) for a
 * device that publishes faster than the disk syncs, so its memory stays bounded.
 */
const MAX_UNCOMMITTED_MESSAGES = 1000;
const MAX_UNCOMMITTED_BYTES = 4 * 1024 * 1024;

/** aedes' Client has pause()/resume() (used around CONNECT) that its typings leave out. */
type PausableClient = Client & { pause(): void; resume(): void; _parsingBatch: number };
/** The connection's MQTT parser: `_queue` holds packets parsed before CONNACK (null once replayed). */
type ParserInternals = EventEmitter & { _queue: unknown[] | null };
/** The parts of aedes' Client that the D2C fast path reads (see hookParsedPackets). */
type InternalClient = Client & {
  _parser?: ParserInternals;
  connackSent: boolean;
  _keepaliveInterval: number;
  _keepaliveTimer: { refresh(): void } | null;
};

interface DeviceSession {
  client: Client;
  deviceId: string;
  generationId: string;
  /** connection* properties and message source, stamped on each of this connection's D2C messages. */
  stamp: D2cStamp;
  expiresAtMs: number;
  expiryTimer?: ClockTimer;
  delivery: C2dDelivery;
  /** Subscribed to devicebound (possibly restored from a clean-session-0 session before CONNACK). */
  wantsC2d: boolean;
  /** Granted QoS of that subscription. */
  c2dQos: 0 | 1;
  /** When activity was last reported to the registry (reported at most once a second). */
  activityReportedAt: number;
  ready: boolean;
  /** D2C messages handed to the log and not yet committed (count and bytes). */
  uncommitted: number;
  uncommittedBytes: number;
  /** Reading paused for backpressure. */
  paused: boolean;
  /** Packet ids of committed QoS 1 publishes whose PUBACK is about to be written. */
  acks: number[];
  /**
   * The last D2C topic this connection published to, its parsed bag and the bytes its properties
   * add to a message's size: devices usually repeat their bag, so it is parsed once, not per message.
   */
  lastTopic?: { topic: string; parsed: ReturnType<typeof parseD2cTopic>; propertyBytes: number };
}

export interface DeviceBrokerOptions {
  hubState: HubState;
  clock: Clock;
  log: HubLogger;
}

export interface DeviceBroker {
  readonly aedes: Aedes;
  /** Serves one device connection (a TLS socket or a WebSocket stream). */
  handle(stream: Duplex): void;
  readonly connectedDevices: number;
  close(): Promise<void>;
}

function authError(returnCode: ConnackRefusal, message: string): Error & { returnCode: number } {
  return Object.assign(new Error(message), { returnCode });
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const EMPTY = new Uint8Array(0);
const DEVICEBOUND_FILTER = /^devices\/(.+)\/messages\/devicebound\/#$/;
const D2C_TOPIC = /^devices\/[^/]+\/messages\/events(?:\/|$)/;

export async function startDeviceBroker(options: DeviceBrokerOptions): Promise<DeviceBroker> {
  const { hubState, clock, log } = options;
  const sessions = new WeakMap<Client, DeviceSession>();
  /** The current session per device id (the newest connection). */
  const current = new Map<string, DeviceSession>();
  const closing = new Set<Promise<void>>();

  function track(p: Promise<void>): void {
    closing.add(p);
    void p.finally(() => closing.delete(p));
  }

  function armExpiry(session: DeviceSession): void {
    const remaining = session.expiresAtMs - clock.now();
    if (remaining <= 0) {
      log.info(`Device ${session.deviceId}: SAS token expired; disconnecting (IoT Hub drops the connection at the token's expiry)`);
      session.client.close();
      return;
    }
    session.expiryTimer = clock.setTimeout(() => armExpiry(session), Math.min(remaining, MAX_TIMER_MS));
  }

  /** Bookkeeping once a message's commit settled; resumes reading a paused connection. */
  function committed(session: DeviceSession, bytes: number): void {
    session.uncommitted--;
    session.uncommittedBytes -= bytes;
    if (session.paused && session.uncommitted <= MAX_UNCOMMITTED_MESSAGES / 2 && session.uncommittedBytes <= MAX_UNCOMMITTED_BYTES / 2) {
      session.paused = false;
      // aedes' pause() drops the "packet handled" counts that arrive while paused, and its
      // resume() then waits for them forever; nothing of ours is outstanding, so restart the count.
      const client = session.client as PausableClient;
      client._parsingBatch = 0;
      client.resume();
    }
  }

  function queueAck(session: DeviceSession, packetId: number): void {
    session.acks.push(packetId);
    // Commits resolve their appends in one synchronous loop, so a microtask queued by the first
    // ack runs after the rest of that commit's acks: one socket write per device per commit.
    if (session.acks.length === 1) queueMicrotask(() => writeAcks(session));
  }

  function writeAcks(session: DeviceSession): void {
    const ids = session.acks;
    if (ids.length === 0) return;
    session.acks = [];
    const { client } = session;
    const conn = client.conn;
    // A closed connection gets nothing: the device resends what was not acknowledged.
    if (client.closed || conn.destroyed || !conn.writable) return;
    const bytes = Buffer.allocUnsafe(4 * ids.length);
    for (let i = 0; i < ids.length; i++) {
      bytes[4 * i] = 0x40; // PUBACK, remaining length 2, packet id (MQTT 3.1.1, 3.4)
      bytes[4 * i + 1] = 2;
      bytes.writeUInt16BE(ids[i]!, 4 * i + 2);
    }
    conn.write(bytes);
  }

  /**
   * The D2C rules for one PUBLISH of an authenticated device: checks it, hands the message to the
   * log (its PUBACK follows the commit) and returns null, or returns why the device is dropped.
   */
  function acceptPublish(session: DeviceSession, packet: PublishPacket): Error | null {
    const id = session.deviceId;
    if (packet.qos === 2) {
      log.warn(`Device ${id}: QoS 2 publish is not supported by IoT Hub; disconnecting`);
      return new Error('QoS 2 not supported');
    }
    let last = session.lastTopic;
    if (last === undefined || last.topic !== packet.topic) {
      let parsed;
      try {
        parsed = parseD2cTopic(packet.topic);
      } catch (e) {
        log.warn(`Device ${id}: rejected publish to '${packet.topic.slice(0, 200)}': ${errorText(e)}; disconnecting`);
        return new Error('bad topic');
      }
      if (parsed.deviceId !== id || parsed.moduleId !== undefined) {
        log.warn(`Device ${id}: may publish only to devices/${id}/messages/events/, not '${packet.topic.slice(0, 200)}'; disconnecting`);
        return new Error('not authorized for topic');
      }
      const propertyBytes = computeSize({ systemProperties: parsed.systemProperties, applicationProperties: parsed.applicationProperties, body: EMPTY }, 'd2c').total;
      last = { topic: packet.topic, parsed, propertyBytes };
      session.lastTopic = last;
    }
    const { parsed } = last;
    // No copy of the payload: the log encodes it straight into its own write buffer.
    const body = packet.payload as Buffer;
    // The core's size rule: body bytes plus the bytes of the property values and names.
    const total = last.propertyBytes + body.length;
    if (total > D2C_MAX_MESSAGE_BYTES) {
      log.warn(`Device ${id}: D2C message of ${total} bytes exceeds IoT Hub's ${D2C_MAX_MESSAGE_BYTES}-byte limit; disconnecting`);
      return new Error('message too large');
    }
    // Never stored as retained: the events topic is hub-internal.
    packet.retain = false;
    const ackId = packet.qos === 1 ? packet.messageId : undefined;
    // aedes would write the PUBACK as soon as this hook calls back, and it reads no more of the
    // socket until every packet of the current read has called back. Waiting for the commit
    // here would therefore stall each device's pipeline for a whole fsync (measured: 40% less
    // throughput). So the hook answers at once with the packet marked QoS 0 (aedes acks nothing)
    // and writeAcks sends the PUBACK after the commit.
    packet.qos = 0;
    session.uncommitted++;
    session.uncommittedBytes += body.length;
    if (!session.paused && (session.uncommitted > MAX_UNCOMMITTED_MESSAGES || session.uncommittedBytes > MAX_UNCOMMITTED_BYTES)) {
      session.paused = true;
      (session.client as PausableClient).pause();
    }
    const bytes = body.length;
    hubState.d2c.appendThen({ deviceId: id, systemProperties: parsed.systemProperties, stamp: session.stamp, applicationProperties: parsed.applicationProperties, body }, (e) => {
      committed(session, bytes);
      if (e !== undefined) {
        // No PUBACK: the device keeps the message and retries on its next connection.
        log.error(`Device ${id}: storing a D2C message failed: ${errorText(e)}; disconnecting without PUBACK`);
        session.acks.length = 0;
        session.client.close();
        return;
      }
      const now = clock.now();
      if (now - session.activityReportedAt >= 1000) {
        session.activityReportedAt = now;
        hubState.registry.recordActivity(id);
      }
      if (ackId !== undefined) queueAck(session, ackId);
    });
    return null;
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
  function hookParsedPackets(client: InternalClient): void {
    const parser = client._parser;
    const aedesListeners = parser?.listeners('packet') ?? [];
    const enqueue = aedesListeners[0] as ((this: unknown, packet: unknown) => void) | undefined;
    if (parser === undefined || enqueue === undefined || aedesListeners.length !== 1) {
      throw new Error('aedes internals changed: the connection parser does not have exactly one packet listener');
    }
    parser.removeListener('packet', enqueue);
    parser.on('packet', function (this: unknown, packet: { cmd?: string; subscriptions?: Array<{ qos: number }> }) {
      if (packet.cmd === 'publish') {
        if (handledFast(client, parser, packet as unknown as PublishPacket)) return;
      } else if (packet.cmd === 'subscribe' && Array.isArray(packet.subscriptions)) {
        for (const sub of packet.subscriptions) if (sub.qos > 1) sub.qos = 1;
      }
      enqueue.call(this, packet);
    });
  }

  function handledFast(client: InternalClient, parser: ParserInternals, packet: PublishPacket): boolean {
    const session = sessions.get(client);
    if (session === undefined || !session.ready || session.lastTopic?.topic !== packet.topic || packet.qos === 2) return false;
    if (!client.connackSent || parser._queue !== null) return false;
    const error = acceptPublish(session, packet);
    // What aedes does with a refused publish: the client's error handler closes the connection.
    if (error !== null) client.emit('error', error);
    else if (client._keepaliveInterval > 0) client._keepaliveTimer?.refresh();
    return true;
  }

  const persistence = createHubPersistence((client, packetId) => sessions.get(client)?.delivery.onPuback(packetId));

  const aedes = await Aedes.createBroker({
    persistence,
    // Clients with a long keep-alive are normal (the SDK uses 180 s); aedes enforces 1.5x.
    connectTimeout: 30_000,
    preConnect(client: Client, packet: ConnectPacket, callback: (error: Error | null, success: boolean) => void) {
      // IoT Hub would route a will as telemetry; this hub does not keep wills (documented).
      delete (packet as { will?: unknown }).will;
      try {
        hookParsedPackets(client as InternalClient);
      } catch (e) {
        log.error(`Refusing MQTT connections: ${errorText(e)}`);
        callback(e instanceof Error ? e : new Error(String(e)), false);
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
      sessions.set(client, session);
      done(null, true);
    },
    authorizePublish(client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void) {
      const session = client === null ? undefined : sessions.get(client);
      if (session === undefined) {
        // The broker's own $SYS announcements (client === null) stay inside aedes.
        if (client === null) return callback(null);
        return callback(new Error('publish before authentication'));
      }
      callback(acceptPublish(session, packet));
    },
    authorizeSubscribe(client: Client, sub: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void) {
      const session = sessions.get(client);
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
  const mq = (aedes as unknown as { mq: { emit(packet: { topic: string }, cb?: (error?: Error) => void): unknown } }).mq;
  const emit = mq.emit.bind(mq);
  mq.emit = (packet, cb) => {
    if (D2C_TOPIC.test(packet.topic)) {
      cb?.();
      return mq;
    }
    return emit(packet, cb);
  };

  aedes.on('clientReady', (client) => {
    const session = sessions.get(client);
    if (session === undefined) return;
    session.ready = true;
    const previous = current.get(session.deviceId);
    current.set(session.deviceId, session);
    if (previous !== undefined && previous !== session) previous.client.close();
    hubState.registry.recordConnection(session.deviceId, true);
    armExpiry(session);
    log.debug(`Device ${session.deviceId} connected`);
    // A clean-session-0 reconnect restores the subscription before CONNACK: deliver now.
    if (session.wantsC2d) session.delivery.subscribe(session.c2dQos);
  });

  aedes.on('unsubscribe', (topics, client) => {
    const session = sessions.get(client);
    if (session !== undefined && topics.some((t) => DEVICEBOUND_FILTER.test(t))) session.delivery.unsubscribe();
  });

  aedes.on('clientDisconnect', (client) => {
    const session = sessions.get(client);
    if (session === undefined) return;
    sessions.delete(client);
    if (session.expiryTimer !== undefined) clock.clearTimeout(session.expiryTimer);
    track(session.delivery.stop());
    if (current.get(session.deviceId) === session) {
      current.delete(session.deviceId);
      hubState.registry.recordConnection(session.deviceId, false);
    }
    log.debug(`Device ${session.deviceId} disconnected`);
  });

  aedes.on('clientError', (client, error) => log.debug(`MQTT client ${client.id}: ${error.message}`));
  aedes.on('connectionError', (_client, error) => log.debug(`MQTT connection error: ${error.message}`));

  const unsubscribeQueue = hubState.c2d.events.subscribe((event) => {
    if (event.type === 'feedback') return;
    const session = current.get(event.deviceId);
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
  const unsubscribeDeliverable = hubState.c2d.onDeliverable((deviceId) => current.get(deviceId)?.delivery.kick());
  const unsubscribeRegistry = hubState.registry.events.subscribe((event) => {
    // A disabled or deleted device loses its connection, as in IoT Hub.
    const id = event.type === 'deviceDeleted' ? event.deviceId : event.type === 'deviceUpdated' && event.device.status === 'disabled' ? event.device.deviceId : undefined;
    if (id !== undefined) {
      const session = current.get(id);
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
      return current.size;
    },
    async close(): Promise<void> {
      unsubscribeQueue();
      unsubscribeDeliverable();
      unsubscribeRegistry();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      // Disconnect handlers abandon what devices still held; wait for those writes.
      for (const s of current.values()) track(s.delivery.stop());
      await Promise.all([...closing]);
    },
  };
}

