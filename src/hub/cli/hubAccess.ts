// How a management command reaches the hub: through the running hub's management API (found via
// DATA_DIR/connection.json), or by opening the data dir directly when no hub is running.
import * as fs from 'node:fs';
import { formatDeviceConnectionString } from '../../core/auth/connectionString';
import { readRunningHub } from '../client/connectionFile';
import { LocalHubClient } from '../client/localHubClient';
import type { Device } from '../contracts';
import { DEFAULT_MQTT_PORT, LOCAL_HOST_NAME, type ConnectionInfoJson } from '../localHub';
import { openHubState, type LocalHubState } from '../openHubState';
import { dataDirOf, parsePort, quietLogger, type Values } from './options';

/** Runs `fn` against the running hub's API, or against the data dir opened directly. */
export async function withHub<T>(values: Values, viaApi: (client: LocalHubClient, info: ConnectionInfoJson) => Promise<T>, direct: (state: LocalHubState) => Promise<T>): Promise<T> {
  const dataDir = dataDirOf(values);
  const running = readRunningHub(dataDir);
  if (running !== undefined) {
    const client = LocalHubClient.fromConnectionString(running.hubConnectionString, { ca: fs.readFileSync(running.caCertPath) });
    try {
      return await viaApi(client, running);
    } finally {
      client.close();
    }
  }
  if (!fs.existsSync(dataDir)) throw new Error(`No hub data dir at ${dataDir}. Start a hub first (iot-hub-local start --data-dir ${dataDir}) or pass --data-dir.`);
  const state = await openHubState({ dataDir, log: quietLogger });
  try {
    return await direct(state);
  } finally {
    await state.close();
  }
}

export function deviceConnectionString(values: Values, info: ConnectionInfoJson | undefined, device: Device): string {
  const port = info?.mqtt.port ?? parsePort(values['mqtt-port'], '--mqtt-port', DEFAULT_MQTT_PORT);
  const hostName = port === DEFAULT_MQTT_PORT ? LOCAL_HOST_NAME : `${LOCAL_HOST_NAME}:${port}`;
  return formatDeviceConnectionString({ hostName, deviceId: device.deviceId, sharedAccessKey: device.authentication.symmetricKey.primaryKey });
}
