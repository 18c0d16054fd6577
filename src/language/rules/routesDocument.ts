// The language rules for routes files (`*.iotroutes.json` and the local hub's `routes.json`): JSON
// syntax errors, and every problem the core's routes validator finds, placed on the exact
// characters: a condition's syntax error on the characters inside the JSON string (escapes
// counted as written), an unknown endpoint on its name, a duplicate on the second name. No vscode.
import { findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { validateRoutesFile, type RoutesFile, type RoutesProblem } from '../../core/routing/routesFile';
import { sourceRangeInString } from './jsonString';

export interface RoutesDiagnostic {
  start: number;
  end: number;
  severity: 'error' | 'warning';
  /** The routes problem code (`condition-syntax`, `unknown-endpoint`, ...) or `json-syntax`. */
  code: string;
  message: string;
}

export interface RoutesAnalysis {
  text: string;
  root: Node | undefined;
  diagnostics: RoutesDiagnostic[];
  /** The validated file, when it has no error. */
  file?: RoutesFile;
}

/** Where a problem at `path` is shown: the value, or for a missing field the key of its object. */
function problemRange(text: string, root: Node, p: RoutesProblem): { start: number; end: number } {
  let node = findNodeAtLocation(root, [...p.path]);
  // A path may end inside a value that does not exist (a missing field): fall back to its parent.
  for (let n = p.path.length - 1; node === undefined && n >= 0; n--) node = findNodeAtLocation(root, p.path.slice(0, n));
  if (node === undefined) return { start: 0, end: 0 };
  if (p.range !== undefined && node.type === 'string') return sourceRangeInString(text, node.offset, node.length, p.range);
  const member = node.parent?.type === 'property' ? node.parent : undefined;
  const key = member?.children?.[0];
  if (p.code === 'unknown-field' && key !== undefined) return { start: key.offset, end: key.offset + key.length };
  if ((node.type === 'object' || node.type === 'array') && p.code !== 'wrong-type') {
    // Underlining a whole object hides the rest of the file: mark its key, or its opening bracket.
    if (key !== undefined && key !== node) return { start: key.offset, end: key.offset + key.length };
    return { start: node.offset, end: node.offset + 1 };
  }
  return { start: node.offset, end: node.offset + node.length };
}

export function analyseRoutesDocument(text: string): RoutesAnalysis {
  const errors: ParseError[] = [];
  let root: Node | undefined;
  try {
    root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: true });
  } catch {
    return { text, root: undefined, diagnostics: [{ start: 0, end: 0, severity: 'error', code: 'json-syntax', message: 'The routes file is nested too deeply to check.' }] };
  }
  const diagnostics: RoutesDiagnostic[] = [];
  const first = errors[0];
  if (first !== undefined) {
    const start = Math.min(first.offset, text.length);
    diagnostics.push({ start, end: Math.min(text.length, start + Math.max(first.length, 1)), severity: 'error', code: 'json-syntax', message: `Malformed JSON (${printParseErrorCode(first.error)}).` });
    return { text, root, diagnostics };
  }
  if (root === undefined) {
    diagnostics.push({ start: 0, end: 0, severity: 'error', code: 'wrong-type', message: 'The routes file is empty: it holds an object with "routes", "endpoints", "fallbackRoute" and "enrichments".' });
    return { text, root, diagnostics };
  }
  const v = validateRoutesFile(getNodeValue(root));
  for (const p of v.problems) {
    const r = problemRange(text, root, p);
    const expected = p.expected !== undefined && p.expected.length > 0 && p.expected.length <= 16 ? ` Expected: ${p.expected.join(', ')}.` : '';
    diagnostics.push({ ...r, severity: p.severity, code: p.code, message: `${p.message}${expected}` });
  }
  return v.file === undefined ? { text, root, diagnostics } : { text, root, diagnostics, file: v.file };
}

/** True for the names of routes files the language server handles. */
export function isRoutesFileName(path: string): boolean {
  return path.endsWith('.iotroutes.json') || path === 'routes.json' || path.endsWith('/routes.json') || path.endsWith('\\routes.json');
}
