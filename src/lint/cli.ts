// Bin entry `iot-hub-msg` (dist/lint-cli.js).
import { PRODUCT_VERSION } from '../version';
import { runLint } from './run';

const code = runLint(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  version: PRODUCT_VERSION,
});
// Let pending writes to a pipe finish before exiting.
process.exitCode = code;
