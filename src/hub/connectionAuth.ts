// What IoT Hub stamps as a message's connection auth method. Shared by the MQTT front door and the
// HTTPS device routes, so neither imports the other's module graph.

/** What IoT Hub stamps as `iothub-connection-auth-method` for a SAS-authenticated device. */
export const SAS_AUTH_METHOD = '{"scope":"device","type":"sas","issuer":"iothub","acceptingIpFilterRule":null}';
