// IoT Hub's service-facing AMQP endpoint, locally: AMQP 1.0 over TLS (IoT Hub's port 5671) that
// the official service SDK (`azure-iothub` Client) uses unchanged for C2D sends and feedback, and
// that also serves the Event Hubs-compatible entities, so the redirect IoT Hub gives a receiver on
// its events address lands here and `EventHubConsumerClient` (TLS, no emulator flag) reads
// telemetry. The HTTPS port hands it AMQP-over-WebSocket streams (`/$iothub/websocket` and
// `/$servicebus/websocket`, subprotocol AMQPWSB10).
//
// Built on the Event Hubs endpoint's machinery (src/hub/eventhubs/endpoint.ts): one CBS authorizer,
// one connection class; the service nodes plug in through ConnectionNodes.
import type { Duplex } from 'node:stream';
import type { HubLogger, HubState } from '../contracts';
import { CbsAuthorizer } from '../eventhubs/cbsAuthorizer';
import { startAmqpEndpoint, type EventHubsEndpoint } from '../eventhubs/endpoint';
import { FeedbackDispatcher } from './feedbackDispatcher';
import { isServicePath, ServiceNodes } from './serviceNodes';

export const DEFAULT_SERVICE_AMQP_PORT = 5671;
/** The subprotocol IoT Hub and Event Hubs use for AMQP over WebSocket. */
export const AMQP_WEBSOCKET_PROTOCOL = 'AMQPWSB10';

export interface ServiceEndpointOptions {
  host: string;
  /** 0 picks an ephemeral port (tests). */
  port: number;
  hub: HubState;
  tls: { cert: string; key: string };
  log: HubLogger;
  now?: () => number;
  handshakeTimeoutMs?: number;
}

export interface ServiceEndpoint {
  readonly port: number;
  /** Serves an AMQP-over-WebSocket stream (from the HTTPS port). */
  acceptStream(stream: Duplex, label: string): void;
  /** Event Hubs connection string for this TLS endpoint (what the events redirect leads to). */
  eventHubsConnectionString(policyName?: string): string;
  close(): Promise<void>;
}

export async function startServiceEndpoint(options: ServiceEndpointOptions): Promise<ServiceEndpoint> {
  const { hub, log } = options;
  const now = options.now ?? Date.now;
  const authorizer = new CbsAuthorizer(() => [hub.hubName], () => hub.policies, now, { hostAudiences: true, isServicePath });
  const feedback = new FeedbackDispatcher(hub.feedback, log);
  const stopFeedbackEvents = hub.c2d.events.subscribe((e) => {
    if (e.type === 'feedback') feedback.kick();
  });
  let port = options.port;
  let endpoint: EventHubsEndpoint;
  try {
    endpoint = await startAmqpEndpoint({
      host: options.host,
      port: options.port,
      hubName: hub.hubName,
      d2c: hub.d2c,
      policies: hub.policies,
      consumerGroups: hub.consumerGroups,
      log,
      now,
      ...(options.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: options.handshakeTimeoutMs }),
    }, {
      name: 'Service endpoint',
      tls: options.tls,
      authorizer,
      nodes: (view) => new ServiceNodes(view, {
        hub,
        feedback,
        now,
        redirect: () => ({ hostname: port === DEFAULT_SERVICE_AMQP_PORT ? 'localhost' : `localhost:${port}`, port }),
      }),
      plainClaim(_username, password) {
        const check = authorizer.verify(password);
        return check.ok ? { path: check.tokenPath, expiresAt: check.expiresAt } : undefined;
      },
    });
  } catch (e) {
    stopFeedbackEvents();
    throw e;
  }
  port = endpoint.port;
  return {
    port,
    acceptStream: (stream, label) => endpoint.acceptStream(stream, label),
    eventHubsConnectionString(policyName?: string): string {
      // No UseDevelopmentEmulator: this endpoint speaks TLS, as Azure's does.
      return endpoint.connectionString(policyName).replace(/;UseDevelopmentEmulator=true$/, '');
    },
    async close(): Promise<void> {
      stopFeedbackEvents();
      await endpoint.close();
    },
  };
}
