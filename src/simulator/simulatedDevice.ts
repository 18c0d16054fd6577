// One simulated device: connects to a hub exactly as a device in the field does (MQTT 3.1.1 over
// TLS on the hub's device endpoint, user name `{host}/{deviceId}/?api-version=...`, password a SAS
// token made from the device's key; the hub's CA for the local hub, system trust for Azure), sends
// D2C messages from a template every N ms with QoS 1 (counted once the hub's PUBACK arrives), and
// receives C2D messages live with every property, completing them (PUBACK) at once or holding
// them (no PUBACK until `complete()`: the hub keeps the message locked and delivers it again when
// the lock ends; MQTT has no reject or abandon, so completing is all a device can do). A refusal
// (disabled device, wrong key) or a lost connection stops it with the reason; a reconnect resumes
// its counter where it stopped.
// SAS renewal: IoT Hub drops a connection when its token expires, so, as the device SDKs do, the
// device reconnects with a fresh token once 80% of the token's life has passed: it publishes
// nothing more, waits for the hub's PUBACK of every message in flight (none lost, none sent twice),
// closes, and connects again with the counter going on; nothing is reported to the user. C2D
// messages held on the old connection are abandoned by the hub when it closes and delivered again.
// No vscode import. mqtt is loaded on the first connect, not when the extension activates (a lazy
// module, scripts/build.mjs).
import type { MqttClient } from 'mqtt';
import { formatD2cTopic, parseC2dTopic } from '../core/codec/propertyBag';
import { createSasToken, resourceUriForDevice } from '../core/auth/sas';
import { validateMessage } from '../core/message/validation';
import type { ApplicationProperty, SystemProperties } from '../core/message/model';
import type { DeviceMqttEndpoint } from '../hubs/hubConnection';
import type { MessageTemplate } from './template';
import { errorText } from '../core/errorText';

export interface ReceivedC2d {
  deviceId: string;
  systemProperties: SystemProperties;
  applicationProperties: ApplicationProperty[];
  body: Uint8Array;
  /** When held: sends the PUBACK now (the hub completes the message); false when already sent or the connection is gone. */
  complete?: () => boolean;
}

export interface SimulatedDeviceOptions {
  endpoint: DeviceMqttEndpoint;
  deviceId: string;
  key: string;
  template: MessageTemplate;
  intervalMs: number;
  /** Messages to send; undefined: until stopped. */
  count?: number;
  /** Hold C2D messages (no PUBACK) until `complete()` is called: the hub redelivers after its lock. */
  holdC2d?: boolean;
  /** Continue the counter from here (a reconnect). */
  startCounter?: number;
  onC2d?: (m: ReceivedC2d) => void;
  /** Unacknowledged publishes allowed in flight (default 100). */
  maxInFlight?: number;
  /** Life of each SAS token in seconds (default one hour, as the device SDKs); tests pass a few seconds. */
  tokenSeconds?: number;
  /** The connection was renewed with a fresh token (C2D messages held on the old one are gone: the hub delivers them again). */
  onRenewed?: () => void;
}

export type SimulatedDeviceEnd = { reason: 'done' | 'stopped' } | { reason: 'error'; message: string };

const API_VERSION = '2021-04-12';
const TOKEN_SECONDS = 3600;
/** Renew once this share of the token's life has passed (the C SDK renews at 80%, the Node SDK 15 minutes before expiry). */
const RENEW_AT = 0.8;
/** The most sending time a device makes up after a stall (see start()). */
const MAX_CATCH_UP_MS = 1000;
/** Node fires a longer timer at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The device's C2D subscription (IoT Hub's devicebound topic filter). */
const c2dTopic = (deviceId: string): string => `devices/${deviceId}/messages/devicebound/#`;

export class SimulatedDevice {
  private client: MqttClient | undefined;
  /** Messages the hub acknowledged (PUBACK). */
  sent = 0;
  /** The counter of the next message. */
  private counter: number;
  private inFlight = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private finished: ((end: SimulatedDeviceEnd) => void) | undefined;
  readonly ended: Promise<SimulatedDeviceEnd>;
  private ending = false;
  /** Set by finishSending(): publish nothing more, end once the hub acknowledged what is in flight. */
  private sendingFinished = false;
  /** Set while the connection is being renewed: publish nothing until the new one is up. */
  private renewing = false;
  private renewTimer: ReturnType<typeof setTimeout> | undefined;
  /** Called when the last message in flight is acknowledged (a renewal waits for it). */
  private onDrained: (() => void) | undefined;
  /** Times the connection was renewed with a fresh token. */
  renewals = 0;

  constructor(readonly options: SimulatedDeviceOptions) {
    this.counter = options.startCounter ?? 1;
    this.ended = new Promise((resolve) => { this.finished = resolve; });
  }

  /** Counter of the next message: a reconnect passes it as `startCounter`. */
  get nextCounter(): number {
    return this.counter;
  }

  /** Connects; resolves when connected and subscribed, rejects with the hub's reason. */
  async connect(): Promise<void> {
    await this.open();
  }

  /** Opens a connection with a fresh token, makes it the current one and arms its renewal. */
  private async open(): Promise<void> {
    const o = this.options;
    const tokenSeconds = o.tokenSeconds ?? TOKEN_SECONDS;
    const expiresAtSeconds = Math.floor(Date.now() / 1000) + tokenSeconds;
    const password = createSasToken({ resourceUri: resourceUriForDevice(o.endpoint.hostName, o.deviceId), key: o.key, expiresAtSeconds });
    const { connect } = await import('mqtt');
    const client = connect({
      protocol: 'mqtts',
      host: o.endpoint.connectHost,
      port: o.endpoint.port,
      servername: o.endpoint.hostName,
      ...(o.endpoint.ca !== undefined ? { ca: o.endpoint.ca } : {}),
      rejectUnauthorized: true,
      protocolVersion: 4,
      clientId: o.deviceId,
      username: `${o.endpoint.hostName}/${o.deviceId}/?api-version=${API_VERSION}`,
      password,
      clean: false,
      keepalive: 60,
      reconnectPeriod: 0,
      connectTimeout: 15_000,
    });
    this.client = client;
    if (o.holdC2d) this.holdPubacks(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', (e) => reject(new Error(connectError(e, o.deviceId))));
      client.once('close', () => reject(new Error(`The hub closed the connection of '${o.deviceId}' before it was accepted.`)));
    });
    // Messages are read while the connection lasts, even once a renewal retired it.
    client.on('message', (topic, payload, packet) => this.onMessage(client, topic, payload, packet.messageId));
    // Only the current connection ends the device: a renewal closes the old one on purpose.
    client.on('close', () => { if (this.client === client) this.finish({ reason: 'error', message: `The connection of '${o.deviceId}' was lost.` }); });
    client.on('error', (e) => { if (this.client === client) this.finish({ reason: 'error', message: connectError(e, o.deviceId) }); });
    await client.subscribeAsync(c2dTopic(o.deviceId), { qos: 1 });
    if (this.ending) {
      // stop() came while connecting.
      client.end(true);
      return;
    }
    const lifeMs = expiresAtSeconds * 1000 - Date.now();
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.renewTimer = setTimeout(() => void this.renew(), Math.min(Math.max(0, lifeMs * RENEW_AT), MAX_TIMER_MS));
  }

  /**
   * A planned reconnect before the token expires: nothing is published meanwhile, every message in
   * flight is acknowledged on the old connection before it closes, and the counter goes on.
   */
  private async renew(): Promise<void> {
    const old = this.client;
    if (this.ending || this.renewing || !old) return;
    this.renewing = true;
    try {
      if (this.inFlight > 0) await new Promise<void>((resolve) => { this.onDrained = resolve; });
      if (this.ending) return;
      // Stop C2D deliveries to the old connection before closing it: a message the hub wrote
      // before the UNSUBACK arrives ahead of it and is acknowledged before the DISCONNECT; without
      // this, one arriving after the DISCONNECT was shown but never acknowledged, and the hub
      // rightly delivered it again on the new connection (seen twice by the user).
      await old.unsubscribeAsync(c2dTopic(this.options.deviceId));
      if (this.ending) return;
      // From here the old connection's close is planned; what it held the hub abandons.
      this.client = undefined;
      this.heldAcks.clear();
      this.toHold.clear();
      await new Promise<void>((resolve) => { old.end(false, {}, () => resolve()); });
      if (this.ending) return;
      await this.open();
      this.renewals++;
      this.options.onRenewed?.();
    } catch (e) {
      this.finish({ reason: 'error', message: `Renewing the connection of '${this.options.deviceId}' with a fresh SAS token failed: ${errorText(e)}` });
    } finally {
      this.renewing = false;
    }
  }

  /** Packet ids of held C2D publishes whose PUBACK is not sent yet, with the function that sends it. */
  private readonly heldAcks = new Map<number, () => void>();
  /** Packet ids the next PUBACK of which is to be held (set by onMessage, which runs just before it). */
  private readonly toHold = new Set<number>();

  /**
   * MQTT.js 5 over MQTT 3.1.1 sends a QoS 1 PUBACK as soon as the 'message' event returns, and its
   * only hook to delay it (handleMessage) stops the client reading anything else (D2C PUBACKs,
   * pings) until it is called. So the PUBACK itself is held: every outgoing packet goes through the
   * client's _sendPacket, and a PUBACK for a held C2D message is kept aside (its callback called
   * so the client reads on) until `complete()` sends it.
   */
  private holdPubacks(client: MqttClient): void {
    type SendPacket = (packet: { cmd: string; messageId?: number }, cb?: (e?: Error) => void, ...rest: unknown[]) => void;
    const c = client as unknown as { _sendPacket: SendPacket };
    const send = c._sendPacket.bind(client);
    c._sendPacket = (packet, cb, ...rest) => {
      const id = packet.messageId;
      if (packet.cmd === 'puback' && id !== undefined && this.toHold.delete(id)) {
        // On a connection a renewal retired, no PUBACK: the hub delivers it again on the new one.
        if (this.client === client) this.heldAcks.set(id, () => send({ cmd: 'puback', messageId: id }));
        cb?.();
        return;
      }
      send(packet, cb, ...rest);
    };
  }

  private onMessage(client: MqttClient, topic: string, payload: Buffer, packetId: number | undefined): void {
    let parsed: ReturnType<typeof parseC2dTopic>;
    try {
      parsed = parseC2dTopic(topic);
    } catch {
      return;
    }
    // Held on a connection a renewal retired: its PUBACK is withheld (see holdPubacks), so the hub
    // delivers it again on the new connection, and the user sees it there once.
    if (this.options.holdC2d && packetId !== undefined && this.client !== client) {
      this.toHold.add(packetId);
      return;
    }
    const m: ReceivedC2d = { deviceId: parsed.deviceId, systemProperties: parsed.systemProperties, applicationProperties: parsed.applicationProperties, body: new Uint8Array(payload) };
    if (this.options.holdC2d && packetId !== undefined) {
      this.toHold.add(packetId);
      m.complete = () => {
        const ack = this.heldAcks.get(packetId);
        if (!ack || this.client !== client || !client?.connected) return false;
        this.heldAcks.delete(packetId);
        ack();
        return true;
      };
    }
    this.options.onC2d?.(m);
  }

  /** C2D messages held (no PUBACK sent yet) on this connection. */
  get heldCount(): number {
    return this.heldAcks.size;
  }

  /** Sends PUBACK for every held C2D message (each is completed); returns how many. */
  completeHeld(): number {
    const n = this.heldAcks.size;
    if (!this.client?.connected) return 0;
    for (const ack of this.heldAcks.values()) ack();
    this.heldAcks.clear();
    return n;
  }

  /**
   * Starts sending; `ended` resolves when the count is sent, on stop(), or with the reason it failed.
   * Paced by elapsed time, not by one timer per message: message k is due k intervals after the
   * start, and each tick sends every message due by then, so a late timer (each is a little late,
   * more so under load) does not lower the rate. A stall (a renewal, a blocked event loop, the
   * in-flight limit) is made up for at most MAX_CATCH_UP_MS, so a long one does not end in a burst.
   */
  start(): void {
    const o = this.options;
    const maxInFlight = o.maxInFlight ?? 100;
    const lastCounter = (o.startCounter ?? 1) - 1 + (o.count ?? Infinity);
    const begin = performance.now();
    /** Messages this pacing has let out (the next is due `paced` intervals after `begin`). */
    let paced = 0;
    const maxBacklog = Math.max(1, Math.ceil(MAX_CATCH_UP_MS / o.intervalMs));
    const tick = (): void => {
      this.timer = undefined;
      if (this.ending) return;
      if (this.sendingFinished || this.counter > lastCounter) {
        if (this.inFlight === 0) this.finish({ reason: 'done' });
        else this.timer = setTimeout(tick, 10);
        return;
      }
      const due = Math.floor((performance.now() - begin) / o.intervalMs) + 1;
      if (due - paced > maxBacklog) paced = due - maxBacklog;
      while (paced < due && !this.renewing && this.inFlight < maxInFlight && this.counter <= lastCounter && !this.ending) {
        this.publishOne();
        paced++;
      }
      // Held back (renewing, too many in flight): look again soon rather than at the next due time.
      const wait = paced < due ? Math.min(o.intervalMs, 5) : begin + paced * o.intervalMs - performance.now();
      if (!this.ending) this.timer = setTimeout(tick, Math.max(0, wait));
    };
    tick();
  }

  private publishOne(): void {
    const client = this.client;
    if (!client) return;
    const o = this.options;
    const msg = o.template.render({ counter: this.counter++, deviceId: o.deviceId, now: new Date() });
    let topic: string;
    try {
      topic = formatD2cTopic(o.deviceId, msg);
    } catch (e) {
      this.finish({ reason: 'error', message: errorText(e) });
      return;
    }
    this.inFlight++;
    client.publish(topic, Buffer.from(msg.body), { qos: 1 }, (err) => {
      this.inFlight--;
      if (!err) this.sent++;
      if (this.inFlight === 0 && this.onDrained) {
        const drained = this.onDrained;
        this.onDrained = undefined;
        drained();
      }
    });
  }

  private finish(end: SimulatedDeviceEnd): void {
    if (this.ending) return;
    this.ending = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.onDrained?.();
    this.onDrained = undefined;
    this.finished?.(end);
    // The hub abandons what this connection held when it closes: nothing left to complete.
    this.heldAcks.clear();
    this.toHold.clear();
    const c = this.client;
    this.client = undefined;
    c?.end(end.reason !== 'error');
  }

  stop(): void {
    this.finish({ reason: 'stopped' });
  }

  /**
   * Sends nothing more and ends ('done') once every message in flight is acknowledged, so `sent`
   * counts every message the hub stored (stop() closes at once: an unacknowledged message may be
   * stored yet not counted). Used to end a timed run exactly.
   */
  finishSending(): void {
    this.sendingFinished = true;
  }
}

function connectError(e: Error & { code?: number | string }, deviceId: string): string {
  const code = e.code;
  if (code === 5 || /Not authorized/i.test(e.message)) return `The hub refused '${deviceId}': not authorized (wrong key, expired token, or the device is disabled).`;
  if (code === 4 || /Bad username or password/i.test(e.message)) return `The hub refused '${deviceId}': bad user name or password (wrong key?).`;
  if (code === 'ECONNREFUSED') return `The hub's MQTT endpoint did not answer (${e.message}). Is the hub running?`;
  return `'${deviceId}': ${e.message}`;
}

/** Checks one rendered message as the hub would before anything connects; undefined when fine. */
export function refusalOf(template: MessageTemplate, deviceId: string): string | undefined {
  const msg = template.render({ counter: 1, deviceId, now: new Date() });
  const errors = validateMessage(msg, { direction: 'd2c' }).problems.filter((p) => p.severity === 'error');
  if (errors.length === 0) return undefined;
  return errors.map((p) => `${p.code} ${p.message}`).join(' ');
}
