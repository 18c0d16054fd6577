// Explains a condition's result for one message: the value of every sub-expression that was
// evaluated, why a value is undefined (no such property, body not JSON, twin not available
// locally, a string compared with a number), and the chain of sub-expressions that decided the
// result, e.g. "`$body.temperature > 30` was false; `$body.temperature` was 21.5". Slow path
// (it allocates a tree); the router uses compile.ts. Both share semantics.ts.
import { formatPath, type ConditionNode } from './ast';
import { applicationProperty, bodyOf, systemProperty, type RoutingMessage } from './message';
import { existingPrefix } from './path';
import { andValues, arithmetic, compareValues, formatValue, negate, notValue, orValues, typeOfValue } from './semantics';

export interface ExplainedNode {
  /** The sub-expression as written. */
  readonly text: string;
  readonly offset: number;
  readonly length: number;
  readonly kind: ConditionNode['kind'];
  /** For operators: `AND`, `OR`, `=`, `+`, ...; for calls the function name. */
  readonly operator?: string;
  readonly value: unknown;
  /** The value as the editor shows it (`21.5`, `'hot'`, `undefined`). */
  readonly display: string;
  /** False when AND / OR decided without evaluating this operand. */
  readonly evaluated: boolean;
  /** Why the value is what it is, when that is not obvious (mostly: why undefined). */
  readonly note?: string;
  readonly children: readonly ExplainedNode[];
}

export interface ConditionExplanation {
  readonly source: string;
  /** What `evaluate` returns: the condition routes the message. */
  readonly result: boolean;
  readonly root: ExplainedNode;
  /** From the whole condition down to the sub-expression that decided the result. */
  readonly decidedBy: readonly ExplainedNode[];
  /** One line, e.g. "`$body.temperature > 30` was false; `$body.temperature` was 21.5". */
  readonly summary: string;
  /** Every note of an evaluated node, plus the overall ones (twin unavailable, null counted as false). */
  readonly notes: readonly string[];
  /** A `$twin` reference was evaluated: IoT Hub might decide differently, the local hub cannot know. */
  readonly twinUnavailable: boolean;
}

export const TWIN_UNAVAILABLE_NOTE = '$twin is not available on the local hub: twin conditions are undefined here (so false); IoT Hub evaluates them against the device twin';

class Explainer {
  twin = false;
  constructor(private readonly source: string, private readonly m: RoutingMessage) {}

  private make(n: ConditionNode, value: unknown, children: ExplainedNode[], note?: string): ExplainedNode {
    const operator = n.kind === 'logical' || n.kind === 'compare' || n.kind === 'arith' ? n.op
      : n.kind === 'not' ? 'NOT' : n.kind === 'negate' ? '-' : n.kind === 'call' ? n.fn.name : undefined;
    return {
      text: this.source.slice(n.start, n.end), offset: n.start, length: n.end - n.start, kind: n.kind,
      ...(operator === undefined ? {} : { operator }),
      value, display: formatValue(value), evaluated: true, children,
      ...(note === undefined ? {} : { note }),
    };
  }

  skipped(n: ConditionNode): ExplainedNode {
    return {
      text: this.source.slice(n.start, n.end), offset: n.start, length: n.end - n.start, kind: n.kind,
      value: undefined, display: 'not evaluated', evaluated: false, children: [],
    };
  }

  node(n: ConditionNode): ExplainedNode {
    switch (n.kind) {
      case 'literal': return this.make(n, n.value, []);
      case 'system': {
        const v = systemProperty(this.m.systemProperties, n.property.keys);
        return this.make(n, v, [], v === undefined ? `the message has no $${n.property.queryName}` : undefined);
      }
      case 'app': {
        const v = applicationProperty(this.m.applicationProperties, n.name, n.name.toLowerCase());
        let note: string | undefined;
        if (v === undefined) {
          note = n.dollar
            ? `${n.name} is not a system property, and the message has no application property of that name`
            : `the message has no application property '${n.name}' (names are matched ignoring case)`;
        }
        return this.make(n, v, [], note);
      }
      case 'body': {
        if (n.unsupported !== undefined) return this.make(n, undefined, [], n.unsupported);
        const b = bodyOf(this.m);
        if (!b.ok) return this.make(n, undefined, [], `body conditions are not evaluated: ${b.reason}`);
        const v = b.doc.lookup(n.path);
        let note: string | undefined;
        if (v === undefined) {
          const have = existingPrefix(b.doc.value, n.path);
          const missing = n.path[have];
          const at = `$body${formatPath(n.path.slice(0, have))}`;
          note = missing === undefined ? undefined
            : missing.kind === 'index' ? `${at} has no element [${missing.index}]`
            : `${at} has no property '${missing.name}'`;
        }
        return this.make(n, v, [], note);
      }
      case 'twin':
        this.twin = true;
        return this.make(n, undefined, [], TWIN_UNAVAILABLE_NOTE);
      case 'not': {
        const c = this.node(n.operand);
        return this.make(n, notValue(c.value), [c], this.notBoolean(c));
      }
      case 'negate': {
        const c = this.node(n.operand);
        const v = negate(c.value);
        return this.make(n, v, [c], v === undefined && c.value !== undefined ? `'-' needs a number, and ${c.text} is ${describeType(c.value)}` : undefined);
      }
      case 'logical': {
        const l = this.node(n.left);
        const decidedEarly = n.op === 'AND' ? l.value === false : l.value === true;
        const r = decidedEarly ? this.skipped(n.right) : this.node(n.right);
        const v = decidedEarly ? l.value : n.op === 'AND' ? andValues(l.value, r.value) : orValues(l.value, r.value);
        const note = v === undefined ? (this.notBoolean(l) ?? (r.evaluated ? this.notBoolean(r) : undefined)) : undefined;
        return this.make(n, v, [l, r], note);
      }
      case 'compare': {
        const l = this.node(n.left);
        const r = this.node(n.right);
        const v = compareValues(n.op, l.value, r.value);
        let note: string | undefined;
        if (v === undefined && l.value !== undefined && r.value !== undefined) {
          const tl = typeOfValue(l.value);
          const tr = typeOfValue(r.value);
          note = tl === 'object' || tl === 'array' || tr === 'object' || tr === 'array'
            ? 'only primitive values (strings, numbers, Booleans, null) can be compared'
            : `compares ${describeType(l.value)} with ${describeType(r.value)}, which is undefined${(tl === 'string' && tr === 'number') || (tl === 'number' && tr === 'string') ? ' (application properties are strings: use AS_NUMBER(...) to compare them with numbers)' : ''}`;
        }
        return this.make(n, v, [l, r], note);
      }
      case 'arith': {
        const l = this.node(n.left);
        const r = this.node(n.right);
        const v = arithmetic(n.op, l.value, r.value);
        let note: string | undefined;
        if (v === undefined && l.value !== undefined && r.value !== undefined) {
          note = typeof l.value === 'number' && typeof r.value === 'number'
            ? `the result is not a finite number`
            : `'${n.op}' needs two numbers, not ${describeType(l.value)} and ${describeType(r.value)}`;
        }
        return this.make(n, v, [l, r], note);
      }
      case 'call': {
        const args = n.args.map((a) => this.node(a));
        const v = n.fn.impl(args.map((a) => a.value));
        let note: string | undefined;
        if (v === undefined && args.every((a) => a.value !== undefined)) {
          note = `${n.fn.signature} is undefined for ${args.map((a) => describeType(a.value)).join(', ')}`;
        }
        return this.make(n, v, args, note);
      }
    }
  }

  private notBoolean(c: ExplainedNode): string | undefined {
    if (c.value === true || c.value === false || c.value === undefined) return undefined;
    return `${c.text} is ${describeType(c.value)}, not a Boolean`;
  }
}

function describeType(v: unknown): string {
  const t = typeOfValue(v);
  switch (t) {
    case 'undefined': return 'undefined';
    case 'null': return 'null';
    case 'array': return 'an array';
    case 'object': return 'an object';
    default: return `${t === 'boolean' ? 'a Boolean' : `a ${t}`} (${formatValue(v, 40)})`;
  }
}

function decisionChain(root: ExplainedNode): ExplainedNode[] {
  const chain = [root];
  let n = root;
  for (;;) {
    let next: ExplainedNode | undefined;
    if (n.operator === 'AND') {
      if (n.value === false) next = n.children.find((c) => c.evaluated && c.value === false);
      else if (n.value === undefined) next = n.children.find((c) => c.evaluated && c.value !== true);
    } else if (n.operator === 'OR') {
      if (n.value === true) next = n.children.find((c) => c.evaluated && c.value === true);
      else if (n.value === undefined) next = n.children.find((c) => c.evaluated && c.value !== false);
    } else if (n.kind === 'not') {
      next = n.children[0];
    }
    if (next === undefined) return chain;
    chain.push(next);
    n = next;
  }
}

function summarise(chain: readonly ExplainedNode[]): string {
  const parts = chain.map((n) => `\`${n.text}\` was ${n.display}`);
  const last = chain[chain.length - 1] as ExplainedNode;
  if (last.kind !== 'not') {
    for (const c of last.children) {
      if (c.kind === 'literal' || !c.evaluated) continue;
      parts.push(`\`${c.text}\` was ${c.display}`);
    }
  }
  const notes = [last, ...last.children].map((n) => n.note).filter((x): x is string => x !== undefined);
  return parts.join('; ') + (notes.length > 0 ? ` (${notes.join('; ')})` : '');
}

function collectNotes(n: ExplainedNode, out: string[]): void {
  if (n.note !== undefined && !out.includes(n.note)) out.push(n.note);
  for (const c of n.children) collectNotes(c, out);
}

export function explainTree(source: string, tree: ConditionNode, m: RoutingMessage): ConditionExplanation {
  const ex = new Explainer(source, m);
  const root = ex.node(tree);
  const chain = decisionChain(root);
  const notes: string[] = [];
  collectNotes(root, notes);
  if (root.value !== true && root.value !== false) {
    notes.push(`the condition evaluates to ${root.display}, which IoT Hub counts as false`);
  }
  return {
    source,
    result: root.value === true,
    root,
    decidedBy: chain,
    summary: source.trim() === '' ? 'an empty condition routes every message' : summarise(chain),
    notes,
    twinUnavailable: ex.twin,
  };
}
