// Command-line arguments of `iot-hub-msg`. Bad usage is an error value, not an exception.
import { parseArgs as parseNodeArgs, type ParseArgsConfig } from 'node:util';
import { errorText } from '../core/errorText';

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
       iot-hub-msg route-test --routes <routes file> [options] <files or globs...>
         (where messages go under a routes file; iot-hub-msg route-test --help)

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

const OPTIONS = {
  format: { type: 'string' },
  'max-warnings': { type: 'string' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const satisfies ParseArgsConfig['options'];

/** node:util parseArgs (as the hub CLI uses), with the linter's own checks of the values. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  if (argv.length === 0) return { command: 'usage-error', message: 'No command given.' };
  const [command, ...rest] = argv;
  if (command === '-h' || command === '--help' || command === 'help') return { command: 'help' };
  if (command === '-v' || command === '--version') return { command: 'version' };
  if (command !== 'lint') return { command: 'usage-error', message: `Unknown command "${command ?? ''}"; the commands are "lint" and "route-test".` };
  let parsed;
  try {
    parsed = parseNodeArgs({ args: [...rest], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const option = /'([^']+)'/.exec(errorText(e))?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return { command: 'usage-error', message: `Unknown option "${option ?? errorText(e)}".` };
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) {
      const name = option.split(' ')[0]!.replace(/^-o,?$/, '-o');
      if (/format/.test(name)) return { command: 'usage-error', message: '--format must be text, json or sarif.' };
      if (/max-warnings/.test(name)) return { command: 'usage-error', message: '--max-warnings needs a whole number, e.g. --max-warnings 0.' };
      return { command: 'usage-error', message: '--output needs a file name.' };
    }
    return { command: 'usage-error', message: errorText(e) };
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { command: 'help' };
  if (values.version === true) return { command: 'version' };
  const args: LintArgs = { command: 'lint', format: 'text', maxWarnings: undefined, patterns: positionals, outputFile: undefined };
  if (values.format !== undefined) {
    if (!FORMATS.includes(values.format as OutputFormat)) return { command: 'usage-error', message: `--format must be text, json or sarif, not "${values.format}".` };
    args.format = values.format as OutputFormat;
  }
  if (values['max-warnings'] !== undefined) {
    if (!/^\d+$/.test(values['max-warnings'])) return { command: 'usage-error', message: '--max-warnings needs a whole number, e.g. --max-warnings 0.' };
    args.maxWarnings = Number(values['max-warnings']);
  }
  if (values.output !== undefined) {
    if (values.output === '') return { command: 'usage-error', message: '--output needs a file name.' };
    args.outputFile = values.output;
  }
  if (args.patterns.length === 0) return { command: 'usage-error', message: 'No files given: pass message files or globs, e.g. "**/*.iotmsg.json".' };
  return args;
}
