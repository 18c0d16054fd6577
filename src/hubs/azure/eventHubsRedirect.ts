// Resolves an IoT Hub's built-in Event Hubs-compatible endpoint from its IoT Hub connection string,
// as Azure's own samples do (azure-iot-samples-node ReadDeviceToCloudMessages.js, azure-sdk-for-js
// iothubConnectionString.ts): open AMQP to the IoT Hub host with SASL PLAIN (`<policy>@sas.root.<hub>`,
// a SAS token for `<host>/messages/events` as password), attach a receiver to `messages/events/`,
// and read the `amqp:link:redirect` the hub answers with: its `hostname` and `address` name the
// Event Hubs namespace and entity. The result is a secret (it carries the policy key). rhea and ws are
// loaded on first use, not when the extension activates (lazy modules, scripts/build.mjs).
import type { Connection, ConnectionOptions, EventContext } from 'rhea';
import { createSasToken } from '../../core/auth/sas';
import type { HubConnectionString } from '../../core/auth/connectionString';
import { HubRequestError } from '../hubConnection';
import { errorText } from '../../core/errorText';

export interface RedirectOptions {
  /** Connect over AMQP over WebSocket on 443 (`wss://<host>/$iothub/websocket`) instead of AMQPS on 5671. */
  webSockets?: boolean;
  /** Test-only trust (see sdkClients.ts LocalTrust). */
  ca?: string;
  amqpPort?: number;
  restPort?: number;
  signal?: AbortSignal;
  /** Default 30 s. */
  timeoutMs?: number;
}

export interface ResolvedEventHubs {
  connectionString: string;
  eventHubName: string;
  /** `sb://` host (and port when not 5671) of the Event Hubs namespace. */
  endpointHost: string;
}

/** The Event Hubs connection string for `hub` (see the file header). */
export async function resolveEventHubsEndpoint(hub: HubConnectionString, options: RedirectOptions = {}): Promise<ResolvedEventHubs> {
  // rhea's exports are a Container instance (its methods on the prototype, so not named exports): use `default`.
  const [{ default: rhea }, { default: WebSocket }] = await Promise.all([import('rhea'), import('ws')]);
  const container = rhea.create_container();
  const host = hub.hostName;
  const what = `Resolve the Event Hubs-compatible endpoint of ${host}`;
  const password = createSasToken({
    resourceUri: `${host}/messages/events`, key: hub.sharedAccessKey, keyName: hub.sharedAccessKeyName,
    expiresAtSeconds: Math.floor(Date.now() / 1000) + 300,
  });
  const connectOptions: ConnectionOptions = {
    host, hostname: host, port: options.amqpPort ?? 5671, transport: 'tls', reconnect: false,
    username: `${hub.sharedAccessKeyName}@sas.root.${hub.hubName}`, password,
  } as ConnectionOptions;
  if (options.ca !== undefined) (connectOptions as { ca?: string }).ca = options.ca;
  if (options.webSockets === true) {
    const ws = container.websocket_connect(WebSocket as never);
    const wsOptions: Record<string, unknown> = {};
    if (options.ca !== undefined) wsOptions['ca'] = options.ca;
    (connectOptions as { connection_details?: unknown }).connection_details = ws(`wss://${host}:${options.restPort ?? 443}/$iothub/websocket`, ['AMQPWSB10'], wsOptions);
  }

  return new Promise<ResolvedEventHubs>((resolve, reject) => {
    let connection: Connection | undefined;
    let done = false;
    const finish = (error: HubRequestError | undefined, value?: ResolvedEventHubs): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      try {
        connection?.close();
      } catch {
        // closing a half-open connection may throw; nothing is left to release
      }
      connection?.socket?.destroy?.();
      if (error) reject(error);
      else resolve(value!);
    };
    const onAbort = (): void => finish(new HubRequestError(`${what}: cancelled.`, 'failed'));
    const timer = setTimeout(() => finish(new HubRequestError(`${what}: ${host} did not answer within ${(options.timeoutMs ?? 30_000) / 1000} s. A firewall may block port ${options.webSockets === true ? 443 : 5671}; try the WebSocket option, or give the Event Hubs-compatible connection string from the Azure portal (Built-in endpoints).`, 'unreachable')), options.timeoutMs ?? 30_000);
    if (options.signal?.aborted === true) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    container.on('receiver_error', (ctx: EventContext) => {
      const error = ctx.receiver?.error as { condition?: string; description?: string; info?: { hostname?: string; address?: string; port?: number } } | undefined;
      if (error?.condition !== 'amqp:link:redirect') {
        return finish(new HubRequestError(`${what}: the hub refused the events link (${error?.condition ?? 'no condition'}: ${error?.description ?? ''}).`, error?.condition === 'amqp:unauthorized-access' ? 'unauthorized' : 'failed'));
      }
      const address = error.info?.address ?? '';
      const hostname = error.info?.hostname ?? '';
      // amqps://<namespace>:5671/<entity>/$management (or without the port).
      const m = /^amqps?:\/\/([^/:]+)(?::(\d+))?\/([^/]+)\/?/i.exec(address);
      if (m === null || hostname === '') return finish(new HubRequestError(`${what}: the hub's redirect named no Event Hubs address ('${address}').`, 'failed'));
      const port = m[2] !== undefined && m[2] !== '5671' ? `:${m[2]}` : '';
      // IoT Hub's hostname has no port; take the port from the address only (a hostname with one would double it).
      const endpointHost = `${hostname.replace(/:\d+$/, '')}${port}`;
      const eventHubName = m[3]!;
      finish(undefined, {
        connectionString: `Endpoint=sb://${endpointHost}/;SharedAccessKeyName=${hub.sharedAccessKeyName};SharedAccessKey=${hub.sharedAccessKey};EntityPath=${eventHubName}`,
        eventHubName, endpointHost,
      });
    });
    // IoT Hub answers the attach with an attach of its own, then the redirecting detach: an open
    // link is not an answer yet (the timeout covers a hub that never redirects).
    container.on('connection_error', (ctx: EventContext) => {
      // A SASL failure arrives here as a transport error (`error` on the context), a close from the hub as the connection's error.
      const e = ((ctx as { error?: unknown }).error ?? ctx.connection.error) as { condition?: string; description?: string; message?: string } | undefined;
      const text = `${e?.condition ?? ''} ${e?.description ?? e?.message ?? ''}`.trim();
      if (/unauthori[sz]ed|sasl/i.test(text)) {
        return finish(new HubRequestError(`${what}: ${host} refused the credentials. Check that the connection string's SharedAccessKey is current and its policy has service connect.`, 'unauthorized'));
      }
      finish(new HubRequestError(`${what}: the hub closed the connection${text ? ` (${text})` : ''}.`, 'failed'));
    });
    container.on('disconnected', (ctx: EventContext) => {
      const e = (ctx as { error?: NodeJS.ErrnoException }).error;
      const code = e?.code ?? '';
      if (/ENOTFOUND|EAI_AGAIN/.test(code)) return finish(new HubRequestError(`${what}: the host name ${host} does not resolve (${code}).`, 'unreachable'));
      if (/sasl|auth/i.test(e?.message ?? '')) return finish(new HubRequestError(`${what}: ${host} refused the credentials (SASL). Check the key.`, 'unauthorized'));
      finish(new HubRequestError(`${what}: ${host} could not be reached on port ${options.webSockets === true ? 443 : 5671}${code ? ` (${code})` : ''}${e?.message ? `: ${e.message}` : ''}. A firewall may block it; try the WebSocket option or give the Event Hubs-compatible connection string.`, 'unreachable'));
    });
    container.on('error', () => undefined);
    try {
      connection = container.connect(connectOptions);
      connection.open_receiver({ source: { address: `amqps://${host}/messages/events/$management` } });
    } catch (e) {
      finish(new HubRequestError(`${what}: ${errorText(e)}`, 'failed'));
    }
  });
}
