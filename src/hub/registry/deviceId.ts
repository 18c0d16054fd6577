// Device id rules come from the core (src/core/message/charset.ts via validateDeviceId): case-
// sensitive, at most 128 characters, ASCII alphanumerics plus - . + % _ # * ? ! ( ) , = @ $ '
// (and the tolerated : ;).
import { validateDeviceId } from '../../core/message/validation';

/** Returns a sentence describing what is wrong, or undefined when the id is valid. */
export function deviceIdProblem(deviceId: unknown): string | undefined {
  if (typeof deviceId !== 'string' || deviceId.length === 0) return 'A device id is required.';
  const problems = validateDeviceId(deviceId).filter((p) => p.severity === 'error');
  return problems.length === 0 ? undefined : problems.map((p) => p.message).join(' ');
}
