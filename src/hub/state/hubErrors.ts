// IoT Hub error codes the durable domain raises, with IoT Hub's numeric codes (the `errorCode`
// numbers in the REST error body) so every front door maps them the same way.
import type { Problem } from '../../core/message/problems';
import { HubError } from '../contracts';

export const HUB_ERROR_NUMBERS = {
  ArgumentInvalid: 400004,
  DeviceNotFound: 404001,
  ConsumerGroupNotFound: 404001,
  DeviceAlreadyExists: 409001,
  ConsumerGroupAlreadyExists: 409001,
  DeviceMaximumQueueDepthExceeded: 403004,
  PreconditionFailed: 412002,
  DeviceMessageLockLost: 412002,
  IotHubUnauthorizedAccess: 401002,
  MessageTooLarge: 413002,
} as const;

export type HubErrorName = keyof typeof HUB_ERROR_NUMBERS;

const STATUS: Record<HubErrorName, number> = {
  ArgumentInvalid: 400,
  DeviceNotFound: 404,
  ConsumerGroupNotFound: 404,
  DeviceAlreadyExists: 409,
  ConsumerGroupAlreadyExists: 409,
  DeviceMaximumQueueDepthExceeded: 403,
  PreconditionFailed: 412,
  DeviceMessageLockLost: 412,
  IotHubUnauthorizedAccess: 401,
  MessageTooLarge: 413,
};

/** A HubError whose message ends with IoT Hub's numeric code, e.g. "... (403004)". */
export function hubError(name: HubErrorName, message: string): HubError {
  return new HubError(name, STATUS[name], `${message} (${HUB_ERROR_NUMBERS[name]})`);
}

/** The numeric IoT Hub code for a HubError raised by the domain, if known. */
export function hubErrorNumber(error: HubError): number | undefined {
  return (HUB_ERROR_NUMBERS as Record<string, number>)[error.errorCode];
}

/**
 * Raised by validation, carrying every problem the core validator reported: ArgumentInvalid (400),
 * or MessageTooLarge (413, 413002) when the message is over the size limit, as IoT Hub answers
 * an oversize message whatever else is wrong with it.
 */
export class HubValidationError extends HubError {
  constructor(message: string, readonly problems: Problem[]) {
    const name: HubErrorName = problems.some((p) => p.rule === 'message-too-large') ? 'MessageTooLarge' : 'ArgumentInvalid';
    super(name, STATUS[name], `${message} (${HUB_ERROR_NUMBERS[name]})`);
  }
}
