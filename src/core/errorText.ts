// The text of a thrown value: an Error's message, anything else as a string. The one helper for it
// (shipped code must not print "[object Object]" or lose a message to a second copy's variant).
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
