// The public face of IoT Hub's routing query language: parse a route condition once into a
// CompiledCondition, then evaluate it per message (fast, compiled to closures) or explain it
// (which sub-expression decided, with values). Used by the local hub's router, the language
// server, the route tester, the inspector and the CLI. No `vscode` import; plain Node and web APIs.
//
// Semantics (IoT Hub's documentation, iot-hub-devguide-routing-query-syntax and the query
// language's "Expressions and conditions"): a condition routes a message only when it evaluates
// to Boolean true, so null and undefined count as false; a body that is not JSON (or not declared
// application/json in utf-8/16/32) matches no `$body` condition; `$twin` references are
// recognised but the local hub has no twins, so they are undefined and `explain` says so.
import type { ConditionNode } from './ast';
import { compileNode, treeUses, type Evaluator } from './compile';
import { explainTree, type ConditionExplanation } from './explain';
import type { RoutingMessage } from './message';
import { parseConditionTree, type ConditionSyntaxError } from './parser';

export type { ConditionNode } from './ast';
export type { ConditionExplanation, ExplainedNode } from './explain';
export type { RoutingMessage, RoutingStamps } from './message';
export { routingMessageFromIotMessage } from './message';
export type { ConditionSyntaxError } from './parser';
export type { ParsedBody } from './body';

export interface CompiledCondition {
  /** The condition text as given. */
  readonly source: string;
  /** Reads `$body`: evaluating it parses the body (once per message). */
  readonly usesBody: boolean;
  /** Reads `$twin`, which the local hub does not have (always undefined here). */
  readonly usesTwin: boolean;
  /** The syntax tree (spans into `source`), for editors. */
  readonly tree: ConditionNode;
  /** True when the message is routed: the condition evaluated to Boolean true. Never throws. */
  evaluate(message: RoutingMessage): boolean;
  explain(message: RoutingMessage): ConditionExplanation;
}

export type ParseResult = { ok: true; condition: CompiledCondition } | { ok: false; error: ConditionSyntaxError };

class Compiled implements CompiledCondition {
  readonly usesBody: boolean;
  readonly usesTwin: boolean;
  private readonly run: Evaluator;

  constructor(readonly source: string, readonly tree: ConditionNode) {
    this.run = compileNode(tree);
    this.usesBody = treeUses(tree, 'body');
    this.usesTwin = treeUses(tree, 'twin');
  }

  evaluate(message: RoutingMessage): boolean {
    return this.run(message) === true;
  }

  explain(message: RoutingMessage): ConditionExplanation {
    return explainTree(this.source, this.tree, message);
  }
}

/**
 * Parses a route condition. `''` (or blanks) and `'true'` route every message, as IoT Hub's default
 * route condition does. Never throws: a bad condition gives `{ ok: false, error }` with the offset,
 * length and what was expected there.
 */
export function parseCondition(text: string): ParseResult {
  const r = parseConditionTree(text);
  if (!r.ok) return r;
  return { ok: true, condition: new Compiled(text, r.node) };
}
