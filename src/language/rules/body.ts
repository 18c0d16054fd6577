// How a file's `body` becomes the message's bytes. Documented in docs/message-files.md:
//  - a JSON string: its UTF-8 text;
//  - `{"base64": "..."}` (that one key only): the decoded bytes (strict base64, core/base64.ts);
//  - any other JSON value: compact JSON, i.e. the value exactly as written minus the whitespace
//    outside strings. Numbers and escapes stay as written, so nothing is lost to re-serialising
//    (JSON.stringify would round 12345678901234567890 and rewrite 1.50 as 1.5).
import type { Node } from 'jsonc-parser';

export type BodyKind = 'json' | 'text' | 'base64';

const encoder = new TextEncoder();

/** The value at `[start, end)` of `text` with insignificant whitespace removed. */
export function compactJson(text: string, start: number, end: number): string {
  const parts: string[] = [];
  let runStart = start;
  let i = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip the whole string literal, escapes included.
      i++;
      while (i < end) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) { i += 2; continue; }
        i++;
        if (s === 0x22) break;
      }
      continue;
    }
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      if (i > runStart) parts.push(text.slice(runStart, i));
      while (i < end) {
        const w = text.charCodeAt(i);
        if (w !== 0x20 && w !== 0x0a && w !== 0x0d && w !== 0x09) break;
        i++;
      }
      runStart = i;
      continue;
    }
    i++;
  }
  if (end > runStart) parts.push(text.slice(runStart, Math.min(end, text.length)));
  return parts.join('');
}

/**
 * The compact form of the container (object or array) that starts at `start` of valid JSON, and the
 * index just past it: one pass that finds the end and drops whitespace at once.
 */
export function compactContainer(text: string, start: number): { end: number; compact: string } {
  const parts: string[] = [];
  let runStart = start;
  let depth = 0;
  let i = start;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i++;
      while (i < n) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) { i += 2; continue; }
        i++;
        if (s === 0x22) break;
      }
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      depth++;
    } else if (c === 0x7d || c === 0x5d) {
      if (--depth === 0) { i++; break; }
    } else if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      if (i > runStart) parts.push(text.slice(runStart, i));
      while (i < n) {
        const w = text.charCodeAt(i);
        if (w !== 0x20 && w !== 0x0a && w !== 0x0d && w !== 0x09) break;
        i++;
      }
      runStart = i;
      continue;
    }
    i++;
  }
  if (i > runStart) parts.push(text.slice(runStart, i));
  return { end: i, compact: parts.join('') };
}

/** Compact text already computed by the fast parser for a body node (so it is not scanned twice). */
const knownCompact = new WeakMap<Node, string>();

export function rememberCompact(node: Node, compact: string): void {
  knownCompact.set(node, compact);
}

/** Decodes a `{"base64": ...}` body. Text that is not strict base64 (core/base64.ts) decodes as Buffer reads it; the file rule reports it. */
export function decodeBase64(value: string): Uint8Array {
  return new Uint8Array(Buffer.from(value, 'base64'));
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** `{"base64": "..."}` with exactly that one key and a string value. */
export function base64Member(node: Node): Node | undefined {
  if (node.type !== 'object' || node.children?.length !== 1) return undefined;
  const member = node.children[0];
  const key = member?.children?.[0];
  const value = member?.children?.[1];
  if (key?.value !== 'base64' || value?.type !== 'string') return undefined;
  return value;
}

export function bodyKind(node: Node): BodyKind {
  if (node.type === 'string') return 'text';
  return base64Member(node) ? 'base64' : 'json';
}

/** The bytes a body value is sent as (invalid base64 decodes leniently; the file rule reports it). */
export function bodyBytes(text: string, node: Node): Uint8Array {
  if (node.type === 'string') return encoder.encode(String(node.value));
  const b64 = base64Member(node);
  if (b64) return decodeBase64(String(b64.value));
  return encoder.encode(knownCompact.get(node) ?? compactJson(text, node.offset, node.offset + node.length));
}
