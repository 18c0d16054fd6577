// The custom messages between the language client (extension) and the language server, in one
// file both sides import. Plain types and method names only, so that neither side pulls the
// other's LSP library into its bundle.

/** Server -> client: the device ids of the connected hub, for completion of "deviceId". */
export const DEVICE_IDS_REQUEST = 'iotHubMessaging/deviceIds';
export type DeviceIdsParams = Record<string, never>;
export interface DeviceIdsResult {
  /** Empty when no hub is connected. */
  deviceIds: string[];
}

/** Options the client passes when it starts the server (`initializationOptions`). */
export interface LanguageServerInitOptions {
  /**
   * The editor's JSON language already validates the file against schemas/iotmsg.schema.json
   * (VS Code does, through `jsonValidation`) and completes/hovers from it. The server then leaves
   * out syntax and structure diagnostics, schema completions and schema hovers, so nothing is
   * reported or listed twice. The linter and other editors get everything.
   */
  jsonSchemaHandledByClient?: boolean;
}

/**
 * The commands the server's code lenses run and the extension registers: the one place their ids
 * are written (package.json contributes them too).
 */
export const SEND_D2C_FROM_FILE_COMMAND = 'iotHubMessaging.sendD2cFromFile';
export const SEND_C2D_FROM_FILE_COMMAND = 'iotHubMessaging.sendC2dFromFile';
/** The route tester the routing code lenses run. */
export const TEST_ROUTES_COMMAND = 'iotHubMessaging.testRoutes';

/** Arguments of the send commands the code lenses run. */
export interface SendFromFileArgs {
  uri: string;
  messageIndex: number;
}

/** Server -> client: the routes file the route tester uses (a workspace `*.iotroutes.json`, else the local hub's). */
export const ROUTES_REQUEST = 'iotHubMessaging/routes';
export type RoutesParams = Record<string, never>;
export interface RoutesResult {
  /** The file's text; absent when there is no routes file. */
  text?: string;
  /** Where it was read from (a path), for titles and reports. */
  source?: string;
}

/** Client -> server: the routes file changed (or another one applies); code lenses are recomputed. */
export const ROUTES_CHANGED_NOTIFICATION = 'iotHubMessaging/routesChanged';

/** Server -> client: application property names used by the workspace's message files (condition completion). */
export const APPLICATION_PROPERTY_NAMES_REQUEST = 'iotHubMessaging/applicationPropertyNames';
export type ApplicationPropertyNamesParams = Record<string, never>;
export interface ApplicationPropertyNamesResult {
  names: string[];
}

/** Arguments of the Test Routes command the route code lenses run. */
export interface TestRoutesArgs {
  uri: string;
  messageIndex: number;
  /** Explain only this route (the command asks when absent). */
  routeName?: string;
}
