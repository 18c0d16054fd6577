// `<dataDir>/routes.json`: the routing configuration that survives restarts. Written atomically
// (temp file, fsync, rename, fsync of the directory) so a crash leaves the old or the new file,
// never half of one. A file that does not parse or validate stops the hub with an error naming
// the file and the problem; the hub never rewrites or deletes it (nothing is lost).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROUTES_FILE_NAME } from '../../core/routing/routesFile';
import { HubStorageError } from '../state/storageError';
import { writeFileAtomicSync } from '../state/atomicWrite';
import { describeProblems, emptyRoutingConfig, validateRoutingConfig, type RoutingConfig } from './routingConfig';
import { errorText } from '../../core/errorText';

export { ROUTES_FILE_NAME };

export function routesFilePath(dataDir: string): string {
  return path.join(dataDir, ROUTES_FILE_NAME);
}

/** The saved configuration; the default (no routes, fallback on) when there is no file. */
export function loadRoutingConfig(dataDir: string, hubName: string): RoutingConfig {
  const file = routesFilePath(dataDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyRoutingConfig();
    throw e;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new HubStorageError('corrupt', file,
      `${file} is not valid JSON (${errorText(e)}). The hub did not start and did not modify the file. ` +
      `Fix it by hand, or move it away to start with no routes.`);
  }
  const result = validateRoutingConfig(raw, hubName);
  if (!result.ok) {
    throw new HubStorageError('corrupt', file,
      `${file} is not a valid routing configuration. The hub did not start and did not modify the file. Fix it by hand, or move it away to start with no routes:\n` +
      describeProblems(result.problems));
  }
  return result.config;
}

export function saveRoutingConfig(dataDir: string, config: RoutingConfig): void {
  writeFileAtomicSync(routesFilePath(dataDir), `${JSON.stringify(config, null, 2)}\n`);
}
