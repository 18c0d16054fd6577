// The syntax tree of a routing condition. Every node keeps its span in the condition text
// (UTF-16 offsets, `[start, end)`) so diagnostics and `explain` can point at the characters, and
// its height, so a pathological condition is refused before it can exhaust the stack.
import type { FunctionDef } from './functions';
import type { ArithmeticOp, ComparisonOp } from './semantics';
import type { SystemPropertyDef } from './systemProperties';

export interface Span {
  readonly start: number;
  readonly end: number;
}

/** One step of a `$body` or `$twin` path: `.name`, `[0]` or `['name']`. */
export type PathSegment = { readonly kind: 'name'; readonly name: string } | { readonly kind: 'index'; readonly index: number };

interface Base extends Span {
  readonly height: number;
}

export type ConditionNode =
  | (Base & { readonly kind: 'literal'; readonly value: string | number | boolean | null | undefined })
  | (Base & { readonly kind: 'system'; readonly written: string; readonly property: SystemPropertyDef })
  /** An application property (matched ignoring case). `dollar`: written `$name` with no such system property. */
  | (Base & { readonly kind: 'app'; readonly name: string; readonly dollar: boolean })
  /** `$body...`; `unsupported` says why IoT Hub evaluates it as undefined (the whole body, `$body[0]`). */
  | (Base & { readonly kind: 'body'; readonly path: readonly PathSegment[]; readonly unsupported?: string })
  | (Base & { readonly kind: 'twin'; readonly path: readonly PathSegment[] })
  | (Base & { readonly kind: 'not'; readonly operand: ConditionNode })
  | (Base & { readonly kind: 'negate'; readonly operand: ConditionNode })
  | (Base & { readonly kind: 'logical'; readonly op: 'AND' | 'OR'; readonly left: ConditionNode; readonly right: ConditionNode })
  | (Base & { readonly kind: 'compare'; readonly op: ComparisonOp; readonly left: ConditionNode; readonly right: ConditionNode })
  | (Base & { readonly kind: 'arith'; readonly op: ArithmeticOp; readonly left: ConditionNode; readonly right: ConditionNode })
  | (Base & { readonly kind: 'call'; readonly fn: FunctionDef; readonly nameSpan: Span; readonly args: readonly ConditionNode[] });

export function childrenOf(n: ConditionNode): readonly ConditionNode[] {
  switch (n.kind) {
    case 'not':
    case 'negate': return [n.operand];
    case 'logical':
    case 'compare':
    case 'arith': return [n.left, n.right];
    case 'call': return n.args;
    default: return [];
  }
}

/** `.Weather.HistoricalData[0].Month` */
export function formatPath(path: readonly PathSegment[]): string {
  let s = '';
  for (const seg of path) s += seg.kind === 'index' ? `[${seg.index}]` : `.${seg.name}`;
  return s;
}
