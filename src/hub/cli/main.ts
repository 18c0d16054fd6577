// `iot-hub-local`: runs the local IoT Hub in the foreground and manages its devices and consumer
// groups. This file parses the command line and dispatches; help.ts holds the help texts,
// options.ts the options, commands/ one file per command, hubAccess.ts how commands reach the hub.
// Exit codes: 0 success, 1 failure, 2 usage error.
// Must stay the first imports: they size the thread pool before its first job and set the wasm
// compiler before SQLite's module is compiled.
import './threadPool';
import './wasmTier';
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { cmdConsumerGroup } from './commands/consumerGroup';
import { cmdDevice } from './commands/device';
import { cmdEndpoint, cmdEnrichment, cmdRoute } from './commands/routing';
import { cmdStart } from './commands/start';
import { HELP } from './help';
import { OPTIONS, UsageError } from './options';
import { print, printErr, processOutput, setOutput, type CliOutput } from './output';
import { PRODUCT_VERSION } from '../../version';
import { errorDetail, errorText } from '../../core/errorText';

export { DEFAULT_DATA_DIR, parseDuration } from './options';
export type { CliOutput } from './output';

export async function main(argv: string[], io: CliOutput = processOutput): Promise<number> {
  const previous = setOutput(io);
  try {
    return await run(argv);
  } finally {
    setOutput(previous);
  }
}

async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    printErr(`iot-hub-local: ${errorText(e)}\nRun "iot-hub-local --help" for usage.\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.version === true) {
    print(`iot-hub-local ${PRODUCT_VERSION}`);
    return 0;
  }
  if (command === undefined || command === 'help' || values.help === true) {
    const topic = command === 'help' ? positionals[1] : command;
    print(HELP[topic ?? 'main'] ?? HELP['main']!);
    return command === undefined && values.help !== true ? 2 : 0;
  }
  try {
    switch (command) {
      case 'start':
        return await cmdStart(values);
      case 'device':
        return await cmdDevice(values, positionals);
      case 'consumer-group':
        return await cmdConsumerGroup(values, positionals);
      case 'route':
        return await cmdRoute(values, positionals);
      case 'endpoint':
        return await cmdEndpoint(values, positionals);
      case 'enrichment':
        return await cmdEnrichment(values, positionals);
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      printErr(`iot-hub-local: ${e.message}\nRun "iot-hub-local --help" for usage.\n`);
      return 2;
    }
    printErr(`iot-hub-local: ${errorText(e)}\n`);
    return 1;
  }
}

/**
 * True when this module is the program (the bundle, tsx, or npm's bin symlink `iot-hub-local`),
 * false when imported by tests. argv[1] is the path as launched, e.g. the symlink, so compare real paths.
 */
function isMainModule(): boolean {
  const launched = process.argv[1];
  if (launched === undefined) return false;
  try {
    return fs.realpathSync(launched) === fs.realpathSync(__filename);
  } catch {
    return false;
  }
}

if (isMainModule()) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Servers are closed by now; exit promptly even if a stray handle (e.g. a keep-alive socket) lingers.
    setTimeout(() => process.exit(code), 200).unref();
  }, (e: unknown) => {
    process.stderr.write(`iot-hub-local: ${errorDetail(e)}\n`);
    process.exit(1);
  });
}
