// C2D message checks applied at send time, with the core validator (the same rules the editor,
// the linter and the inspector report). Errors make IoT Hub answer 400; warnings (for example an
// expiry more than 48 hours ahead, which the queue caps) do not block the send.
import type { ApplicationProperty, SystemProperties } from '../../core/message/model';
import type { Problem } from '../../core/message/problems';
import { validateMessage } from '../../core/message/validation';

export function c2dErrors(sys: SystemProperties, app: ApplicationProperty[], body: Uint8Array, now: number): Problem[] {
  const result = validateMessage(
    { direction: 'c2d', systemProperties: sys, applicationProperties: app, body },
    { direction: 'c2d', now: new Date(now) },
  );
  return result.problems.filter((p) => p.severity === 'error');
}
