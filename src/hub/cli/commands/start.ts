// `iot-hub-local start`: runs the hub in the foreground until SIGINT/SIGTERM, printing how to connect.
import * as path from 'node:path';
import {
  CONNECTION_FILE_NAME, DEFAULT_AMQP_PORT, DEFAULT_API_PORT, DEFAULT_HTTPS_PORT, DEFAULT_MQTT_PORT, LOCAL_HOST_NAME, startLocalHub,
  type ConnectionInfoJson,
} from '../../localHub';
import { DEFAULT_SERVICE_AMQP_PORT } from '../../service/serviceEndpoint';
import { dataDirOf, parseDuration, parsePort, stderrLogger, UsageError, type Values } from '../options';
import { print } from '../output';
import { errorText } from '../../../core/errorText';

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function summary(info: ConnectionInfoJson): string {
  const mqttHostArg = `-h ${LOCAL_HOST_NAME} -p ${info.mqtt.port}`;
  const lines = [
    `Local IoT Hub "${info.hubName}" is running (pid ${info.pid}, data dir ${info.dataDir})`,
    '',
    `  MQTT over TLS:      ${info.mqtt.url}`,
    `  HTTPS API:          ${info.api.url}`,
    `  MQTT over WebSocket ${info.api.websocketUrl}`,
  ];
  if (info.amqp !== undefined) lines.push(`  Event Hubs (AMQP):  amqp://${LOCAL_HOST_NAME}:${info.amqp.port}`);
  if (info.service?.amqpPort !== undefined) lines.push(`  Service AMQP (TLS): amqps://${LOCAL_HOST_NAME}:${info.service.amqpPort} (azure-iothub Client, Event Hubs over TLS)`);
  if (info.service?.httpsPort !== undefined) lines.push(`  HTTPS (IoT Hub's):  https://${LOCAL_HOST_NAME}:${info.service.httpsPort} (azure-iothub Registry, AMQP/MQTT over WebSocket)`);
  lines.push(
    `  CA certificate:     ${info.caCertPath}`,
    `  connection.json:    ${path.join(info.dataDir, CONNECTION_FILE_NAME)}`,
    '',
    'Hub connection string (iothubowner; HostName carries the HTTPS API port):',
    `  ${info.hubConnectionString}`,
  );
  if (info.amqp !== undefined) {
    lines.push('', 'Event Hubs-compatible connection string (@azure/event-hubs EventHubConsumerClient):', `  ${info.amqp.eventHubsConnectionString}`);
  }
  if (info.service !== undefined) {
    lines.push('', 'Service SDK connection string (azure-iothub; run your back end with NODE_EXTRA_CA_CERTS set to the CA certificate):',
      `  ${info.service.connectionString}`);
  }
  lines.push(
    '',
    'Connect a device:',
    `  iot-hub-local device create my-device --data-dir ${shellQuote(info.dataDir)}`,
    '  Node SDK (azure-iot-device + azure-iot-device-mqtt):',
    "    const client = Client.fromConnectionString(deviceConnectionString, Mqtt);",
    `    await client.setOptions({ ca: fs.readFileSync(${JSON.stringify(info.caCertPath)}, 'utf8') });`,
    '  mosquitto:',
    `    mosquitto_pub --cafile ${shellQuote(info.caCertPath)} ${mqttHostArg} -V mqttv311 -q 1 -i my-device \\`,
    `      -u 'localhost/my-device/?api-version=2021-04-12' -P "$(iot-hub-local device token my-device --data-dir ${shellQuote(info.dataDir)})" \\`,
    "      -t 'devices/my-device/messages/events/' -m 'hello'",
    '',
    'Press Ctrl-C to stop.',
  );
  return lines.join('\n');
}

export async function cmdStart(values: Values): Promise<number> {
  const log = stderrLogger(values.verbose === true);
  const dataDir = dataDirOf(values);
  const options: Parameters<typeof startLocalHub>[0] = {
    dataDir,
    log,
    mqttPort: parsePort(values['mqtt-port'], '--mqtt-port', DEFAULT_MQTT_PORT),
    apiPort: parsePort(values['api-port'], '--api-port', DEFAULT_API_PORT),
    amqpPort: values['amqp-port'] === 'off' ? false : parsePort(values['amqp-port'], '--amqp-port', DEFAULT_AMQP_PORT),
    serviceAmqpPort: values['service-port'] === 'off' ? false : parsePort(values['service-port'], '--service-port', DEFAULT_SERVICE_AMQP_PORT),
    httpsPort: values['https-port'] === 'off' ? false : parsePort(values['https-port'], '--https-port', DEFAULT_HTTPS_PORT),
    // IoT Hub's standard ports are tried by default; only an explicit request makes them required.
    optionalListeners: [
      ...(values['service-port'] === undefined ? ['serviceAmqp' as const] : []),
      ...(values['https-port'] === undefined ? ['https' as const] : []),
    ],
  };
  if (values.host !== undefined) options.host = values.host;
  if (values['allow-remote'] === true) options.allowRemote = true;
  if (values['hub-name'] !== undefined) {
    if (!/^[A-Za-z0-9-]{1,50}$/.test(values['hub-name'])) throw new UsageError('--hub-name may hold letters, digits and - (at most 50).');
    options.hubName = values['hub-name'];
  }
  if (values.partitions !== undefined) {
    const n = Number(values.partitions);
    if (!Number.isInteger(n) || n < 1 || n > 32) throw new UsageError('--partitions must be a whole number from 1 to 32.');
    options.partitions = n;
  }
  if (values.retention !== undefined) options.retentionMs = parseDuration(values.retention, '--retention');

  const hub = await startLocalHub(options);
  if (values.json === true) {
    const { deviceConnectionString: _d, eventHubsConnectionString: _e, ...json } = hub.connectionInfo;
    print(JSON.stringify(json));
  } else {
    print(summary(hub.connectionInfo));
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) {
        log.warn(`${signal} again: exiting without waiting for a clean shutdown`);
        process.exit(1);
      }
      stopping = true;
      log.info(`${signal}: stopping the hub (draining connections, flushing state)`);
      hub.close().then(() => resolve(0), (e: unknown) => {
        log.error(`Shutdown failed: ${errorText(e)}`);
        resolve(1);
      });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}
