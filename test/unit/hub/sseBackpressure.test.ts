// The management API's SSE streams with a client that reads slowly (its response paused, so TCP
// pushes back): the hub stops producing instead of buffering what the client has not read, and
// the client still gets everything (D2C tail) or a reset (events it fell too far behind on).
// Ordinary requests keep their timeouts; a stream is exempt from the idle timeout.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { connect } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { LocalHubClient } from '../../../src/hub/client/localHubClient';
import { eventually, startTestHub, type TestHub } from './testHub';

const IDLE_MS = 1500;
/**
 * How long the D2C tail must go without reading the log to count as stopped. Stopping is what the
 * test asserts, so this quiet window is part of the assertion, not a wait for something to happen.
 */
const TAIL_QUIET_MS = 500;

function openStream(t: TestHub, auth: string, path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ method: 'GET', hostname: 'localhost', port: t.apiPort, path, ca: t.ca, headers: { authorization: auth }, agent: false }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
      else resolve(res);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Reads the stream (resumed) until `done` says so, counting bytes and SSE events by name. */
function readUntil(res: IncomingMessage, done: (text: { bytes: number; events: Map<string, number>; ids: string[] }) => boolean, timeoutMs = 60_000): Promise<{ bytes: number; events: Map<string, number>; ids: string[] }> {
  return new Promise((resolve, reject) => {
    const state = { bytes: 0, events: new Map<string, number>(), ids: [] as string[] };
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`gave up after ${timeoutMs} ms: ${state.bytes} bytes, ${JSON.stringify([...state.events])}`)), timeoutMs);
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      state.bytes += Buffer.byteLength(chunk);
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const name = /^event: (.*)$/m.exec(frame)?.[1];
        if (name !== undefined) {
          state.events.set(name, (state.events.get(name) ?? 0) + 1);
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (name === 'd2c' && data !== undefined) state.ids.push(String((JSON.parse(data) as { systemProperties: { messageId?: string } }).systemProperties.messageId));
        }
      }
      if (done(state)) {
        clearTimeout(timer);
        res.destroy();
        resolve(state);
      }
    });
    res.resume();
  });
}

void describe('SSE streams with a slow client', () => {
  let t: TestHub;
  let auth: string;

  before(async () => {
    t = await startTestHub({ apiTimeouts: { requestMs: IDLE_MS, idleSocketMs: IDLE_MS } });
    const client = LocalHubClient.fromConnectionString(t.hub.connectionInfo.hubConnectionString, { ca: t.ca });
    auth = (client as unknown as { authorization(): string }).authorization();
    client.close();
  });
  after(async () => {
    await t.close();
  });

  void it('D2C tail from=earliest reads no further than the client takes, then delivers every event', async () => {
    const d2c = t.hub.hubState.d2c;
    // 24 MB retained: more than loopback socket buffers hold, so a paused client pushes back.
    const TOTAL = 3000;
    const body = Buffer.alloc(8 * 1024, 0x61);
    for (let i = 0; i < TOTAL; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => d2c.append({ deviceId: 'slow', systemProperties: { messageId: `s${i + j}` }, applicationProperties: [], body })));
    }
    let read = 0;
    const realRead = d2c.read.bind(d2c);
    d2c.read = async (...args: Parameters<typeof d2c.read>) => {
      const events = await realRead(...args);
      read += events.length;
      return events;
    };
    try {
      const res = await openStream(t, auth, '/local/d2c/tail?from=earliest');
      res.pause();
      // Let the hub write what the socket takes; it must then stop reading the log.
      await eventually(async () => {
        const before = read;
        await new Promise((r) => setTimeout(r, TAIL_QUIET_MS));
        return read === before ? true : undefined;
      }, 'the tail to stop reading', 20_000);
      assert.ok(read > 0, 'the tail started');
      assert.ok(read < TOTAL * 0.75, `a paused client stops the tail: ${read} of ${TOTAL} events read while paused`);
      const got = await readUntil(res, (s) => s.ids.length >= TOTAL);
      assert.deepEqual(new Set(got.ids).size, TOTAL, 'every event once, nothing lost while paused');
    } finally {
      d2c.read = realRead;
    }
  });

  void it('the events stream skips what a paused client cannot take and tells it to list again', async () => {
    const devices = Array.from({ length: 8 }, (_, i) => `q${i}`);
    for (const id of devices) await t.createDevice(id);
    const res = await openStream(t, auth, '/local/events');
    res.pause();
    // 16 MB of queue events (each carries its message body).
    const body = Buffer.alloc(60 * 1024, 0x62);
    for (let round = 0; round < 35; round++) {
      await Promise.all(devices.map((id) => t.hub.hubState.c2d.send(id, { systemProperties: {}, applicationProperties: [], body })));
      await Promise.all(devices.map((id) => t.hub.hubState.c2d.purge(id)));
    }
    const got = await readUntil(res, (s) => (s.events.get('reset') ?? 0) > 0);
    assert.ok((got.events.get('queue') ?? 0) < 35 * 8 * 2, `not every event was buffered for the paused client (${got.events.get('queue')} queue events)`);
    assert.ok(got.bytes < 12 * 1024 * 1024, `the hub did not queue everything: ${got.bytes} bytes read`);
  });

  void it('an ordinary request that stalls is closed; a quiet stream stays open past the idle timeout', async () => {
    const socket = connect({ host: 'localhost', port: t.apiPort, ca: t.ca, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => {
      const start = Date.now();
      socket.on('data', () => undefined);
      socket.on('close', () => resolve(Date.now() - start));
    });
    // Headers promise a body that never comes.
    socket.write(`POST /devices/x/messages/events?api-version=2021-04-12 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\nabc`);
    const ms = await closed;
    // Without timeouts it would stay open for good; the bound is loose because this machine is shared.
    assert.ok(ms < 20_000, `the stalled request was closed after ${ms} ms`);

    const res = await openStream(t, auth, '/local/events');
    let ended = false;
    res.on('close', () => (ended = true));
    res.resume();
    // A connection opened after the stream that sends nothing: the idle timeout closes it, so once
    // it is closed the stream (older, and as quiet) has outlived the idle timeout too.
    const idle = connect({ host: 'localhost', port: t.apiPort, ca: t.ca, servername: 'localhost' });
    idle.on('data', () => undefined);
    idle.on('error', () => undefined);
    const idleStart = Date.now();
    await new Promise<void>((resolve) => idle.once('close', () => resolve()));
    assert.ok(Date.now() - idleStart >= IDLE_MS - 100, `the quiet connection was closed by the idle timeout (after ${Date.now() - idleStart} ms)`);
    assert.equal(ended, false, 'the stream outlived the idle timeout');
    res.destroy();
  });
});
