// Bench processes run as esbuild bundles under plain Node, the way the hub ships (dist/hub-cli.js),
// not under tsx: tsx's on-the-fly transform also rewrites node_modules (keepNames wraps every
// closure aedes creates per packet), which costs a broker several microseconds per message.
import { buildSync } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

export function bundleScript(root: string, entry: string): string {
  const dir = join(tmpdir(), 'iot-hub-bench-bundles');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `${basename(entry).replace(/\.ts$/, '')}.cjs`);
  buildSync({
    absWorkingDir: root, entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs',
    target: 'node20', logLevel: 'warning',
  });
  return outfile;
}
