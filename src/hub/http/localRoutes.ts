// The local hub's own management endpoints under `/local/` (not part of IoT Hub's API): send C2D
// with every property, peek a queue, read and acknowledge feedback, consumer groups, hub info,
// and two Server-Sent Events streams (registry, queue and routing-changed events for an evented UI,
// and a D2C tail).
import type { ApplicationProperty, SystemProperties } from '../../core/message/model';
import { SENDER_SYSTEM_PROPERTIES } from '../../core/message/model';
import type { C2dSendOptions, Clock, D2cStartPosition, HubState } from '../contracts';
import { apiError } from './apiErrors';
import { param, readJson, sendEmpty, sendJson, type RouteContext, type Router } from './httpUtil';
import {
  c2dMessageToJson, d2cEventToJson, queueEventToJson, registryEventToJson, type C2dSendRequest, type HubInfoJson,
} from './jsonShapes';
import { requireRight } from './requestAuth';
import { EventBacklog } from './eventBacklog';
import { SseStream } from './sse';
import { errorText } from '../../core/errorText';
import { isStrictBase64 } from '../../core/base64';

const DEVICE = '([^/]+)';
const TAIL_BATCH = 100;

function systemProperties(v: unknown): SystemProperties {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw apiError('ArgumentInvalid', 'systemProperties must be an object.');
  const out: SystemProperties = {};
  for (const [k, value] of Object.entries(v as Record<string, unknown>)) {
    if (!(SENDER_SYSTEM_PROPERTIES as readonly string[]).includes(k)) {
      throw apiError('ArgumentInvalid', `systemProperties.${k} is not a system property a sender may set (allowed: ${SENDER_SYSTEM_PROPERTIES.join(', ')}).`);
    }
    if (typeof value !== 'string') throw apiError('ArgumentInvalid', `systemProperties.${k} must be a string.`);
    out[k as keyof SystemProperties] = value;
  }
  return out;
}

function applicationProperties(v: unknown): ApplicationProperty[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) {
    return v.map((p, i) => {
      if (typeof p !== 'object' || p === null || typeof (p as ApplicationProperty).name !== 'string' || typeof (p as ApplicationProperty).value !== 'string') {
        throw apiError('ArgumentInvalid', `applicationProperties[${i}] must be {"name": string, "value": string}.`);
      }
      return { name: (p as ApplicationProperty).name, value: (p as ApplicationProperty).value };
    });
  }
  if (typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>).map(([name, value]) => {
      if (typeof value !== 'string') throw apiError('ArgumentInvalid', `applicationProperties.${name} must be a string.`);
      return { name, value };
    });
  }
  throw apiError('ArgumentInvalid', 'applicationProperties must be a list of {name, value} or an object of strings.');
}

function parseSendRequest(raw: unknown): { message: { systemProperties: SystemProperties; applicationProperties: ApplicationProperty[]; body: Uint8Array }; options: C2dSendOptions } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw apiError('ArgumentInvalid', 'The C2D send request must be a JSON object.');
  const r = raw as C2dSendRequest & Record<string, unknown>;
  let body: Uint8Array = new Uint8Array();
  if (r.bodyBase64 !== undefined && r.body !== undefined) throw apiError('ArgumentInvalid', 'Give either body (text) or bodyBase64, not both.');
  if (r.bodyBase64 !== undefined) {
    if (typeof r.bodyBase64 !== 'string' || !isStrictBase64(r.bodyBase64)) throw apiError('ArgumentInvalid', 'bodyBase64 must be a base64 string.');
    body = Buffer.from(r.bodyBase64, 'base64');
  } else if (r.body !== undefined) {
    if (typeof r.body !== 'string') throw apiError('ArgumentInvalid', 'body must be a string (use bodyBase64 for bytes).');
    body = Buffer.from(r.body, 'utf8');
  }
  const options: C2dSendOptions = {};
  if (r.ttlMs !== undefined) {
    if (typeof r.ttlMs !== 'number' || !Number.isFinite(r.ttlMs) || r.ttlMs <= 0) throw apiError('ArgumentInvalid', 'ttlMs must be a positive number of milliseconds.');
    options.ttlMs = r.ttlMs;
  }
  return { message: { systemProperties: systemProperties(r.systemProperties), applicationProperties: applicationProperties(r.applicationProperties), body }, options };
}

function requireDeviceExists(hub: HubState, id: string): void {
  if (hub.registry.get(id) === undefined) throw apiError('DeviceNotFound', `Device "${id}" is not registered in this hub.`);
}

function startPosition(ctx: RouteContext): D2cStartPosition {
  const from = ctx.query.get('from') ?? 'latest';
  if (from === 'earliest' || from === 'latest') return from;
  if (/^\d+$/.test(from)) return { sequenceNumber: Number(from), inclusive: true };
  const t = Date.parse(from);
  if (!Number.isNaN(t)) return { enqueuedTime: t };
  throw apiError('ArgumentInvalid', `from must be earliest, latest, a sequence number or an ISO time, not "${from}".`);
}

/**
 * A tail event's id: where each partition of the stream goes on after it, `0=13,1=41,2=0,3=8`.
 * A client that reconnects with it as Last-Event-ID continues every partition exactly there.
 */
function tailId(next: Map<number, number>): string {
  return [...next].map(([p, n]) => `${p}=${n}`).join(',');
}

/** The positions of a tail's Last-Event-ID, or undefined without one; a malformed one is a 400. */
function tailResume(ctx: RouteContext, partitions: number[]): Map<number, number> | undefined {
  const id = headerValue(ctx.req.headers['last-event-id']);
  if (id === undefined) return undefined;
  const out = new Map<number, number>();
  for (const pair of id.split(',')) {
    const m = /^(\d+)=(\d+)$/.exec(pair);
    if (m === null || !partitions.includes(Number(m[1])) || out.has(Number(m[1]))) {
      throw apiError('ArgumentInvalid', `Last-Event-ID must be partition=sequenceNumber pairs of this stream's partitions (like 0=13,1=41), not "${id.slice(0, 100)}".`);
    }
    out.set(Number(m[1]), Number(m[2]));
  }
  return out;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

/** Streams one partition's D2C events from `positions`' entry on, following appends until the stream closes. */
function tailPartition(hub: HubState, sse: SseStream, partition: number, positions: Map<number, number>): void {
  let next = positions.get(partition) ?? 0;
  let reading = false;
  let again = false;
  const drain = async (): Promise<void> => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        for (;;) {
          if (sse.isClosed) return;
          // A slow client: read no further until it has taken what was sent (retained telemetry
          // stays on disk instead of piling up in the response's buffer).
          if (sse.congested) await sse.drained();
          if (sse.isClosed) return;
          const events = await hub.d2c.read(partition, next, TAIL_BATCH);
          for (const e of events) {
            next = e.sequenceNumber + 1;
            positions.set(partition, next);
            sse.send('d2c', d2cEventToJson(e), tailId(positions));
          }
          if (events.length < TAIL_BATCH) break;
        }
      } while (again);
    } catch (e) {
      sse.send('error', { message: errorText(e) });
    } finally {
      reading = false;
    }
  };
  const off = hub.d2c.onAppended((p) => {
    if (p === partition) void drain();
  });
  sse.whenClosed(off);
  void drain();
}

export interface LocalRouteDeps {
  hub: HubState;
  clock: Clock;
  info(): Omit<HubInfoJson, 'deviceCount' | 'partitionCount' | 'partitions' | 'consumerGroups'>;
  /** Open SSE streams, ended when the hub closes. */
  streams: Set<SseStream>;
  /** Message routing: each applied change (routes, endpoints, fallback, enrichments) is a `routing` event. */
  routing?: { onChanged(listener: () => void): () => void };
}

/** Adds the `/local/` routes; the returned function stops their hub subscriptions. */
export function addLocalRoutes(router: Router, deps: LocalRouteDeps): () => void {
  const { hub, streams } = deps;
  const openStream = (ctx: RouteContext): SseStream => {
    const sse = new SseStream(ctx.res);
    streams.add(sse);
    sse.whenClosed(() => streams.delete(sse));
    return sse;
  };

  router.add('GET', /^\/local\/info$/, (ctx) => {
    requireRight(ctx.principal(), 'RegistryRead', 'ServiceConnect');
    const partitions = Array.from({ length: hub.d2c.partitionCount }, (_, i) => hub.d2c.partitionInfo(i));
    const info: HubInfoJson = {
      ...deps.info(),
      deviceCount: hub.registry.count,
      partitionCount: hub.d2c.partitionCount,
      partitions,
      consumerGroups: hub.consumerGroups.list(),
    };
    sendJson(ctx.res, 200, info);
  });

  router.add('POST', new RegExp(`^/local/devices/${DEVICE}/messages$`), async (ctx) => {
    requireRight(ctx.principal(), 'ServiceConnect');
    const id = param(ctx, 0);
    const { message, options } = parseSendRequest(await readJson(ctx.req));
    const sent = await hub.c2d.send(id, message, options);
    sendJson(ctx.res, 201, c2dMessageToJson(sent));
  });

  router.add('GET', new RegExp(`^/local/devices/${DEVICE}/queue$`), (ctx) => {
    requireRight(ctx.principal(), 'ServiceConnect', 'RegistryRead');
    const id = param(ctx, 0);
    requireDeviceExists(hub, id);
    sendJson(ctx.res, 200, hub.c2d.peek(id).map(c2dMessageToJson));
  });

  router.add('DELETE', new RegExp(`^/local/devices/${DEVICE}/queue$`), async (ctx) => {
    requireRight(ctx.principal(), 'ServiceConnect');
    const id = param(ctx, 0);
    sendJson(ctx.res, 200, { deviceId: id, moduleId: null, totalMessagesPurged: await hub.c2d.purge(id) });
  });

  router.add('GET', /^\/local\/feedback$/, (ctx) => {
    requireRight(ctx.principal(), 'ServiceConnect');
    const after = ctx.query.get('after');
    const max = ctx.query.get('max');
    if (after !== null && !/^\d+$/.test(after)) throw apiError('ArgumentInvalid', `after must be a batch id, not "${after}".`);
    if (max !== null && !/^\d+$/.test(max)) throw apiError('ArgumentInvalid', `max must be a whole number, not "${max}".`);
    sendJson(ctx.res, 200, hub.feedback.read(after === null ? undefined : Number(after), max === null ? undefined : Number(max)));
  });

  router.add('POST', /^\/local\/feedback\/(\d+)\/ack$/, async (ctx) => {
    requireRight(ctx.principal(), 'ServiceConnect');
    await hub.feedback.acknowledge(Number(param(ctx, 0)));
    sendEmpty(ctx.res, 204);
  });

  router.add('GET', /^\/local\/consumergroups$/, (ctx) => {
    requireRight(ctx.principal(), 'ServiceConnect', 'RegistryRead');
    sendJson(ctx.res, 200, hub.consumerGroups.list());
  });

  router.add('PUT', /^\/local\/consumergroups\/([^/]+)$/, async (ctx) => {
    requireRight(ctx.principal(), 'RegistryWrite');
    const name = param(ctx, 0);
    await hub.consumerGroups.create(name);
    sendJson(ctx.res, 201, { name });
  });

  router.add('DELETE', /^\/local\/consumergroups\/([^/]+)$/, async (ctx) => {
    requireRight(ctx.principal(), 'RegistryWrite');
    await hub.consumerGroups.delete(param(ctx, 0));
    sendEmpty(ctx.res, 204);
  });

  // One numbering for every stream, so a client resumes with the id it saw last (Last-Event-ID).
  const backlog = new EventBacklog({ clock: deps.clock });
  const offRegistry = hub.registry.events.subscribe((event) => backlog.push('registry', () => registryEventToJson(event)));
  const offQueue = hub.c2d.events.subscribe((event) => backlog.push('queue', () => queueEventToJson(event)));
  // Says only that routing changed (the client reads it again): a change is rare and read whole.
  const offRouting = deps.routing?.onChanged(() => backlog.push('routing', () => ({ type: 'routingChanged' })));

  router.add('GET', /^\/local\/events$/, (ctx) => {
    requireRight(ctx.principal(), 'RegistryRead', 'ServiceConnect');
    const lastId = headerValue(ctx.req.headers['last-event-id']);
    const sse = openStream(ctx);
    if (lastId !== undefined) {
      const missed = backlog.since(lastId);
      if (missed === undefined) sse.send('reset', { reason: `events after ${lastId.slice(0, 100)} are not available (the hub restarted, or they are too old): list again` }, backlog.lastId);
      else for (const e of missed) sse.sendText(e.name, e.json, e.id);
    } else {
      sse.sendId(backlog.lastId);
    }
    // Replayed and subscribed in one turn: nothing falls between the two. While the client is
    // slow, events are not written but caught up from the backlog once it has drained (the backlog
    // is bounded; a client that falls further behind than it holds gets a reset).
    // Everything up to the newest event is sent (or reset) by now.
    let sentId = backlog.lastId;
    let waiting = false;
    const catchUp = async (): Promise<void> => {
      waiting = true;
      await sse.drained();
      waiting = false;
      if (sse.isClosed) return;
      const missed = backlog.since(sentId);
      if (missed === undefined) {
        sentId = backlog.lastId;
        sse.send('reset', { reason: 'this client read too slowly to receive every event: list again' }, sentId);
        return;
      }
      for (const e of missed) write(e);
    };
    const write = (e: { name: string; json: string; id: string }): void => {
      if (waiting) return;
      if (sse.congested) {
        void catchUp();
        return;
      }
      sse.sendText(e.name, e.json, e.id);
      sentId = e.id;
    };
    const off = backlog.listen(write);
    sse.whenClosed(off);
  });

  router.add('GET', /^\/local\/d2c\/tail$/, async (ctx) => {
    requireRight(ctx.principal(), 'ServiceConnect');
    const p = ctx.query.get('partition');
    let partitions: number[];
    if (p === null || p === '' || p === 'all') partitions = Array.from({ length: hub.d2c.partitionCount }, (_, i) => i);
    else {
      const n = Number(p);
      if (!Number.isInteger(n) || n < 0 || n >= hub.d2c.partitionCount) {
        throw apiError('ArgumentInvalid', `partition must be 0..${hub.d2c.partitionCount - 1} or all, not "${p}".`);
      }
      partitions = [n];
    }
    // Last-Event-ID (a reconnect) wins over `from`: it says where each partition goes on.
    let positions = tailResume(ctx, partitions);
    if (positions === undefined || positions.size < partitions.length) {
      const position = startPosition(ctx);
      const starts = await Promise.all(partitions.map((n) => hub.d2c.resolveStart(n, position)));
      const resumed = positions;
      positions = new Map(partitions.map((n, i) => [n, resumed?.get(n) ?? starts[i] ?? 0]));
    }
    const sse = openStream(ctx);
    sse.sendId(tailId(positions));
    for (const n of partitions) tailPartition(hub, sse, n, positions);
  });

  return () => {
    offRegistry();
    offQueue();
    offRouting?.();
  };
}
