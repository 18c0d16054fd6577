// npm run bench:lint — the message-file rules against plain JSON parse + JSON Schema validation
// (vscode-json-languageservice) of the same files, in the same run:
//  1. median time to diagnose one 256 KB message file (in process);
//  2. wall time of the linter CLI over 1,000 typical files (its own process, bundled as shipped),
//     beside a process that does only JSON.parse + schema validation of the same files.
// Targets: < 15 ms, < 1.5 s, and at most 2x the plain schema validation. Writes bench/results/lint.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import type { JSONSchema } from 'vscode-json-languageservice';
import { diagnose } from '../src/language/rules/diagnose';
import { largeMessageFile, writeTypicalFiles } from './lint/fixtures';
import { createSchemaValidator } from './lint/schemaBaseline';

const root = join(__dirname, '..');
const quick = process.argv.includes('--quick');
const LARGE_BYTES = 256 * 1024;
const LARGE_RUNS = quick ? 15 : 41;
const FILE_COUNT = 1_000;
const CLI_RUNS = quick ? 3 : 5;
const TARGET_LARGE_MS = 15;
const TARGET_CLI_MS = 1_500;
const TARGET_RATIO = 2;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};

async function timeMedian(runs: number, fn: () => unknown | Promise<unknown>): Promise<number> {
  for (let i = 0; i < 5; i++) await fn(); // warm up the JIT
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

function wallMs(args: string[], cwd: string): { ms: number; status: number | null; stdout: string } {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t;
  if (r.error) throw r.error;
  return { ms, status: r.status, stdout: r.stdout };
}

async function bundle(entry: string, outfile: string): Promise<void> {
  await esbuild.build({
    absWorkingDir: root, entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20',
    minify: true, logLevel: 'warning', alias: { 'jsonc-parser': './node_modules/jsonc-parser/lib/esm/main.js' },
    // vscode-json-languageservice's "main" is UMD too; its ESM build bundles cleanly.
    mainFields: ['module', 'main'],
  });
}

async function main(): Promise<void> {
  const schemaPath = join(root, 'schemas/iotmsg.schema.json');
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as JSONSchema;
  const loadBefore = loadavg()[0] ?? 0;

  // 1. One 256 KB file.
  const large = largeMessageFile(LARGE_BYTES);
  const largeDiagnostics = diagnose(large).length;
  const validate = createSchemaValidator(schema);
  const oursLargeMs = await timeMedian(LARGE_RUNS, () => diagnose(large));
  const baseLargeMs = await timeMedian(LARGE_RUNS, () => validate('file:///large.iotmsg.json', large));
  console.log(`256 KB file (${large.length} chars, ${largeDiagnostics} diagnostics): rules ${oursLargeMs.toFixed(2)} ms, JSON.parse + schema ${baseLargeMs.toFixed(2)} ms (median of ${LARGE_RUNS})`);
  // The same file made malformed (a trailing comma at the very end): the error-tolerant jsonc-parser path.
  const malformed = `${large.slice(0, large.lastIndexOf('}'))},}`;
  const oursMalformedMs = await timeMedian(LARGE_RUNS, () => diagnose(malformed));
  const baseMalformedMs = await timeMedian(LARGE_RUNS, () => validate('file:///malformed.iotmsg.json', malformed));
  console.log(`256 KB malformed file: rules ${oursMalformedMs.toFixed(2)} ms, JSON.parse + schema ${baseMalformedMs.toFixed(2)} ms`);

  // 2. 1,000 typical files, each tool in its own process as shipped.
  const dir = mkdtempSync(join(tmpdir(), 'iotmsg-bench-'));
  try {
    const files = writeTypicalFiles(join(dir, 'messages'), FILE_COUNT);
    const listFile = join(dir, 'files.txt');
    writeFileSync(listFile, files.join('\n'));
    mkdirSync(join(dir, 'bin'));
    await bundle('src/lint/cli.ts', join(dir, 'bin/lint-cli.js'));
    await bundle('bench/lint/schemaBaseline.ts', join(dir, 'bin/schemaBaseline.js'));
    const cli: number[] = [];
    const base: number[] = [];
    let cliDiagnostics = 0;
    for (let i = 0; i < CLI_RUNS; i++) {
      const c = wallMs([join(dir, 'bin/lint-cli.js'), 'lint', '--format', 'json', 'messages/**/*.iotmsg.json'], dir);
      if (c.status !== 1) throw new Error(`linter exited with ${c.status} (expected 1: some files have problems)`);
      const parsed = JSON.parse(c.stdout) as Array<{ diagnostics: unknown[] }>;
      if (parsed.length !== FILE_COUNT) throw new Error(`linter checked ${parsed.length} files`);
      cliDiagnostics = parsed.reduce((n, f) => n + f.diagnostics.length, 0);
      cli.push(c.ms);
      const b = wallMs([join(dir, 'bin/schemaBaseline.js'), schemaPath, '--list', listFile], dir);
      if (b.status !== 0) throw new Error(`baseline exited with ${b.status}`);
      base.push(b.ms);
    }
    const nodeStart = median(Array.from({ length: 3 }, () => wallMs(['-e', '0'], dir).ms));
    const oursCliMs = median(cli);
    const baseCliMs = median(base);
    console.log(`1,000 files: linter CLI ${oursCliMs.toFixed(0)} ms (${cliDiagnostics} diagnostics), JSON.parse + schema process ${baseCliMs.toFixed(0)} ms, bare node start ${nodeStart.toFixed(0)} ms (median of ${CLI_RUNS})`);

    const loadAfter = loadavg()[0] ?? 0;
    const ratioLarge = oursLargeMs / baseLargeMs;
    const ratioCli = oursCliMs / baseCliMs;
    const ok = (b: boolean): string => (b ? 'met' : '**missed**');
    const cpu = cpus();
    const md = `# Lint benchmark

\`npm run bench:lint\`${quick ? ' (--quick)' : ''}, ${new Date().toISOString()}.

Machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}, ${process.platform}.
Load average (1 min) ${loadBefore.toFixed(2)} before and ${loadAfter.toFixed(2)} after: other agents were building and testing
on the same 2 cores during the run, so absolute figures are noisy; both sides of each comparison ran interleaved in the same run.

| measure | message-file rules | JSON.parse + schema (vscode-json-languageservice) | ratio | target |
|---|---:|---:|---:|---|
| diagnose one 256 KB file (median of ${LARGE_RUNS}) | ${oursLargeMs.toFixed(2)} ms | ${baseLargeMs.toFixed(2)} ms | ${ratioLarge.toFixed(2)}x | < ${TARGET_LARGE_MS} ms: ${ok(oursLargeMs < TARGET_LARGE_MS)}; <= ${TARGET_RATIO}x: ${ok(ratioLarge <= TARGET_RATIO)} |
| diagnose the same file made malformed (trailing comma; error-tolerant path), for information | ${oursMalformedMs.toFixed(2)} ms | ${baseMalformedMs.toFixed(2)} ms | ${(oursMalformedMs / baseMalformedMs).toFixed(2)}x | none |
| CLI wall time, 1,000 typical files (median of ${CLI_RUNS}) | ${oursCliMs.toFixed(0)} ms | ${baseCliMs.toFixed(0)} ms | ${ratioCli.toFixed(2)}x | < ${TARGET_CLI_MS} ms: ${ok(oursCliMs < TARGET_CLI_MS)}; <= ${TARGET_RATIO}x: ${ok(ratioCli <= TARGET_RATIO)} |

- The 256 KB file is a pretty-printed D2C telemetry batch (${large.length} characters, ${largeDiagnostics} diagnostics). "Rules" is
  \`diagnose()\`: the syntax tree (valid JSON: \`JSON.parse\` to check, then a tree that builds no nodes inside the body and
  compacts the body in the same pass; malformed JSON: jsonc-parser, which recovers and locates errors), the mapping to an
  IotMessage, the core validation and the mapping of every problem back to document offsets.
- The 1,000 files (${FILE_COUNT / 10} per folder, 10 folders, one in ten with problems: ${cliDiagnostics} diagnostics) are linted by the
  bundled CLI (\`lint --format json 'messages/**/*.iotmsg.json'\`, glob expansion included) and validated by a bundled process
  that only reads, \`JSON.parse\`s and schema-validates the same list of files. Both include Node's start-up
  (a bare \`node -e 0\` took ${nodeStart.toFixed(0)} ms here).
`;
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(join(root, 'bench/results/lint.md'), md);
    console.log(md);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
