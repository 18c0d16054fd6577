// Encodes the one packet the hub writes itself: a PUBLISH carrying a C2D message. The hub
// owns C2D delivery (its durable queue is the session state), so it bypasses aedes' in-memory
// outgoing queue, which would otherwise replay stale copies on reconnect; see hubPersistence.ts.

function remainingLength(n: number): Buffer {
  const bytes: number[] = [];
  do {
    let digit = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) digit |= 0x80;
    bytes.push(digit);
  } while (n > 0);
  return Buffer.from(bytes);
}

/** MQTT 3.1.1 PUBLISH at QoS 1 (with `packetId`) or QoS 0 (`packetId` undefined); no DUP, no RETAIN. */
export function encodePublish(topic: string, packetId: number | undefined, payload: Uint8Array): Buffer {
  const topicBytes = Buffer.from(topic, 'utf8');
  if (topicBytes.length > 0xffff) throw new RangeError(`MQTT topic is ${topicBytes.length} bytes; the limit is 65535`);
  const variable = 2 + topicBytes.length + (packetId === undefined ? 0 : 2);
  const header = Buffer.from([packetId === undefined ? 0x30 : 0x32]);
  const len = remainingLength(variable + payload.byteLength);
  const fields = Buffer.alloc(variable);
  fields.writeUInt16BE(topicBytes.length, 0);
  topicBytes.copy(fields, 2);
  if (packetId !== undefined) fields.writeUInt16BE(packetId, 2 + topicBytes.length);
  return Buffer.concat([header, len, fields, payload]);
}
