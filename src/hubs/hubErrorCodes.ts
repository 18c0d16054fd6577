// IoT Hub's error codes (in a REST error body, or behind the service SDK's error classes) as what
// a user can do about them: one table for both hub connections (local and Azure), so the same
// refusal reads the same whichever hub said it. Codes whose text needs the hub's own words or the
// host name (too large, unauthorized, invalid, hub not found) stay with each connection.
import type { HubRequestErrorKind } from './hubConnection';

export interface KnownHubError {
  kind: HubRequestErrorKind;
  /** What happened and what to do, put after the operation's name ("Delete device 'x': ..."). */
  advice: string;
}

const THROTTLED: KnownHubError = { kind: 'throttled', advice: 'the hub is throttling requests. Wait a few seconds and try again.' };

const BY_CODE: Readonly<Record<string, KnownHubError>> = {
  DeviceNotFound: { kind: 'device-not-found', advice: 'the device is not registered on the hub (it may have been deleted meanwhile). Refresh the device list.' },
  DeviceAlreadyExists: { kind: 'device-exists', advice: 'a device with this id already exists on the hub. Pick another id.' },
  PreconditionFailed: { kind: 'changed-meanwhile', advice: 'the device changed meanwhile (its etag no longer matches). Refresh and try again.' },
  DeviceMaximumQueueDepthExceeded: { kind: 'queue-full', advice: "the device's C2D queue is full (IoT Hub allows 50 messages). Purge it or let the device receive first." },
  ThrottlingException: THROTTLED,
  ThrottleBacklogLimitExceeded: THROTTLED,
  IotHubQuotaExceeded: { kind: 'quota', advice: "the hub's daily message quota is used up. Wait until it resets (midnight UTC) or raise the hub's tier or units in the Azure portal." },
  TooManyDevices: { kind: 'quota', advice: "the hub's device or request quota is exceeded. Remove devices or raise the hub's tier in the Azure portal." },
};

/** The service SDK's error class names (azure-iot-common) for the codes above. */
const CODE_OF_SDK_ERROR: Readonly<Record<string, string>> = {
  DeviceNotFoundError: 'DeviceNotFound',
  DeviceAlreadyExistsError: 'DeviceAlreadyExists',
  InvalidEtagError: 'PreconditionFailed',
  PreconditionFailedError: 'PreconditionFailed',
  DeviceMaximumQueueDepthExceededError: 'DeviceMaximumQueueDepthExceeded',
  ThrottlingError: 'ThrottlingException',
  IotHubQuotaExceededError: 'IotHubQuotaExceeded',
  TooManyDevicesError: 'TooManyDevices',
};

/** The HTTP statuses that say as much as a code (404 is left out: on Azure it may be the hub itself that is not found). */
const CODE_OF_STATUS: Readonly<Record<number, string>> = {
  409: 'DeviceAlreadyExists',
  412: 'PreconditionFailed',
  429: 'ThrottlingException',
};

function lookup(table: Readonly<Record<string | number, string>>, key: string | number | undefined): string | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** What IoT Hub's answer means, from its error code first, then the SDK's error name, then the HTTP status. */
export function knownHubError(answer: { code?: string | undefined; sdkErrorName?: string | undefined; status?: number | undefined }): KnownHubError | undefined {
  for (const code of [answer.code, lookup(CODE_OF_SDK_ERROR, answer.sdkErrorName), lookup(CODE_OF_STATUS, answer.status)]) {
    if (code !== undefined && Object.hasOwn(BY_CODE, code)) return BY_CODE[code];
  }
  return undefined;
}
