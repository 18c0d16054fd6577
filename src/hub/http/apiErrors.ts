// Errors of the HTTPS API in IoT Hub's REST shape: status + `{ Message, ExceptionMessage }` with
// `ErrorCode:{name};{text}` in Message, the numeric code in `errorCode` and the `iothub-errorcode`
// header, so tools written against IoT Hub read them the same way.
import type { ServerResponse } from 'node:http';
import { HubError } from '../contracts';
import { hubErrorNumber, iotHubErrorNumber, iotHubErrorStatus, type HubErrorName } from '../state/hubErrors';
import type { ApiErrorJson } from './jsonShapes';

/**
 * An API error raised by the front door itself (auth, routing, request parsing): one of IoT Hub's
 * codes, whose status comes from the table (hubErrors.ts), or a code of the local hub's own
 * (`RouteNotFound`) with its status.
 */
export function apiError(errorCode: HubErrorName, message: string): HubError;
export function apiError(errorCode: string, httpStatus: number, message: string): HubError;
export function apiError(errorCode: string, statusOrMessage: number | string, message?: string): HubError {
  if (typeof statusOrMessage === 'number') return new HubError(errorCode, statusOrMessage, message ?? '');
  return new HubError(errorCode, iotHubErrorStatus(errorCode as HubErrorName), statusOrMessage);
}

export function writeError(res: ServerResponse, error: unknown, trackingId: string): void {
  let status = 500;
  let code = 'ServerError';
  let text = 'The hub failed to handle the request.';
  let number = iotHubErrorNumber(code);
  if (error instanceof HubError) {
    status = error.httpStatus;
    code = error.errorCode;
    text = error.message;
    number = hubErrorNumber(error);
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
