// Hover in message files: the message size and its breakdown against the direction's limit (on the
// body and the message's own keys), and what each system property means.
import { findNodeAtOffset, getNodePath, type Node } from 'jsonc-parser';
import { C2D_MAX_MESSAGE_BYTES, D2C_MAX_MESSAGE_BYTES } from '../../core/message/limits';
import { SYSTEM_PROPERTY_WIRE_NAMES, type SystemPropertyName } from '../../core/message/model';
import type { AnalysedMessage, Analysis } from './diagnose';
import type { OffsetRange } from './jsonString';
import type { FileSystemPropertyName } from './messageFile';
import { systemPropertyDoc } from './schemaDocs';

export interface FileHover {
  /** Markdown. */
  contents: string;
  range: OffsetRange;
  /** Same text as the JSON Schema's description (an editor with schema hovers can skip it). */
  fromSchema: boolean;
}

const n = (x: number): string => x.toLocaleString('en-US');

const BODY_KIND_TEXT = { json: 'compact JSON', text: 'UTF-8 text', base64: 'decoded base64' } as const;

/** The size breakdown of one message as Markdown. */
export function sizeMarkdown(m: AnalysedMessage): string {
  const s = m.validation.size;
  const which = m.direction === 'c2d' ? 'C2D' : m.direction === 'd2c' ? 'D2C' : 'Message (direction unknown, D2C limit)';
  const pct = ((s.total / s.limit) * 100).toFixed(s.total / s.limit < 0.1 ? 2 : 1);
  const bodyKind = m.bodyKind ? ` (${BODY_KIND_TEXT[m.bodyKind]})` : ' (none)';
  const spare = s.limit - s.total;
  const verdict = spare >= 0 ? `${n(spare)} bytes to spare.` : `**${n(-spare)} bytes over the limit.**`;
  return [
    `**${which} message: ${n(s.total)} of ${n(s.limit)} bytes (${pct}%)**`,
    '',
    '| part | bytes |',
    '|---|---:|',
    `| body${bodyKind} | ${n(s.body)} |`,
    `| system property values | ${n(s.systemValues)} |`,
    `| application property names | ${n(s.applicationNames)} |`,
    `| application property values | ${n(s.applicationValues)} |`,
    `| **total** | **${n(s.total)}** |`,
    '',
    `IoT Hub limits: D2C ${n(D2C_MAX_MESSAGE_BYTES)} bytes (256 KB), C2D ${n(C2D_MAX_MESSAGE_BYTES)} bytes (64 KB). ${verdict}`,
  ].join('\n');
}

function messageOf(analysis: Analysis, path: ReadonlyArray<string | number>): { message: AnalysedMessage | undefined; rel: Array<string | number> } {
  const rel = [...path];
  let index = 0;
  if (analysis.file.isArray) {
    const first = rel.shift();
    if (typeof first !== 'number') return { message: undefined, rel };
    index = first;
  }
  return { message: analysis.messages.find((m) => m.index === index), rel };
}

export function hover(analysis: Analysis, offset: number): FileHover | undefined {
  const root = analysis.file.root;
  if (!root) return undefined;
  const node: Node | undefined = findNodeAtOffset(root, offset, true);
  if (!node) return undefined;
  const { message, rel } = messageOf(analysis, getNodePath(node));
  if (!message) return undefined;
  const range = { start: node.offset, end: node.offset + node.length };
  const isKey = node.parent?.type === 'property' && node.parent.children?.[0] === node;
  if (rel[0] === 'systemProperties' && rel.length === 2 && typeof rel[1] === 'string') {
    const name = rel[1] as FileSystemPropertyName;
    const doc = systemPropertyDoc(name);
    if (!doc) return undefined;
    const wire = name === 'ttl' ? 'sets absolute-expiry-time' : SYSTEM_PROPERTY_WIRE_NAMES[name as SystemPropertyName];
    let contents = `**${name}** (${wire})\n\n${doc}`;
    if (!isKey && name === 'ttl' && message.message.systemProperties.expiryTimeUtc) {
      contents += `\n\nSent now, it would expire at ${message.message.systemProperties.expiryTimeUtc}.`;
    }
    return { contents, range, fromSchema: isKey || name !== 'ttl' };
  }
  // The message object itself, its top-level keys, the direction value and anything in the body.
  const onMessage = rel.length === 0 || (rel.length === 1 && (isKey || rel[0] === 'direction')) || rel[0] === 'body';
  if (onMessage) {
    const bodyRange = message.sources.body && rel[0] === 'body'
      ? { start: message.sources.body.offset, end: message.sources.body.offset + message.sources.body.length }
      : range;
    return { contents: sizeMarkdown(message), range: bodyRange, fromSchema: false };
  }
  return undefined;
}
