// Runs the local hub (startLocalHub, the same code as `iot-hub-local start`) in its own process for
// the benchmark, registering the benchmark's devices first, then prints one JSON "ready" line.
import { startLocalHub } from '../../src/hub/localHub';

async function main(): Promise<void> {
  const [dataDir, countArg] = process.argv.slice(2);
  const hub = await startLocalHub({ dataDir: dataDir!, mqttPort: 0, apiPort: 0, amqpPort: false });
  const count = Number(countArg ?? '1000');
  const key = Buffer.alloc(32, 7).toString('base64');
  for (let i = 0; i < count; i++) {
    if (!hub.hubState.registry.get(`dev${i}`)) await hub.hubState.registry.create({ deviceId: `dev${i}`, primaryKey: key, secondaryKey: key });
  }
  const info = hub.connectionInfo;
  process.stdout.write(JSON.stringify({ ready: true, mqttUrl: info.mqtt.url, apiUrl: info.api.url, ca: info.caCertPath, hostName: info.hostName, hubConnectionString: info.hubConnectionString, deviceKey: key }) + '\n');
  const stop = (): void => { void hub.close().then(() => process.exit(0)); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
main().catch((e: unknown) => { process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`); process.exit(1); });
