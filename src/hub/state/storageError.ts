// The one error type for "the data dir cannot be used as it is". Its message always names the file
// (or dir) and says what the user can do; the hub never repairs by deleting acknowledged data.

export type StorageErrorKind = 'locked' | 'unwritable' | 'corrupt' | 'io';

export class HubStorageError extends Error {
  constructor(
    readonly kind: StorageErrorKind,
    /** The file or directory the problem is about. */
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HubStorageError';
  }
}

export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** Re-exported: the storage modules import it from here. */
export { errorText } from '../../core/errorText';
