// Quick fixes and refactorings for message files, as plain text edits in document offsets.
import { randomUUID } from 'node:crypto';
import type { Node } from 'jsonc-parser';
import { isStrictBase64 } from '../../core/base64';
import { ACK_MODES } from '../../core/message/model';
import { bodyKind, decodeBase64, encodeBase64 } from './body';
import { problemNode, type AnalysedMessage, type Analysis } from './diagnose';
import type { FileDiagnostic } from './fileDiagnostic';
import { sourceRangeInString, type OffsetRange } from './jsonString';

export interface OffsetEdit {
  start: number;
  end: number;
  newText: string;
}

export interface FileCodeAction {
  title: string;
  kind: 'quickfix' | 'refactor.rewrite';
  edits: OffsetEdit[];
  /** The diagnostic the fix resolves (quick fixes only). */
  diagnostic?: FileDiagnostic;
  isPreferred?: boolean;
}

export interface CodeActionOptions {
  /** Makes message ids; tests pass a fixed one. */
  newId?: () => string;
}

const utf8 = new TextEncoder();

/** Every UTF-8 byte as %XX: the result uses only characters every IoT Hub property allows. */
export function percentEncode(s: string): string {
  let out = '';
  for (const b of utf8.encode(s)) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

function overlaps(d: OffsetRange, r: OffsetRange): boolean {
  return d.start <= r.end && r.start <= d.end;
}

/**
 * The edit that deletes a `"key": value` member together with the comma that separates it from a
 * neighbour, leaving the remaining members formatted as they were.
 */
export function removeMemberEdit(member: Node): OffsetEdit {
  const siblings = member.parent?.children ?? [];
  const i = siblings.indexOf(member);
  const next = siblings[i + 1];
  const prev = siblings[i - 1];
  if (next) return { start: member.offset, end: next.offset, newText: '' };
  if (prev) return { start: prev.offset + prev.length, end: member.offset + member.length, newText: '' };
  return { start: member.offset, end: member.offset + member.length, newText: '' };
}

function replaceNode(node: Node, newText: string): OffsetEdit {
  return { start: node.offset, end: node.offset + node.length, newText };
}

function quickFix(title: string, d: FileDiagnostic, edits: OffsetEdit[], isPreferred = false): FileCodeAction {
  const a: FileCodeAction = { title, kind: 'quickfix', edits, diagnostic: d };
  if (isPreferred) a.isPreferred = true;
  return a;
}

/** A name no other application property has (ignoring case), made only of allowed characters. */
function uniqueName(name: string, taken: ReadonlySet<string>): string {
  for (let n = 2; ; n++) {
    const candidate = `${name}-${n}`;
    if (!taken.has(candidate.toLowerCase())) return candidate;
  }
}

function fixesFor(analysis: Analysis, d: FileDiagnostic, newId: () => string): FileCodeAction[] {
  const text = analysis.file.text;
  const msg: AnalysedMessage | undefined = analysis.messages.find((m) => m.index === d.messageIndex);
  const p = d.problem;
  const out: FileCodeAction[] = [];
  if (msg && p) {
    const node = problemNode(msg, p);
    const sys = msg.sources.systemPropertyMembers;
    switch (p.rule) {
      case 'invalid-character':
      case 'message-id-invalid-character':
      case 'device-id-invalid': {
        if (!p.range || node?.type !== 'string') break;
        if (p.rule === 'device-id-invalid' && p.range.end - p.range.start > 2) break; // too long, not a character
        const value = String(node.value);
        // One problem per string: each bad character is one of its places.
        const places = (p.places ?? [p.range]).map((r) => ({ chars: value.slice(r.start, r.end), at: sourceRangeInString(text, node.offset, node.length, r) }));
        const only = places.length === 1 ? places[0] : undefined;
        if (only) {
          const shown = JSON.stringify(only.chars);
          out.push(quickFix(`Percent-encode ${shown} as ${percentEncode(only.chars)}`, d, [{ ...only.at, newText: percentEncode(only.chars) }], true));
          out.push(quickFix(`Remove ${shown}`, d, [{ ...only.at, newText: '' }]));
        } else {
          out.push(quickFix(`Percent-encode all ${places.length} invalid characters of this value`, d, places.map((x) => ({ ...x.at, newText: percentEncode(x.chars) })), true));
          out.push(quickFix(`Remove all ${places.length} invalid characters of this value`, d, places.map((x) => ({ ...x.at, newText: '' }))));
        }
        if (p.rule === 'message-id-invalid-character' && node) {
          out.push(quickFix('Generate a new message id (UUID)', d, [replaceNode(node, JSON.stringify(newId()))]));
        }
        break;
      }
      case 'message-id-too-long':
        if (node) out.push(quickFix('Generate a new message id (UUID)', d, [replaceNode(node, JSON.stringify(newId()))], true));
        break;
      case 'duplicate-property': {
        if (p.target.kind !== 'applicationPropertyName') break;
        const ap = msg.sources.applicationProperties[p.target.index];
        if (!ap) break;
        const taken = new Set(msg.message.applicationProperties.map((x) => x.name.toLowerCase()));
        const renamed = uniqueName(p.target.name, taken);
        out.push(quickFix(`Remove the duplicate property "${p.target.name}"`, d, [removeMemberEdit(ap.member)], true));
        out.push(quickFix(`Rename "${p.target.name}" to "${renamed}"`, d, [replaceNode(ap.key, JSON.stringify(renamed))]));
        break;
      }
      case 'unknown-ack': {
        if (!node) break;
        const lower = String(node.value).toLowerCase();
        for (const mode of ACK_MODES) out.push(quickFix(`Change ack to "${mode}"`, d, [replaceNode(node, JSON.stringify(mode))], mode === lower));
        break;
      }
      case 'ack-not-allowed':
        if (sys.ack) out.push(quickFix('Remove ack (D2C messages get no feedback)', d, [removeMemberEdit(sys.ack)], true));
        break;
      case 'unknown-content-encoding':
        if (node) out.push(quickFix('Change contentEncoding to "utf-8"', d, [replaceNode(node, '"utf-8"')], true));
        break;
      case 'reserved-property': {
        if (p.target.kind !== 'systemProperty') break;
        const member = sys[p.target.property];
        if (member) out.push(quickFix(`Remove ${p.target.property} (IoT Hub sets it)`, d, [removeMemberEdit(member)], true));
        break;
      }
      case 'message-too-large':
      case 'expiry-in-past':
      case 'expiry-too-far':
      case 'expiry-invalid':
      case 'creation-time-invalid':
      case 'empty-property-name':
        break;
    }
    return out;
  }
  // File rules.
  const nodeAt = analysis.file.root ? findNode(analysis.file.root, d.start) : undefined;
  switch (d.rule) {
    case 'missing-direction': {
      if (!msg) break;
      const insertAt = msg.node.offset + 1;
      const hasMembers = (msg.node.children?.length ?? 0) > 0;
      const indent = detectIndent(text, msg.node);
      for (const dir of ['d2c', 'c2d'] as const) {
        const newText = indent === undefined
          ? `"direction": "${dir}"${hasMembers ? ', ' : ''}`
          : `\n${indent}"direction": "${dir}"${hasMembers ? ',' : ''}`;
        out.push(quickFix(`Add "direction": "${dir}"`, d, [{ start: insertAt, end: insertAt, newText }]));
      }
      break;
    }
    case 'duplicate-key':
    case 'unknown-property': {
      const member = nodeAt?.parent;
      if (member?.type !== 'property' || !nodeAt) break;
      const guess = /did you mean "([^"]+)"/.exec(d.message)?.[1];
      if (d.rule === 'unknown-property' && guess) {
        out.push(quickFix(`Rename to "${guess}"`, d, [replaceNode(nodeAt, JSON.stringify(guess))], true));
      }
      out.push(quickFix(`Remove "${String(nodeAt.value)}"`, d, [removeMemberEdit(member)], !guess));
      break;
    }
    case 'invalid-base64': {
      if (nodeAt?.type !== 'string') break;
      const strict = strictBase64Rewrite(String(nodeAt.value));
      if (strict !== undefined) out.push(quickFix('Rewrite as strict base64 (the same bytes)', d, [replaceNode(nodeAt, JSON.stringify(strict))], true));
      break;
    }
    case 'expiry-and-ttl': {
      const sys = msg?.sources.systemPropertyMembers;
      if (sys?.ttl) out.push(quickFix('Remove ttl (keep expiryTimeUtc)', d, [removeMemberEdit(sys.ttl)]));
      if (sys?.expiryTimeUtc) out.push(quickFix('Remove expiryTimeUtc (keep ttl)', d, [removeMemberEdit(sys.expiryTimeUtc)]));
      break;
    }
    default:
      break;
  }
  return out;
}

/**
 * The strict base64 of loose text whose bytes are not in doubt: whitespace, base64url's `-` and
 * `_`, missing padding or unused bits set. Undefined when a character is foreign or one is left
 * over (a decoder would drop it: only the user knows what was meant).
 */
export function strictBase64Rewrite(loose: string): string | undefined {
  const text = loose.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const data = text.replace(/=+$/, '');
  if (data.length % 4 === 1) return undefined;
  const strict = encodeBase64(decodeBase64(data));
  return isStrictBase64(strict) ? strict : undefined;
}

function findNode(root: Node, offset: number): Node | undefined {
  let node: Node | undefined = root;
  for (;;) {
    const child: Node | undefined = node.children?.find((c) => c.offset <= offset && offset < c.offset + c.length);
    if (!child) return node;
    node = child;
  }
}

/** The indentation of the object's first member when members are on their own lines. */
function detectIndent(text: string, obj: Node): string | undefined {
  const first = obj.children?.[0];
  if (!first) return undefined;
  const lineStart = text.lastIndexOf('\n', first.offset - 1);
  if (lineStart < obj.offset) return undefined;
  const indent = text.slice(lineStart + 1, first.offset);
  return /^[ \t]*$/.test(indent) ? indent : undefined;
}

/** Quick fixes for diagnostics touching `range`, plus refactorings available there. */
export function codeActions(analysis: Analysis, range: OffsetRange, options: CodeActionOptions = {}): FileCodeAction[] {
  const newId = options.newId ?? randomUUID;
  const out: FileCodeAction[] = [];
  for (const d of analysis.diagnostics) {
    if (overlaps(d, range)) out.push(...fixesFor(analysis, d, newId));
  }
  for (const m of analysis.messages) {
    const body = m.sources.body;
    if (!body || !overlaps({ start: body.offset, end: body.offset + body.length }, range)) continue;
    if (bodyKind(body) === 'base64') continue;
    out.push({
      title: 'Convert the body to base64',
      kind: 'refactor.rewrite',
      edits: [replaceNode(body, `{ "base64": "${encodeBase64(m.message.body)}" }`)],
    });
  }
  return out;
}
