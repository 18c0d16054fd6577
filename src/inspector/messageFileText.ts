// Writes an IotMessage in the *.iotmsg.json format (read by src/language/rules/messageFile.ts,
// documented in docs/message-files.md). The body is written so that reading the file back gives
// the very same bytes: raw JSON when the body is compact UTF-8 JSON, a string for other UTF-8
// text, {"base64": ...} for everything else (UTF-16/32, a BOM, binary). A unit test proves the
// round trip through the language service's parser.
import { compactJson } from '../language/rules/body';
import type { Direction, IotMessage, SystemPropertyName } from '../core/message/model';
import { SENDER_SYSTEM_PROPERTIES, SYSTEM_PROPERTY_WIRE_NAMES } from '../core/message/model';
import { bytesToBase64 } from './wire';

export interface MessageFileOutput {
  text: string;
  /** Hub-stamped properties that a sender cannot set and the file therefore leaves out. */
  omitted: string[];
}

export function messageToFileText(msg: IotMessage, direction: Direction): MessageFileOutput {
  const lines: string[] = ['{'];
  const members: string[] = [];
  members.push(`  "direction": ${JSON.stringify(direction)}`);
  if (msg.deviceId !== undefined) members.push(`  "deviceId": ${JSON.stringify(msg.deviceId)}`);
  if (msg.moduleId !== undefined) members.push(`  "moduleId": ${JSON.stringify(msg.moduleId)}`);

  const omitted: string[] = [];
  const sys: string[] = [];
  for (const key of Object.keys(SYSTEM_PROPERTY_WIRE_NAMES) as SystemPropertyName[]) {
    const value = msg.systemProperties[key];
    if (value === undefined) continue;
    if (!SENDER_SYSTEM_PROPERTIES.includes(key)) { omitted.push(SYSTEM_PROPERTY_WIRE_NAMES[key]); continue; }
    sys.push(`    ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  }
  if (sys.length > 0) members.push(`  "systemProperties": {\n${sys.join(',\n')}\n  }`);

  if (msg.applicationProperties.length > 0) {
    const app = msg.applicationProperties.map((p) => `    ${JSON.stringify(p.name)}: ${JSON.stringify(p.value)}`);
    members.push(`  "applicationProperties": {\n${app.join(',\n')}\n  }`);
  }
  members.push(`  "body": ${bodyLiteral(msg.body)}`);
  lines.push(members.join(',\n'), '}', '');
  return { text: lines.join('\n'), omitted };
}

function bodyLiteral(body: Uint8Array): string {
  const hasBom = body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
  let text: string | undefined;
  if (!hasBom) {
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
    } catch {
      text = undefined;
    }
  }
  if (text !== undefined) {
    const first = text[0];
    if ((first === '{' || first === '[') && isJson(text) && compactJson(text, 0, text.length) === text) return text;
    return JSON.stringify(text);
  }
  return `{ "base64": ${JSON.stringify(bytesToBase64(body))} }`;
}

/** True when `text` parses as JSON. */
export function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
