// One diagnostic of a message file, in document offsets. The language server and the linter both
// turn these into their own shapes (LSP ranges, file:line:column, SARIF regions).
import type { Problem, RuleId, Severity } from '../../core/message/problems';
import { FILE_RULES, type FileRuleId } from './fileRules';

/**
 * Where a diagnostic comes from. `syntax` and `shape` are what the JSON Schema (via VS Code's JSON
 * language) also reports, so the editor can leave those to it and avoid saying everything twice;
 * `rule` is a core message rule that only we know.
 */
export type DiagnosticOrigin = 'syntax' | 'shape' | 'rule';

export interface FileDiagnostic {
  start: number;
  end: number;
  severity: Severity;
  code: string;
  rule: RuleId | FileRuleId;
  message: string;
  origin: DiagnosticOrigin;
  /** Index of the message in the file (0 for a single-object file). */
  messageIndex?: number;
  /** The core problem behind a `rule` diagnostic. */
  problem?: Problem;
  /** Each exact place of a problem about several characters, in document offsets (`start`..`end` spans them). */
  places?: { start: number; end: number }[];
}

/** File rules the schema deliberately leaves out (it only describes structure): always ours to report. */
const SEMANTIC_FILE_RULES: ReadonlySet<FileRuleId> = new Set<FileRuleId>(['invalid-ttl', 'expiry-and-ttl', 'invalid-base64']);

export function fileDiagnostic(
  rule: FileRuleId,
  start: number,
  end: number,
  message: string,
  messageIndex?: number,
): FileDiagnostic {
  const info = FILE_RULES[rule];
  const origin: DiagnosticOrigin = rule === 'json-syntax' ? 'syntax' : SEMANTIC_FILE_RULES.has(rule) ? 'rule' : 'shape';
  const d: FileDiagnostic = { start, end, severity: info.severity, code: info.code, rule, message, origin };
  if (messageIndex !== undefined) d.messageIndex = messageIndex;
  return d;
}
