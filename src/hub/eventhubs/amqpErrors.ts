// AMQP error conditions the Event Hubs-compatible endpoint detaches links with. The names are the
// ones Event Hubs itself uses, so @azure/event-hubs translates them into the errors its users
// already handle (ServiceCommunicationError for not-found, ArgumentError, UnauthorizedError, ...).
import type { AmqpError } from 'rhea';
import { errorText } from '../../core/errorText';
import type { HubError } from '../contracts';
import type { HubErrorName } from '../state/hubErrors';

export const AmqpCondition = {
  notFound: 'amqp:not-found',
  unauthorized: 'amqp:unauthorized-access',
  invalidField: 'amqp:invalid-field',
  notAllowed: 'amqp:not-allowed',
  notImplemented: 'amqp:not-implemented',
  internalError: 'amqp:internal-error',
  resourceLimitExceeded: 'amqp:resource-limit-exceeded',
  linkStolen: 'amqp:link:stolen',
  linkRedirect: 'amqp:link:redirect',
  messageSizeExceeded: 'amqp:link:message-size-exceeded',
  argumentError: 'com.microsoft:argument-error',
  argumentOutOfRange: 'com.microsoft:argument-out-of-range',
} as const;
export type AmqpConditionName = (typeof AmqpCondition)[keyof typeof AmqpCondition];

/** A refusal that becomes the detach (or response) error; `description` is shown to the client's user. */
export class EndpointError extends Error {
  constructor(
    readonly condition: AmqpConditionName,
    description: string,
  ) {
    super(description);
    this.name = 'EndpointError';
  }

  toAmqpError(): AmqpError {
    return { condition: this.condition, description: this.message };
  }
}

/** IoT Hub's AMQP condition for its error codes, so the SDKs raise their own error types (the rest: internal-error). */
const HUB_ERROR_CONDITIONS: Partial<Record<HubErrorName, AmqpConditionName>> = {
  DeviceNotFound: AmqpCondition.notFound,
  DeviceMaximumQueueDepthExceeded: AmqpCondition.resourceLimitExceeded,
  MessageTooLarge: AmqpCondition.messageSizeExceeded,
  ArgumentInvalid: AmqpCondition.argumentError,
  IotHubUnauthorizedAccess: AmqpCondition.unauthorized,
};

/** Turns anything thrown while serving a link into an AMQP error without leaking internals beyond the message. */
export function toAmqpError(e: unknown): AmqpError {
  if (e instanceof EndpointError) return e.toAmqpError();
  // By name, as the hub's other error paths do (apiServer.ts).
  if (e instanceof Error && e.name === 'HubError') {
    const code = (e as HubError).errorCode;
    const condition = Object.hasOwn(HUB_ERROR_CONDITIONS, code) ? HUB_ERROR_CONDITIONS[code as HubErrorName] : undefined;
    return { condition: condition ?? AmqpCondition.internalError, description: e.message };
  }
  if (e instanceof RangeError) return { condition: AmqpCondition.argumentOutOfRange, description: e.message };
  return { condition: AmqpCondition.internalError, description: errorText(e) };
}
