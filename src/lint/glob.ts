// A small glob for the linter's file arguments (Node 20 has no fs.glob): `**` (any number of
// directories), `*` and `?` (within one name, not matching a leading dot), `{a,b}` alternatives and
// `[...]` classes. Shells usually expand globs themselves; quoting one ("**/*.iotmsg.json") hands it
// to us, which also works on Windows. Walking skips node_modules and .git unless a pattern names them.
import { readdirSync, type Dirent } from 'node:fs';
import { join, resolve, sep } from 'node:path';

const GLOB_CHARS = /[*?[{]/;

export function isGlob(pattern: string): boolean {
  return GLOB_CHARS.test(pattern);
}

const SKIPPED_DIRS: ReadonlySet<string> = new Set(['node_modules', '.git']);

function escapeRegex(s: string): string {
  return s.replace(/[.+^$()|\\\]]/g, '\\$&');
}

/** Regex source for one path segment (no `/`). */
function segmentSource(segment: string): string {
  let out = '';
  let i = 0;
  while (i < segment.length) {
    const c = segment[i] ?? '';
    if (c === '*') {
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const close = segment.indexOf(']', i + 1);
      if (close < 0) { out += '\\['; i++; continue; }
      let cls = segment.slice(i + 1, close).replace(/\\/g, '\\\\');
      if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
      out += `[${cls}]`;
      i = close;
    } else if (c === '{') {
      const close = segment.indexOf('}', i + 1);
      if (close < 0) { out += '\\{'; i++; continue; }
      out += `(?:${segment.slice(i + 1, close).split(',').map(segmentSource).join('|')})`;
      i = close;
    } else {
      out += escapeRegex(c);
    }
    i++;
  }
  return out;
}

/** Compiles a `/`-separated glob (relative to its base) to a regex over `/`-separated paths. */
export function globToRegExp(pattern: string): RegExp {
  const segments = pattern.split('/').filter((s) => s.length > 0);
  let src = '^';
  segments.forEach((seg, i) => {
    const last = i === segments.length - 1;
    if (seg === '**') {
      // Zero or more directories (names not starting with a dot).
      src += last ? '(?:[^/.][^/]*(?:/[^/.][^/]*)*)?' : '(?:[^/.][^/]*/)*';
      return;
    }
    const body = segmentSource(seg);
    // `*` and `?` never match a leading dot, like shells.
    src += (seg.startsWith('.') ? '' : '(?!\\.)') + body + (last ? '' : '/');
  });
  return new RegExp(`${src}$`);
}

/** Splits a pattern into the directory to walk and the glob below it. */
function splitBase(pattern: string): { base: string; rest: string } {
  const normalized = pattern.split(sep).join('/');
  const segments = normalized.split('/');
  const firstGlob = segments.findIndex((s) => isGlob(s));
  const baseSegments = segments.slice(0, firstGlob);
  const base = baseSegments.join('/') || (normalized.startsWith('/') ? '/' : '.');
  return { base, rest: segments.slice(firstGlob).join('/') };
}

function walk(dir: string, rel: string, out: string[], allowSkipped: boolean, depthLeft: number): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // unreadable directories just hold no matches
  }
  for (const e of entries) {
    const childRel = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!allowSkipped && SKIPPED_DIRS.has(e.name)) continue;
      // A directory is itself a candidate (so a pattern naming one can be reported as such).
      out.push(childRel);
      if (depthLeft > 1) walk(join(dir, e.name), childRel, out, allowSkipped, depthLeft - 1);
    } else {
      out.push(childRel);
    }
  }
}

/** Files matching one glob, as absolute paths, sorted. */
export function expandGlob(pattern: string, cwd: string): string[] {
  const { base, rest } = splitBase(pattern);
  const baseAbs = resolve(cwd, base);
  const regex = globToRegExp(rest);
  const candidates: string[] = [];
  // Without `**` a match is exactly as deep as the pattern: no need to walk further.
  const depth = rest.split('/').includes('**') ? Infinity : rest.split('/').filter((x) => x).length;
  walk(baseAbs, '', candidates, /node_modules|\.git/.test(rest), depth);
  return candidates.filter((rel) => regex.test(rel)).map((rel) => join(baseAbs, rel)).sort();
}
