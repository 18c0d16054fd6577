// Edit operations on a message. Each returns a new IotMessage (the old one is untouched), so the
// webview can keep the original for "revert" and the view model can tell whether the body changed
// by identity.
import type { Direction, IotMessage, SystemPropertyName } from '../core/message/model';
import { encodeBodyText } from './coreAdapter';

function copy(msg: IotMessage): IotMessage {
  const out: IotMessage = {
    systemProperties: { ...msg.systemProperties },
    applicationProperties: msg.applicationProperties.map((p) => ({ ...p })),
    body: msg.body,
  };
  if (msg.direction !== undefined) out.direction = msg.direction;
  if (msg.deviceId !== undefined) out.deviceId = msg.deviceId;
  if (msg.moduleId !== undefined) out.moduleId = msg.moduleId;
  return out;
}

/** `undefined` removes the property (an empty string is kept: the hub sees an empty value). */
export function setSystemProperty(msg: IotMessage, property: SystemPropertyName, value: string | undefined): IotMessage {
  const out = copy(msg);
  if (value === undefined) delete out.systemProperties[property];
  else out.systemProperties[property] = value;
  return out;
}

export function setApplicationPropertyName(msg: IotMessage, index: number, name: string): IotMessage {
  checkIndex(msg, index);
  const out = copy(msg);
  const prop = out.applicationProperties[index];
  if (prop) prop.name = name;
  return out;
}

export function setApplicationPropertyValue(msg: IotMessage, index: number, value: string): IotMessage {
  checkIndex(msg, index);
  const out = copy(msg);
  const prop = out.applicationProperties[index];
  if (prop) prop.value = value;
  return out;
}

export function addApplicationProperty(msg: IotMessage, name: string, value: string): IotMessage {
  const out = copy(msg);
  out.applicationProperties.push({ name, value });
  return out;
}

export function removeApplicationProperty(msg: IotMessage, index: number): IotMessage {
  checkIndex(msg, index);
  const out = copy(msg);
  out.applicationProperties.splice(index, 1);
  return out;
}

/** Encodes the text the way the current body is encoded (UTF-16 stays UTF-16, a BOM stays). */
export function setBodyText(msg: IotMessage, text: string): IotMessage {
  const out = copy(msg);
  out.body = encodeBodyText(text, msg.body, msg.systemProperties.contentType, msg.systemProperties.contentEncoding);
  return out;
}

export function setDirection(msg: IotMessage, direction: Direction): IotMessage {
  const out = copy(msg);
  out.direction = direction;
  return out;
}

export function setDeviceId(msg: IotMessage, deviceId: string | undefined): IotMessage {
  const out = copy(msg);
  if (deviceId === undefined || deviceId === '') delete out.deviceId;
  else out.deviceId = deviceId;
  return out;
}

function checkIndex(msg: IotMessage, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= msg.applicationProperties.length) {
    throw new RangeError(`No application property at position ${index} (the message has ${msg.applicationProperties.length}).`);
  }
}
