// D2C ingest over MQTT: the IoT Hub rules for one device PUBLISH, the hand-off to the D2C log,
// PUBACKs written once the group commit holding the message is on disk (so a PUBACK always means
// "on disk"), and per-connection backpressure while commits are outstanding.
import type { Client, PublishPacket } from 'aedes';
import { parseD2cTopic } from '../../core/codec/propertyBag';
import { D2C_MAX_MESSAGE_BYTES } from '../../core/message/limits';
import { computeSize } from '../../core/message/size';
import type { Clock, D2cLog, HubLogger, HubState } from '../contracts';
import { pastConnack, pauseClient, refreshKeepalive, resumeClient } from './aedesInternals';
import type { DeviceSession } from './deviceSession';
import { errorText } from '../../core/errorText';

/**
 * Per-connection bound on D2C messages handed to the log and not yet committed. Beyond it the
 * hub stops reading that connection until half have committed: backpressure (TCP's own) for a
 * device that publishes faster than the disk syncs, so its memory stays bounded.
 */
const MAX_UNCOMMITTED_MESSAGES = 1000;
const MAX_UNCOMMITTED_BYTES = 4 * 1024 * 1024;
const EMPTY = new Uint8Array(0);


export interface D2cIngest {
  /**
   * The D2C rules for one PUBLISH of an authenticated device: checks it, hands the message to the
   * log (its PUBACK follows the commit) and returns null, or returns why the device is dropped.
   */
  acceptPublish(session: DeviceSession, packet: PublishPacket): Error | null;
  /**
   * The fast path for a PUBLISH seen straight from the parser: takes it when it repeats the
   * connection's last accepted topic (already checked once) after CONNACK, and returns whether
   * it did. Anything else goes through aedes' publish pipeline.
   */
  handledFast(session: DeviceSession | undefined, client: Client, packet: PublishPacket): boolean;
}

/**
 * `sink` takes each accepted message: the hub's message router (routes and custom endpoints; with
 * no routes it is the D2C log's own appendThen plus one branch), or the D2C log itself.
 */
export function createD2cIngest(hubState: HubState, clock: Clock, log: HubLogger, sink: Pick<D2cLog, 'appendThen'> = hubState.d2c): D2cIngest {
  /** Bookkeeping once a message's commit settled; resumes reading a paused connection. */
  function committed(session: DeviceSession, bytes: number): void {
    session.uncommitted--;
    session.uncommittedBytes -= bytes;
    if (session.paused && session.uncommitted <= MAX_UNCOMMITTED_MESSAGES / 2 && session.uncommittedBytes <= MAX_UNCOMMITTED_BYTES / 2) {
      session.paused = false;
      resumeClient(session.client);
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
      pauseClient(session.client);
    }
    const bytes = body.length;
    sink.appendThen({ deviceId: id, systemProperties: parsed.systemProperties, stamp: session.stamp, applicationProperties: parsed.applicationProperties, body }, (e) => {
      committed(session, bytes);
      if (e !== undefined) {
        // No PUBACK: the device keeps the message and retries on its next connection.
        log.error(`Device ${id}: storing a D2C message (in every endpoint it is routed to) failed: ${errorText(e)}; disconnecting without PUBACK`);
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

  function handledFast(session: DeviceSession | undefined, client: Client, packet: PublishPacket): boolean {
    if (session === undefined || !session.ready || session.lastTopic?.topic !== packet.topic || packet.qos === 2) return false;
    if (!pastConnack(client)) return false;
    const error = acceptPublish(session, packet);
    // What aedes does with a refused publish: the client's error handler closes the connection.
    if (error !== null) client.emit('error', error);
    else refreshKeepalive(client);
    return true;
  }

  return { acceptPublish, handledFast };
}
