// The HTTPS port: IoT Hub's device-facing C2D API (lock tokens), D2C over HTTPS, the registry REST
// API and the /local/ management API, through the typed client and raw requests.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { LocalHubApiError, LocalHubClient, type HubEvent } from '../../../src/hub/client/localHubClient';
import type { D2cEventJson } from '../../../src/hub/http/jsonShapes';
import { eventually, startTestHub, type TestHub } from './testHub';

interface RawReply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

function raw(t: TestHub, method: string, path: string, auth: string | undefined, body?: string, headers: Record<string, string> = {}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const h: Record<string, string> = { ...headers };
    if (auth !== undefined) h['authorization'] = auth;
    const req = request({ method, hostname: 'localhost', port: t.apiPort, path, ca: t.ca, headers: h }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function rejects(p: Promise<unknown>, status: number, code: string): Promise<LocalHubApiError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof LocalHubApiError, String(e));
    assert.equal(e.status, status, e.message);
    assert.equal(e.errorCode, code, e.message);
    return e;
  }
  assert.fail(`expected ${status} ${code}`);
}


/** Drops every connection a client holds open (a network blip), as the hub never would. */
function dropConnections(client: LocalHubClient): void {
  const agent = (client as unknown as { agent: { sockets: Record<string, Array<{ destroy(): void }>> } }).agent;
  for (const list of Object.values(agent.sockets)) for (const socket of list) socket.destroy();
}

interface SseFrame { event: string; id?: string; data: unknown }

/** Reads a Server-Sent Events stream until `until` says stop, then drops the connection. */
function readSse(t: TestHub, path: string, auth: string, headers: Record<string, string>, until: (frames: SseFrame[]) => boolean, onOpen?: () => void): Promise<SseFrame[]> {
  return new Promise((resolve, reject) => {
    const frames: SseFrame[] = [];
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`SSE ${path}: gave up after 10 s with ${JSON.stringify(frames).slice(0, 500)}`));
    }, 10_000);
    const req = request({ method: 'GET', hostname: 'localhost', port: t.apiPort, path, ca: t.ca, headers: { authorization: auth, ...headers } }, (res) => {
      if ((res.statusCode ?? 0) !== 200) {
        clearTimeout(timer);
        reject(new Error(`status ${res.statusCode}`));
        return;
      }
      onOpen?.();
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const lines = buf.slice(0, i).split('\n');
          buf = buf.slice(i + 2);
          const f: Partial<SseFrame> = {};
          for (const l of lines) {
            if (l.startsWith('event: ')) f.event = l.slice(7);
            else if (l.startsWith('id: ')) f.id = l.slice(4);
            else if (l.startsWith('data: ')) f.data = JSON.parse(l.slice(6));
          }
          if (f.event !== undefined) frames.push(f as SseFrame);
        }
        if (until(frames)) {
          clearTimeout(timer);
          req.destroy();
          resolve(frames);
        }
      });
    });
    req.on('error', (e) => (frames.length > 0 ? undefined : reject(e)));
    req.end();
  });
}

void describe('HTTPS API', () => {
  let t: TestHub;
  let api: LocalHubClient;
  before(async () => {
    t = await startTestHub({ feedbackBatchMs: 20 });
    api = LocalHubClient.fromConnectionString(t.hub.connectionInfo.hubConnectionString, { ca: t.ca });
  });
  after(async () => {
    api.close();
    await t.close();
  });

  void it('device-facing C2D: receive with a lock token, complete, reject, abandon', async () => {
    await api.createDevice({ deviceId: 'http-dev' });
    assert.equal(await api.receiveC2d('http-dev'), undefined, '204 when the queue is empty');
    await api.sendC2d('http-dev', {
      systemProperties: { messageId: 'one', correlationId: 'c1', ack: 'full', contentType: 'text/plain' },
      applicationProperties: { color: 'red' },
      body: 'first',
    });
    await api.sendC2d('http-dev', { systemProperties: { messageId: 'two', ack: 'negative' }, body: 'second' });
    await api.sendC2d('http-dev', { systemProperties: { messageId: 'three' }, bodyBase64: Buffer.from([0, 1, 2]).toString('base64') });

    const m1 = await api.receiveC2d('http-dev');
    assert.ok(m1);
    assert.equal(m1.body.toString(), 'first');
    assert.equal(m1.systemProperties.messageId, 'one');
    assert.equal(m1.systemProperties.correlationId, 'c1');
    assert.equal(m1.systemProperties.ack, 'full');
    assert.equal(m1.systemProperties.contentType, 'text/plain');
    assert.equal(m1.systemProperties.to, '/devices/http-dev/messages/devicebound');
    assert.ok(m1.systemProperties.expiryTimeUtc);
    assert.deepEqual(m1.applicationProperties, [{ name: 'color', value: 'red' }]);
    assert.equal(m1.deliveryCount, 1);
    assert.ok(m1.lockToken.length > 0);
    const peek = await api.peekQueue('http-dev');
    assert.deepEqual(peek.map((m) => [m.messageId, m.state]), [['one', 'Invisible'], ['two', 'Enqueued'], ['three', 'Enqueued']]);
    await api.completeC2d('http-dev', m1.lockToken);
    await rejects(api.completeC2d('http-dev', m1.lockToken), 412, 'DeviceMessageLockLost');

    const m2 = await api.receiveC2d('http-dev');
    assert.equal(m2?.systemProperties.messageId, 'two');
    await api.abandonC2d('http-dev', m2!.lockToken);
    const m2again = await api.receiveC2d('http-dev');
    assert.equal(m2again?.systemProperties.messageId, 'two');
    assert.equal(m2again?.deliveryCount, 2, 'abandon keeps the delivery count');
    await api.rejectC2d('http-dev', m2again!.lockToken);

    const m3 = await api.receiveC2d('http-dev');
    assert.deepEqual([...m3!.body], [0, 1, 2]);
    await api.completeC2d('http-dev', m3!.lockToken);
    assert.deepEqual(await api.peekQueue('http-dev'), []);

    const records = await eventually(async () => {
      const r = (await api.readFeedback()).flatMap((b) => b.records);
      return r.length >= 2 ? r : undefined;
    }, 'feedback');
    assert.deepEqual(records.map((r) => [r.originalMessageId, r.statusCode]).sort(), [['one', 'Success'], ['two', 'Rejected']]);
    const batches = await api.readFeedback();
    for (const b of batches) await api.acknowledgeFeedback(b.batchId);
    assert.deepEqual(await api.readFeedback(), []);
  });

  void it('a device token reaches only its own device endpoints', async () => {
    const { key } = await t.createDevice('tok-dev');
    await t.createDevice('tok-other');
    const token = t.deviceToken('tok-dev', key);
    const own = await raw(t, 'GET', '/devices/tok-dev/messages/deviceBound?api-version=2021-04-12', token);
    assert.equal(own.status, 204);
    const other = await raw(t, 'GET', '/devices/tok-other/messages/deviceBound?api-version=2021-04-12', token);
    assert.equal(other.status, 401);
    const registry = await raw(t, 'GET', '/devices/tok-dev?api-version=2021-04-12', token);
    assert.equal(registry.status, 401);
    assert.equal(registry.headers['iothub-errorcode'], 'IotHubUnauthorizedAccess');
    const none = await raw(t, 'GET', '/devices?api-version=2021-04-12', undefined);
    assert.equal(none.status, 401);
    // D2C over HTTPS with iothub-app-* headers, read back through the SSE D2C tail.
    const events: D2cEventJson[] = [];
    const tail = api.tailD2c({ from: 'earliest' }, (e) => events.push(e));
    await tail.ready;
    const sent = await raw(t, 'POST', '/devices/tok-dev/messages/events?api-version=2021-04-12', token, '{"t":1}', {
      'iothub-messageid': 'h-1', 'iothub-app-level': 'high', 'content-type': 'application/json',
    });
    assert.equal(sent.status, 204, sent.body);
    const e = await eventually(() => events.find((x) => x.deviceId === 'tok-dev'), 'the D2C tail event');
    tail.close();
    assert.equal(e.systemProperties.messageId, 'h-1');
    assert.equal(e.systemProperties.contentType, 'application/json');
    assert.equal(e.systemProperties.connectionDeviceId, 'tok-dev');
    assert.deepEqual(e.applicationProperties, [{ name: 'level', value: 'high' }]);
    assert.equal(Buffer.from(e.bodyBase64, 'base64').toString(), '{"t":1}');
    const badChars = await raw(t, 'POST', '/devices/tok-dev/messages/events', token, 'x', { 'iothub-app-note': 'a b' });
    assert.equal(badChars.status, 400, 'HTTPS D2C enforces the property character set');
  });

  void it('registry: paging, If-Match, conflicts, keys, delete', async () => {
    for (let i = 0; i < 5; i++) await api.createDevice({ deviceId: `page-${i}` });
    const seen: string[] = [];
    let page = await api.listDevices({ pageSize: 2 });
    seen.push(...page.items.map((d) => d.deviceId));
    assert.ok(page.continuationToken);
    while (page.continuationToken !== undefined) {
      page = await api.listDevices({ pageSize: 2, continuationToken: page.continuationToken });
      seen.push(...page.items.map((d) => d.deviceId));
    }
    assert.ok(['page-0', 'page-1', 'page-2', 'page-3', 'page-4'].every((id) => seen.includes(id)));
    assert.equal(new Set(seen).size, seen.length, 'no device twice');

    await rejects(api.createDevice({ deviceId: 'page-0' }), 409, 'DeviceAlreadyExists');
    const d = await api.getDevice('page-0');
    const updated = await api.updateDevice('page-0', { status: 'disabled', statusReason: 'testing' }, d.etag);
    assert.equal(updated.status, 'disabled');
    await rejects(api.updateDevice('page-0', { status: 'enabled' }, d.etag), 412, 'PreconditionFailed');
    const key = Buffer.alloc(32, 1).toString('base64');
    const rekeyed = await api.updateDevice('page-0', { primaryKey: key });
    assert.equal(rekeyed.authentication.symmetricKey.primaryKey, key);
    await api.deleteDevice('page-0');
    await rejects(api.getDevice('page-0'), 404, 'DeviceNotFound');
    await rejects(api.deleteDevice('page-0'), 404, 'DeviceNotFound');
  });

  void it('management API: C2D errors, depth 50, purge, consumer groups, info', async () => {
    await api.createDevice({ deviceId: 'q-dev' });
    const notFound = await rejects(api.sendC2d('ghost', { body: 'x' }), 404, 'DeviceNotFound');
    assert.equal(notFound.errorNumber, 404001);
    await rejects(api.sendC2d('q-dev', { applicationProperties: { 'bad name': 'x' }, body: 'x' }), 400, 'ArgumentInvalid');
    await rejects(api.sendC2d('q-dev', { systemProperties: { enqueuedTimeUtc: 'x' } as never, body: 'x' }), 400, 'ArgumentInvalid');
    const big = await rejects(api.sendC2d('q-dev', { body: 'x'.repeat(64 * 1024 + 1) }), 413, 'MessageTooLarge');
    assert.equal(big.errorNumber, 413002);
    const badJson = await raw(t, 'POST', '/local/devices/q-dev/messages', undefined, '{', { 'content-type': 'application/json' });
    assert.equal(badJson.status, 401, 'authentication is checked before the body');
    const ownerAuth = (api as unknown as { authorization(): string }).authorization();
    const badJson2 = await raw(t, 'POST', '/local/devices/q-dev/messages', ownerAuth, '{', { 'content-type': 'application/json' });
    assert.equal(badJson2.status, 400);
    assert.match(JSON.parse(badJson2.body).Message as string, /^ErrorCode:ArgumentInvalid;The request body is not valid JSON/);
    const unknownRoute = await raw(t, 'GET', '/nope', ownerAuth);
    assert.equal(unknownRoute.status, 404);

    for (let i = 0; i < 50; i++) await api.sendC2d('q-dev', { body: `m${i}` });
    const full = await rejects(api.sendC2d('q-dev', { body: 'one too many' }), 403, 'DeviceMaximumQueueDepthExceeded');
    assert.equal(full.errorNumber, 403004);
    assert.equal((await api.getDevice('q-dev')).cloudToDeviceMessageCount, 50);
    assert.deepEqual(await api.purgeQueue('q-dev'), { deviceId: 'q-dev', moduleId: null, totalMessagesPurged: 50 });

    await api.createConsumerGroup('tools');
    assert.ok((await api.listConsumerGroups()).includes('tools'));
    await api.deleteConsumerGroup('tools');
    assert.ok(!(await api.listConsumerGroups()).includes('tools'));
    const info = await api.info();
    assert.equal(info.hubName, 'local-hub');
    assert.equal(info.ports.mqtt, t.mqttPort);
    assert.equal(info.partitionCount, 4);
  });

  void it('Server-Sent Events: registry and queue events', async () => {
    const events: HubEvent[] = [];
    const sub = api.subscribe((e) => events.push(e));
    await sub.ready;
    await api.createDevice({ deviceId: 'sse-dev' });
    await api.sendC2d('sse-dev', { systemProperties: { messageId: 'sse-1' }, body: 'x' });
    await eventually(() => (events.some((e) => e.kind === 'queue' && e.event.type === 'c2dEnqueued') ? true : undefined), 'queue event');
    sub.close();
    const created = events.find((e) => e.kind === 'registry' && e.event.type === 'deviceCreated');
    assert.ok(created);
    const enq = events.find((e) => e.kind === 'queue' && e.event.type === 'c2dEnqueued');
    assert.ok(enq && enq.kind === 'queue' && enq.event.type === 'c2dEnqueued');
    assert.equal(enq.event.message.messageId, 'sse-1');
    assert.equal(enq.event.depth, 1);
  });

  void it('event stream resumes with Last-Event-ID: what was missed is replayed in order; an unknown id gets reset', async () => {
    const auth = (api as unknown as { authorization(): string }).authorization();
    const created = (f: SseFrame[], id: string): boolean => f.some((x) => x.event === 'registry' && (x.data as { device?: { deviceId: string } }).device?.deviceId === id);
    let opened!: () => void;
    const open = new Promise<void>((r) => (opened = r));
    const first = readSse(t, '/local/events', auth, {}, (f) => created(f, 'resume-2'), opened);
    await open;
    await api.createDevice({ deviceId: 'resume-1' });
    await api.createDevice({ deviceId: 'resume-2' });
    const seen = await first;
    const one = seen.find((x) => created([x], 'resume-1'))!;
    assert.match(one.id ?? '', /^[0-9a-z]+\.\d+$/);
    // While no stream is open (a client reconnecting), events are still kept for a while.
    await api.createDevice({ deviceId: 'resume-3' });
    const replay = await readSse(t, '/local/events', auth, { 'last-event-id': one.id! }, (f) => created(f, 'resume-3'));
    const ids = replay.filter((x) => x.event === 'registry').map((x) => (x.data as { device?: { deviceId: string } }).device?.deviceId);
    assert.deepEqual(ids, ['resume-2', 'resume-3'], 'exactly the events after the id, in order');
    assert.deepEqual(replay.map((x) => x.id), seen.slice(seen.indexOf(one) + 1).map((x) => x.id).concat(replay.at(-1)!.id), 'the same ids as first sent');
    // An id of another hub run (or garbage): reset, with the id to continue from.
    const reset = await readSse(t, '/local/events', auth, { 'last-event-id': 'zzz.12' }, (f) => f.length > 0);
    assert.equal(reset[0]!.event, 'reset');
    assert.match(String((reset[0]!.data as { reason: string }).reason), /list again/);
    assert.equal(reset[0]!.id?.split('.')[0], one.id!.split('.')[0]);
  });

  void it('the client reconnects a dropped stream by itself and gets the events it missed', async () => {
    const events: HubEvent[] = [];
    const errors: Error[] = [];
    const sub = api.subscribe((e) => events.push(e), (e) => errors.push(e));
    await sub.ready;
    await api.createDevice({ deviceId: 'drop-1' });
    const has = (id: string): true | undefined => (events.some((e) => e.kind === 'registry' && e.event.type === 'deviceCreated' && e.event.device.deviceId === id) ? true : undefined);
    await eventually(() => has('drop-1'), 'first event');
    // Drop every connection the client has (a network blip), then change things meanwhile.
    dropConnections(api);
    await api.createDevice({ deviceId: 'drop-2' });
    await eventually(() => has('drop-2'), 'event after the drop');
    sub.close();
    assert.ok(errors.length >= 1, 'the drop was reported');
    const created = events.flatMap((e) => (e.kind === 'registry' && e.event.type === 'deviceCreated' ? [e.event.device.deviceId] : []));
    assert.deepEqual(created, ['drop-1', 'drop-2'], 'each once');
  });

  void it('a tail dropped before its first event still resumes where it started (the stream opens with an id)', async () => {
    const d2c = t.hub.hubState.d2c;
    const got: string[] = [];
    const errors: Error[] = [];
    const sub = api.tailD2c({ from: 'latest' }, (e) => got.push(String(e.systemProperties.messageId)), (e) => errors.push(e));
    await sub.ready;
    dropConnections(api);
    // Appended while no stream is open: a reconnect with from=latest alone would skip these.
    for (let i = 0; i < 6; i++) await d2c.append({ deviceId: `gap-${i}`, systemProperties: { messageId: `gap${i}` }, applicationProperties: [], body: Buffer.from('x') });
    await eventually(() => (got.filter((m) => m.startsWith('gap')).length >= 6 ? true : undefined), 'the events appended during the drop');
    sub.close();
    assert.ok(errors.length >= 1, 'the drop was reported');
    assert.deepEqual(got.filter((m) => m.startsWith('gap')).sort(), ['gap0', 'gap1', 'gap2', 'gap3', 'gap4', 'gap5']);
  });

  void it('D2C tail ids carry every partition\'s position; Last-Event-ID continues each one there', async () => {
    const auth = (api as unknown as { authorization(): string }).authorization();
    const d2c = t.hub.hubState.d2c;
    const before = Array.from({ length: d2c.partitionCount }, (_, p) => d2c.partitionInfo(p).lastEnqueuedSequenceNumber + 1);
    for (let i = 0; i < 12; i++) await d2c.append({ deviceId: `tail-${i}`, systemProperties: { messageId: `m${i}` }, applicationProperties: [], body: Buffer.from(`b${i}`) });
    const mine = (f: SseFrame[]): SseFrame[] => f.filter((x) => x.event === 'd2c' && /^m\d+$/.test(String((x.data as { systemProperties: { messageId?: string } }).systemProperties.messageId)));
    const from = before.map((n, p) => `${p}=${n}`).join(',');
    const all = mine(await readSse(t, '/local/d2c/tail', auth, { 'last-event-id': from }, (f) => mine(f).length >= 12));
    assert.equal(all.length, 12, 'Last-Event-ID positions start each partition there');
    for (const f of all) assert.match(f.id ?? '', /^0=\d+,1=\d+,2=\d+,3=\d+$/);
    const k = 5;
    const rest = mine(await readSse(t, '/local/d2c/tail?from=latest', auth, { 'last-event-id': all[k]!.id! }, (f) => mine(f).length >= 12 - k - 1));
    const ids = (fs: SseFrame[]): string[] => fs.map((x) => String((x.data as { systemProperties: { messageId?: string } }).systemProperties.messageId)).sort();
    assert.deepEqual(ids(rest), ids(all.slice(k + 1)), 'exactly the events after that id, despite from=latest');
    const bad = await raw(t, 'GET', '/local/d2c/tail', auth, undefined, { 'last-event-id': '9=1' });
    assert.equal(bad.status, 400);
    assert.match(bad.body, /Last-Event-ID must be partition=sequenceNumber pairs/);
  });

  void it('registry events carry no device keys, also to a ServiceConnect-only policy (which may not read keys)', async () => {
    const service = t.hub.hubState.policy('service')!;
    const serviceApi = LocalHubClient.fromConnectionString(
      t.hub.connectionInfo.hubConnectionString.replace('SharedAccessKeyName=iothubowner', 'SharedAccessKeyName=service')
        .replace(/SharedAccessKey=[^;]+/, `SharedAccessKey=${service.primaryKey}`), { ca: t.ca });
    try {
      await rejects(serviceApi.getDevice('http-dev'), 401, 'IotHubUnauthorizedAccess');
      const events: HubEvent[] = [];
      const sub = serviceApi.subscribe((e) => events.push(e));
      await sub.ready;
      const key = Buffer.alloc(32, 9).toString('base64');
      await api.createDevice({ deviceId: 'sse-keys', primaryKey: key, secondaryKey: key });
      await api.updateDevice('sse-keys', { status: 'disabled' });
      await eventually(() => events.some((e) => e.kind === 'registry' && e.event.type === 'deviceUpdated') || undefined, 'update event');
      sub.close();
      const devices = events.flatMap((e) => (e.kind === 'registry' && (e.event.type === 'deviceCreated' || e.event.type === 'deviceUpdated') ? [e.event.device] : []));
      assert.deepEqual(devices.map((d) => [d.deviceId, d.status, d.authentication]), [['sse-keys', 'enabled', { type: 'sas' }], ['sse-keys', 'disabled', { type: 'sas' }]]);
      assert.ok(!JSON.stringify(events).includes(key), 'no key anywhere in the events');
    } finally {
      serviceApi.close();
    }
  });
});
