// Command-line options and the nearest-rank percentile the Node benches share.
/** The arguments after the script. */
export const argv = process.argv.slice(2);

/** `--quick`: a short smoke run. */
export const quick = argv.includes('--quick');

/** The number after `name` on the command line, or `dflt`. */
export function numArg(name: string, dflt: number): number {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
}

/** Nearest-rank percentile `p` (0-100) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
