// Device id rules (IoT Hub: case-sensitive, at most 128 characters, ASCII alphanumerics plus
// - . + % _ # * ? ! ( ) , = @ $ ' and, per some docs, : and ;). Tolerant choice: accept both.
// TODO(core): switch to src/core/message/charset.ts once the core helper lands it.
import { DEVICE_ID_MAX_LENGTH } from '../../core/message/limits';

const DEVICE_ID_CHARS = /^[A-Za-z0-9\-.+%_#*?!(),=@$':;]+$/;

/** Returns a sentence describing what is wrong, or undefined when the id is valid. */
export function deviceIdProblem(deviceId: unknown): string | undefined {
  if (typeof deviceId !== 'string' || deviceId.length === 0) return 'A device id is required.';
  if (deviceId.length > DEVICE_ID_MAX_LENGTH) return `Device id is ${deviceId.length} characters long; the limit is ${DEVICE_ID_MAX_LENGTH}.`;
  if (!DEVICE_ID_CHARS.test(deviceId)) {
    const bad = [...deviceId].find((c) => !DEVICE_ID_CHARS.test(c)) ?? '';
    return `Device id "${deviceId}" contains "${bad}"; allowed are ASCII letters, digits and - . + % _ # * ? ! ( ) , = @ $ ' : ;`;
  }
  return undefined;
}
