// Test selection by title, shared by the in-host runner and the UI runner (no vscode import here).

/** A case-insensitive regular expression, or a plain substring when the text is not a valid one. */
export function titleFilter(pattern: string): (title: string) => boolean {
  try {
    const re = new RegExp(pattern, 'i');
    return (title) => re.test(title);
  } catch {
    const needle = pattern.toLowerCase();
    return (title) => title.toLowerCase().includes(needle);
  }
}
