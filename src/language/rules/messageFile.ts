// Parses a `*.iotmsg.json` document into IoT Hub messages, keeping the source node of every value
// so that a core Problem (which names a property and an offset inside its decoded string) can be
// mapped back to the exact characters in the file. Structural errors of the file itself are
// reported here; message rules are not: they live in the core (src/core/message).
import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { createMessage, SYSTEM_PROPERTY_WIRE_NAMES, type Direction, type IotMessage, type SystemPropertyName } from '../../core/message/model';
import { base64Problem } from '../../core/base64';
import { base64Member, bodyBytes, bodyKind, type BodyKind } from './body';
import { closestName } from './closestName';
import { parseValidJsonTree } from './fastTree';
import { fileDiagnostic, type FileDiagnostic } from './fileDiagnostic';
import { expiryFromTtl, parseTtl } from './ttl';

export const MESSAGE_FIELDS = ['$schema', 'direction', 'deviceId', 'moduleId', 'systemProperties', 'applicationProperties', 'body'] as const;
export type MessageField = (typeof MESSAGE_FIELDS)[number];

/** System property keys a file may use: every model property plus the relative `ttl`. */
export type FileSystemPropertyName = SystemPropertyName | 'ttl';

export interface AppPropertySource {
  member: Node;
  key: Node;
  value: Node | undefined;
}

export interface MessageSources {
  /** The property node (`"key": value`) of each message field present. */
  fields: Partial<Record<MessageField, Node>>;
  /** Value nodes. */
  deviceId?: Node;
  systemProperties: Partial<Record<FileSystemPropertyName, Node>>;
  /** Property nodes (`"key": value`) of the system properties, for removal. */
  systemPropertyMembers: Partial<Record<FileSystemPropertyName, Node>>;
  /** In message order: index i here is index i of `message.applicationProperties`. */
  applicationProperties: AppPropertySource[];
  body?: Node;
}

export interface SourceMessage {
  index: number;
  /** The message object. */
  node: Node;
  message: IotMessage;
  direction?: Direction;
  sources: MessageSources;
  bodyKind?: BodyKind;
}

export interface MessageFile {
  text: string;
  root: Node | undefined;
  messages: SourceMessage[];
  /** Syntax and structure diagnostics of the file (message rules come from `diagnose`). */
  fileDiagnostics: FileDiagnostic[];
  /** True when the root is an array (even of one message). */
  isArray: boolean;
}

const SYSTEM_PROPERTY_KEYS: ReadonlySet<string> = new Set([...Object.keys(SYSTEM_PROPERTY_WIRE_NAMES), 'ttl']);
const MESSAGE_FIELD_KEYS: ReadonlySet<string> = new Set(MESSAGE_FIELDS);

const SYNTAX_MESSAGES: Readonly<Record<string, string>> = {
  InvalidSymbol: 'Unexpected character.',
  InvalidNumberFormat: 'Invalid number.',
  PropertyNameExpected: 'Property name expected (in double quotes).',
  ValueExpected: 'Value expected.',
  ColonExpected: 'Colon expected.',
  CommaExpected: 'Comma expected.',
  CloseBraceExpected: 'Closing brace } expected.',
  CloseBracketExpected: 'Closing bracket ] expected.',
  EndOfFileExpected: 'End of file expected: only one JSON value is allowed.',
  InvalidCommentToken: 'Comments are not allowed in JSON.',
  UnexpectedEndOfComment: 'Unterminated comment.',
  UnexpectedEndOfString: 'Unterminated string.',
  UnexpectedEndOfNumber: 'Unterminated number.',
  InvalidUnicode: 'Invalid \\u escape: four hex digits expected.',
  InvalidEscapeCharacter: 'Invalid escape character in string.',
  InvalidCharacter: 'Character not allowed in a JSON string (control characters must be escaped).',
};

function jsonTypeName(node: Node): string {
  return node.type === 'property' ? 'property' : node.type;
}

function memberParts(member: Node): { key: Node | undefined; value: Node | undefined } {
  return { key: member.children?.[0], value: member.children?.[1] };
}

export interface ParseOptions {
  /** The moment a relative ttl counts from (send time); defaults to now. */
  now?: Date;
}

export function parseMessageFile(text: string, options: ParseOptions = {}): MessageFile {
  const now = options.now ?? new Date();
  const errors: ParseError[] = [];
  // Valid JSON (nearly every file, every time it is linted) takes the fast path; anything else
  // goes through jsonc-parser, which recovers from errors and says where they are.
  const fast = parseValidJsonTree(text);
  let root: Node | undefined;
  try {
    root = fast ? fast.root : parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: true });
  } catch (err) {
    // jsonc-parser recurses per nesting level: malformed JSON nested thousands deep overflows it.
    const why = err instanceof RangeError ? 'it is malformed JSON nested too deeply to analyse' : String(err);
    return { text, root: undefined, messages: [], isArray: false, fileDiagnostics: [fileDiagnostic('not-checked', 0, 0, `The file could not be checked: ${why}.`)] };
  }
  const diags: FileDiagnostic[] = [];
  // Only the first syntax error: the ones after it are mostly the parser recovering from it.
  for (const e of errors.slice(0, 1)) {
    const name = printParseErrorCode(e.error);
    const start = Math.min(e.offset, text.length);
    const end = Math.min(text.length, start + Math.max(e.length, 1));
    diags.push(fileDiagnostic('json-syntax', start, end, SYNTAX_MESSAGES[name] ?? `Malformed JSON (${name}).`));
  }
  const file: MessageFile = { text, root, messages: [], fileDiagnostics: diags, isArray: root?.type === 'array' };
  if (!root) {
    if (errors.length === 0) {
      diags.push(fileDiagnostic('not-a-message', 0, 0, 'The file is empty: a message file holds one message object or an array of them.'));
    }
    return file;
  }
  if (root.type === 'object') {
    file.messages.push(parseMessage(text, root, 0, now, diags));
  } else if (root.type === 'array') {
    const items = root.children ?? [];
    if (items.length === 0) {
      diags.push(fileDiagnostic('not-a-message', root.offset, root.offset + root.length, 'The array is empty: add at least one message object.'));
    }
    items.forEach((item, index) => {
      if (item.type === 'object') file.messages.push(parseMessage(text, item, index, now, diags));
      else diags.push(fileDiagnostic('not-a-message', item.offset, item.offset + item.length, `Message ${index + 1} is a ${jsonTypeName(item)}; each array item must be a message object.`, index));
    });
  } else {
    diags.push(fileDiagnostic('not-a-message', root.offset, root.offset + root.length, `The file holds a ${jsonTypeName(root)}; a message file holds one message object or an array of them.`));
  }
  return file;
}

function reportDuplicateKeys(obj: Node, index: number, where: string, diags: FileDiagnostic[]): void {
  const seen = new Set<string>();
  for (const member of obj.children ?? []) {
    const key = member.children?.[0];
    if (!key || typeof key.value !== 'string') continue;
    if (seen.has(key.value)) {
      diags.push(fileDiagnostic('duplicate-key', key.offset, key.offset + key.length, `Duplicate key "${key.value}" in ${where}: JSON readers keep only the last one.`, index));
    }
    seen.add(key.value);
  }
}

function parseMessage(text: string, node: Node, index: number, now: Date, diags: FileDiagnostic[]): SourceMessage {
  const message = createMessage();
  const sources: MessageSources = { fields: {}, systemProperties: {}, systemPropertyMembers: {}, applicationProperties: [] };
  const sm: SourceMessage = { index, node, message, sources };
  const wrongType = (value: Node, what: string, expected: string): void => {
    diags.push(fileDiagnostic('wrong-type', value.offset, value.offset + value.length, `${what} must be ${expected}, not a ${jsonTypeName(value)}.`, index));
  };
  reportDuplicateKeys(node, index, 'the message', diags);

  for (const member of node.children ?? []) {
    const { key, value } = memberParts(member);
    if (!key || typeof key.value !== 'string') continue;
    const name = key.value;
    if (!MESSAGE_FIELD_KEYS.has(name)) {
      const guess = closestName(name, MESSAGE_FIELDS);
      diags.push(fileDiagnostic('unknown-property', key.offset, key.offset + key.length,
        `Unknown message property "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}. Allowed: direction, deviceId, moduleId, systemProperties, applicationProperties, body.`, index));
      continue;
    }
    sources.fields[name as MessageField] = member;
    if (!value) continue; // a syntax error already says so
    switch (name as MessageField) {
      case 'direction':
        if (value.type !== 'string') wrongType(value, 'direction', 'the string "d2c" or "c2d"');
        else if (value.value === 'd2c' || value.value === 'c2d') sm.direction = message.direction = value.value;
        else diags.push(fileDiagnostic('invalid-direction', value.offset, value.offset + value.length, `direction must be "d2c" or "c2d", not ${JSON.stringify(value.value)}.`, index));
        break;
      case 'deviceId':
        sources.deviceId = value;
        if (value.type === 'string') message.deviceId = String(value.value);
        else wrongType(value, 'deviceId', 'a string');
        break;
      case 'moduleId':
        if (value.type === 'string') message.moduleId = String(value.value);
        else wrongType(value, 'moduleId', 'a string');
        break;
      case 'systemProperties':
        if (value.type === 'object') parseSystemProperties(value, sm, now, diags);
        else wrongType(value, 'systemProperties', 'an object');
        break;
      case 'applicationProperties':
        if (value.type === 'object') parseApplicationProperties(value, sm, diags);
        else wrongType(value, 'applicationProperties', 'an object of string values');
        break;
      case 'body': {
        sources.body = value;
        sm.bodyKind = bodyKind(value);
        message.body = bodyBytes(text, value);
        const b64 = base64Member(value);
        const problem = b64 === undefined ? undefined : base64Problem(String(b64.value));
        if (b64 && problem !== undefined) {
          diags.push(fileDiagnostic('invalid-base64', b64.offset, b64.offset + b64.length, `The base64 body is not valid base64: ${problem}. Write it as any encoder does: A-Z a-z 0-9 + /, in whole 4-character groups padded with =, one unbroken string.`, index));
        }
        break;
      }
      case '$schema':
        if (value.type !== 'string') wrongType(value, '$schema', 'a string');
        break;
    }
  }
  if (!sources.fields.direction) {
    const end = Math.min(node.offset + 1, node.offset + node.length);
    diags.push(fileDiagnostic('missing-direction', node.offset, end, 'Missing "direction": set "d2c" (device-to-cloud) or "c2d" (cloud-to-device); the limits and character rules depend on it.', index));
  }
  return sm;
}

function parseSystemProperties(obj: Node, sm: SourceMessage, now: Date, diags: FileDiagnostic[]): void {
  const { index, message, sources } = sm;
  reportDuplicateKeys(obj, index, 'systemProperties', diags);
  for (const member of obj.children ?? []) {
    const { key, value } = memberParts(member);
    if (!key || typeof key.value !== 'string') continue;
    const name = key.value;
    if (!SYSTEM_PROPERTY_KEYS.has(name)) {
      const guess = closestName(name, [...SYSTEM_PROPERTY_KEYS]);
      diags.push(fileDiagnostic('unknown-property', key.offset, key.offset + key.length,
        `Unknown system property "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}. Known: messageId, correlationId, userId, contentType, contentEncoding, expiryTimeUtc, ttl, ack, creationTimeUtc, to, subject.`, index));
      continue;
    }
    const prop = name as FileSystemPropertyName;
    sources.systemPropertyMembers[prop] = member;
    if (!value) continue;
    sources.systemProperties[prop] = value;
    if (value.type !== 'string') {
      diags.push(fileDiagnostic('wrong-type', value.offset, value.offset + value.length, `systemProperties.${name} must be a string, not a ${jsonTypeName(value)}.`, index));
      continue;
    }
    const text = String(value.value);
    if (prop === 'ttl') continue; // resolved below, once we know whether expiryTimeUtc is set too
    message.systemProperties[prop] = text;
  }
  const ttl = sources.systemProperties.ttl;
  if (ttl?.type === 'string') {
    const expiry = sources.systemProperties.expiryTimeUtc;
    const ms = parseTtl(String(ttl.value));
    if (expiry) {
      diags.push(fileDiagnostic('expiry-and-ttl', ttl.offset, ttl.offset + ttl.length, 'Set either expiryTimeUtc or ttl, not both.', index));
    } else if (ms === undefined) {
      diags.push(fileDiagnostic('invalid-ttl', ttl.offset, ttl.offset + ttl.length,
        `ttl ${JSON.stringify(ttl.value)} is not a duration: use days, hours, minutes, seconds in that order, e.g. "1h", "30m", "90s", "1h30m", "2d".`, index));
    } else {
      // What sending will set: the core then checks it like any absolute expiry (e.g. beyond 48 h).
      message.systemProperties.expiryTimeUtc = expiryFromTtl(ms, now);
    }
  }
}

function parseApplicationProperties(obj: Node, sm: SourceMessage, diags: FileDiagnostic[]): void {
  for (const member of obj.children ?? []) {
    const { key, value } = memberParts(member);
    if (!key || typeof key.value !== 'string') continue;
    sm.sources.applicationProperties.push({ member, key, value });
    let text = '';
    if (value) {
      if (value.type === 'string') {
        text = String(value.value);
      } else {
        // Kept (as its JSON text) so that sizes and later indices stay right; still an error.
        const scalar = value.type === 'number' || value.type === 'boolean' || value.type === 'null';
        text = scalar ? String(value.value) : '';
        const hint = scalar ? `: write "${text}"` : '';
        diags.push(fileDiagnostic('wrong-type', value.offset, value.offset + value.length,
          `Application property "${key.value}" must be a string (IoT Hub carries only strings), not a ${jsonTypeName(value)}${hint}.`, sm.index));
      }
    }
    sm.message.applicationProperties.push({ name: key.value, value: text });
  }
}
