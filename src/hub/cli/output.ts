// Where the hub CLI writes: process stdout/stderr, or a sink a test passes to main().
/** Where the CLI writes (tests pass their own sink; the test runner itself owns process.stdout). */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}
export const processOutput: CliOutput = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};
let output: CliOutput = processOutput;

/** Routes the CLI's output for one run (tests); returns the sink to restore. */
export function setOutput(io: CliOutput): CliOutput {
  const previous = output;
  output = io;
  return previous;
}

export function printErr(text: string): void {
  output.err(text);
}

export function print(text: string): void {
  output.out(`${text}\n`);
}
