// Message size as IoT Hub counts it against the D2C (256 KB) and C2D (64 KB) limits.
import { maxMessageBytes } from './limits';
import { SENDER_SYSTEM_PROPERTIES, type Direction, type IotMessage } from './model';
import type { SizeBreakdown } from './problems';

const encoder = new TextEncoder();

/** UTF-8 byte length of a string (lone surrogates count as the 3 bytes of U+FFFD, as TextEncoder writes them). */
export function utf8Length(s: string): number {
  // Fast path for ASCII, which is nearly every property.
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) { ascii = false; break; }
  }
  return ascii ? s.length : encoder.encode(s).length;
}

/**
 * Size = body bytes + UTF-8 bytes of every sender-settable system property VALUE that is present
 * (`SENDER_SYSTEM_PROPERTIES`: message-id, correlation-id, user-id, to, absolute-expiry-time,
 * content-type, content-encoding, iothub-creation-time-utc, iothub-ack, subject) + UTF-8 bytes of
 * every application property name and value. Property NAMES of system properties do not count
 * (the documentation counts values only). Hub-stamped properties (enqueued time, sequence number,
 * connection device id, ...) are excluded: the hub adds them after it has accepted the message,
 * so a message read back from the hub measures the same as when it was sent.
 */
export function computeSize(msg: IotMessage, direction: Direction): SizeBreakdown {
  let systemValues = 0;
  for (const name of SENDER_SYSTEM_PROPERTIES) {
    const value = msg.systemProperties[name];
    if (value !== undefined) systemValues += utf8Length(value);
  }
  let applicationNames = 0;
  let applicationValues = 0;
  for (const p of msg.applicationProperties) {
    applicationNames += utf8Length(p.name);
    applicationValues += utf8Length(p.value);
  }
  const body = msg.body.byteLength;
  return {
    body,
    systemValues,
    applicationNames,
    applicationValues,
    total: body + systemValues + applicationNames + applicationValues,
    limit: maxMessageBytes(direction),
  };
}
