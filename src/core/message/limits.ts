// Limits from IoT Hub's documentation (see shared/design/IOT_HUB_FACTS.md).
import type { Direction } from './model';

export const D2C_MAX_MESSAGE_BYTES = 256 * 1024;
export const C2D_MAX_MESSAGE_BYTES = 64 * 1024;
export const MESSAGE_ID_MAX_LENGTH = 128;
export const DEVICE_ID_MAX_LENGTH = 128;
export const C2D_MAX_QUEUE_DEPTH = 50;
export const C2D_DEFAULT_TTL_MS = 60 * 60 * 1000;
export const C2D_MAX_TTL_MS = 48 * 60 * 60 * 1000;
export const C2D_DEFAULT_LOCK_TIMEOUT_MS = 60 * 1000;
export const C2D_DEFAULT_MAX_DELIVERY_COUNT = 10;
export const C2D_MAX_DELIVERY_COUNT_LIMIT = 100;

export function maxMessageBytes(direction: Direction): number {
  return direction === 'c2d' ? C2D_MAX_MESSAGE_BYTES : D2C_MAX_MESSAGE_BYTES;
}
