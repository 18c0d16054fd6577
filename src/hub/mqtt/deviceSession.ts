// One authenticated device connection's state, and the table of sessions: by aedes client, and the
// current (newest) session per device id. Also the SAS token expiry that drops a connection.
import type { Client } from 'aedes';
import type { parseD2cTopic } from '../../core/codec/propertyBag';
import type { Clock, ClockTimer, D2cStamp, HubLogger } from '../contracts';
import type { C2dDelivery } from './c2dDelivery';

/** Longest single timer: Node fires longer ones at once, so token expiry re-arms in steps. */
const MAX_TIMER_MS = 24 * 3600 * 1000;

export interface DeviceSession {
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

/** Sessions by aedes client, and the current one per device. */
export class DeviceSessions {
  private readonly byClient = new WeakMap<Client, DeviceSession>();
  /** The current session per device id (the newest connection). */
  private readonly current = new Map<string, DeviceSession>();

  constructor(private readonly clock: Clock, private readonly log: HubLogger) {}

  /** The session of an authenticated client (not necessarily its device's current one). */
  of(client: Client | null): DeviceSession | undefined {
    return client === null ? undefined : this.byClient.get(client);
  }

  /** The device's current connection. */
  currentOf(deviceId: string): DeviceSession | undefined {
    return this.current.get(deviceId);
  }

  get connectedDevices(): number {
    return this.current.size;
  }

  currentSessions(): Iterable<DeviceSession> {
    return this.current.values();
  }

  /** Records an authenticated (not yet ready) connection. */
  add(session: DeviceSession): void {
    this.byClient.set(session.client, session);
  }

  /**
   * The connection got its CONNACK: it becomes its device's current session (closing an older
   * one) and its token expiry is armed. Undefined when the client has no session.
   */
  ready(client: Client): DeviceSession | undefined {
    const session = this.byClient.get(client);
    if (session === undefined) return undefined;
    session.ready = true;
    const previous = this.current.get(session.deviceId);
    this.current.set(session.deviceId, session);
    if (previous !== undefined && previous !== session) previous.client.close();
    this.armExpiry(session);
    return session;
  }

  /** Forgets a closed connection; `wasCurrent` says whether the device is now disconnected. */
  remove(client: Client): { session: DeviceSession; wasCurrent: boolean } | undefined {
    const session = this.byClient.get(client);
    if (session === undefined) return undefined;
    this.byClient.delete(client);
    if (session.expiryTimer !== undefined) this.clock.clearTimeout(session.expiryTimer);
    const wasCurrent = this.current.get(session.deviceId) === session;
    if (wasCurrent) this.current.delete(session.deviceId);
    return { session, wasCurrent };
  }

  private armExpiry(session: DeviceSession): void {
    const remaining = session.expiresAtMs - this.clock.now();
    if (remaining <= 0) {
      this.log.info(`Device ${session.deviceId}: SAS token expired; disconnecting (IoT Hub drops the connection at the token's expiry)`);
      session.client.close();
      return;
    }
    session.expiryTimer = this.clock.setTimeout(() => this.armExpiry(session), Math.min(remaining, MAX_TIMER_MS));
  }
}
