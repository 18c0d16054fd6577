// Finding a running local hub from its data dir: DATA_DIR/connection.json, written by the hub once
// it listens and removed when it stops. A file left by a crashed hub names a dead pid and is ignored.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ConnectionInfoJson } from '../localHub';
import { isProcessAlive } from '../state/processAlive';

export const CONNECTION_FILE = 'connection.json';

/** The running hub's connection info, or undefined when no live hub owns `dataDir`. */
export function readRunningHub(dataDir: string): ConnectionInfoJson | undefined {
  let info: ConnectionInfoJson;
  try {
    info = JSON.parse(fs.readFileSync(path.join(dataDir, CONNECTION_FILE), 'utf8')) as ConnectionInfoJson;
  } catch {
    return undefined;
  }
  return typeof info.pid === 'number' && isProcessAlive(info.pid) ? info : undefined;
}
