// Lints one file from disk with the same rules as the editor. Whatever the file is (missing, a
// directory, binary, malformed), the result is a diagnostic, never an exception.
import { readFileSync, statSync } from 'node:fs';
import type { Severity } from '../core/message/problems';
import { diagnose } from '../language/rules/diagnose';
import { fileDiagnostic, type FileDiagnostic } from '../language/rules/fileDiagnostic';
import { LineIndex } from '../language/rules/lineIndex';
import { errorText } from '../core/errorText';

export interface LintDiagnostic {
  /** 1-based, as editors and CI systems show them; columns count UTF-16 code units. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: Severity;
  code: string;
  rule: string;
  message: string;
}

export interface LintResult {
  /** The path as given (or as found by a glob), for display. */
  path: string;
  diagnostics: LintDiagnostic[];
}

export interface LintOptions {
  now?: Date;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function whole(path: string, d: FileDiagnostic): LintResult {
  return { path, diagnostics: [{ line: 1, column: 1, endLine: 1, endColumn: 1, severity: d.severity, code: d.code, rule: d.rule, message: d.message }] };
}

function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT': return 'No such file.';
    case 'EACCES':
    case 'EPERM': return 'Permission denied.';
    case 'EISDIR': return 'It is a directory; to lint the message files in it pass a glob such as "dir/**/*.iotmsg.json".';
    default: return e.message ?? String(err);
  }
}

/** Lints already-read text (the part shared with the benchmark). */
export function lintText(path: string, text: string, options: LintOptions = {}): LintResult {
  const index = new LineIndex(text);
  const diagnostics = diagnose(text, options.now ? { now: options.now } : {}).map((d): LintDiagnostic => {
    const s = index.position(d.start);
    const e = index.position(d.end);
    return {
      line: s.line + 1, column: s.character + 1, endLine: e.line + 1, endColumn: e.character + 1,
      severity: d.severity, code: d.code, rule: d.rule, message: d.message,
    };
  });
  return { path, diagnostics };
}

export function lintFile(path: string, options: LintOptions = {}): LintResult {
  let bytes: Buffer;
  try {
    if (statSync(path).isDirectory()) {
      return whole(path, fileDiagnostic('unreadable-file', 0, 0, `Cannot lint ${path}: ${describeError({ code: 'EISDIR' })}`));
    }
    bytes = readFileSync(path);
  } catch (err) {
    return whole(path, fileDiagnostic('unreadable-file', 0, 0, `Cannot read ${path}: ${describeError(err)}`));
  }
  let text: string;
  try {
    if (bytes.includes(0)) throw new Error('NUL byte');
    text = UTF8.decode(bytes);
  } catch {
    return whole(path, fileDiagnostic('binary-file', 0, 0, `${path} is not UTF-8 text (it holds NUL bytes or invalid UTF-8); a message file is JSON text.`));
  }
  // A UTF-8 byte order mark is tolerated and not counted in columns.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return lintText(path, text, options);
  } catch (err) {
    // Never a crash: whatever went wrong becomes this file's diagnostic and the run goes on.
    return whole(path, fileDiagnostic('not-checked', 0, 0, `${path} could not be checked: ${errorText(err)}`));
  }
}
