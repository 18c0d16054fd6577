// Follows a `$body` / `$twin` path through a parsed JSON value (lazyJson.ts's walkParsed: own
// properties only, so `$body.constructor` never reaches JavaScript's prototypes), and finds how much
// of a path exists, to explain a missing body property.
import type { PathSegment } from './ast';
import { walkParsed as walkPath } from './lazyJson';

export { walkParsed as walkPath } from './lazyJson';

/** How many leading steps of `path` exist in `value` (for explaining a missing body property). */
export function existingPrefix(value: unknown, path: readonly PathSegment[]): number {
  for (let i = 0; i < path.length; i++) if (walkPath(value, path.slice(0, i + 1)) === undefined) return i;
  return path.length;
}
