// `file:line:column: severity CODE message`: the shape editors' problem matchers and humans read.
import type { LintResult } from '../lintFile';

export function formatText(results: readonly LintResult[]): string {
  const lines: string[] = [];
  let errors = 0;
  let warnings = 0;
  for (const r of results) {
    for (const d of r.diagnostics) {
      if (d.severity === 'error') errors++;
      else if (d.severity === 'warning') warnings++;
      lines.push(`${r.path}:${d.line}:${d.column}: ${d.severity} ${d.code} ${d.message}`);
    }
  }
  const files = `${results.length} file${results.length === 1 ? '' : 's'}`;
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  lines.push(errors + warnings === 0 ? `${files} checked, no problems.` : `${files} checked: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}.`);
  return `${lines.join('\n')}\n`;
}
