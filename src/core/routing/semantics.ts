// The value semantics of IoT Hub's routing query language, shared by the compiled evaluator and
// by `explain`, so both give the same answer. Values are JSON values plus `undefined` (a missing
// property or an operation IoT Hub leaves undefined). The rules follow the documented language:
// - comparisons are defined only between two primitives of the same type; anything else
//   (a string with a number, an object, undefined) is undefined;
// - AND / OR / NOT are three-valued: a non-Boolean operand is undefined, `false AND undefined`
//   is false, `true OR undefined` is true;
// - arithmetic needs numbers, and a result that is not a finite number is undefined;
// - a condition routes only when it evaluates to Boolean true (null and undefined count as false).

export type ComparisonOp = '=' | '!=' | '<>' | '<' | '<=' | '>' | '>=';
export type ArithmeticOp = '+' | '-' | '*' | '/' | '%';

export type ValueType = 'undefined' | 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

export function typeOfValue(v: unknown): ValueType {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean': return 'boolean';
    case 'number': return 'number';
    case 'string': return 'string';
    default: return Array.isArray(v) ? 'array' : 'object';
  }
}

export function compareValues(op: ComparisonOp, a: unknown, b: unknown): boolean | undefined {
  if (a === undefined || b === undefined) return undefined;
  if (a === null || b === null) {
    if (a !== b) return undefined; // null against a non-null: different types
    if (op === '=' || op === '<=' || op === '>=') return true;
    if (op === '!=' || op === '<>') return false;
    return false;
  }
  const t = typeof a;
  if (t !== typeof b || t === 'object') return undefined;
  const x = a as number | string | boolean;
  const y = b as number | string | boolean;
  switch (op) {
    case '=': return x === y;
    case '!=':
    case '<>': return x !== y;
    case '<': return x < y;
    case '<=': return x <= y;
    case '>': return x > y;
    case '>=': return x >= y;
  }
}

export function arithmetic(op: ArithmeticOp, a: unknown, b: unknown): number | undefined {
  if (typeof a !== 'number' || typeof b !== 'number') return undefined;
  let r: number;
  switch (op) {
    case '+': r = a + b; break;
    case '-': r = a - b; break;
    case '*': r = a * b; break;
    case '/': r = a / b; break;
    case '%': r = a % b; break;
  }
  return Number.isFinite(r) ? r : undefined;
}

export function andValues(a: unknown, b: unknown): boolean | undefined {
  if (a === false || b === false) return false;
  return a === true && b === true ? true : undefined;
}

export function orValues(a: unknown, b: unknown): boolean | undefined {
  if (a === true || b === true) return true;
  return a === false && b === false ? false : undefined;
}

export function notValue(a: unknown): boolean | undefined {
  return a === true ? false : a === false ? true : undefined;
}

export function negate(a: unknown): number | undefined {
  return typeof a === 'number' ? -a : undefined;
}

/** A value as the editor shows it: strings in single quotes (as the query writes them). */
export function formatValue(v: unknown, max = 80): string {
  let s: string;
  if (v === undefined) s = 'undefined';
  else if (typeof v === 'string') s = `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  else {
    try { s = JSON.stringify(v) ?? 'undefined'; } catch { s = String(v); }
  }
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}
