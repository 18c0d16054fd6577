// Completion in routes files: inside a route's "condition" string, system property names after
// `$`, `$body.` / `$twin.`, the documented functions, AND / OR / NOT and the application property
// names found in the workspace's message files; in "endpointNames", the file's endpoints.
import { findNodeAtLocation, getLocation, type Node } from 'jsonc-parser';
import { ROUTING_FUNCTIONS } from '../../core/routing/functions';
import { BUILT_IN_ENDPOINT } from '../../core/routing/routesFile';
import { SYSTEM_PROPERTIES } from '../../core/routing/systemProperties';
import { decodedToSourceOffsets } from './jsonString';

export interface RoutesCompletionItem {
  label: string;
  kind: 'property' | 'function' | 'keyword' | 'value';
  detail?: string;
  documentation?: string;
  /** Snippet syntax when `isSnippet`. */
  insertText: string;
  isSnippet: boolean;
  range: { start: number; end: number };
}

export interface RoutesCompleteOptions {
  /** Application property names used by the workspace's message files. */
  applicationPropertyNames?: readonly string[];
}

const WORD = /[A-Za-z0-9_$.-]/;

function endpointNamesOf(root: Node | undefined): string[] {
  const names = [BUILT_IN_ENDPOINT];
  if (root === undefined) return names;
  for (const kind of ['eventHubs', 'storageContainers']) {
    const list = findNodeAtLocation(root, ['endpoints', kind]);
    for (const e of list?.children ?? []) {
      const n = findNodeAtLocation(e, ['name']);
      if (n?.type === 'string' && typeof n.value === 'string' && !names.includes(n.value)) names.push(n.value);
    }
  }
  return names;
}

function conditionItems(text: string, stringNode: Node, offset: number, options: RoutesCompleteOptions): RoutesCompletionItem[] {
  const offsets = decodedToSourceOffsets(text, stringNode.offset, stringNode.length);
  const decoded = typeof stringNode.value === 'string' ? stringNode.value : '';
  let cursor = offsets.findIndex((o) => o >= offset);
  if (cursor < 0) cursor = decoded.length;
  let wordStart = cursor;
  while (wordStart > 0 && WORD.test(decoded[wordStart - 1] ?? '')) wordStart--;
  const word = decoded.slice(wordStart, cursor);
  const range = { start: offsets[wordStart] ?? offset, end: offset };
  const items: RoutesCompletionItem[] = [];
  if (word.startsWith('$body') || word.startsWith('$twin')) return items; // paths are the user's own
  if (word.startsWith('$')) {
    for (const p of SYSTEM_PROPERTIES) {
      items.push({ label: `$${p.queryName}`, kind: 'property', detail: p.stampedByHub ? 'system property (stamped by the hub)' : 'system property', documentation: p.description, insertText: `$${p.queryName}`, isSnippet: false, range });
    }
    items.push({ label: '$body', kind: 'property', detail: 'message body (JSON)', documentation: 'A property of the JSON body, as in `$body.temperature`. Queried only when $contentType is application/json and $contentEncoding is utf-8, utf-16 or utf-32.', insertText: '\\$body.${1:property}', isSnippet: true, range });
    items.push({ label: '$twin', kind: 'property', detail: 'device twin (not available on the local hub)', documentation: 'Twin tags and properties, as in `$twin.tags.location`. IoT Hub evaluates these; the local hub has no twins, so they are undefined there.', insertText: '\\$twin.${1:tags}', isSnippet: true, range });
    return items;
  }
  for (const f of ROUTING_FUNCTIONS) {
    items.push({ label: f.name, kind: 'function', detail: f.signature, documentation: f.description, insertText: `${f.name}(\${1})`, isSnippet: true, range });
  }
  for (const k of ['AND', 'OR', 'NOT', 'true', 'false', 'null']) items.push({ label: k, kind: 'keyword', insertText: k, isSnippet: false, range });
  for (const n of options.applicationPropertyNames ?? []) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n)) continue; // not writable as a bare name in a condition
    items.push({ label: n, kind: 'property', detail: 'application property (from the workspace\'s message files)', insertText: n, isSnippet: false, range });
  }
  return items;
}

export function completeRoutes(text: string, offset: number, root: Node | undefined, options: RoutesCompleteOptions = {}): RoutesCompletionItem[] {
  const location = getLocation(text, offset);
  const path = location.path;
  const node = location.previousNode;
  const inString = node?.type === 'string' && offset > node.offset && offset <= node.offset + node.length;
  if (path.length === 3 && path[0] === 'routes' && path[2] === 'condition' && inString && node !== undefined) {
    return conditionItems(text, node, offset, options);
  }
  const inEndpointList = (path[0] === 'routes' || path[0] === 'enrichments') && path[2] === 'endpointNames' && !location.isAtPropertyKey;
  if (inEndpointList) {
    const range = inString && node !== undefined ? { start: node.offset, end: node.offset + node.length } : { start: offset, end: offset };
    return endpointNamesOf(root).map((n) => ({ label: n, kind: 'value' as const, detail: n === BUILT_IN_ENDPOINT ? 'built-in endpoint' : 'custom endpoint', insertText: JSON.stringify(n), isSnippet: false, range }));
  }
  return [];
}
