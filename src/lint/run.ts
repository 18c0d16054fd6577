// The linter as a function (argv in, exit code out) so tests run it in-process and the bin is a
// two-line wrapper.
import { writeFileSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { parseArgs, USAGE, type LintArgs } from './args';
import { formatJson } from './formats/json';
import { formatSarif } from './formats/sarif';
import { formatText } from './formats/text';
import { expandGlob, isGlob } from './glob';
import { lintFile, type LintOptions, type LintResult } from './lintFile';
import { errorText } from '../core/errorText';
import { runRouteTest } from './routeTest';

export interface LintIo {
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  version: string;
  now?: Date;
}

export const EXIT_OK = 0;
export const EXIT_PROBLEMS = 1;
export const EXIT_USAGE = 2;

function displayPath(abs: string, cwd: string): string {
  const rel = relative(cwd, abs);
  return rel.startsWith('..') || isAbsolute(rel) ? abs : rel.split(sep).join('/');
}

/** Files to lint, in argument order, without duplicates; or the first pattern that matched nothing. */
export function resolveFiles(patterns: readonly string[], cwd: string): { files: string[] } | { unmatched: string } {
  const seen = new Set<string>();
  const files: string[] = [];
  for (const p of patterns) {
    const found = isGlob(p) ? expandGlob(p, cwd) : [resolve(cwd, p)];
    if (found.length === 0) return { unmatched: p };
    for (const f of found) {
      if (!seen.has(f)) { seen.add(f); files.push(f); }
    }
  }
  return { files };
}

export function runLint(argv: readonly string[], io: LintIo): number {
  if (argv[0] === 'route-test') return runRouteTest(argv.slice(1), io);
  const parsed = parseArgs(argv);
  switch (parsed.command) {
    case 'help': io.stdout(USAGE); return EXIT_OK;
    case 'version': io.stdout(`${io.version}\n`); return EXIT_OK;
    case 'usage-error': io.stderr(`iot-hub-msg: ${parsed.message}\n\n${USAGE}`); return EXIT_USAGE;
    case 'lint': return lint(parsed, io);
  }
}

function lint(args: LintArgs, io: LintIo): number {
  const resolved = resolveFiles(args.patterns, io.cwd);
  if ('unmatched' in resolved) {
    io.stderr(`iot-hub-msg: no files match "${resolved.unmatched}".\n`);
    return EXIT_USAGE;
  }
  const options: LintOptions = io.now ? { now: io.now } : {};
  const results: LintResult[] = resolved.files.map((abs) => {
    const r = lintFile(abs, options);
    return { ...r, path: displayPath(abs, io.cwd), diagnostics: r.diagnostics.map((d) => ({ ...d, message: d.message.split(abs).join(displayPath(abs, io.cwd)) })) };
  });
  const report = args.format === 'json' ? formatJson(results)
    : args.format === 'sarif' ? formatSarif(results, { cwd: io.cwd, toolVersion: io.version })
    : formatText(results);
  if (args.outputFile) {
    try {
      writeFileSync(resolve(io.cwd, args.outputFile), report);
    } catch (err) {
      io.stderr(`iot-hub-msg: cannot write ${args.outputFile}: ${errorText(err)}\n`);
      return EXIT_USAGE;
    }
  } else {
    io.stdout(report);
  }
  const all = results.flatMap((r) => r.diagnostics);
  const errors = all.filter((d) => d.severity === 'error').length;
  const warnings = all.filter((d) => d.severity === 'warning').length;
  if (errors > 0) return EXIT_PROBLEMS;
  if (args.maxWarnings !== undefined && warnings > args.maxWarnings) {
    io.stderr(`iot-hub-msg: ${warnings} warnings, more than --max-warnings ${args.maxWarnings}.\n`);
    return EXIT_PROBLEMS;
  }
  return EXIT_OK;
}
