// A fast tree for message files that are valid JSON. jsonc-parser's parseTree makes a node for
// every value, which for a 256 KB telemetry body means tens of thousands of nodes and tens of
// milliseconds; the rules never look inside a body (it is sent as bytes), so here a body's nested
// containers are skipped with a string-aware bracket scan and get no children.
//
// Only used after JSON.parse has accepted the text (so this parser can assume valid JSON); any
// other text goes through jsonc-parser, which reports syntax errors with positions.
import type { Node, NodeType } from 'jsonc-parser';
import { compactContainer, rememberCompact } from './body';

/** jsonc-parser's Node with writable fields, for building one. */
type BuildNode = { -readonly [K in keyof Node]: Node[K] };

const WS = new Uint8Array(128);
WS[0x20] = WS[0x0a] = WS[0x0d] = WS[0x09] = 1;
const MAX_STRUCTURE_DEPTH = 3;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class FastParser {
  private i = 0;

  constructor(private readonly text: string) {}

  parse(): Node | undefined {
    this.ws();
    if (this.i >= this.text.length) return undefined;
    return this.value(undefined, 0, false);
  }

  private ws(): void {
    const t = this.text;
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      if (c >= 128 || WS[c] !== 1) return;
      this.i++;
    }
  }

  /** Index just past the string literal starting at `start`. */
  private stringEnd(start: number): number {
    const t = this.text;
    let j = start + 1;
    for (;;) {
      const q = t.indexOf('"', j);
      if (q < 0) return t.length;
      let backslashes = 0;
      for (let k = q - 1; t.charCodeAt(k) === 0x5c; k--) backslashes++;
      if (backslashes % 2 === 0) return q + 1;
      j = q + 1;
    }
  }

  /** Index just past the container starting at `start`, without building anything. */
  private containerEnd(start: number): number {
    const t = this.text;
    let depth = 0;
    for (let j = start; j < t.length; j++) {
      const c = t.charCodeAt(j);
      if (c === 0x22) { j = this.stringEnd(j) - 1; continue; }
      if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) { if (--depth === 0) return j + 1; }
    }
    return t.length;
  }

  private leaf(type: NodeType, offset: number, end: number, value: unknown, parent: Node | undefined): Node {
    const n: BuildNode = { type, offset, length: end - offset, value };
    if (parent) n.parent = parent;
    return n;
  }

  private stringNode(parent: Node | undefined): Node {
    const start = this.i;
    const end = this.stringEnd(start);
    const raw = this.text.slice(start + 1, end - 1);
    this.i = end;
    return this.leaf('string', start, end, raw.includes('\\') ? (JSON.parse(this.text.slice(start, end)) as string) : raw, parent);
  }

  /**
   * `depth` counts containers from the root. `shallow`: inside a body, where nested containers
   * are skipped (type, offset and length only).
   */
  private value(parent: Node | undefined, depth: number, shallow: boolean): Node {
    const t = this.text;
    const start = this.i;
    const c = t.charCodeAt(start);
    if (c === 0x22) return this.stringNode(parent);
    if (c === 0x7b || c === 0x5b) {
      const type: NodeType = c === 0x7b ? 'object' : 'array';
      // Inside a body only the body object's own members are nodes: arrays and deeper containers
      // are skipped. Outside one, the rules look at most three levels down (array of messages,
      // message, systemProperties / applicationProperties, their values): deeper containers are
      // skipped too, which also keeps the recursion bounded however deep a file nests.
      if ((shallow && (depth > 0 || type === 'array')) || depth > MAX_STRUCTURE_DEPTH) {
        const end = this.containerEnd(start);
        this.i = end;
        return this.leaf(type, start, end, undefined, parent);
      }
      return c === 0x7b ? this.object(parent, depth, shallow) : this.array(parent, depth, shallow);
    }
    if (c === 0x74) { this.i += 4; return this.leaf('boolean', start, this.i, true, parent); }
    if (c === 0x66) { this.i += 5; return this.leaf('boolean', start, this.i, false, parent); }
    if (c === 0x6e) { this.i += 4; return this.leaf('null', start, this.i, null, parent); }
    NUMBER.lastIndex = start;
    const m = NUMBER.exec(t);
    this.i = start + (m?.[0].length ?? 1);
    return this.leaf('number', start, this.i, Number(m?.[0]), parent);
  }

  private object(parent: Node | undefined, depth: number, shallow: boolean): Node {
    const node: BuildNode = { type: 'object', offset: this.i, length: 0, children: [] };
    if (parent) node.parent = parent;
    this.i++; // {
    this.ws();
    // Message objects sit at depth 0 (a single message) or 1 (items of the root array).
    const isMessage = !shallow && (depth === 0 || (depth === 1 && parent?.type === 'array'));
    while (this.text.charCodeAt(this.i) !== 0x7d) {
      const prop: BuildNode = { type: 'property', offset: this.i, length: 0, parent: node, children: [] };
      const key = this.stringNode(prop);
      this.ws();
      prop.colonOffset = this.i;
      this.i++; // :
      this.ws();
      const value = isMessage && key.value === 'body' ? this.body(prop) : this.value(prop, depth + 1, shallow);
      prop.children = [key, value];
      prop.length = value.offset + value.length - prop.offset;
      node.children?.push(prop);
      this.ws();
      if (this.text.charCodeAt(this.i) === 0x2c) { this.i++; this.ws(); }
    }
    this.i++; // }
    node.length = this.i - node.offset;
    return node;
  }

  /**
   * A message body. Its bytes are its compact text, found in one pass together with its end; only
   * the `{"base64": ...}` form gets member nodes, every other container none.
   */
  private body(parent: Node): Node {
    const start = this.i;
    const c = this.text.charCodeAt(start);
    if (c !== 0x7b && c !== 0x5b) return this.value(parent, 0, true);
    const { end, compact } = compactContainer(this.text, start);
    if (compact.startsWith('{"base64":')) return this.value(parent, 0, true);
    const node = this.leaf(c === 0x7b ? 'object' : 'array', start, end, undefined, parent);
    rememberCompact(node, compact);
    this.i = end;
    return node;
  }

  private array(parent: Node | undefined, depth: number, shallow: boolean): Node {
    const node: BuildNode = { type: 'array', offset: this.i, length: 0, children: [] };
    if (parent) node.parent = parent;
    this.i++; // [
    this.ws();
    while (this.text.charCodeAt(this.i) !== 0x5d) {
      node.children?.push(this.value(node, depth + 1, shallow));
      this.ws();
      if (this.text.charCodeAt(this.i) === 0x2c) { this.i++; this.ws(); }
    }
    this.i++; // ]
    node.length = this.i - node.offset;
    return node;
  }
}

/** The tree of `text` if it is valid JSON (RFC 8259, as JSON.parse accepts it), else undefined. */
export function parseValidJsonTree(text: string): { root: Node | undefined } | undefined {
  try {
    JSON.parse(text);
  } catch {
    return undefined;
  }
  return { root: new FastParser(text).parse() };
}
