// The one place that knows what a secret looks like in text: the single logging path
// (src/vscode/log.ts) and the Azure error messages both pass their text through it, so a key,
// SAS token or signature never reaches the log or a notification.

/** Replaces shared access keys, SAS tokens and URL signatures in `text` with `<redacted>`. */
export function redactSecrets(text: string): string {
  return text
    .replace(/SharedAccessSignature\s+[^\s"',;]+(?:&[^\s"',;]+)*/gi, 'SharedAccessSignature <redacted>')
    .replace(/(SharedAccessKey=)[^;"'\s]+/gi, '$1<redacted>')
    .replace(/(sig=)[^&\s"';]+/gi, '$1<redacted>');
}
