// Compiles a condition tree into nested closures once, so evaluating a route on a message is a
// few function calls with no tree walk and no allocation on the common paths (a property
// compared with a literal). The semantics are those of semantics.ts; explain.ts walks the same
// tree with the same helpers to say why.
import type { ConditionNode } from './ast';
import { applicationProperty, bodyOf, systemProperty, type RoutingMessage } from './message';
import { arithmetic, compareValues, negate, type ComparisonOp } from './semantics';

export type Evaluator = (m: RoutingMessage) => unknown;

function compareWithLiteral(op: ComparisonOp, left: Evaluator, lit: string | number | boolean): Evaluator {
  const t = typeof lit;
  // Same-type comparisons are plain JavaScript comparisons; any other type is undefined.
  switch (op) {
    case '=': return (m) => { const a = left(m); return typeof a === t ? a === lit : undefined; };
    case '!=':
    case '<>': return (m) => { const a = left(m); return typeof a === t ? a !== lit : undefined; };
    case '<': return (m) => { const a = left(m); return typeof a === t ? (a as typeof lit) < lit : undefined; };
    case '<=': return (m) => { const a = left(m); return typeof a === t ? (a as typeof lit) <= lit : undefined; };
    case '>': return (m) => { const a = left(m); return typeof a === t ? (a as typeof lit) > lit : undefined; };
    case '>=': return (m) => { const a = left(m); return typeof a === t ? (a as typeof lit) >= lit : undefined; };
  }
}

const MIRROR: Record<ComparisonOp, ComparisonOp> = { '=': '=', '!=': '!=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

export function compileNode(n: ConditionNode): Evaluator {
  switch (n.kind) {
    case 'literal': {
      const v = n.value;
      return () => v;
    }
    case 'system': {
      const keys = n.property.keys;
      if (keys.length === 1) {
        const k = keys[0] as string;
        return (m) => m.systemProperties[k];
      }
      if (keys.length === 2) {
        const k0 = keys[0] as string;
        const k1 = keys[1] as string;
        return (m) => m.systemProperties[k0] ?? m.systemProperties[k1];
      }
      return (m) => systemProperty(m.systemProperties, keys);
    }
    case 'app': {
      const name = n.name;
      const lower = name.toLowerCase();
      return (m) => applicationProperty(m.applicationProperties, name, lower);
    }
    case 'body': {
      if (n.unsupported !== undefined) return () => undefined;
      const path = n.path;
      return (m) => {
        const b = bodyOf(m);
        return b.ok ? b.doc.lookup(path) : undefined;
      };
    }
    case 'twin':
      // Twins live in IoT Hub, not in the local hub: a twin reference is undefined here, and
      // `explain` says so rather than letting the route look silently false.
      return () => undefined;
    case 'not': {
      const o = compileNode(n.operand);
      return (m) => { const v = o(m); return v === true ? false : v === false ? true : undefined; };
    }
    case 'negate': {
      const o = compileNode(n.operand);
      return (m) => negate(o(m));
    }
    case 'logical': {
      const l = compileNode(n.left);
      const r = compileNode(n.right);
      if (n.op === 'AND') {
        return (m) => {
          const a = l(m);
          if (a === false) return false;
          const b = r(m);
          if (b === false) return false;
          return a === true && b === true ? true : undefined;
        };
      }
      return (m) => {
        const a = l(m);
        if (a === true) return true;
        const b = r(m);
        if (b === true) return true;
        return a === false && b === false ? false : undefined;
      };
    }
    case 'compare': {
      const op = n.op;
      const isLit = (x: ConditionNode): x is ConditionNode & { kind: 'literal'; value: string | number | boolean } =>
        x.kind === 'literal' && x.value !== null && x.value !== undefined;
      if (isLit(n.right)) return compareWithLiteral(op, compileNode(n.left), n.right.value);
      if (isLit(n.left)) return compareWithLiteral(MIRROR[op], compileNode(n.right), n.left.value);
      const l = compileNode(n.left);
      const r = compileNode(n.right);
      return (m) => compareValues(op, l(m), r(m));
    }
    case 'arith': {
      const op = n.op;
      const l = compileNode(n.left);
      const r = compileNode(n.right);
      return (m) => arithmetic(op, l(m), r(m));
    }
    case 'call': {
      const impl = n.fn.impl;
      const args = n.args.map(compileNode);
      if (args.length === 1) {
        const a0 = args[0] as Evaluator;
        const buf: unknown[] = [undefined];
        return (m) => { buf[0] = a0(m); return impl(buf); };
      }
      // One argument buffer per call site: a call cannot re-enter itself while its arguments are
      // evaluated (the tree has no recursion), so the buffer is never shared by two live calls.
      const buf: unknown[] = new Array<unknown>(args.length).fill(undefined);
      return (m) => {
        for (let i = 0; i < args.length; i++) buf[i] = (args[i] as Evaluator)(m);
        return impl(buf);
      };
    }
  }
}

export function treeUses(n: ConditionNode, kind: 'body' | 'twin'): boolean {
  switch (n.kind) {
    case 'body': return kind === 'body';
    case 'twin': return kind === 'twin';
    case 'not':
    case 'negate': return treeUses(n.operand, kind);
    case 'logical':
    case 'compare':
    case 'arith': return treeUses(n.left, kind) || treeUses(n.right, kind);
    case 'call': return n.args.some((a) => treeUses(a, kind));
    default: return false;
  }
}
