// What the official service SDK (azure-iothub), the device HTTPS API or the network said about an
// Azure IoT Hub request, as a HubRequestError whose message tells the user what to do. The SDK's
// error classes are matched by `name` (its vendored azure-iot-common is private), and IoT Hub's own
// error code is read from the response body (`{"Message":"ErrorCode:<Code>;..."}`) when one came.
// Never puts a key, token or connection string into a message.
import { LocalHubApiError } from '../../hub/client/localHubClient';
import { MessageSendError } from '../../hub/client/messageSender';
import { HubRequestError, hubRequestErrorOfSend, type HubRequestErrorKind } from '../hubConnection';
import { isNoAnswerErrno, isNoNameErrno } from '../../core/networkErrors';
import { knownHubError } from '../hubErrorCodes';
import { redactSecrets } from '../../core/redactSecrets';

export { redactSecrets };

const TLS_CODES = new Set(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID']);

/** The IoT Hub error code in an SDK error's response body (`ErrorCode:DeviceNotFound;...`), if any. */
function iotHubErrorCode(e: { responseBody?: unknown; message?: unknown }): string | undefined {
  const texts = [e.responseBody, e.message].filter((t): t is string => typeof t === 'string');
  for (const t of texts) {
    const m = /ErrorCode:?\s*"?([A-Za-z]+)/.exec(t) ?? /"errorCode"\s*:\s*"?(\d+|[A-Za-z]+)/.exec(t);
    if (m?.[1] !== undefined) return m[1];
  }
  return undefined;
}

/** The errno-like code of `e` or of the error it wraps (the SDK keeps the transport error in `transportError` / `amqpError`). */
function wrappedErrno(e: unknown, depth = 0): string | undefined {
  if (e === null || typeof e !== 'object' || depth > 4) return undefined;
  const o = e as { code?: unknown; transportError?: unknown; amqpError?: unknown; cause?: unknown; innerError?: unknown };
  if (typeof o.code === 'string') return o.code;
  return wrappedErrno(o.transportError, depth + 1) ?? wrappedErrno(o.amqpError, depth + 1) ?? wrappedErrno(o.cause, depth + 1) ?? wrappedErrno(o.innerError, depth + 1);
}

function statusOf(e: unknown): number | undefined {
  const s = (e as { response?: { statusCode?: unknown } } | undefined)?.response?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

/**
 * `what` names the operation ("List devices", "Send C2D to 'dev1'"); `host` the hub. The message
 * says what happened and what to do about it.
 */
export function toAzureHubError(e: unknown, what: string, host: string): HubRequestError {
  if (e instanceof HubRequestError) return e;
  if (e instanceof MessageSendError) return hubRequestErrorOfSend(e, redactSecrets(e.message));
  const err = (e ?? {}) as { name?: unknown; message?: unknown; responseBody?: unknown };
  const name = typeof err.name === 'string' ? err.name : '';
  const raw = redactSecrets(typeof err.message === 'string' ? err.message : String(e));
  const details: HubRequestError['details'] = {};
  const status = e instanceof LocalHubApiError ? e.status : statusOf(e);
  if (status !== undefined) details.status = status;
  const code = e instanceof LocalHubApiError ? e.errorCode : iotHubErrorCode(err);
  if (code !== undefined) details.errorCode = code;
  const make = (message: string, kind: HubRequestErrorKind): HubRequestError => new HubRequestError(`${what}: ${message}`, kind, details);

  // IoT Hub's own error code first: it is the most precise; then the SDK's error class, then the status.
  const known = knownHubError({ code, sdkErrorName: name, status });
  if (known) return make(known.advice, known.kind);
  if (code === 'MessageTooLarge' || name === 'MessageTooLargeError' || status === 413) return make(`the message is too large for IoT Hub (C2D messages may be at most 64 KB). ${raw}`, 'too-large');
  if (name === 'UnauthorizedError' || status === 401 || code === 'IotHubUnauthorizedAccess' || code === 'IotHubUnauthorized') {
    return make(`${host} refused the credentials. Check that the connection string's SharedAccessKey is current (keys may have been regenerated) and that its policy has the rights this needs (registry read/write, service connect).`, 'unauthorized');
  }
  if (name === 'IotHubNotFoundError' || code === 'IotHubNotFound') return make(`no IoT Hub named ${host} exists. Check the connection string's HostName.`, 'unreachable');
  if (name === 'IoTHubSuspendedError' || code === 'IoTHubSuspended') return make(`${host} is suspended (its daily quota or subscription). Resume it in the Azure portal.`, 'quota');
  if (name === 'ArgumentError' || status === 400) return make(`IoT Hub refused the request: ${raw}`, 'invalid');
  if (name === 'ServiceUnavailableError' || name === 'InternalServerError' || status === 503 || status === 500) return make(`IoT Hub had a problem (${status ?? name}); try again in a moment.`, 'failed');

  const errno = wrappedErrno(e);
  if (isNoNameErrno(errno)) return make(`the host name ${host} does not resolve (${errno}). Check the connection string's HostName and this machine's network or proxy.`, 'unreachable');
  if (errno !== undefined && TLS_CODES.has(errno)) return make(`the TLS certificate of ${host} is not trusted here (${errno}). A proxy that inspects TLS needs its CA in the system's trust store.`, 'unreachable');
  if (isNoAnswerErrno(errno)) return make(`${host} did not answer (${errno}). Check the network; a firewall may block port ${/AMQP|C2D|feedback/i.test(what) ? '5671 (AMQP)' : '443 (HTTPS)'}.`, 'unreachable');
  if (name === 'TimeoutError' || /timed? ?out/i.test(raw)) return make(`${host} did not answer in time. Check the network and try again.`, 'unreachable');
  if (name === 'NotConnectedError') return make(`the AMQP connection to ${host} could not be made or was lost (${raw}). Check the network; a firewall may block port 5671 (AMQP).`, 'unreachable');
  if (status !== undefined) return make(`IoT Hub answered ${status}${code !== undefined ? ` ${code}` : ''}: ${raw}`, 'failed');
  return make(raw, 'failed');
}
