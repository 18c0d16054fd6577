// Delivers one device's C2D queue over its MQTT connection: lock the next message (receive), publish
// it QoS 1 on `devices/{id}/messages/devicebound/{bag}`, and complete it when the device PUBACKs.
// A few messages may be in flight at once (a small window, so one slow device cannot lock its
// whole queue). When the connection goes, every message it still holds is abandoned so it is
// redelivered on the next connection (IoT Hub's behaviour with clean session 0).
import { formatC2dTopic } from '../../core/codec/propertyBag';
import type { C2dMessage, C2dQueues, HubLogger } from '../contracts';
import { encodePublish } from './publishPacket';
import { errorText } from '../../core/errorText';

export const C2D_MQTT_WINDOW = 8;

interface InFlight { lockToken: string; sequenceNumber: number }

export interface C2dDeliveryTarget {
  deviceId: string;
  /** Writes raw MQTT bytes to the device; false once the connection is gone. */
  write(bytes: Buffer): boolean;
}


export class C2dDelivery {
  private readonly inFlight = new Map<number, InFlight>();
  private nextPacketId = 1;
  private active = true;
  private subscribed = false;
  private pumping = false;
  private pumpAgain = false;
  /** The QoS the device subscribed with: 1 = PUBACK completes; 0 = at most once, completed when written. */
  private qos: 0 | 1 = 1;

  constructor(
    private readonly target: C2dDeliveryTarget,
    private readonly queues: C2dQueues,
    private readonly log: HubLogger,
    private readonly window = C2D_MQTT_WINDOW,
  ) {}

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** The device subscribed to its devicebound topic: start delivering. */
  subscribe(qos: 0 | 1 = 1): void {
    this.subscribed = true;
    this.qos = qos;
    this.kick();
  }

  unsubscribe(): void {
    this.subscribed = false;
  }

  /** Something may be deliverable (a send, an abandon, a lock timeout): pump if idle. */
  kick(): void {
    if (!this.active || !this.subscribed) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    void this.pump();
  }

  private allocatePacketId(): number {
    for (let i = 0; i < 0xffff; i++) {
      const id = this.nextPacketId;
      this.nextPacketId = id === 0xffff ? 1 : id + 1;
      if (!this.inFlight.has(id)) return id;
    }
    throw new Error('no free MQTT packet id');
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        while (this.active && this.subscribed && this.inFlight.size < this.window) {
          let message: C2dMessage | undefined;
          try {
            message = await this.queues.receive(this.target.deviceId);
          } catch (e) {
            this.log.warn(`C2D receive for ${this.target.deviceId} failed: ${errorText(e)}`);
            return;
          }
          if (message === undefined) break;
          const lockToken = message.lockToken;
          if (lockToken === undefined) {
            this.log.error(`C2D queue returned message ${message.sequenceNumber} for ${this.target.deviceId} without a lock token`);
            break;
          }
          if (!this.active || !this.subscribed) {
            await this.abandonQuietly(lockToken);
            break;
          }
          this.send(message, lockToken);
        }
      } while (this.pumpAgain && this.active);
    } finally {
      this.pumping = false;
    }
  }

  private send(message: C2dMessage, lockToken: string): void {
    let bytes: Buffer;
    const packetId = this.qos === 1 ? this.allocatePacketId() : undefined;
    try {
      // Every set property travels in the bag; IoT Hub always tells the device the expiry.
      const systemProperties = { ...message.systemProperties };
      systemProperties.expiryTimeUtc ??= new Date(message.expiryTime).toISOString();
      const topic = formatC2dTopic(this.target.deviceId, { systemProperties, applicationProperties: message.applicationProperties });
      bytes = encodePublish(topic, packetId, message.body);
    } catch (e) {
      // Properties were validated when the message was sent, so this is a hub bug; do not loop on it.
      this.log.error(`Cannot encode C2D message ${message.sequenceNumber} for ${this.target.deviceId}: ${errorText(e)}; rejecting it`);
      void this.queues.reject(this.target.deviceId, lockToken).catch(() => undefined);
      return;
    }
    if (packetId === undefined) {
      // A QoS 0 subscription gets at-most-once delivery: written = delivered = completed.
      if (this.target.write(bytes)) {
        void this.queues.complete(this.target.deviceId, lockToken).catch((e: unknown) => this.log.debug(`C2D complete (QoS 0) for ${this.target.deviceId} failed: ${errorText(e)}`));
      } else {
        void this.abandonQuietly(lockToken);
      }
      return;
    }
    this.inFlight.set(packetId, { lockToken, sequenceNumber: message.sequenceNumber });
    if (!this.target.write(bytes)) {
      this.inFlight.delete(packetId);
      void this.abandonQuietly(lockToken);
    }
  }

  /** The device PUBACKed `packetId`: that is IoT Hub's complete. */
  onPuback(packetId: number): void {
    const entry = this.inFlight.get(packetId);
    if (entry === undefined) return; // not ours (or a duplicate PUBACK)
    this.inFlight.delete(packetId);
    this.queues.complete(this.target.deviceId, entry.lockToken).then(
      () => this.kick(),
      (e: unknown) => {
        // Typically the lock expired first and the message was redelivered or dead-lettered.
        this.log.debug(`C2D complete of message ${entry.sequenceNumber} for ${this.target.deviceId} failed: ${errorText(e)}`);
        this.kick();
      },
    );
  }

  /**
   * The queue moved one of our in-flight messages on without us (its lock timed out, it expired,
   * it was purged): stop counting it against the window so delivery does not stall behind it.
   */
  release(sequenceNumber: number, currentLockToken: string | undefined): void {
    for (const [packetId, entry] of this.inFlight) {
      if (entry.sequenceNumber === sequenceNumber && entry.lockToken !== currentLockToken) this.inFlight.delete(packetId);
    }
  }

  private async abandonQuietly(lockToken: string): Promise<void> {
    try {
      await this.queues.abandon(this.target.deviceId, lockToken);
    } catch (e) {
      this.log.debug(`C2D abandon for ${this.target.deviceId} failed: ${errorText(e)}`);
    }
  }

  /** The connection is gone: hand every un-acknowledged message back to the queue. */
  async stop(): Promise<void> {
    this.active = false;
    const held = [...this.inFlight.values()];
    this.inFlight.clear();
    await Promise.all(held.map((h) => this.abandonQuietly(h.lockToken)));
  }
}
