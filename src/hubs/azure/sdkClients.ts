// Builds the official service SDK's clients (azure-iothub `Registry` and `Client`) for one hub.
// Against Azure they are built exactly as the SDK's samples build them and trust the system's CA
// store. `LocalTrust` exists only so tests and the benchmark can stand the local hub in for Azure:
// the SDK has no public CA or port option (SERVICE_SDK_FACTS.md §2a/§2b, §3), so it reaches two
// private members of the pinned SDK version - never set from a user setting. It also mends two SDK
// faults: one that would otherwise throw from inside the SDK's disconnect path (patchErrorCycle),
// and a C2D mapping that drops the message's user-id (patchUserId).
// The extension loads this module on first use, as a bundle of its own with the SDK (lazyModules in
// scripts/build.mjs): it imports nothing of ours, and the SDK's other classes the hub connection
// needs are exported from here, so one copy of the SDK serves them all.
import { Agent } from 'node:https';
import { Amqp, AmqpWs, Client, Registry } from 'azure-iothub';

export { Message } from 'azure-iothub/dist/common-core/message';
export { NoRetry } from 'azure-iothub/dist/common-core/retry_policy';

interface ErrorLike {
  name?: string;
  condition?: string;
  amqpError?: unknown;
}

/**
 * azure-iothub 1.16.6: the service transport's translateError, given a NotConnectedError, returns
 * that same error with `amqpError` set to itself; the AMQP base then logs it through getErrorName,
 * which follows `amqpError` forever (RangeError: Maximum call stack size exceeded, thrown from a
 * socket's 'end' event: seen when a hub closes the connection). Both are module exports the SDK
 * reads at each call, so they are wrapped here: the self-reference is dropped and the name walk
 * stops at a cycle. Checked at load: if the shapes differ (another SDK version), nothing is patched.
 */
function patchErrorCycle(): void {
  /* eslint-disable @typescript-eslint/no-require-imports -- the SDK's own module objects, not copies */
  const service = require('azure-iothub/dist/amqp_service_errors') as { translateError?: unknown };
  const common = require('azure-iothub/dist/common-amqp/amqp_common_errors') as { getErrorName?: unknown };
  /* eslint-enable @typescript-eslint/no-require-imports */
  if (typeof service.translateError !== 'function' || typeof common.getErrorName !== 'function') return;
  const translate = service.translateError as (message: string, error: unknown) => ErrorLike;
  service.translateError = (message: string, error: unknown): ErrorLike => {
    const out = translate(message, error);
    if (out.amqpError === out) delete out.amqpError;
    return out;
  };
  common.getErrorName = (error: unknown): string => {
    const seen = new Set<unknown>();
    const parts: string[] = [];
    let e = error as ErrorLike | undefined;
    while (e !== undefined && e !== null && !seen.has(e)) {
      seen.add(e);
      if (e.condition !== undefined) {
        parts.push(`amqp error(${e.condition})`);
        break;
      }
      parts.push(e.name !== undefined ? `javascript error(${e.name})` : 'unknown error type');
      e = e.amqpError as ErrorLike | undefined;
    }
    return parts.length > 0 ? parts.join(' from ') : 'error is falsy';
  };
}
patchErrorCycle();

/**
 * azure-iothub 1.16.6: `Message.userId` exists, and IoT Hub documents C2D `user-id` as settable,
 * but the service transport's AmqpMessage.fromMessage never copies it, so it is silently dropped.
 * The SDK's transport reads `AmqpMessage.fromMessage` at each send, so it is wrapped here to add
 * AMQP's `user_id` (binary: the UTF-8 bytes, as Microsoft's C# service SDK encodes it). Checked at
 * load: if the shape differs (another SDK version), nothing is patched and `userIdCarried` is false.
 */
function patchUserId(): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK's own class object, not a copy
  const mod = require('azure-iothub/dist/common-amqp/amqp_message') as { AmqpMessage?: { fromMessage?: unknown } };
  const cls = mod.AmqpMessage;
  if (cls === undefined || typeof cls.fromMessage !== 'function') return false;
  const fromMessage = cls.fromMessage as (message: { userId?: unknown }) => Record<string, unknown>;
  cls.fromMessage = (message: { userId?: unknown }): Record<string, unknown> => {
    const out = fromMessage.call(cls, message);
    if (out['user_id'] === undefined && typeof message.userId === 'string' && message.userId !== '') out['user_id'] = Buffer.from(message.userId, 'utf8');
    return out;
  };
  return true;
}
/** Whether C2D sends carry `Message.userId` (the mapping above is in place). */
export const userIdCarried = patchUserId();

/** A local hub standing in for Azure: its CA, and ports when they are not IoT Hub's standard ones. */
export interface LocalTrust {
  /** PEM of the CA that signed the hub's certificate. */
  ca: string;
  /** HTTPS (registry, device API) port; default 443. */
  restPort?: number;
  /** AMQPS (service endpoint) port; default 5671. */
  amqpPort?: number;
  /** MQTTS port for devices; default 8883. */
  mqttPort?: number;
}

interface RestApiClientLike {
  setOptions(options: unknown): void;
}

/** `Registry` from the hub connection string; with `trust`, its HTTP agent trusts the CA (and dials the port). */
export function createRegistry(connectionString: string, trust?: LocalTrust): { registry: Registry; dispose(): void } {
  const registry = Registry.fromConnectionString(connectionString);
  if (trust === undefined) return { registry, dispose: () => undefined };
  // Node's Agent merges its own options over each request's, so the agent's port wins (facts §2b).
  const agentOptions: ConstructorParameters<typeof Agent>[0] = { keepAlive: true, ca: trust.ca };
  if (trust.restPort !== undefined) agentOptions.port = trust.restPort;
  const agent = new Agent(agentOptions);
  (registry as unknown as { _restApiClient: RestApiClientLike })._restApiClient.setOptions({ http: { agent }, ca: trust.ca });
  return { registry, dispose: () => agent.destroy() };
}

interface AmqpConnectConfig {
  uri: string;
  sslOptions?: { ca?: string };
  [key: string]: unknown;
}

interface AmqpBaseLike {
  connect(config: AmqpConnectConfig, done: (err?: Error, result?: unknown) => void): void;
}

/** The service `Client` over AMQPS (port 5671) or AMQP over WebSocket (port 443). */
export function createServiceClient(connectionString: string, options: { webSockets?: boolean; trust?: LocalTrust } = {}): Client {
  const Base = options.webSockets === true ? AmqpWs : Amqp;
  const trust = options.trust;
  if (trust === undefined) return Client.fromConnectionString(connectionString, Base);
  class LocalHubAmqp extends Base {
    constructor(config: ConstructorParameters<typeof Amqp>[0]) {
      super(config);
      const base = (this as unknown as { _amqp: AmqpBaseLike })._amqp;
      const connect = base.connect.bind(base);
      base.connect = (config: AmqpConnectConfig, done) => {
        let uri = config.uri;
        if (options.webSockets === true && trust!.restPort !== undefined) uri = uri.replace(':443/', `:${trust!.restPort}/`);
        if (options.webSockets !== true && trust!.amqpPort !== undefined) uri = uri.replace(/^amqps:\/\/([^/:]+)/, `amqps://$1:${trust!.amqpPort}`);
        connect({ ...config, uri, sslOptions: { ...(config.sslOptions ?? {}), ca: trust!.ca } }, done);
      };
    }
  }
  return Client.fromConnectionString(connectionString, LocalHubAmqp as unknown as Client.TransportCtor);
}
