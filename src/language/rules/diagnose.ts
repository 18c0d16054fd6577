// Diagnostics of a message file: the file's own structure problems plus every problem the core
// validation finds in each message, mapped back to the exact characters in the document.
import type { Node } from 'jsonc-parser';
import type { Problem, ValidationResult } from '../../core/message/problems';
import { validateMessage } from '../../core/message/validation';
import type { FileDiagnostic } from './fileDiagnostic';
import { sourceRangeInString, type OffsetRange } from './jsonString';
import { parseMessageFile, type MessageFile, type SourceMessage } from './messageFile';

export interface DiagnoseOptions {
  /** The time expiry and ttl are judged against; defaults to now. */
  now?: Date;
}

export interface AnalysedMessage extends SourceMessage {
  validation: ValidationResult;
}

export interface Analysis {
  file: MessageFile;
  messages: AnalysedMessage[];
  /** File and message diagnostics, in document order. */
  diagnostics: FileDiagnostic[];
}

/** Parses, validates with the core rules and maps every problem to a document range. */
export function analyse(text: string, options: DiagnoseOptions = {}): Analysis {
  const now = options.now ?? new Date();
  const file = parseMessageFile(text, { now });
  const diagnostics = [...file.fileDiagnostics];
  const messages: AnalysedMessage[] = [];
  for (const sm of file.messages) {
    const validation = validateMessage(sm.message, { now });
    messages.push({ ...sm, validation });
    for (const p of validation.problems) diagnostics.push(toFileDiagnostic(text, sm, p));
  }
  diagnostics.sort((a, b) => a.start - b.start || a.end - b.end);
  return { file, messages, diagnostics };
}

export function diagnose(text: string, options: DiagnoseOptions = {}): FileDiagnostic[] {
  return analyse(text, options).diagnostics;
}

function toFileDiagnostic(text: string, sm: SourceMessage, p: Problem): FileDiagnostic {
  let message = p.message;
  const ttl = sm.sources.systemProperties.ttl;
  const viaTtl = p.target.kind === 'systemProperty' && p.target.property === 'expiryTimeUtc' && ttl !== undefined && !sm.sources.systemProperties.expiryTimeUtc;
  if (viaTtl) message = `ttl ${JSON.stringify(ttl.value)} gives an expiry relative to the send time: ${message}`;
  const range = viaTtl && ttl ? whole(ttl) : problemRange(text, sm, p);
  const d: FileDiagnostic = {
    start: range.start,
    end: range.end,
    severity: p.severity,
    code: p.code,
    rule: p.rule,
    message,
    origin: 'rule',
    messageIndex: sm.index,
    problem: p,
  };
  const node = problemNode(sm, p);
  if (p.places && p.places.length > 1 && node?.type === 'string') {
    d.places = p.places.map((r) => sourceRangeInString(text, node.offset, node.length, r));
  }
  return d;
}

function whole(node: Node): OffsetRange {
  return { start: node.offset, end: node.offset + node.length };
}

/** The node a problem is about: a property's value, an application property's key or value, the body. */
export function problemNode(sm: SourceMessage, p: Problem): Node | undefined {
  const s = sm.sources;
  switch (p.target.kind) {
    case 'systemProperty': return s.systemProperties[p.target.property] ?? s.fields.systemProperties;
    case 'applicationPropertyName': return s.applicationProperties[p.target.index]?.key;
    case 'applicationPropertyValue': {
      const ap = s.applicationProperties[p.target.index];
      return ap?.value ?? ap?.key;
    }
    case 'deviceId': return s.deviceId;
    // Over-size is underlined on the whole body: that is where bytes are usually cut.
    case 'body':
    case 'message': return s.body;
  }
}

function problemRange(text: string, sm: SourceMessage, p: Problem): OffsetRange {
  const node = problemNode(sm, p);
  if (!node) return { start: sm.node.offset, end: sm.node.offset + 1 };
  if (p.range && node.type === 'string') return sourceRangeInString(text, node.offset, node.length, p.range);
  return whole(node);
}
