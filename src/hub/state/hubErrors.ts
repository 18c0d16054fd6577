// IoT Hub's error codes, with the HTTP status and numeric code of each (the `errorCode` numbers in
// the REST error body), so the domain and every front door map them the same way.
import type { Problem } from '../../core/message/problems';
import { HubError } from '../contracts';

/**
 * IoT Hub's error codes: the HTTP status and the numeric code (the REST body's `errorCode`, the end
 * of the domain's messages) of each. The one table: the domain, the HTTPS front door and the AMQP
 * nodes (amqpErrors.ts maps these names to conditions) all read it.
 */
const IOT_HUB_ERRORS = {
  ArgumentInvalid: { status: 400, number: 400004 },
  ArgumentNull: { status: 400, number: 400005 },
  IotHubUnauthorized: { status: 401, number: 401001 },
  IotHubUnauthorizedAccess: { status: 401, number: 401002 },
  DeviceMaximumQueueDepthExceeded: { status: 403, number: 403004 },
  NotFound: { status: 404, number: 404000 },
  DeviceNotFound: { status: 404, number: 404001 },
  ConsumerGroupNotFound: { status: 404, number: 404001 },
  MethodNotAllowed: { status: 405, number: 405000 },
  DeviceAlreadyExists: { status: 409, number: 409001 },
  ConsumerGroupAlreadyExists: { status: 409, number: 409001 },
  PreconditionFailed: { status: 412, number: 412002 },
  DeviceMessageLockLost: { status: 412, number: 412002 },
  MessageTooLarge: { status: 413, number: 413002 },
  ServerError: { status: 500, number: 500001 },
} as const satisfies Record<string, { status: number; number: number }>;

export type HubErrorName = keyof typeof IOT_HUB_ERRORS;

/** IoT Hub's numeric code for an error code name (`DeviceNotFound` -> 404001), if it is one of IoT Hub's. */
export function iotHubErrorNumber(errorCode: string): number | undefined {
  return Object.hasOwn(IOT_HUB_ERRORS, errorCode) ? IOT_HUB_ERRORS[errorCode as HubErrorName].number : undefined;
}

/** The HTTP status IoT Hub answers with for an error code. */
export function iotHubErrorStatus(name: HubErrorName): number {
  return IOT_HUB_ERRORS[name].status;
}

/** A HubError whose message ends with IoT Hub's numeric code, e.g. "... (403004)". */
export function hubError(name: HubErrorName, message: string): HubError {
  return new HubError(name, IOT_HUB_ERRORS[name].status, `${message} (${IOT_HUB_ERRORS[name].number})`);
}

/** The numeric IoT Hub code of a HubError, if its code is one of IoT Hub's. */
export function hubErrorNumber(error: HubError): number | undefined {
  return iotHubErrorNumber(error.errorCode);
}

/**
 * Raised by validation, carrying every problem the core validator reported: ArgumentInvalid (400),
 * or MessageTooLarge (413, 413002) when the message is over the size limit, as IoT Hub answers
 * an oversize message whatever else is wrong with it.
 */
export class HubValidationError extends HubError {
  constructor(message: string, readonly problems: Problem[]) {
    const name: HubErrorName = problems.some((p) => p.rule === 'message-too-large') ? 'MessageTooLarge' : 'ArgumentInvalid';
    super(name, IOT_HUB_ERRORS[name].status, `${message} (${IOT_HUB_ERRORS[name].number})`);
  }
}
