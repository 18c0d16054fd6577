// Machine-readable results: one entry per file, diagnostics with 1-based positions.
import type { LintResult } from '../lintFile';

export function formatJson(results: readonly LintResult[]): string {
  return `${JSON.stringify(results.map((r) => ({ file: r.path, diagnostics: r.diagnostics })), null, 2)}\n`;
}
