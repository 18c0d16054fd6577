// Errors of the HTTPS API in IoT Hub's REST shape: status + `{ Message, ExceptionMessage }` with
// `ErrorCode:{name};{text}` in Message, the numeric code in `errorCode` and the `iothub-errorcode`
// header, so tools written against IoT Hub read them the same way.
import type { ServerResponse } from 'node:http';
import { HubError } from '../contracts';
import { hubErrorNumber } from '../state/hubErrors';
import type { ApiErrorJson } from './jsonShapes';

const NUMBERS: Record<string, number> = {
  ArgumentInvalid: 400004,
  ArgumentNull: 400005,
  IotHubUnauthorizedAccess: 401002,
  IotHubUnauthorized: 401001,
  DeviceNotFound: 404001,
  NotFound: 404000,
  MethodNotAllowed: 405000,
  DeviceAlreadyExists: 409001,
  PreconditionFailed: 412002,
  DeviceMessageLockLost: 412002,
  MessageTooLarge: 413002,
  DeviceMaximumQueueDepthExceeded: 403004,
  ServerError: 500001,
};

/** An API error raised by the front door itself (auth, routing, request parsing). */
export function apiError(errorCode: string, httpStatus: number, message: string): HubError {
  return new HubError(errorCode, httpStatus, message);
}

export function writeError(res: ServerResponse, error: unknown, trackingId: string): void {
  let status = 500;
  let code = 'ServerError';
  let text = 'The hub failed to handle the request.';
  let number: number | undefined = NUMBERS['ServerError'];
  if (error instanceof HubError) {
    status = error.httpStatus;
    code = error.errorCode;
    text = error.message;
    number = hubErrorNumber(error) ?? NUMBERS[code];
  }
  const body: ApiErrorJson = {
    Message: `ErrorCode:${code};${text}`,
    ExceptionMessage: `Tracking ID:${trackingId}-TimeStamp:${new Date().toISOString()}`,
  };
  if (number !== undefined) body.errorCode = number;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
    'iothub-errorcode': code,
  });
  res.end(json);
}
