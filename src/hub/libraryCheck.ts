// The start-up check of a library's private parts: each module that reaches into a library's
// internals (aedesInternals, hubPersistence, rheaInternals, quietDebug) lists the shapes it relies
// on, checked once before the hub serves anyone, so a changed library fails the start with a message
// naming the library and the version the hub was built against instead of misbehaving later.
// package.json pins each of those libraries to that exact version.

/** One shape the hub relies on: a description and whether it is there. */
export type ShapeCheck = readonly [what: string, present: boolean];

export class LibraryShapeError extends Error {
  constructor(readonly library: string, readonly version: string, readonly missing: string[]) {
    super(`${library}: the hub relies on private parts of ${library} ${version} that the installed ${library} does not have ` +
      `(${missing.join('; ')}). Install exactly ${library}@${version}, the version package.json pins.`);
    this.name = 'LibraryShapeError';
  }
}

/** Throws a LibraryShapeError listing every check that failed. */
export function requireShapes(library: string, version: string, checks: readonly ShapeCheck[]): void {
  const missing = checks.filter(([, present]) => !present).map(([what]) => what);
  if (missing.length > 0) throw new LibraryShapeError(library, version, missing);
}

export function isFunction(v: unknown): boolean {
  return typeof v === 'function';
}
