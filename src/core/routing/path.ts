// Follows a `$body` / `$twin` path through a parsed JSON value. Only own properties count (a body
// path like `$body.constructor` must not reach JavaScript's prototypes); a name step on an array or
// an index step on an object is undefined.
import type { PathSegment } from './ast';

export function walkPath(value: unknown, path: readonly PathSegment[]): unknown {
  let v = value;
  for (let i = 0; i < path.length; i++) {
    if (v === null || typeof v !== 'object') return undefined;
    const seg = path[i] as PathSegment;
    if (seg.kind === 'index') {
      if (!Array.isArray(v)) return undefined;
      v = v[seg.index];
    } else {
      if (Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, seg.name)) return undefined;
      v = (v as Record<string, unknown>)[seg.name];
    }
  }
  return v;
}

/** How many leading steps of `path` exist in `value` (for explaining a missing body property). */
export function existingPrefix(value: unknown, path: readonly PathSegment[]): number {
  for (let i = 0; i < path.length; i++) if (walkPath(value, path.slice(0, i + 1)) === undefined) return i;
  return path.length;
}
