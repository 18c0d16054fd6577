// IoT Hub's device-facing HTTPS endpoints: C2D receive / complete / reject / abandon with lock
// tokens (this is how the Azure CLI receives, and the only way a device can reject or abandon),
// and D2C send with `iothub-app-*` headers.
import type { IncomingHttpHeaders } from 'node:http';
import { D2C_MAX_MESSAGE_BYTES } from '../../core/message/limits';
import type { ApplicationProperty, SystemProperties } from '../../core/message/model';
import { computeSize } from '../../core/message/size';
import { validateMessage } from '../../core/message/validation';
import { SAS_AUTH_METHOD } from '../connectionAuth';
import type { D2cAppend, D2cLog, HubState } from '../contracts';
import { apiError } from './apiErrors';
import { param, readBody, sendEmpty, stripEtagQuotes, type RouteContext, type Router } from './httpUtil';
import { requireDevice } from './requestAuth';

const DEVICE = '([^/]+)';

/** Response headers of a received C2D message, as IoT Hub's HTTPS endpoint sends them. */
function c2dHeaders(msg: { systemProperties: SystemProperties; applicationProperties: ApplicationProperty[]; sequenceNumber: number; deliveryCount: number; enqueuedTime: number; expiryTime: number; lockToken?: string }): Record<string, string> {
  const s = msg.systemProperties;
  const h: Record<string, string> = {
    etag: `"${msg.lockToken ?? ''}"`,
    'iothub-sequencenumber': String(msg.sequenceNumber),
    'iothub-deliverycount': String(msg.deliveryCount),
    'iothub-enqueuedtime': new Date(msg.enqueuedTime).toISOString(),
    'iothub-expiry': s.expiryTimeUtc ?? new Date(msg.expiryTime).toISOString(),
  };
  if (s.messageId !== undefined) h['iothub-messageid'] = s.messageId;
  if (s.to !== undefined) h['iothub-to'] = s.to;
  if (s.correlationId !== undefined) h['iothub-correlationid'] = s.correlationId;
  if (s.userId !== undefined) h['iothub-userid'] = s.userId;
  if (s.ack !== undefined) h['iothub-ack'] = s.ack;
  if (s.contentType !== undefined) h['content-type'] = s.contentType;
  if (s.contentEncoding !== undefined) h['content-encoding'] = s.contentEncoding;
  if (s.creationTimeUtc !== undefined) h['iothub-creation-time-utc'] = s.creationTimeUtc;
  // C2D property names and values are restricted to header-safe ASCII, so they travel as-is.
  for (const p of msg.applicationProperties) h[`iothub-app-${p.name}`] = p.value;
  return h;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** D2C over HTTPS: system properties from `iothub-*` headers, application properties from `iothub-app-*`. */
function d2cFromHeaders(headers: IncomingHttpHeaders, rawHeaders: readonly string[]): { systemProperties: SystemProperties; applicationProperties: ApplicationProperty[] } {
  const s: SystemProperties = {};
  const set = (key: keyof SystemProperties, ...names: string[]): void => {
    for (const n of names) {
      const v = header(headers, n);
      if (v !== undefined) {
        s[key] = v;
        return;
      }
    }
  };
  set('messageId', 'iothub-messageid');
  set('correlationId', 'iothub-correlationid');
  set('userId', 'iothub-userid');
  set('to', 'iothub-to');
  set('contentType', 'iothub-contenttype', 'content-type');
  set('contentEncoding', 'iothub-contentencoding', 'content-encoding');
  set('creationTimeUtc', 'iothub-creation-time-utc');
  set('expiryTimeUtc', 'iothub-expiry');
  // From the raw headers: `headers` has the names lower-cased, and a property keeps its case.
  const app: ApplicationProperty[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    if (name.toLowerCase().startsWith('iothub-app-')) app.push({ name: name.slice('iothub-app-'.length), value: rawHeaders[i + 1] ?? '' });
  }
  // Node lower-cases header names; content-type defaults from clients are not the message's.
  if (s.contentType === 'application/octet-stream') delete s.contentType;
  return { systemProperties: s, applicationProperties: app };
}

/** `d2cSink`: where telemetry goes (the hub's message router; the built-in log when none is given). */
export function addDeviceRoutes(router: Router, hub: HubState, d2cSink: Pick<D2cLog, 'appendThen'> = hub.d2c): void {
  router.add('GET', new RegExp(`^/devices/${DEVICE}/messages/devicebound$`, 'i'), async (ctx: RouteContext) => {
    const deviceId = param(ctx, 0);
    requireDevice(ctx.principal(), deviceId);
    if (hub.registry.get(deviceId) === undefined) throw apiError('DeviceNotFound', `Device "${deviceId}" is not registered in this hub.`);
    const msg = await hub.c2d.receive(deviceId);
    hub.registry.recordActivity(deviceId);
    if (msg === undefined) return sendEmpty(ctx.res, 204);
    const body = Buffer.from(msg.body);
    ctx.res.writeHead(200, { ...c2dHeaders(msg), 'content-length': body.length });
    ctx.res.end(body);
  });

  // DELETE .../deviceBound/{etag} completes; with ?reject it rejects.
  router.add('DELETE', new RegExp(`^/devices/${DEVICE}/messages/devicebound/([^/]+)$`, 'i'), async (ctx) => {
    const deviceId = param(ctx, 0);
    requireDevice(ctx.principal(), deviceId);
    const lockToken = stripEtagQuotes(param(ctx, 1));
    const reject = ctx.query.has('reject') && ctx.query.get('reject') !== 'false';
    if (reject) await hub.c2d.reject(deviceId, lockToken);
    else await hub.c2d.complete(deviceId, lockToken);
    sendEmpty(ctx.res, 204);
  });

  router.add('POST', new RegExp(`^/devices/${DEVICE}/messages/devicebound/([^/]+)/abandon$`, 'i'), async (ctx) => {
    const deviceId = param(ctx, 0);
    requireDevice(ctx.principal(), deviceId);
    await hub.c2d.abandon(deviceId, stripEtagQuotes(param(ctx, 1)));
    sendEmpty(ctx.res, 204);
  });

  router.add('POST', new RegExp(`^/devices/${DEVICE}/messages/events$`, 'i'), async (ctx) => {
    const deviceId = param(ctx, 0);
    requireDevice(ctx.principal(), deviceId);
    const device = hub.registry.get(deviceId);
    if (device === undefined) throw apiError('DeviceNotFound', `Device "${deviceId}" is not registered in this hub.`);
    const body = await readBody(ctx.req, D2C_MAX_MESSAGE_BYTES + 1);
    const props = d2cFromHeaders(ctx.req.headers, ctx.req.rawHeaders);
    const message = { direction: 'd2c' as const, ...props, body };
    const size = computeSize(message, 'd2c');
    if (size.total > D2C_MAX_MESSAGE_BYTES) {
      throw apiError('MessageTooLarge', `The message is ${size.total} bytes; IoT Hub allows at most ${D2C_MAX_MESSAGE_BYTES} bytes for D2C messages.`);
    }
    // Over HTTPS IoT Hub enforces the application property character set (a warning for MQTT).
    const errors = validateMessage(message, { direction: 'd2c' }).problems.filter((p) => p.severity === 'error' || p.rule === 'invalid-character');
    if (errors.length > 0) throw apiError('ArgumentInvalid', errors.map((p) => `${p.code}: ${p.message}`).join(' '));
    const input: D2cAppend = {
      deviceId,
      systemProperties: {
        ...props.systemProperties,
        connectionDeviceId: deviceId,
        connectionAuthMethod: SAS_AUTH_METHOD,
        connectionAuthGenerationId: device.generationId,
        messageSource: 'Telemetry',
      },
      applicationProperties: props.applicationProperties,
      body,
    };
    // Routed like MQTT telemetry (IoT Hub routes every D2C message whatever its protocol); the 204
    // goes out once the message is durable on every endpoint it went to.
    await new Promise<void>((resolve, reject) => d2cSink.appendThen(input, (e) => (e === undefined ? resolve() : reject(e))));
    hub.registry.recordActivity(deviceId);
    sendEmpty(ctx.res, 204);
  });
}
