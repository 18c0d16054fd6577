// `iot-hub-local`: runs the local IoT Hub in the foreground and manages its devices and consumer
// groups. Device and consumer-group commands talk to the running hub through its management API
// (found via DATA_DIR/connection.json) and open the data dir directly when no hub is running.
// Exit codes: 0 success, 1 failure, 2 usage error.
// Must stay the first imports: they size the thread pool before its first job and set the wasm
// compiler before SQLite's module is compiled.
import './threadPool';
import './wasmTier';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { formatDeviceConnectionString } from '../../core/auth/connectionString';
import { createSasToken } from '../../core/auth/sas';
import { readRunningHub } from '../client/connectionFile';
import { LocalHubClient } from '../client/localHubClient';
import type { Device, HubLogger } from '../contracts';
import {
  CONNECTION_FILE_NAME, DEFAULT_AMQP_PORT, DEFAULT_API_PORT, DEFAULT_MQTT_PORT, LOCAL_HOST_NAME, startLocalHub,
  type ConnectionInfoJson,
} from '../localHub';
import { openHubState, type LocalHubState } from '../state/openHubState';

export const DEFAULT_DATA_DIR = path.join(os.homedir(), '.iot-hub-local');

class UsageError extends Error {}

const HELP: Record<string, string> = {
  main: `iot-hub-local - a local Azure IoT Hub (MQTT device side, C2D queues, feedback, Event Hubs-compatible D2C)

Usage:
  iot-hub-local start [options]                 run the hub in the foreground (Ctrl-C stops it)
  iot-hub-local device create ID [options]      register a device and print its connection string
  iot-hub-local device show ID [options]        print a device's connection string
  iot-hub-local device token ID [--ttl 1h]      print a device SAS token (an MQTT password)
  iot-hub-local device list [options]           list devices
  iot-hub-local device delete ID [options]      delete a device (and its C2D queue)
  iot-hub-local consumer-group create|delete NAME [options]
  iot-hub-local consumer-group list [options]
  iot-hub-local help [COMMAND]                  help for a command

Every command takes --data-dir DIR (default: $IOT_HUB_LOCAL_DATA_DIR or ${DEFAULT_DATA_DIR}).
Run "iot-hub-local help start" or "iot-hub-local help device" for details.`,
  start: `iot-hub-local start [options]

Runs the hub in the foreground on loopback. Prints the hub connection string, the CA certificate
path and how to connect, and writes the same as JSON to DIR/connection.json once listening.
Ctrl-C or SIGTERM stops it cleanly (exit 0).

Options:
  --data-dir DIR       state directory (created if needed; one hub per dir)
  --host ADDR          bind address (default 127.0.0.1); non-loopback needs --allow-remote
  --allow-remote       allow binding to a non-loopback address (prints a warning)
  --mqtt-port N        MQTT over TLS (default ${DEFAULT_MQTT_PORT}; 0 = any free port)
  --api-port N         HTTPS: REST API, management API, MQTT over WebSocket (default ${DEFAULT_API_PORT})
  --amqp-port N|off    Event Hubs-compatible AMQP endpoint (default ${DEFAULT_AMQP_PORT})
  --partitions N       D2C partitions for a new data dir (default 4)
  --retention DUR      D2C retention, e.g. 1d, 12h, 30m (default 1d)
  --hub-name NAME      hub name (default local-hub)
  --json               print connection.json to stdout instead of the human summary
  --verbose            debug logging on stderr`,
  device: `iot-hub-local device create ID [--disabled] [--primary-key K] [--secondary-key K]
iot-hub-local device show ID
iot-hub-local device token ID [--ttl DUR]
iot-hub-local device list
iot-hub-local device delete ID

Options: --data-dir DIR, --json, --mqtt-port N (only for the printed connection string when no hub
is running; a running hub's own port is used otherwise).
The connection string works with the device SDKs over MQTT; pass the CA (DIR/tls/ca.pem) with
client.setOptions({ ca }).`,
  'consumer-group': `iot-hub-local consumer-group create NAME
iot-hub-local consumer-group delete NAME
iot-hub-local consumer-group list

Options: --data-dir DIR, --json. Consumer groups of the Event Hubs-compatible endpoint ($Default always exists).`,
};

const OPTIONS = {
  'data-dir': { type: 'string' },
  host: { type: 'string' },
  'allow-remote': { type: 'boolean' },
  'mqtt-port': { type: 'string' },
  'api-port': { type: 'string' },
  'amqp-port': { type: 'string' },
  partitions: { type: 'string' },
  retention: { type: 'string' },
  'hub-name': { type: 'string' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  disabled: { type: 'boolean' },
  'primary-key': { type: 'string' },
  'secondary-key': { type: 'string' },
  ttl: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function stderrLogger(verbose: boolean): HubLogger {
  const line = (level: string, m: string): void => {
    process.stderr.write(`${new Date().toISOString()} ${level} ${m}\n`);
  };
  return {
    info: (m) => line('info ', m),
    warn: (m) => line('warn ', m),
    error: (m) => line('error', m),
    debug: (m) => {
      if (verbose) line('debug', m);
    },
  };
}

const quietLogger: HubLogger = { info() {}, warn() {}, error() {}, debug() {} };

export function parseDuration(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (m === null || m[1] === undefined) throw new UsageError(`${what} must be a duration like 30s, 15m, 12h or 1d, not "${text}".`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 's'] ?? 1000;
  const ms = Number(m[1]) * unit;
  if (!(ms > 0)) throw new UsageError(`${what} must be positive.`);
  return ms;
}

function parsePort(text: string | undefined, what: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new UsageError(`${what} must be a port number 0-65535, not "${text}".`);
  return Number(text);
}

function dataDirOf(values: Values): string {
  return path.resolve(values['data-dir'] ?? process.env['IOT_HUB_LOCAL_DATA_DIR'] ?? DEFAULT_DATA_DIR);
}

/** Where the CLI writes (tests pass their own sink; the test runner itself owns process.stdout). */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}
const processOutput: CliOutput = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};
let output: CliOutput = processOutput;

function print(text: string): void {
  output.out(`${text}\n`);
}

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

async function cmdStart(values: Values): Promise<number> {
  const log = stderrLogger(values.verbose === true);
  const dataDir = dataDirOf(values);
  const options: Parameters<typeof startLocalHub>[0] = {
    dataDir,
    log,
    mqttPort: parsePort(values['mqtt-port'], '--mqtt-port', DEFAULT_MQTT_PORT),
    apiPort: parsePort(values['api-port'], '--api-port', DEFAULT_API_PORT),
    amqpPort: values['amqp-port'] === 'off' ? false : parsePort(values['amqp-port'], '--amqp-port', DEFAULT_AMQP_PORT),
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
        log.error(`Shutdown failed: ${e instanceof Error ? e.message : String(e)}`);
        resolve(1);
      });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}

/** Runs `fn` against the running hub's API, or against the data dir opened directly. */
async function withHub<T>(values: Values, viaApi: (client: LocalHubClient, info: ConnectionInfoJson) => Promise<T>, direct: (state: LocalHubState) => Promise<T>): Promise<T> {
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

function deviceConnectionString(values: Values, info: ConnectionInfoJson | undefined, device: Device): string {
  const port = info?.mqtt.port ?? parsePort(values['mqtt-port'], '--mqtt-port', DEFAULT_MQTT_PORT);
  const hostName = port === DEFAULT_MQTT_PORT ? LOCAL_HOST_NAME : `${LOCAL_HOST_NAME}:${port}`;
  return formatDeviceConnectionString({ hostName, deviceId: device.deviceId, sharedAccessKey: device.authentication.symmetricKey.primaryKey });
}

function requireId(positionals: string[], index: number, what: string): string {
  const id = positionals[index];
  if (id === undefined || id === '') throw new UsageError(`Missing ${what}. See "iot-hub-local help ${positionals[0] ?? ''}".`);
  return id;
}

async function cmdDevice(values: Values, positionals: string[]): Promise<number> {
  const sub = positionals[1];
  const json = values.json === true;
  switch (sub) {
    case 'create': {
      const id = requireId(positionals, 2, 'device id');
      const input: Parameters<LocalHubClient['createDevice']>[0] = { deviceId: id, status: values.disabled === true ? 'disabled' : 'enabled' };
      if (values['primary-key'] !== undefined) input.primaryKey = values['primary-key'];
      if (values['secondary-key'] !== undefined) input.secondaryKey = values['secondary-key'];
      let info: ConnectionInfoJson | undefined;
      const device = await withHub(values, (c, i) => {
        info = i;
        return c.createDevice(input);
      }, (s) => s.registry.create(input));
      const cs = deviceConnectionString(values, info, device);
      print(json ? JSON.stringify({ deviceId: device.deviceId, status: device.status, connectionString: cs }) : cs);
      return 0;
    }
    case 'show': {
      const id = requireId(positionals, 2, 'device id');
      let info: ConnectionInfoJson | undefined;
      const device = await withHub(values, (c, i) => {
        info = i;
        return c.getDevice(id);
      }, async (s) => {
        const d = s.registry.get(id);
        if (d === undefined) throw new Error(`Device "${id}" is not registered in this hub.`);
        return d;
      });
      const cs = deviceConnectionString(values, info, device);
      print(json ? JSON.stringify({ ...device, connectionString: cs }) : cs);
      return 0;
    }
    case 'token': {
      const id = requireId(positionals, 2, 'device id');
      const ttlMs = parseDuration(values.ttl ?? '1h', '--ttl');
      const device = await withHub(values, (c) => c.getDevice(id), async (s) => {
        const d = s.registry.get(id);
        if (d === undefined) throw new Error(`Device "${id}" is not registered in this hub.`);
        return d;
      });
      print(createSasToken({
        resourceUri: `${LOCAL_HOST_NAME}/devices/${id}`,
        key: device.authentication.symmetricKey.primaryKey,
        expiresAtSeconds: Math.floor((Date.now() + ttlMs) / 1000),
      }));
      return 0;
    }
    case 'list': {
      const devices = await withHub(values, async (c) => {
        const out: Device[] = [];
        for await (const d of c.allDevices(500)) out.push(d);
        return out;
      }, async (s) => {
        const out: Device[] = [];
        let token: string | undefined;
        do {
          const page = s.registry.list(token === undefined ? { pageSize: 1000 } : { pageSize: 1000, continuationToken: token });
          out.push(...page.items);
          token = page.continuationToken;
        } while (token !== undefined);
        return out;
      });
      if (json) print(JSON.stringify(devices.map(({ authentication: _a, ...rest }) => rest)));
      else if (devices.length === 0) print('(no devices)');
      else for (const d of devices) print(`${d.deviceId}\t${d.status}\t${d.connectionState}\tC2D queue ${d.cloudToDeviceMessageCount}`);
      return 0;
    }
    case 'delete': {
      const id = requireId(positionals, 2, 'device id');
      await withHub(values, (c) => c.deleteDevice(id), (s) => s.registry.delete(id));
      if (!json) print(`Deleted device ${id}`);
      return 0;
    }
    default:
      throw new UsageError(sub === undefined ? 'Missing device subcommand (create, show, token, list, delete).' : `Unknown device subcommand "${sub}".`);
  }
}

async function cmdConsumerGroup(values: Values, positionals: string[]): Promise<number> {
  const sub = positionals[1];
  switch (sub) {
    case 'list': {
      const groups = await withHub(values, (c) => c.listConsumerGroups(), async (s) => s.consumerGroups.list());
      print(values.json === true ? JSON.stringify(groups) : groups.join('\n'));
      return 0;
    }
    case 'create': {
      const name = requireId(positionals, 2, 'consumer group name');
      await withHub(values, (c) => c.createConsumerGroup(name), (s) => s.consumerGroups.create(name));
      if (values.json !== true) print(`Created consumer group ${name}`);
      return 0;
    }
    case 'delete': {
      const name = requireId(positionals, 2, 'consumer group name');
      await withHub(values, (c) => c.deleteConsumerGroup(name), (s) => s.consumerGroups.delete(name));
      if (values.json !== true) print(`Deleted consumer group ${name}`);
      return 0;
    }
    default:
      throw new UsageError(sub === undefined ? 'Missing consumer-group subcommand (create, list, delete).' : `Unknown consumer-group subcommand "${sub}".`);
  }
}

export async function main(argv: string[], io: CliOutput = processOutput): Promise<number> {
  output = io;
  try {
    return await run(argv);
  } finally {
    output = processOutput;
  }
}

async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    output.err(`iot-hub-local: ${e instanceof Error ? e.message : String(e)}\nRun "iot-hub-local --help" for usage.\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.version === true) {
    print('iot-hub-local 0.1.0');
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
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      output.err(`iot-hub-local: ${e.message}\nRun "iot-hub-local --help" for usage.\n`);
      return 2;
    }
    output.err(`iot-hub-local: ${e instanceof Error ? e.message : String(e)}\n`);
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
    process.stderr.write(`iot-hub-local: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  });
}
