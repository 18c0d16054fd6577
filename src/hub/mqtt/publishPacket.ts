// Encodes the one packet the hub writes itself: a QoS 1 PUBLISH carrying a C2D message. The hub
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

/** MQTT 3.1.1 PUBLISH, QoS 1, no DUP, no RETAIN. */
export function encodeQos1Publish(topic: string, packetId: number, payload: Uint8Array): Buffer {
  const topicBytes = Buffer.from(topic, 'utf8');
  if (topicBytes.length > 0xffff) throw new RangeError(`MQTT topic is ${topicBytes.length} bytes; the limit is 65535`);
  const variable = 2 + topicBytes.length + 2;
  const header = Buffer.from([0x32]);
  const len = remainingLength(variable + payload.byteLength);
  const fields = Buffer.alloc(variable);
  fields.writeUInt16BE(topicBytes.length, 0);
  topicBytes.copy(fields, 2);
  fields.writeUInt16BE(packetId, 2 + topicBytes.length);
  return Buffer.concat([header, len, fields, payload]);
}
