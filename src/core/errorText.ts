// The text of a thrown value: an Error's message, anything else as a string. The one helper for it
// (shipped code must not print "[object Object]" or lose a message to a second copy's variant);
// lint (eslint.config.mjs) rejects an inline `e instanceof Error ? ... : ...` anywhere else in src/.
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** For logs meant for developers: the stack when there is one (it starts with the message). */
export function errorDetail(e: unknown): string {
  return e instanceof Error ? e.stack ?? e.message : String(e);
}

/** A thrown value as an Error, for callbacks and rejections that must carry one. */
export function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
