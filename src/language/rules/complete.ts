// Completion in message files: field names, system property names, direction and ack values,
// content types, encodings and (from the connected hub) device ids.
import { getLocation, type Location, type Node } from 'jsonc-parser';
import { SENDER_SYSTEM_PROPERTIES } from '../../core/message/model';
import { KNOWN_CONTENT_ENCODINGS } from '../../core/message/validation';
import type { OffsetRange } from './jsonString';
import { MESSAGE_FIELDS, parseMessageFile, type FileSystemPropertyName, type MessageField } from './messageFile';
import { enumDocs, messageFieldDoc, systemPropertyDoc } from './schemaDocs';

export interface FileCompletionItem {
  label: string;
  kind: 'property' | 'value' | 'device';
  detail?: string;
  documentation?: string;
  /** Snippet syntax when `isSnippet`, plain text otherwise. */
  insertText: string;
  isSnippet: boolean;
  range: OffsetRange;
  /**
   * The JSON Schema offers the same item, so an editor whose JSON language already completes
   * from the schema (VS Code) can leave it out instead of listing it twice.
   */
  fromSchema: boolean;
}

export const CONTENT_TYPES: ReadonlyArray<{ value: string; description: string }> = [
  { value: 'application/json', description: 'JSON body; IoT Hub routing can query it (with a utf-8/16/32 contentEncoding).' },
  { value: 'text/plain', description: 'Plain text.' },
  { value: 'application/octet-stream', description: 'Opaque binary.' },
  { value: 'application/xml', description: 'XML.' },
  { value: 'text/csv', description: 'Comma-separated values.' },
  { value: 'application/cbor', description: 'CBOR (binary JSON).' },
  { value: 'application/x-protobuf', description: 'Protocol Buffers.' },
];

/** What the cursor is on, relative to one message of the file. */
export type CompletionSlot =
  | { kind: 'messageKey'; existing: ReadonlySet<string> }
  | { kind: 'systemPropertyKey'; existing: ReadonlySet<string> }
  | { kind: 'value'; path: readonly string[] }
  | { kind: 'none' };

function relativePath(location: Location, isArray: boolean): Array<string | number> | undefined {
  const path = [...location.path];
  if (isArray) {
    if (typeof path[0] !== 'number') return undefined;
    path.shift();
  }
  return path;
}

function objectKeys(node: Node | undefined): Set<string> {
  const keys = new Set<string>();
  for (const member of node?.children ?? []) {
    const k = member.children?.[0]?.value;
    if (typeof k === 'string') keys.add(k);
  }
  return keys;
}

export function completionSlot(text: string, offset: number): { slot: CompletionSlot; location: Location } {
  const location = getLocation(text, offset);
  const file = parseMessageFile(text);
  const rel = relativePath(location, file.isArray);
  if (!rel) return { slot: { kind: 'none' }, location };
  const index = file.isArray ? Number(location.path[0]) : 0;
  const message = file.messages.find((m) => m.index === index);
  if (location.isAtPropertyKey) {
    if (rel.length === 1) {
      return { slot: { kind: 'messageKey', existing: objectKeys(message?.node) }, location };
    }
    if (rel.length === 2 && rel[0] === 'systemProperties') {
      const sys = message?.sources.fields.systemProperties?.children?.[1];
      return { slot: { kind: 'systemPropertyKey', existing: objectKeys(sys) }, location };
    }
    return { slot: { kind: 'none' }, location };
  }
  if (rel.every((x): x is string => typeof x === 'string') && rel.length > 0) return { slot: { kind: 'value', path: rel }, location };
  return { slot: { kind: 'none' }, location };
}

/** True when completing at `offset` lists device ids, so a server knows to ask the hub. */
export function wantsDeviceIds(text: string, offset: number): boolean {
  const { slot } = completionSlot(text, offset);
  return slot.kind === 'value' && slot.path.length === 1 && slot.path[0] === 'deviceId';
}

function replaceRange(location: Location, offset: number): OffsetRange {
  const n = location.previousNode;
  if (n && (n.type === 'string' || n.type === 'number' || n.type === 'boolean' || n.type === 'null') && n.offset <= offset && offset <= n.offset + n.length) {
    return { start: n.offset, end: n.offset + n.length };
  }
  return { start: offset, end: offset };
}

const VALUE_SNIPPET: Partial<Record<MessageField | FileSystemPropertyName, string>> = {
  direction: '"${1|d2c,c2d|}"',
  systemProperties: '{\n\t$1\n}',
  applicationProperties: '{\n\t$1\n}',
  body: '${1:{}}',
  ack: '"${1|none,positive,negative,full|}"',
  contentType: '"${1|application/json,text/plain,application/octet-stream|}"',
  contentEncoding: '"${1|utf-8,utf-16,utf-32|}"',
  ttl: '"${1:1h}"',
};

function keyItem(name: MessageField | FileSystemPropertyName, documentation: string, range: OffsetRange, hasValue: boolean): FileCompletionItem {
  const value = VALUE_SNIPPET[name] ?? '"$1"';
  return {
    label: name,
    kind: 'property',
    documentation,
    insertText: hasValue ? `"${name}"` : `"${name}": ${value}`,
    isSnippet: !hasValue,
    range,
    fromSchema: true,
  };
}

export interface CompleteOptions {
  /** Device ids of the connected hub (empty when none is connected). */
  deviceIds?: readonly string[];
}

export function complete(text: string, offset: number, options: CompleteOptions = {}): FileCompletionItem[] {
  const { slot, location } = completionSlot(text, offset);
  const range = replaceRange(location, offset);
  // Completing an existing key that already has a value: replace the key only.
  const hasValue = location.previousNode?.parent?.type === 'property' && (location.previousNode.parent.children?.length ?? 0) > 1
    && location.previousNode.parent.children?.[0] === location.previousNode;
  switch (slot.kind) {
    case 'messageKey':
      return MESSAGE_FIELDS.filter((f) => f !== '$schema' && !slot.existing.has(f)).map((f) => keyItem(f, messageFieldDoc(f), range, hasValue));
    case 'systemPropertyKey': {
      const names: FileSystemPropertyName[] = [...SENDER_SYSTEM_PROPERTIES, 'ttl'];
      return names.filter((n) => !slot.existing.has(n)).map((n) => keyItem(n, systemPropertyDoc(n), range, hasValue));
    }
    case 'value':
      return valueItems(slot.path, range, options);
    case 'none':
      return [];
  }
}

function valueItem(value: string, kind: FileCompletionItem['kind'], range: OffsetRange, documentation: string, fromSchema: boolean): FileCompletionItem {
  return { label: value, kind, documentation, insertText: JSON.stringify(value), isSnippet: false, range, fromSchema };
}

function valueItems(path: readonly string[], range: OffsetRange, options: CompleteOptions): FileCompletionItem[] {
  const key = path.join('.');
  switch (key) {
    case 'direction':
      return enumDocs('direction').map((e) => valueItem(e.value, 'value', range, e.description, true));
    case 'systemProperties.ack':
      return enumDocs('ack').map((e) => valueItem(e.value, 'value', range, e.description, true));
    case 'systemProperties.contentType':
      return CONTENT_TYPES.map((c) => valueItem(c.value, 'value', range, c.description, false));
    case 'systemProperties.contentEncoding':
      return KNOWN_CONTENT_ENCODINGS.map((e) => valueItem(e, 'value', range, 'Text encoding IoT Hub routing understands.', false));
    case 'deviceId':
      return (options.deviceIds ?? []).map((id) => ({ ...valueItem(id, 'device', range, 'A device of the connected hub.', false), detail: 'device' }));
    default:
      return [];
  }
}
