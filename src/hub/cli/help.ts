// The hub CLI's help texts, one per topic (`iot-hub-local help [COMMAND]`).
import { DEFAULT_AMQP_PORT, DEFAULT_API_PORT, DEFAULT_HTTPS_PORT, DEFAULT_MQTT_PORT } from '../localHub';
import { ROUTE_SOURCES } from '../routing/routingConfig';
import { DEFAULT_SERVICE_AMQP_PORT } from '../service/serviceEndpoint';
import { DEFAULT_DATA_DIR } from './options';

const ROUTE_SOURCES_TEXT = ROUTE_SOURCES.join(', ');

export const HELP: Record<string, string> = {
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
  iot-hub-local route list|add|set|enable|disable|remove|fallback|test|export|import ...
  iot-hub-local endpoint list|add|remove ...    custom endpoints for routes (Event Hubs-style, storage)
  iot-hub-local enrichment list|set|remove ...  message enrichments per endpoint
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
  --service-port N|off IoT Hub's service AMQP over TLS for azure-iothub's Client and Event Hubs
                       readers over TLS (default ${DEFAULT_SERVICE_AMQP_PORT})
  --https-port N|off   the HTTPS API again on IoT Hub's port, where azure-iothub's Registry and
                       AMQP/MQTT over WebSocket dial (default ${DEFAULT_HTTPS_PORT}; below 1024 needs
                       privileges)
                       Left at their defaults, these two are skipped with a warning when the port
                       is taken or not allowed; given explicitly, a failure to bind stops the start.
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
  route: `iot-hub-local route list
iot-hub-local route add NAME --endpoint EP [--condition QUERY] [--source SOURCE] [--disabled]
iot-hub-local route set NAME [--endpoint EP] [--condition QUERY] [--source SOURCE] [--disabled]
iot-hub-local route enable|disable|remove NAME
iot-hub-local route fallback on|off
iot-hub-local route test [--property NAME=VALUE ...] [--body TEXT] [--content-type T] [--content-encoding E] [--source SOURCE]
iot-hub-local route export                   print the routing configuration (DIR/routes.json's shape)
iot-hub-local route import FILE              replace the routing configuration with FILE's

Message routing as in IoT Hub: a route sends the messages of its source (${ROUTE_SOURCES_TEXT})
whose condition (IoT Hub's routing query, e.g. "temperature > 30 AND $body.alert = true") is true
to one endpoint: events (the built-in Event Hubs-compatible endpoint) or a custom endpoint (see
"help endpoint"). A message no route takes goes to events through the fallback route when it is on
(the default); with it off, such messages are dropped, as IoT Hub drops them. Every change is
validated before it is applied; a refused change lists every problem and changes nothing.
Options: --data-dir DIR, --json.`,
  endpoint: `iot-hub-local endpoint list
iot-hub-local endpoint add NAME --type eventhub [--entity-path NAME] [--partitions N] [--consumer-group G ...]
iot-hub-local endpoint add NAME --type storage [--encoding avro|json] [--batch-frequency SECONDS]
                           [--max-chunk BYTES] [--file-name-format FORMAT] [--container NAME]
iot-hub-local endpoint remove NAME

An Event Hubs-style endpoint is a further Event Hub on the hub's Event Hubs-compatible AMQP
endpoint: read it with @azure/event-hubs and the hub's Event Hubs connection string with
EntityPath set to the entity path (default: the endpoint name). A storage endpoint writes batches
of messages as files under DIR/storage/CONTAINER/, named as IoT Hub names blobs
(default {iothub}/{partition}/{YYYY}/{MM}/{DD}/{HH}/{mm}), in Avro (IoT Hub's schema) or JSON
lines, when a batch reaches --max-chunk bytes or --batch-frequency seconds.
Options: --data-dir DIR, --json.`,
  enrichment: `iot-hub-local enrichment list
iot-hub-local enrichment set KEY VALUE --endpoint EP [--endpoint EP ...]
iot-hub-local enrichment remove KEY

Message enrichments add the application property KEY with VALUE (a static value, or $iothubname
for the hub's name) to the messages the named endpoints receive.
Options: --data-dir DIR, --json.`,
};
