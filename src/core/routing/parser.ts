// Recursive-descent parser for IoT Hub routing conditions. Precedence, lowest first:
//   OR < AND < NOT < comparison (= != <> < <= > >=) < + - < * / % < unary - < primary
// A primary is a literal (number, 'string' or "string", true, false, null, undefined), a
// property (`$system`, `application`, `$body.path`, `$twin.path`), a documented function call, or a
// parenthesised expression. A syntax error names its offset, its length and what was expected.
// Never throws: every failure becomes a `ConditionSyntaxError`.
import { formatPath, type ConditionNode, type PathSegment, type Span } from './ast';
import { ROUTING_FUNCTIONS, findFunction } from './functions';
import { Lexer, isBlank, type Token, type TokenKind } from './lexer';
import type { ArithmeticOp, ComparisonOp } from './semantics';
import { findSystemProperty } from './systemProperties';

export interface ConditionSyntaxError {
  message: string;
  /** UTF-16 offset in the condition text. */
  offset: number;
  length: number;
  /** What would have been accepted at `offset` (e.g. `an expression`, `)`, `AND`). */
  expected: string[];
}

/** The deepest tree accepted; evaluation recurses once per level. */
export const MAX_CONDITION_DEPTH = 500;

class ParseFailure {
  constructor(readonly error: ConditionSyntaxError) {}
}

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'TRUE', 'FALSE', 'NULL', 'UNDEFINED']);
const COMPARISONS = new Set<TokenKind>(['=', '!=', '<>', '<', '<=', '>', '>=']);
const OPERATORS_AFTER_VALUE = ['AND', 'OR', '=', '!=', '<>', '<', '<=', '>', '>=', '+', '-', '*', '/', '%'];
const EXPRESSION_START = ['a number', 'a string', 'true', 'false', 'null', 'a property name', '$body.<path>', 'a function', '(', 'NOT', '-'];
/** Characters IoT Hub does not allow in a `$body` / `$twin` path, plus the query's own operators. */
const PATH_STOP = new Set([...'()<>@,;:\\"/?={}[].\'+*%!|&']);

function describe(tok: Token): string {
  if (tok.kind === 'eof') return 'the end of the condition';
  const text = tok.end - tok.start > 30 ? `${tok.text.slice(0, 27)}...` : tok.text;
  return tok.kind === 'string' ? 'a string' : `'${text}'`;
}

export class Parser {
  private readonly lexer: Lexer;
  private tok: Token;
  private depth = 0;

  constructor(private readonly text: string) {
    this.lexer = new Lexer(text);
    this.tok = this.lexer.next();
  }

  /** Parses the whole text; an empty (blank) condition is `true`, as IoT Hub's default route. */
  parseAll(): ConditionNode {
    if (this.kind() === 'eof') return { kind: 'literal', value: true, start: 0, end: this.text.length, height: 1 };
    const node = this.expression();
    if (this.kind() !== 'eof') this.failAt(this.tok, `Unexpected ${describe(this.tok)} after a complete expression`, [...OPERATORS_AFTER_VALUE, 'the end of the condition']);
    return node;
  }

  /** The current token's kind (a call, so TypeScript does not narrow it across `advance`). */
  private kind(): TokenKind {
    return this.tok.kind;
  }

  private advance(): Token {
    const t = this.tok;
    this.tok = this.lexer.next();
    return t;
  }

  private fail(span: Span, message: string, expected: string[]): never {
    throw new ParseFailure({ message, offset: span.start, length: Math.max(0, span.end - span.start), expected });
  }

  private failAt(tok: Token, message: string, expected: string[]): never {
    if (tok.kind === 'bad') this.fail(tok, tok.problem ?? message, expected);
    this.fail(tok, message, expected);
  }

  private isKeyword(word: string): boolean {
    return this.kind() === 'ident' && this.tok.text.toUpperCase() === word;
  }

  private enter(at: Span): void {
    if (++this.depth > MAX_CONDITION_DEPTH) this.fail(at, `The condition nests more than ${MAX_CONDITION_DEPTH} levels deep`, []);
  }

  private checkHeight(node: ConditionNode): ConditionNode {
    if (node.height > MAX_CONDITION_DEPTH) this.fail(node, `The condition nests more than ${MAX_CONDITION_DEPTH} levels deep`, []);
    return node;
  }

  private expression(): ConditionNode {
    return this.or();
  }

  private or(): ConditionNode {
    let left = this.and();
    while (this.isKeyword('OR')) {
      this.advance();
      const right = this.operand('OR', () => this.and());
      left = this.checkHeight({ kind: 'logical', op: 'OR', left, right, start: left.start, end: right.end, height: 1 + Math.max(left.height, right.height) });
    }
    return left;
  }

  private and(): ConditionNode {
    let left = this.not();
    while (this.isKeyword('AND')) {
      this.advance();
      const right = this.operand('AND', () => this.not());
      left = this.checkHeight({ kind: 'logical', op: 'AND', left, right, start: left.start, end: right.end, height: 1 + Math.max(left.height, right.height) });
    }
    return left;
  }

  /** Parses the right operand of `op`, with a clear error when it is missing. */
  private operand(op: string, parse: () => ConditionNode): ConditionNode {
    if (this.kind() === 'eof' || this.kind() === ')' || this.kind() === ',' || (this.kind() === 'ident' && (this.isKeyword('AND') || this.isKeyword('OR')))) {
      this.failAt(this.tok, `Expected an expression after ${op}, found ${describe(this.tok)}`, EXPRESSION_START);
    }
    return parse();
  }

  private not(): ConditionNode {
    if (this.isKeyword('NOT')) {
      const notTok = this.advance();
      this.enter(notTok);
      const operand = this.operand('NOT', () => this.not());
      this.depth--;
      return this.checkHeight({ kind: 'not', operand, start: notTok.start, end: operand.end, height: operand.height + 1 });
    }
    return this.comparison();
  }

  private comparison(): ConditionNode {
    let left = this.additive();
    while (COMPARISONS.has(this.kind())) {
      const op = this.advance().kind as ComparisonOp;
      const right = this.operand(`'${op}'`, () => this.additive());
      left = this.checkHeight({ kind: 'compare', op, left, right, start: left.start, end: right.end, height: 1 + Math.max(left.height, right.height) });
    }
    return left;
  }

  private additive(): ConditionNode {
    let left = this.multiplicative();
    while (this.kind() === '+' || this.kind() === '-') {
      const op = this.advance().kind as ArithmeticOp;
      const right = this.operand(`'${op}'`, () => this.multiplicative());
      left = this.checkHeight({ kind: 'arith', op, left, right, start: left.start, end: right.end, height: 1 + Math.max(left.height, right.height) });
    }
    return left;
  }

  private multiplicative(): ConditionNode {
    let left = this.unary();
    while (this.kind() === '*' || this.kind() === '/' || this.kind() === '%') {
      const op = this.advance().kind as ArithmeticOp;
      const right = this.operand(`'${op}'`, () => this.unary());
      left = this.checkHeight({ kind: 'arith', op, left, right, start: left.start, end: right.end, height: 1 + Math.max(left.height, right.height) });
    }
    return left;
  }

  private unary(): ConditionNode {
    if (this.kind() === '-' || this.kind() === '+') {
      const opTok = this.advance();
      this.enter(opTok);
      const operand = this.operand(`'${opTok.kind}'`, () => this.unary());
      this.depth--;
      if (opTok.kind === '+') return operand;
      if (operand.kind === 'literal' && typeof operand.value === 'number') {
        return { kind: 'literal', value: -operand.value, start: opTok.start, end: operand.end, height: 1 };
      }
      return this.checkHeight({ kind: 'negate', operand, start: opTok.start, end: operand.end, height: operand.height + 1 });
    }
    return this.primary();
  }

  private primary(): ConditionNode {
    const tok = this.tok;
    switch (tok.kind) {
      case 'number':
        this.advance();
        return { kind: 'literal', value: tok.number ?? 0, start: tok.start, end: tok.end, height: 1 };
      case 'string':
        this.advance();
        return { kind: 'literal', value: tok.text, start: tok.start, end: tok.end, height: 1 };
      case '(': {
        this.advance();
        this.enter(tok);
        if (this.kind() === ')') this.failAt(this.tok, 'Expected an expression inside the parentheses', EXPRESSION_START);
        const inner = this.expression();
        this.depth--;
        if (this.kind() !== ')') {
          this.failAt(this.tok, `Expected ')' to close the '(' at offset ${tok.start}, found ${describe(this.tok)}`, [')', ...OPERATORS_AFTER_VALUE]);
        }
        this.advance();
        return inner;
      }
      case 'dollar':
        return this.dollar(tok);
      case 'ident':
        return this.identifier(tok);
      default:
        return this.failAt(tok, `Expected an expression, found ${describe(tok)}`, EXPRESSION_START);
    }
  }

  private identifier(tok: Token): ConditionNode {
    const upper = tok.text.toUpperCase();
    // A name followed by '(' is a function call (blanks allowed before the parenthesis).
    let i = tok.end;
    while (i < this.text.length && isBlank(this.text.charCodeAt(i))) i++;
    if (this.text[i] === '(') return this.call(tok);
    if (KEYWORDS.has(upper)) {
      this.advance();
      switch (upper) {
        case 'TRUE': return { kind: 'literal', value: true, start: tok.start, end: tok.end, height: 1 };
        case 'FALSE': return { kind: 'literal', value: false, start: tok.start, end: tok.end, height: 1 };
        case 'NULL': return { kind: 'literal', value: null, start: tok.start, end: tok.end, height: 1 };
        case 'UNDEFINED': return { kind: 'literal', value: undefined, start: tok.start, end: tok.end, height: 1 };
        default: this.fail(tok, `Expected an expression, found the keyword ${upper}`, EXPRESSION_START);
      }
    }
    this.advance();
    if (this.kind() === '.' && this.tok.start === tok.end) {
      const hint = upper === 'BODY' || upper === 'TWIN' ? ` (write $${tok.text}${this.text.slice(tok.end, tok.end + 20).split(/[\s=<>!]/)[0] ?? ''})` : '';
      this.failAt(this.tok, `Application property names have no path: '${tok.text}.' is not a property reference${hint}`, [...OPERATORS_AFTER_VALUE, 'the end of the condition']);
    }
    return { kind: 'app', name: tok.text, dollar: false, start: tok.start, end: tok.end, height: 1 };
  }

  private call(nameTok: Token): ConditionNode {
    const fn = findFunction(nameTok.text);
    if (fn === undefined) {
      this.fail(nameTok, `Unknown function '${nameTok.text}': IoT Hub route conditions support ${ROUTING_FUNCTIONS.map((f) => f.name).join(', ')}`, ROUTING_FUNCTIONS.map((f) => f.name));
    }
    this.advance(); // name
    const open = this.advance(); // '('
    this.enter(open);
    const args: ConditionNode[] = [];
    if (this.kind() !== ')') {
      for (;;) {
        if (this.kind() === ',' || this.kind() === ')') this.failAt(this.tok, `Expected an argument of ${fn.name}, found ${describe(this.tok)}`, EXPRESSION_START);
        args.push(this.expression());
        if (this.kind() === ',') { this.advance(); continue; }
        if (this.kind() === ')') break;
        this.failAt(this.tok, `Expected ',' or ')' in the call of ${fn.name}, found ${describe(this.tok)}`, [',', ')', ...OPERATORS_AFTER_VALUE]);
      }
    }
    const close = this.advance();
    this.depth--;
    const span = { start: nameTok.start, end: close.end };
    if (args.length < fn.minArgs || args.length > fn.maxArgs) {
      const want = fn.maxArgs === Infinity ? `at least ${fn.minArgs}` : fn.minArgs === fn.maxArgs ? `${fn.minArgs}` : `${fn.minArgs} to ${fn.maxArgs}`;
      this.fail(span, `${fn.name} takes ${want} argument${want === '1' ? '' : 's'}, not ${args.length}: ${fn.signature}`, [fn.signature]);
    }
    const height = 1 + args.reduce((h, a) => Math.max(h, a.height), 0);
    return this.checkHeight({ kind: 'call', fn, nameSpan: { start: nameTok.start, end: nameTok.end }, args, start: span.start, end: span.end, height });
  }

  private dollar(tok: Token): ConditionNode {
    const lower = tok.text.toLowerCase();
    if (lower === 'body' || lower === 'twin') {
      const path = this.path(tok.end);
      this.lexer.pos = path.end;
      this.tok = this.lexer.next();
      const span = { start: tok.start, end: path.end, height: 1 };
      if (lower === 'twin') return { kind: 'twin', path: path.segments, ...span };
      const first = path.segments[0];
      if (first === undefined) return { kind: 'body', path: [], ...span, unsupported: 'IoT Hub does not evaluate conditions on the whole body: name a property, as in $body.temperature' };
      if (first.kind === 'index') return { kind: 'body', path: path.segments, ...span, unsupported: `IoT Hub does not evaluate $body${formatPath([first])}: a body path must start with a property name` };
      return { kind: 'body', path: path.segments, ...span };
    }
    this.advance();
    const property = findSystemProperty(tok.text);
    if (property !== undefined) return { kind: 'system', written: tok.text, property, start: tok.start, end: tok.end, height: 1 };
    // IoT Hub looks a `$name` up in the system properties first, then in the application properties.
    return { kind: 'app', name: `$${tok.text}`, dollar: true, start: tok.start, end: tok.end, height: 1 };
  }

  /** Scans `.name`, `[0]` and `['name']` steps directly from the text, starting at `from`. */
  private path(from: number): { segments: PathSegment[]; end: number } {
    const t = this.text;
    const segments: PathSegment[] = [];
    let i = from;
    for (;;) {
      const ch = t[i];
      if (ch === '.') {
        const nameStart = i + 1;
        let j = nameStart;
        while (j < t.length && !PATH_STOP.has(t[j] as string) && !isBlank(t.charCodeAt(j))) j++;
        if (j === nameStart) this.fail({ start: i, end: i + 1 }, "Expected a property name after '.'", ['a property name']);
        segments.push({ kind: 'name', name: t.slice(nameStart, j) });
        i = j;
      } else if (ch === '[') {
        const open = i;
        i++;
        while (i < t.length && isBlank(t.charCodeAt(i))) i++;
        const q = t[i];
        if (q === "'" || q === '"') {
          const sub = new Lexer(t);
          sub.pos = i;
          const s = sub.next();
          if (s.kind !== 'string') this.fail(s, s.problem ?? 'Invalid string', ['a string']);
          segments.push({ kind: 'name', name: s.text });
          i = s.end;
        } else {
          const digits = i;
          while (i < t.length && t.charCodeAt(i) >= 48 && t.charCodeAt(i) <= 57) i++;
          if (i === digits) this.fail({ start: i, end: Math.min(t.length, i + 1) }, "Expected an array index (0, 1, ...) or a quoted name after '['", ['an array index', 'a string']);
          segments.push({ kind: 'index', index: Number(t.slice(digits, i)) });
        }
        while (i < t.length && isBlank(t.charCodeAt(i))) i++;
        if (t[i] !== ']') this.fail({ start: i, end: Math.min(t.length, i + 1) }, `Expected ']' to close the '[' at offset ${open}`, [']']);
        i++;
      } else {
        return { segments, end: i };
      }
    }
  }
}

export type ParseTreeResult = { ok: true; node: ConditionNode } | { ok: false; error: ConditionSyntaxError };

export function parseConditionTree(text: string): ParseTreeResult {
  try {
    return { ok: true, node: new Parser(text).parseAll() };
  } catch (e) {
    if (e instanceof ParseFailure) return { ok: false, error: e.error };
    throw e;
  }
}
