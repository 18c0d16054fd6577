// SARIF 2.1.0 (OASIS), which GitHub code scanning, Azure DevOps and other CI systems show inline.
// Every rule the linter can report is listed, with its help text, so results can refer to it.
import { pathToFileURL } from 'node:url';
import { relative, resolve, sep } from 'node:path';
import { rulesInCodeOrder } from '../../core/message/rules';
import type { Severity } from '../../core/message/problems';
import { FILE_RULES } from '../../language/rules/fileRules';
import type { LintResult } from '../lintFile';

const LEVEL: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = { error: 'error', warning: 'warning', info: 'note' };

export interface SarifOptions {
  /** Paths are written relative to this directory (the %SRCROOT% base). */
  cwd: string;
  toolVersion: string;
}

function ruleName(id: string): string {
  return id.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

function allRules(): Array<{ id: string; name: string; title: string; description: string; severity: Severity }> {
  const core = rulesInCodeOrder().map((r) => ({ id: r.code, name: ruleName(r.id), title: r.title, description: r.description, severity: r.severity }));
  const file = Object.entries(FILE_RULES).map(([id, r]) => ({ id: r.code, name: ruleName(id), title: r.title, description: r.description, severity: r.severity }));
  return [...core, ...file];
}

function artifactUri(path: string, cwd: string): { uri: string; uriBaseId?: string } {
  const abs = resolve(cwd, path);
  const rel = relative(cwd, abs);
  if (rel.startsWith('..') || resolve(rel) === rel) return { uri: pathToFileURL(abs).href };
  return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
}

export function formatSarif(results: readonly LintResult[], options: SarifOptions): string {
  const rules = allRules();
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const sarifResults = results.flatMap((r) => r.diagnostics.map((d) => ({
    ruleId: d.code,
    ruleIndex: ruleIndex.get(d.code) ?? -1,
    level: LEVEL[d.severity],
    message: { text: d.message },
    locations: [{
      physicalLocation: {
        artifactLocation: artifactUri(r.path, options.cwd),
        region: { startLine: d.line, startColumn: d.column, endLine: d.endLine, endColumn: d.endColumn },
      },
    }],
  })));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'iot-hub-msg',
          version: options.toolVersion,
          rules: rules.map((r) => ({
            id: r.id,
            name: r.name,
            shortDescription: { text: r.title },
            fullDescription: { text: r.description },
            help: { text: r.description, markdown: `**${r.id} ${r.title}**\n\n${r.description}` },
            defaultConfiguration: { level: LEVEL[r.severity] },
          })),
        },
      },
      originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(options.cwd.endsWith(sep) ? options.cwd : options.cwd + sep).href } },
      columnKind: 'utf16CodeUnits',
      results: sarifResults,
    }],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
