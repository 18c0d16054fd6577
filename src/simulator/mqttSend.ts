// Sends one D2C message over MQTT as the device: the way out when IoT Hub's HTTPS device API
// refuses a message's properties (a space or a non-ASCII character in a property, which MQTT
// carries). It connects as the device exactly as the simulator does (SimulatedDevice: MQTT/TLS,
// a SAS token from the device's key), publishes once with QoS 1, waits for the hub's PUBACK and
// disconnects. IoT Hub allows one connection per device, so a real device connected as this one
// is disconnected for that moment: the send command says so before calling this. No vscode import.
import { randomUUID } from 'node:crypto';
import { SENDER_SYSTEM_PROPERTIES, type IotMessage, type SystemProperties, type SystemPropertyName } from '../core/message/model';
import { computeSize } from '../core/message/size';
import type { SentMessage } from '../hub/client/messageSender';
import type { HubConnection } from '../hubs/hubConnection';
import { SimulatedDevice, refusalOf } from './simulatedDevice';

/** C2D-only: not a D2C property. */
const D2C_NOT_CARRIED: readonly SystemPropertyName[] = ['ack'];

/** The message as it goes over MQTT: only what a device sets, with a message id; and what was left out. */
function forMqtt(deviceId: string, message: IotMessage, newMessageId: () => string): { toSend: IotMessage; messageIdAssigned: boolean; notCarried: SystemPropertyName[] } {
  const systemProperties: SystemProperties = {};
  const notCarried: SystemPropertyName[] = [];
  for (const [key, value] of Object.entries(message.systemProperties) as Array<[SystemPropertyName, string | undefined]>) {
    if (value === undefined) continue;
    if (SENDER_SYSTEM_PROPERTIES.includes(key) && !D2C_NOT_CARRIED.includes(key)) systemProperties[key] = value;
    else notCarried.push(key);
  }
  // As over HTTPS: feedback, logs and the result name a message by its id, so one without gets one.
  const messageIdAssigned = systemProperties.messageId === undefined || systemProperties.messageId === '';
  if (messageIdAssigned) systemProperties.messageId = newMessageId();
  return { toSend: { ...message, direction: 'd2c', deviceId, systemProperties }, messageIdAssigned, notCarried };
}

/** Why the hub would refuse this D2C message over MQTT as well, or undefined when MQTT carries it. */
export function mqttD2cRefusal(deviceId: string, message: IotMessage): string | undefined {
  const { toSend } = forMqtt(deviceId, message, () => 'id');
  return refusalOf({ render: () => toSend }, deviceId);
}

export async function sendD2cOverMqtt(hub: HubConnection, deviceId: string, message: IotMessage, newMessageId: () => string = randomUUID): Promise<SentMessage> {
  const { toSend, messageIdAssigned, notCarried } = forMqtt(deviceId, message, newMessageId);
  const systemProperties = toSend.systemProperties;
  const template = { render: () => toSend };
  const refusal = refusalOf(template, deviceId);
  if (refusal !== undefined) throw new Error(`The hub would refuse the message over MQTT too: ${refusal}`);
  const [endpoint, keys] = await Promise.all([hub.deviceMqttEndpoint(), hub.deviceKeys(deviceId)]);
  const device = new SimulatedDevice({ endpoint, deviceId, key: keys.primaryKey, template, intervalMs: 1, count: 1, maxInFlight: 1 });
  await device.connect();
  device.start();
  const end = await device.ended;
  if (end.reason === 'error') throw new Error(end.message);
  if (device.sent !== 1) throw new Error(`The hub did not acknowledge the message over MQTT (${end.reason}).`);
  return { direction: 'd2c', deviceId, messageId: systemProperties.messageId ?? '', messageIdAssigned, sizeBytes: computeSize(toSend, 'd2c').total, notCarried };
}
