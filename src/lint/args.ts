// Command-line arguments of `iot-hub-msg`. Bad usage is an error value, not an exception.

export type OutputFormat = 'text' | 'json' | 'sarif';

export interface LintArgs {
  command: 'lint';
  format: OutputFormat;
  /** Exit 1 when warnings exceed this; unlimited when undefined. */
  maxWarnings: number | undefined;
  patterns: string[];
  /** Write the report here instead of stdout (handy for SARIF uploads). */
  outputFile: string | undefined;
}

export type ParsedArgs = LintArgs | { command: 'help' } | { command: 'version' } | { command: 'usage-error'; message: string };

const FORMATS: readonly OutputFormat[] = ['text', 'json', 'sarif'];

export const USAGE = `Usage: iot-hub-msg lint [options] <files or globs...>

Checks Azure IoT Hub message files (*.iotmsg.json) with the same rules as the
VS Code extension: property characters, message-id, expiry, ack, size limits
(D2C 256 KB, C2D 64 KB) and the file format.

Options:
  --format <text|json|sarif>  Output format (default: text).
  --max-warnings <n>          Fail (exit 1) when there are more than n warnings.
  -o, --output <file>         Write the report to a file instead of stdout.
  -h, --help                  Show this help.
  -v, --version               Show the version.

Globs: ** (any directories), * and ? (within a name), {a,b}, [abc]. Quote them
("**/*.iotmsg.json") to let the linter expand them; node_modules and .git are skipped.

Exit codes: 0 no errors (warnings allowed unless --max-warnings), 1 errors found
(or too many warnings), 2 bad usage (unknown option, no files, a glob matching nothing).
`;

export function parseArgs(argv: readonly string[]): ParsedArgs {
  if (argv.length === 0) return { command: 'usage-error', message: 'No command given.' };
  const [command, ...rest] = argv;
  if (command === '-h' || command === '--help' || command === 'help') return { command: 'help' };
  if (command === '-v' || command === '--version') return { command: 'version' };
  if (command !== 'lint') return { command: 'usage-error', message: `Unknown command "${command ?? ''}"; the command is "lint".` };
  const args: LintArgs = { command: 'lint', format: 'text', maxWarnings: undefined, patterns: [], outputFile: undefined };
  let onlyFiles = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] ?? '';
    if (onlyFiles || !a.startsWith('-') || a === '-') {
      args.patterns.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    const inline = eq > 0 ? a.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? rest[++i];
    switch (name) {
      case '--':
        onlyFiles = true;
        break;
      case '-h':
      case '--help':
        return { command: 'help' };
      case '--format': {
        const v = value();
        if (!FORMATS.includes(v as OutputFormat)) return { command: 'usage-error', message: `--format must be text, json or sarif${v === undefined ? '' : `, not "${v}"`}.` };
        args.format = v as OutputFormat;
        break;
      }
      case '--max-warnings': {
        const v = value();
        if (v === undefined || !/^\d+$/.test(v)) return { command: 'usage-error', message: '--max-warnings needs a whole number, e.g. --max-warnings 0.' };
        args.maxWarnings = Number(v);
        break;
      }
      case '-o':
      case '--output': {
        const v = value();
        if (!v) return { command: 'usage-error', message: `${name} needs a file name.` };
        args.outputFile = v;
        break;
      }
      default:
        return { command: 'usage-error', message: `Unknown option "${name}".` };
    }
  }
  if (args.patterns.length === 0) return { command: 'usage-error', message: 'No files given: pass message files or globs, e.g. "**/*.iotmsg.json".' };
  return args;
}
