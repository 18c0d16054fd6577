// The errno codes that mean "the other end did not answer" (refused, reset, unreachable, timed out)
// or "its name does not resolve": one list for every place that turns a failed request into
// "is it running? / check the network" advice (the hub client's send, the hub connections).

const NO_ANSWER = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EPIPE']);
const NO_NAME = new Set(['ENOTFOUND', 'EAI_AGAIN']);

/** The errno-like `code` of a thrown value, if it has one. */
export function errnoOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True when `errno` says the connection failed or broke: nothing (or nothing more) answered. */
export function isNoAnswerErrno(errno: string | undefined): boolean {
  return errno !== undefined && NO_ANSWER.has(errno);
}

/** True when `errno` says the host name does not resolve. */
export function isNoNameErrno(errno: string | undefined): boolean {
  return errno !== undefined && NO_NAME.has(errno);
}
