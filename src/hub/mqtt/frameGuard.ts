// Refuses MQTT packets that announce an impossible size before they are buffered. aedes' parser
// (mqtt-packet) accumulates a whole packet, up to the protocol maximum of 256 MB, before anything
// can inspect it; a device (or a port scanner) announcing a huge packet would make the hub hold
// that memory. This observer reads only fixed headers: it listens to 'data', which a stream read
// through 'readable' (as aedes does) emits for every chunk read, without changing its flow.
import type { Duplex } from 'node:stream';

/** No valid IoT Hub packet comes near this: 256 KB of message, a topic of at most 64 KB, headers. */
export const MAX_MQTT_PACKET_BYTES = 1024 * 1024;

export function guardFrameSizes(stream: Duplex, onViolation: (reason: string) => void, maxBytes = MAX_MQTT_PACKET_BYTES): void {
  // State: 0 = expecting a fixed-header byte, 1 = reading the remaining length, 2 = skipping the body.
  let state = 0;
  let length = 0;
  let multiplier = 1;
  let lengthBytes = 0;
  let skip = 0;
  let violated = false;
  stream.on('data', (chunk: Buffer | string) => {
    if (violated) return;
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let i = 0;
    while (i < b.length) {
      if (state === 0) {
        state = 1;
        length = 0;
        multiplier = 1;
        lengthBytes = 0;
        i++;
      } else if (state === 1) {
        const byte = b[i++]!;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        lengthBytes++;
        if (length > maxBytes) {
          violated = true;
          onViolation(`announced a packet of at least ${length} bytes (limit ${maxBytes})`);
          return;
        }
        if ((byte & 0x80) === 0) {
          skip = length;
          state = skip > 0 ? 2 : 0;
        } else if (lengthBytes >= 4) {
          violated = true;
          onViolation('sent a malformed remaining-length field');
          return;
        }
      } else {
        const n = Math.min(skip, b.length - i);
        skip -= n;
        i += n;
        if (skip === 0) state = 0;
      }
    }
  });
}
