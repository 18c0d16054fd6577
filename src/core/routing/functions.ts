// The functions IoT Hub documents for route conditions (math, type checking and casting, string),
// with their arity and behaviour. Names are matched ignoring case (the docs write both
// `IS_DEFINED` and `is_defined`). A function given an argument of the wrong type returns
// undefined, which makes the condition false, as IoT Hub does. Only documented functions are
// here: an undocumented one (ROUND, say) is a syntax error, because IoT Hub refuses to save it.

export interface FunctionDef {
  /** Upper-case name as documented. */
  readonly name: string;
  readonly minArgs: number;
  /** `Infinity` for CONCAT. */
  readonly maxArgs: number;
  /** e.g. `SUBSTRING(string, start [, length])`. */
  readonly signature: string;
  readonly description: string;
  readonly category: 'math' | 'type' | 'string';
  /** Evaluates with the argument values; never throws. */
  readonly impl: (args: readonly unknown[]) => unknown;
}

const num = (v: unknown): v is number => typeof v === 'number';
const str = (v: unknown): v is string => typeof v === 'string';
const finite = (n: number): number | undefined => (Number.isFinite(n) ? n : undefined);
const math1 = (f: (x: number) => number) => (a: readonly unknown[]): unknown => (num(a[0]) ? finite(f(a[0])) : undefined);
const isPrimitive = (v: unknown): boolean => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
const strs2 = (f: (x: string, y: string) => unknown) => (a: readonly unknown[]): unknown =>
  (str(a[0]) && str(a[1]) ? f(a[0], a[1]) : undefined);

/** `AS_NUMBER`: a JSON number literal in the string (surrounding blanks allowed), else undefined. */
function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  if (!/^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(t)) return undefined;
  return finite(Number(t));
}

const LIST: FunctionDef[] = [
  { name: 'ABS', minArgs: 1, maxArgs: 1, signature: 'ABS(x)', category: 'math', description: 'The absolute (positive) value of a number.', impl: math1(Math.abs) },
  { name: 'EXP', minArgs: 1, maxArgs: 1, signature: 'EXP(x)', category: 'math', description: 'e raised to the power x.', impl: math1(Math.exp) },
  {
    name: 'POWER', minArgs: 2, maxArgs: 2, signature: 'POWER(x, y)', category: 'math', description: 'x raised to the power y.',
    impl: (a) => (num(a[0]) && num(a[1]) ? finite(a[0] ** a[1]) : undefined),
  },
  { name: 'SQUARE', minArgs: 1, maxArgs: 1, signature: 'SQUARE(x)', category: 'math', description: 'The square of a number.', impl: math1((x) => x * x) },
  { name: 'CEILING', minArgs: 1, maxArgs: 1, signature: 'CEILING(x)', category: 'math', description: 'The smallest integer greater than or equal to x.', impl: math1(Math.ceil) },
  { name: 'FLOOR', minArgs: 1, maxArgs: 1, signature: 'FLOOR(x)', category: 'math', description: 'The largest integer less than or equal to x.', impl: math1(Math.floor) },
  { name: 'SIGN', minArgs: 1, maxArgs: 1, signature: 'SIGN(x)', category: 'math', description: 'The sign of x: -1, 0 or +1.', impl: math1((x) => (x > 0 ? 1 : x < 0 ? -1 : 0)) },
  { name: 'SQRT', minArgs: 1, maxArgs: 1, signature: 'SQRT(x)', category: 'math', description: 'The square root of x (undefined for a negative number).', impl: math1(Math.sqrt) },
  { name: 'AS_NUMBER', minArgs: 1, maxArgs: 1, signature: 'AS_NUMBER(x)', category: 'type', description: 'The number a string holds (a number stays as it is); undefined when the string is not a number. Application properties are strings: compare them with numbers through AS_NUMBER.', impl: (a) => asNumber(a[0]) },
  { name: 'IS_ARRAY', minArgs: 1, maxArgs: 1, signature: 'IS_ARRAY(x)', category: 'type', description: 'Whether x is an array.', impl: (a) => Array.isArray(a[0]) },
  { name: 'IS_BOOL', minArgs: 1, maxArgs: 1, signature: 'IS_BOOL(x)', category: 'type', description: 'Whether x is a Boolean.', impl: (a) => typeof a[0] === 'boolean' },
  { name: 'IS_DEFINED', minArgs: 1, maxArgs: 1, signature: 'IS_DEFINED(x)', category: 'type', description: 'Whether the property has been assigned a value (null counts as a value).', impl: (a) => a[0] !== undefined },
  { name: 'IS_NULL', minArgs: 1, maxArgs: 1, signature: 'IS_NULL(x)', category: 'type', description: 'Whether x is null.', impl: (a) => a[0] === null },
  { name: 'IS_NUMBER', minArgs: 1, maxArgs: 1, signature: 'IS_NUMBER(x)', category: 'type', description: 'Whether x is a number.', impl: (a) => typeof a[0] === 'number' },
  { name: 'IS_OBJECT', minArgs: 1, maxArgs: 1, signature: 'IS_OBJECT(x)', category: 'type', description: 'Whether x is a JSON object.', impl: (a) => a[0] !== null && typeof a[0] === 'object' && !Array.isArray(a[0]) },
  { name: 'IS_PRIMITIVE', minArgs: 1, maxArgs: 1, signature: 'IS_PRIMITIVE(x)', category: 'type', description: 'Whether x is a string, number, Boolean or null.', impl: (a) => isPrimitive(a[0]) },
  { name: 'IS_STRING', minArgs: 1, maxArgs: 1, signature: 'IS_STRING(x)', category: 'type', description: 'Whether x is a string.', impl: (a) => typeof a[0] === 'string' },
  {
    name: 'CONCAT', minArgs: 2, maxArgs: Infinity, signature: 'CONCAT(x, y, ...)', category: 'string', description: 'The strings joined; undefined if any argument is not a string.',
    impl: (a) => {
      let s = '';
      for (const v of a) { if (!str(v)) return undefined; s += v; }
      return s;
    },
  },
  { name: 'LENGTH', minArgs: 1, maxArgs: 1, signature: 'LENGTH(x)', category: 'string', description: 'The number of characters of a string.', impl: (a) => (str(a[0]) ? a[0].length : undefined) },
  { name: 'LOWER', minArgs: 1, maxArgs: 1, signature: 'LOWER(x)', category: 'string', description: 'The string in lower case.', impl: (a) => (str(a[0]) ? a[0].toLowerCase() : undefined) },
  { name: 'UPPER', minArgs: 1, maxArgs: 1, signature: 'UPPER(x)', category: 'string', description: 'The string in upper case.', impl: (a) => (str(a[0]) ? a[0].toUpperCase() : undefined) },
  {
    name: 'SUBSTRING', minArgs: 2, maxArgs: 3, signature: 'SUBSTRING(string, start [, length])', category: 'string',
    description: 'Part of a string from the zero-based position `start`, `length` characters long or to the end.',
    impl: (a) => {
      const [s, start, len] = a;
      if (!str(s) || !num(start) || !Number.isInteger(start)) return undefined;
      if (a.length < 3) return s.substring(Math.max(0, start));
      if (!num(len) || !Number.isInteger(len)) return undefined;
      const from = Math.max(0, start);
      return s.substring(from, Math.max(from, start + len));
    },
  },
  { name: 'INDEX_OF', minArgs: 2, maxArgs: 2, signature: 'INDEX_OF(string, fragment)', category: 'string', description: 'The zero-based position of the first occurrence of fragment in string, or -1.', impl: strs2((x, y) => x.indexOf(y)) },
  { name: 'STARTS_WITH', minArgs: 2, maxArgs: 2, signature: 'STARTS_WITH(x, y)', category: 'string', description: 'Whether string x starts with y.', impl: strs2((x, y) => x.startsWith(y)) },
  { name: 'ENDS_WITH', minArgs: 2, maxArgs: 2, signature: 'ENDS_WITH(x, y)', category: 'string', description: 'Whether string x ends with y.', impl: strs2((x, y) => x.endsWith(y)) },
  { name: 'CONTAINS', minArgs: 2, maxArgs: 2, signature: 'CONTAINS(x, y)', category: 'string', description: 'Whether string x contains y.', impl: strs2((x, y) => x.includes(y)) },
];

export const ROUTING_FUNCTIONS: readonly FunctionDef[] = LIST;

const BY_NAME = new Map(LIST.map((f) => [f.name, f]));

export function findFunction(name: string): FunctionDef | undefined {
  return BY_NAME.get(name.toUpperCase());
}
