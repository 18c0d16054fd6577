// IotMessage <-> WireMessage. Works in Node and in the webview (btoa/atob exist in both), so the
// same code runs on both sides of postMessage.
import type { IotMessage } from '../core/message/model';
import type { WireMessage } from './protocol';

const CHUNK = 0x8000;

/** Node's Buffer where there is one (the extension host); the webview has only btoa. */
const nodeBuffer = (globalThis as { Buffer?: { from(b: ArrayBufferLike, offset: number, length: number): { toString(encoding: 'base64'): string } } }).Buffer;

/**
 * Base64 of the body. In the extension host through Buffer: the portable loop takes tens of
 * milliseconds for a 256 KB body, on the way to opening the inspector; both give the same text.
 */
export function bytesToBase64(bytes: Uint8Array): string {
  return nodeBuffer ? nodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') : portableBytesToBase64(bytes);
}

/** btoa over the bytes as a binary string (the webview's way; exported so the tests compare the two). */
export function portableBytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  // Chunked: String.fromCharCode(...all) overflows the argument limit on a 256 KB body.
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function toWire(msg: IotMessage): WireMessage {
  const wire: WireMessage = {
    systemProperties: { ...msg.systemProperties },
    applicationProperties: msg.applicationProperties.map((p) => ({ name: p.name, value: p.value })),
    bodyBase64: bytesToBase64(msg.body),
  };
  if (msg.direction !== undefined) wire.direction = msg.direction;
  if (msg.deviceId !== undefined) wire.deviceId = msg.deviceId;
  if (msg.moduleId !== undefined) wire.moduleId = msg.moduleId;
  return wire;
}

export function fromWire(wire: WireMessage): IotMessage {
  const msg: IotMessage = {
    systemProperties: { ...wire.systemProperties },
    applicationProperties: wire.applicationProperties.map((p) => ({ name: String(p.name), value: String(p.value) })),
    body: base64ToBytes(wire.bodyBase64),
  };
  if (wire.direction !== undefined) msg.direction = wire.direction;
  if (wire.deviceId !== undefined) msg.deviceId = wire.deviceId;
  if (wire.moduleId !== undefined) msg.moduleId = wire.moduleId;
  return msg;
}
