// The inspector's HTML shell. Pure (no vscode import) so the host and the standalone browser
// benchmark serve exactly the same page under exactly the same CSP.
//
// The host inlines the message (InspectorLoad) as a JSON data block, so the page draws it in the
// same task that builds the page: the first painted frame shows the message. A data block
// (`type="application/json"`) is never executed, so it needs no 'unsafe-inline'; `<` is escaped
// so no text in the message can close the element.
import type { InspectorLoad } from './protocol';

/** The id of the inlined InspectorLoad's element. */
export const INITIAL_LOAD_ELEMENT_ID = 'inspector-initial';

export interface PageHtmlOptions {
  /** `webview.cspSource`: the origin VS Code serves local resources from. */
  cspSource: string;
  /** Fresh per page load; only scripts/styles carrying it run. */
  nonce: string;
  scriptUri: string;
  styleUri: string;
  title: string;
  /** The message to show from the first frame (the host's); without it the page waits for `load`. */
  initial?: InspectorLoad;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function inspectorHtml(o: PageHtmlOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(o.cspSource, o.nonce))}">
<meta property="csp-nonce" content="${o.nonce}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(o.styleUri)}" nonce="${o.nonce}">
<title>${escapeText(o.title)}</title>
</head>
<body>
<main id="inspector" aria-label="Message inspector"></main>
${o.initial === undefined ? '' : `<script type="application/json" id="${INITIAL_LOAD_ELEMENT_ID}">${jsonForHtml(o.initial)}</script>\n`}<script nonce="${o.nonce}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>`;
}

/** 32 random alphanumerics from a CSPRNG (Web Crypto exists in Node 20 and browsers). */
export function makeNonce(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

/** JSON that is safe inside a <script> element: no `<` (so no `</script>` or `<!--`), same value. */
export function jsonForHtml(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}
