// Device lifecycle and connection state events as IoT Hub emits them into routing: messages whose
// `iothub-message-source` is `deviceLifecycleEvents` / `deviceConnectionStateEvents`, with the
// application properties hubName, deviceId, opType, operationTimestamp and iothub-message-schema,
// and a JSON body (the device identity for lifecycle events, a sequence number for connection
// state events, which back ends use to order connects and disconnects).
import type { D2cAppend, Device, RegistryEvent } from '../contracts';
import { createD2cStamp } from '../d2c/recordCodec';
import type { RouteSource } from './routingConfig';

export interface SystemEventMessage {
  source: RouteSource;
  message: D2cAppend;
}

/** Monotonic across a hub run and restarts (time-based), like IoT Hub's hex sequence numbers. */
let lastConnectionSequence = 0n;
function nextConnectionSequence(now: number): string {
  const candidate = BigInt(now) * 1_000_000n;
  lastConnectionSequence = candidate > lastConnectionSequence ? candidate : lastConnectionSequence + 1n;
  return lastConnectionSequence.toString(16).toUpperCase().padStart(32, '0');
}

function twinLikeBody(device: Device, hubName: string): unknown {
  return {
    deviceId: device.deviceId,
    etag: device.etag,
    version: 1,
    status: device.status,
    statusUpdateTime: device.statusUpdatedTime,
    connectionState: device.connectionState,
    lastActivityTime: device.lastActivityTime,
    cloudToDeviceMessageCount: device.cloudToDeviceMessageCount,
    authenticationType: 'sas',
    hubName,
    properties: { desired: {}, reported: {} },
  };
}

function message(source: RouteSource, messageSource: string, schema: string, opType: string, deviceId: string, hubName: string, now: number, body: unknown): SystemEventMessage {
  const timestamp = new Date(now).toISOString();
  return {
    source,
    message: {
      deviceId,
      systemProperties: { contentType: 'application/json', contentEncoding: 'utf-8' },
      stamp: createD2cStamp({ connectionDeviceId: deviceId, messageSource }),
      applicationProperties: [
        { name: 'hubName', value: hubName },
        { name: 'deviceId', value: deviceId },
        { name: 'operationTimestamp', value: timestamp },
        { name: 'opType', value: opType },
        { name: 'iothub-message-schema', value: schema },
      ],
      body: Buffer.from(JSON.stringify(body), 'utf8'),
    },
  };
}

/** The routed message for a registry event, or undefined when IoT Hub emits none for it (updates). */
export function systemEventMessage(event: RegistryEvent, hubName: string, now: number): SystemEventMessage | undefined {
  switch (event.type) {
    case 'deviceCreated':
      return message('DeviceLifecycleEvents', 'deviceLifecycleEvents', 'deviceLifecycleNotification', 'createDeviceIdentity',
        event.device.deviceId, hubName, now, twinLikeBody(event.device, hubName));
    case 'deviceDeleted':
      return message('DeviceLifecycleEvents', 'deviceLifecycleEvents', 'deviceLifecycleNotification', 'deleteDeviceIdentity',
        event.deviceId, hubName, now, { deviceId: event.deviceId, hubName });
    case 'connectionStateChanged':
      return message('DeviceConnectionStateEvents', 'deviceConnectionStateEvents', 'deviceConnectionStateNotification',
        event.connectionState === 'Connected' ? 'deviceConnected' : 'deviceDisconnected',
        event.deviceId, hubName, now, { sequenceNumber: nextConnectionSequence(now) });
    default:
      return undefined;
  }
}
