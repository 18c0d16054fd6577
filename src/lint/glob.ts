// The linter's file arguments: globs are expanded with tinyglobby (picomatch syntax: `**`, `*`, `?`,
// `{a,b}` alternatives, which may hold `/`, and `[...]` classes; `*` does not match a leading dot).
// Shells usually expand globs themselves; quoting one ("**/*.iotmsg.json") hands it to us, which
// also works on Windows. node_modules and .git are skipped unless the pattern names them.
import { resolve, sep } from 'node:path';
import { globSync } from 'tinyglobby';

const GLOB_CHARS = /[*?[{]/;

export function isGlob(pattern: string): boolean {
  return GLOB_CHARS.test(pattern);
}

/**
 * Splits a pattern into the directory to search from (its segments before the first glob one,
 * which may go up with `..`) and the glob below it.
 */
function splitBase(pattern: string): { base: string; rest: string } {
  const normalized = pattern.split(sep).join('/');
  const segments = normalized.split('/');
  const firstGlob = segments.findIndex((s) => isGlob(s));
  const base = segments.slice(0, firstGlob).join('/') || (normalized.startsWith('/') ? '/' : '.');
  return { base, rest: segments.slice(firstGlob).join('/') };
}

/** Files (and directories, so a pattern naming one is reported as such) matching one glob, as absolute paths, sorted. */
export function expandGlob(pattern: string, cwd: string): string[] {
  const { base, rest } = splitBase(pattern);
  const ignore = /node_modules|\.git/.test(rest) ? [] : ['**/node_modules/**', '**/.git/**'];
  const found = globSync(rest, { cwd: resolve(cwd, base), absolute: true, onlyFiles: false, dot: false, expandDirectories: false, ignore });
  return [...new Set(found.map((f) => resolve(f.endsWith('/') ? f.slice(0, -1) : f)))].sort();
}
